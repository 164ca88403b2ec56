/* test_vzmap.c: Virtualization.framework's states and errors in vzhost's terms (bridge/vz/map.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../bridge/vz/vz.h"

/* the framework's numbering is not the SDK's order: the table, whole */
static void states(void **s)
{
	static const enum vzh_state want[] = {
		VZH_STATE_STOPPED,   VZH_STATE_RUNNING,	 VZH_STATE_PAUSED,
		VZH_STATE_ERROR,     VZH_STATE_STARTING, VZH_STATE_PAUSING,
		VZH_STATE_RESUMING,  VZH_STATE_STOPPING, VZH_STATE_SAVING,
		VZH_STATE_RESTORING,
	};
	long v;

	(void)s;
	for (v = 0; v < 10; v++)
		assert_int_equal(vz_state(v), want[v]);
	/* a state a later macOS adds, or garbage: not guessed */
	assert_int_equal(vz_state(10), VZH_STATE_ERROR);
	assert_int_equal(vz_state(-1), VZH_STATE_ERROR);
}

static void errors(void **s)
{
	struct vz_error_class c;

	(void)s;
	vz_error("VZErrorDomain", 6, &c);
	assert_int_equal(c.kind, VZ_ERR_LIMIT);
	assert_int_equal(vz_error_reason(c.kind, true),
			 VZH_REASON_LIMIT_EXCEEDED);
	/* code 6 of another domain is not the VM limit */
	vz_error("NSPOSIXErrorDomain", 6, &c);
	assert_int_equal(c.kind, VZ_ERR_FAILED);
	assert_null(c.what);
	vz_error(NULL, 6, &c);
	assert_int_equal(c.kind, VZ_ERR_FAILED);
	/* invalid state, invalid transition: a refusal, the VM unchanged */
	vz_error("VZErrorDomain", 3, &c);
	assert_int_equal(c.kind, VZ_ERR_REFUSED);
	assert_int_equal(vz_error_reason(c.kind, false), VZH_REASON_NONE);
	vz_error("VZErrorDomain", 4, &c);
	assert_int_equal(c.kind, VZ_ERR_REFUSED);
	vz_error("VZErrorDomain", 2, &c);
	assert_int_equal(c.kind, VZ_ERR_START);
	assert_int_equal(vz_error_reason(c.kind, true),
			 VZH_REASON_START_FAILED);
	vz_error("VZErrorDomain", 8, &c);
	assert_string_equal(c.what, "the host is out of disk space");
	vz_error("VZErrorDomain", 11, &c);
	assert_int_equal(c.kind, VZ_ERR_SAVE);
	assert_int_equal(vz_error_reason(c.kind, false), VZH_REASON_NONE);
	vz_error("VZErrorDomain", 12, &c);
	assert_int_equal(c.kind, VZ_ERR_RESTORE);
	vz_error("VZErrorDomain", 20002, &c);
	assert_string_equal(c.what, "the network block device failed");
	/* an unknown code: failed, said by its number */
	vz_error("VZErrorDomain", 777, &c);
	assert_int_equal(c.kind, VZ_ERR_FAILED);
	assert_null(c.what);
	assert_int_equal(vz_error_reason(c.kind, false), VZH_REASON_CRASHED);
	assert_int_equal(vz_error_reason(c.kind, true),
			 VZH_REASON_START_FAILED);
}

/* the ranges VZ-FACTS gives, at their bounds and one past them: a code
   just outside is said by its number, not taken for its neighbours' */
static void error_ranges(void **s)
{
	static const struct {
		long lo, hi;
		const char *what;
	} ranges[] = {
		{ 10001, 10007, "installation from the restore image failed" },
		{ 20001, 20002, "the network block device failed" },
		{ 30001, 30004, "a USB device failed" },
		{ 40001, 40003, "guest provisioning failed" },
		{ 50001, 50002, "the EFI variable store failed" },
	};
	struct vz_error_class c;
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		vz_error("VZErrorDomain", ranges[i].lo, &c);
		assert_string_equal(c.what, ranges[i].what);
		vz_error("VZErrorDomain", ranges[i].hi, &c);
		assert_string_equal(c.what, ranges[i].what);
		vz_error("VZErrorDomain", ranges[i].lo - 1, &c);
		assert_null(c.what);
		vz_error("VZErrorDomain", ranges[i].hi + 1, &c);
		assert_null(c.what);
		assert_int_equal(c.kind, VZ_ERR_FAILED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(states),
		cmocka_unit_test(errors),
		cmocka_unit_test(error_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
