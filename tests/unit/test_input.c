/* test_input.c: the input plugin against a fake API: keyboard, tablet, trackpad rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fakeapi.h"

static int setup(void **s)
{
	(void)s;
	return fake_load("input") ? 0 : -1;
}

static void kinds(void **s)
{
	(void)s;
	assert_int_equal(fk.nkinds, 2);
	assert_string_equal(fk.kinds[0].name, "keyboard");
	assert_string_equal(fk.kinds[1].name, "pointer");
}

static void keyboard_and_tablet(void **s)
{
	const struct fake_kv none[] = { { 0 } };

	(void)s;
	assert_int_equal(fake_contribute("keyboard", none), 0);
	assert_string_equal(fk.devs[0].cls, "keyboard");
	assert_int_equal(fake_contribute("pointer", none), 0);
	assert_string_equal(fk.devs[0].cls, "pointer");
	assert_int_equal(fk.devs[0].u.pointer.type, VZH_POINTER_TABLET);
}

static void trackpad_needs_macos(void **s)
{
	const struct fake_kv kv[] = { { "type", "s:trackpad" }, { 0 } };

	(void)s;
	fk.guest = VZH_GUEST_LINUX;
	assert_int_not_equal(fake_contribute("pointer", kv), 0);
	assert_true(fake_has_error("type", "needs a macOS guest"));
	fk.guest = VZH_GUEST_MACOS;
	assert_int_equal(fake_contribute("pointer", kv), 0);
	assert_int_equal(fk.devs[0].u.pointer.type, VZH_POINTER_TRACKPAD);
}

static void unknown_type(void **s)
{
	const struct fake_kv kv[] = { { "type", "s:mouse" }, { 0 } };

	(void)s;
	assert_int_not_equal(fake_contribute("pointer", kv), 0);
	assert_true(fake_has_error("type", "mouse"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds),
		cmocka_unit_test(keyboard_and_tablet),
		cmocka_unit_test(trackpad_needs_macos),
		cmocka_unit_test(unknown_type),
	};

	return cmocka_run_group_tests_name("input", tests, setup, NULL);
}
