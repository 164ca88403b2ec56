/* test_graphics.c: the graphics plugin against a fake API: defaults and ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fakeapi.h"

static int setup(void **s)
{
	(void)s;
	return fake_load("graphics") ? 0 : -1;
}

static void defaults(void **s)
{
	const struct fake_kv kv[] = { { 0 } };

	(void)s;
	assert_int_equal(fake_contribute("graphics", kv), 0);
	assert_int_equal(fk.devs[0].u.graphics.width, 1920);
	assert_int_equal(fk.devs[0].u.graphics.height, 1200);
	assert_int_equal(fk.devs[0].u.graphics.ppi, 144);
}

static void given(void **s)
{
	const struct fake_kv kv[] = { { "width", "i:1024" },
				      { "height", "i:768" },
				      { "ppi", "i:80" },
				      { 0 } };

	(void)s;
	assert_int_equal(fake_contribute("graphics", kv), 0);
	assert_int_equal(fk.devs[0].u.graphics.width, 1024);
	assert_int_equal(fk.devs[0].u.graphics.height, 768);
	assert_int_equal(fk.devs[0].u.graphics.ppi, 80);
}

static void out_of_range(void **s)
{
	const struct fake_kv kv[] = { { "width", "i:0" },
				      { "height", "i:99999" },
				      { "ppi", "s:high" },
				      { 0 } };

	(void)s;
	assert_int_not_equal(fake_contribute("graphics", kv), 0);
	assert_int_equal(fk.ndevs, 0);
	/* all three reported, not only the first */
	assert_true(fake_has_error("width", "out of range"));
	assert_true(fake_has_error("height", "out of range"));
	assert_true(fake_has_error("ppi", "wrong type"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(given),
		cmocka_unit_test(out_of_range),
	};

	return cmocka_run_group_tests_name("graphics", tests, setup, NULL);
}
