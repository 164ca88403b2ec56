/* test_vzmap.c: Virtualization.framework's states and errors in vzhost's terms (bridge/vz/map.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../bridge/vz/vz.h"
#include "helpers.h"

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
	assert_string_equal(
		c.what,
		"the host is out of disk space (VZErrorOutOfDiskSpace)");
	vz_error("VZErrorDomain", 11, &c);
	assert_int_equal(c.kind, VZ_ERR_SAVE);
	assert_int_equal(vz_error_reason(c.kind, false), VZH_REASON_NONE);
	vz_error("VZErrorDomain", 12, &c);
	assert_int_equal(c.kind, VZ_ERR_RESTORE);
	vz_error("VZErrorDomain", 20002, &c);
	assert_string_equal(c.what, "the NBD server disconnected "
				    "(VZErrorNetworkBlockDeviceDisconnected)");
	/* an unknown code: failed, said by its number */
	vz_error("VZErrorDomain", 777, &c);
	assert_int_equal(c.kind, VZ_ERR_FAILED);
	assert_null(c.what);
	assert_int_equal(vz_error_reason(c.kind, false), VZH_REASON_CRASHED);
	assert_int_equal(vz_error_reason(c.kind, true),
			 VZH_REASON_START_FAILED);
}

/* every code of Apple's VZErrors.h, by its name there, and its kind; a code
   just outside a range is said by its number, not taken for a neighbour's */
static void error_ranges(void **s)
{
	static const struct {
		long code;
		const char *name;
		enum vz_err_kind kind;
	} named[] = {
		{ 1, "VZErrorInternal", VZ_ERR_FAILED },
		{ 2, "VZErrorInvalidVirtualMachineConfiguration",
		  VZ_ERR_START },
		{ 3, "VZErrorInvalidVirtualMachineState", VZ_ERR_REFUSED },
		{ 4, "VZErrorInvalidVirtualMachineStateTransition",
		  VZ_ERR_REFUSED },
		{ 5, "VZErrorInvalidDiskImage", VZ_ERR_START },
		{ 6, "VZErrorVirtualMachineLimitExceeded", VZ_ERR_LIMIT },
		{ 7, "VZErrorNetworkError", VZ_ERR_FAILED },
		{ 8, "VZErrorOutOfDiskSpace", VZ_ERR_FAILED },
		{ 9, "VZErrorOperationCancelled", VZ_ERR_FAILED },
		{ 10, "VZErrorNotSupported", VZ_ERR_START },
		{ 11, "VZErrorSave", VZ_ERR_SAVE },
		{ 12, "VZErrorRestore", VZ_ERR_RESTORE },
		{ 10001, "VZErrorRestoreImageCatalogLoadFailed",
		  VZ_ERR_FAILED },
		{ 10002, "VZErrorInvalidRestoreImageCatalog", VZ_ERR_FAILED },
		{ 10003, "VZErrorNoSupportedRestoreImagesInCatalog",
		  VZ_ERR_FAILED },
		{ 10004, "VZErrorRestoreImageLoadFailed", VZ_ERR_FAILED },
		{ 10005, "VZErrorInvalidRestoreImage", VZ_ERR_FAILED },
		{ 10006, "VZErrorInstallationRequiresUpdate", VZ_ERR_FAILED },
		{ 10007, "VZErrorInstallationFailed", VZ_ERR_FAILED },
		{ 20001, "VZErrorNetworkBlockDeviceNegotiationFailed",
		  VZ_ERR_FAILED },
		{ 20002, "VZErrorNetworkBlockDeviceDisconnected",
		  VZ_ERR_FAILED },
		{ 30001, "VZErrorUSBControllerNotFound", VZ_ERR_REFUSED },
		{ 30002, "VZErrorDeviceAlreadyAttached", VZ_ERR_REFUSED },
		{ 30003, "VZErrorDeviceInitializationFailure", VZ_ERR_REFUSED },
		{ 30004, "VZErrorDeviceNotFound", VZ_ERR_REFUSED },
		{ 40001, "VZErrorGuestProvisioningInvalidFullName",
		  VZ_ERR_START },
		{ 40002, "VZErrorGuestProvisioningInvalidUsername",
		  VZ_ERR_START },
		{ 40003, "VZErrorGuestProvisioningInvalidPassword",
		  VZ_ERR_START },
		{ 50001, "VZErrorEFISecureBootEnrollmentFailed", VZ_ERR_START },
		{ 50002, "VZErrorEFIVariableInaccessible", VZ_ERR_START },
	};
	static const long outside[] = { 0,     13,    10000, 10008,
					20000, 20003, 30000, 30005,
					40000, 40004, 50000, 50003 };
	struct vz_error_class c;
	const char *seen[sizeof(named) / sizeof(named[0])], *tail;
	size_t i, k, n;

	(void)s;
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		vz_error("VZErrorDomain", named[i].code, &c);
		assert_non_null(c.what);
		/* "what it means (Name)" */
		tail = th_fmt(" (%s)", named[i].name);
		n = strlen(c.what);
		assert_true(n > strlen(tail));
		assert_string_equal(c.what + n - strlen(tail), tail);
		assert_int_equal(c.kind, named[i].kind);
		for (k = 0; k < i; k++) /* each its own words */
			assert_string_not_equal(c.what, seen[k]);
		seen[i] = c.what;
	}
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		vz_error("VZErrorDomain", outside[i], &c);
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
