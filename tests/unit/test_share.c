/* test_share.c: the share plugin against a fake API: tag and directory rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fakeapi.h"

static int setup(void **s)
{
	(void)s;
	if (!fake_load("share"))
		return -1;
	fk.dir = "/";
	return 0;
}

static void good(void **s)
{
	const struct fake_kv kv[] = { { "tag", "s:work" },
				      { "path", "s:tmp" },
				      { "read_only", "b:1" },
				      { 0 } };

	(void)s;
	assert_int_equal(fake_contribute("share", kv), 0);
	assert_string_equal(fk.devs[0].u.share.tag, "work");
	assert_string_equal(fk.devs[0].u.share.path, "//tmp");
	assert_int_equal(fk.devs[0].u.share.read_only, 1);
}

static void tag_rules(void **s)
{
	const struct fake_kv none[] = { { "path", "s:/tmp" }, { 0 } };
	const struct fake_kv max[] = {
		{ "tag", "s:abcdefghijklmnopqrstuvwxyz012345678" },
		{ "path", "s:/tmp" },
		{ 0 }
	};
	const struct fake_kv over[] = {
		{ "tag", "s:abcdefghijklmnopqrstuvwxyz0123456789" },
		{ "path", "s:/tmp" },
		{ 0 }
	};

	(void)s;
	assert_int_not_equal(fake_contribute("share", none), 0);
	assert_true(fake_has_error("tag", "needs a tag"));
	assert_int_equal(fake_contribute("share", max), 0); /* 35 bytes */
	assert_int_not_equal(fake_contribute("share", over), 0); /* 36 */
	assert_true(fake_has_error("tag", "is 36 bytes"));
}

static void path_rules(void **s)
{
	const struct fake_kv none[] = { { "tag", "s:t" }, { 0 } };
	const struct fake_kv missing[] = { { "tag", "s:t" },
					   { "path", "s:/no/such" },
					   { 0 } };
	const struct fake_kv file[] = { { "tag", "s:t" },
					{ "path", "s:/etc/hostname" },
					{ 0 } };

	(void)s;
	assert_int_not_equal(fake_contribute("share", none), 0);
	assert_true(fake_has_error("path", "needs a host directory"));
	assert_int_not_equal(fake_contribute("share", missing), 0);
	assert_true(fake_has_error("path", "No such file"));
	assert_int_not_equal(fake_contribute("share", file), 0);
	assert_true(fake_has_error("path", "not a directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(tag_rules),
		cmocka_unit_test(path_rules),
	};

	return cmocka_run_group_tests_name("share", tests, setup, NULL);
}
