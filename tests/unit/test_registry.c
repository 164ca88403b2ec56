/* test_registry.c: kind ownership and subscription order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "registry.h"

static int contribute(void *state, struct vzh_device *d)
{
	(void)state, (void)d;
	return 0;
}

static int hook(void *data, const struct vzh_event_info *ev)
{
	(void)data, (void)ev;
	return 0;
}

static void kinds(void **s)
{
	struct registry r = { 0 };
	struct plugin *a = (struct plugin *)1, *b = (struct plugin *)2,
		      *holder = NULL;
	static const char *const keys[] = { "path", NULL };
	struct vzh_kind k = { sizeof(k), 0, "disk", keys, contribute };
	const char **names;

	(void)s;
	assert_int_equal(registry_add_kind(&r, a, &k, &holder), 0);
	assert_int_equal(registry_add_kind(&r, b, &k, &holder), -EEXIST);
	assert_ptr_equal(holder, a);
	k.name = "acme.widget";
	assert_int_equal(registry_add_kind(&r, b, &k, &holder), 0);
	k.name = "Bad Name";
	assert_int_equal(registry_add_kind(&r, b, &k, &holder), -EINVAL);
	k.name = "nocallback";
	k.contribute = NULL;
	assert_int_equal(registry_add_kind(&r, b, &k, &holder), -EINVAL);
	assert_ptr_equal(registry_find_kind(&r, "disk")->owner, a);
	/* "kind" is always allowed besides the plugin's keys */
	assert_string_equal(registry_find_kind(&r, "disk")->keys[0], "kind");
	assert_string_equal(registry_find_kind(&r, "disk")->keys[1], "path");
	assert_null(registry_find_kind(&r, "disk")->keys[2]);
	names = registry_kind_names(&r);
	assert_string_equal(names[0], "acme.widget");
	assert_string_equal(names[1], "disk");
	assert_null(names[2]);
	free(names);
	registry_drop(&r, a);
	assert_null(registry_find_kind(&r, "disk"));
	assert_non_null(registry_find_kind(&r, "acme.widget"));
	registry_free(&r);
}

static void subscriptions_in_priority_then_load_order(void **s)
{
	struct registry r = { 0 };
	struct plugin *p[4] = { (struct plugin *)1, (struct plugin *)2,
				(struct plugin *)3, (struct plugin *)4 };

	(void)s;
	assert_int_equal(registry_subscribe(&r, p[0], VZH_EV_START, 10, hook,
					    "a", 0),
			 0);
	assert_int_equal(registry_subscribe(&r, p[1], VZH_EV_START, -5, hook,
					    "b", 1),
			 0);
	assert_int_equal(registry_subscribe(&r, p[2], VZH_EV_START, 10, hook,
					    "c", 2),
			 0);
	assert_int_equal(
		registry_subscribe(&r, p[3], VZH_EV_START, 0, hook, "d", 3), 0);
	assert_int_equal(registry_subscribe(&r, p[3], VZH_EV_COUNT, 0, hook,
					    "x", 3),
			 -EINVAL);
	assert_int_equal(r.nsubs[VZH_EV_START], 4);
	assert_string_equal(r.subs[VZH_EV_START][0].data, "b");
	assert_string_equal(r.subs[VZH_EV_START][1].data, "d");
	assert_string_equal(r.subs[VZH_EV_START][2].data, "a");
	assert_string_equal(r.subs[VZH_EV_START][3].data, "c");
	registry_drop(&r, p[0]);
	assert_int_equal(r.nsubs[VZH_EV_START], 3);
	assert_string_equal(r.subs[VZH_EV_START][2].data, "c");
	registry_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds),
		cmocka_unit_test(subscriptions_in_priority_then_load_order),
	};

	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
