/* test_serial.c: the serial plugin against a fake API: stdio, none, pty and files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fakeapi.h"

static int setup(void **s)
{
	(void)s;
	if (!fake_load("serial"))
		return -1;
	fk.dir = "/tmp";
	return 0;
}

static void words(void **s)
{
	static const char *const w[] = { "s:stdio", "s:none", "s:pty" };
	unsigned i;

	(void)s;
	for (i = 0; i < 3; i++) {
		const struct fake_kv kv[] = { { "output", w[i] }, { 0 } };

		assert_int_equal(fake_contribute("serial", kv), 0);
		assert_int_equal(fk.devs[0].u.serial.output, i);
		assert_null(fk.devs[0].u.serial.path);
	}
}

static void default_is_stdio(void **s)
{
	const struct fake_kv kv[] = { { 0 } };

	(void)s;
	assert_int_equal(fake_contribute("serial", kv), 0);
	assert_int_equal(fk.devs[0].u.serial.output, VZH_SERIAL_STDIO);
}

static void file(void **s)
{
	const struct fake_kv kv[] = { { "output", "s:console.log" }, { 0 } };

	(void)s;
	assert_int_equal(fake_contribute("serial", kv), 0);
	assert_int_equal(fk.devs[0].u.serial.output, VZH_SERIAL_FILE);
	assert_string_equal(fk.devs[0].u.serial.path, "/tmp/console.log");
}

static void bad_files(void **s)
{
	const struct fake_kv nodir[] = { { "output", "s:/no/such/dir/x.log" },
					 { 0 } };
	const struct fake_kv isdir[] = { { "output", "s:/tmp" }, { 0 } };
	const struct fake_kv empty[] = { { "output", "s:" }, { 0 } };

	(void)s;
	assert_int_not_equal(fake_contribute("serial", nodir), 0);
	assert_true(fake_has_error("output", "not a directory"));
	assert_int_not_equal(fake_contribute("serial", isdir), 0);
	assert_true(fake_has_error("output", "is a directory"));
	assert_int_not_equal(fake_contribute("serial", empty), 0);
	assert_true(fake_has_error("output", "empty output"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words),
		cmocka_unit_test(default_is_stdio),
		cmocka_unit_test(file),
		cmocka_unit_test(bad_files),
	};

	return cmocka_run_group_tests_name("serial", tests, setup, NULL);
}
