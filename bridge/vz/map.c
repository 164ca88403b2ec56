/* map.c: Virtualization.framework's numbers in vzhost's terms: its ten states, and its errors by domain and code. */
#include <string.h>

#include "vz.h"

/* VZVirtualMachineState's values (the framework's numbering, not the SDK's
   order): Stopped 0, Running 1, Paused 2, Error 3, Starting 4, Pausing 5,
   Resuming 6, Stopping 7 (macOS 12), Saving 8, Restoring 9 (macOS 14) */
static const enum vzh_state states[] = {
	VZH_STATE_STOPPED,   VZH_STATE_RUNNING,	 VZH_STATE_PAUSED,
	VZH_STATE_ERROR,     VZH_STATE_STARTING, VZH_STATE_PAUSING,
	VZH_STATE_RESUMING,  VZH_STATE_STOPPING, VZH_STATE_SAVING,
	VZH_STATE_RESTORING,
};

enum vzh_state vz_state(long vz)
{
	/* a state a newer macOS adds is not guessed at */
	if (vz < 0 || (size_t)vz >= sizeof(states) / sizeof(states[0]))
		return VZH_STATE_ERROR;
	return states[vz];
}

/* VZErrorCode, every code Apple's VZErrors.h names (macOS 15's SDK, and the
   guest provisioning and EFI codes of later ones), each said by what it
   means and Apple's name: a user searches for the name */
static const struct {
	long code;
	enum vz_err_kind kind;
	const char *what;
} codes[] = {
	{ 1, VZ_ERR_FAILED,
	  "internal error of the framework (VZErrorInternal)" },
	{ 2, VZ_ERR_START,
	  "the framework refused the configuration "
	  "(VZErrorInvalidVirtualMachineConfiguration)" },
	{ 3, VZ_ERR_REFUSED,
	  "not possible in the VM's current state "
	  "(VZErrorInvalidVirtualMachineState)" },
	{ 4, VZ_ERR_REFUSED,
	  "not possible from the VM's current state "
	  "(VZErrorInvalidVirtualMachineStateTransition)" },
	{ 5, VZ_ERR_START, "invalid disk image (VZErrorInvalidDiskImage)" },
	{ 6, VZ_ERR_LIMIT,
	  "the host's virtual machine limit is reached "
	  "(VZErrorVirtualMachineLimitExceeded)" },
	{ 7, VZ_ERR_FAILED, "network error (VZErrorNetworkError)" },
	{ 8, VZ_ERR_FAILED,
	  "the host is out of disk space (VZErrorOutOfDiskSpace)" },
	{ 9, VZ_ERR_FAILED, "operation cancelled (VZErrorOperationCancelled)" },
	{ 10, VZ_ERR_START,
	  "not supported on this Mac or macOS (VZErrorNotSupported)" },
	{ 11, VZ_ERR_SAVE, "the VM's state could not be saved (VZErrorSave)" },
	{ 12, VZ_ERR_RESTORE,
	  "the saved state could not be restored (VZErrorRestore)" },
	/* a restore image and its installation (vzhost install) */
	{ 10001, VZ_ERR_FAILED,
	  "the restore image catalog did not load "
	  "(VZErrorRestoreImageCatalogLoadFailed)" },
	{ 10002, VZ_ERR_FAILED,
	  "the restore image catalog is invalid "
	  "(VZErrorInvalidRestoreImageCatalog)" },
	{ 10003, VZ_ERR_FAILED,
	  "the restore image catalog has no image this Mac supports "
	  "(VZErrorNoSupportedRestoreImagesInCatalog)" },
	{ 10004, VZ_ERR_FAILED,
	  "the restore image did not load (VZErrorRestoreImageLoadFailed)" },
	{ 10005, VZ_ERR_FAILED,
	  "the restore image is invalid (VZErrorInvalidRestoreImage)" },
	{ 10006, VZ_ERR_FAILED,
	  "the installation needs a software update of this Mac first "
	  "(VZErrorInstallationRequiresUpdate)" },
	{ 10007, VZ_ERR_FAILED,
	  "the installation failed (VZErrorInstallationFailed)" },
	/* an NBD disk (macOS 14) */
	{ 20001, VZ_ERR_FAILED,
	  "the connection or negotiation with the NBD server failed "
	  "(VZErrorNetworkBlockDeviceNegotiationFailed)" },
	{ 20002, VZ_ERR_FAILED,
	  "the NBD server disconnected (VZErrorNetworkBlockDeviceDisconnected)" },
	/* USB hot-plug (macOS 15): refused, the VM as it was */
	{ 30001, VZ_ERR_REFUSED,
	  "the VM has no USB controller (VZErrorUSBControllerNotFound)" },
	{ 30002, VZ_ERR_REFUSED,
	  "the USB device is attached already (VZErrorDeviceAlreadyAttached)" },
	{ 30003, VZ_ERR_REFUSED,
	  "the USB device did not initialise "
	  "(VZErrorDeviceInitializationFailure)" },
	{ 30004, VZ_ERR_REFUSED,
	  "no such USB device is attached (VZErrorDeviceNotFound)" },
	/* guest provisioning and the EFI variable store (later SDKs) */
	{ 40001, VZ_ERR_START,
	  "guest provisioning: the full name is invalid "
	  "(VZErrorGuestProvisioningInvalidFullName)" },
	{ 40002, VZ_ERR_START,
	  "guest provisioning: the user name is invalid "
	  "(VZErrorGuestProvisioningInvalidUsername)" },
	{ 40003, VZ_ERR_START,
	  "guest provisioning: the password is invalid "
	  "(VZErrorGuestProvisioningInvalidPassword)" },
	{ 50001, VZ_ERR_START,
	  "the Secure Boot signatures did not enroll "
	  "(VZErrorEFISecureBootEnrollmentFailed)" },
	{ 50002, VZ_ERR_START,
	  "the EFI variable store cannot be read "
	  "(VZErrorEFIVariableInaccessible)" },
};

void vz_error(const char *domain, long code, struct vz_error_class *out)
{
	size_t i;

	/* by domain and code, never by the message: code 6's text was wrong
	   on macOS 12.5 */
	out->kind = VZ_ERR_FAILED;
	out->what = NULL;
	if (!domain || strcmp(domain, VZ_ERROR_DOMAIN))
		return;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code) {
			out->kind = codes[i].kind;
			out->what = codes[i].what;
			return;
		}
}

enum vzh_reason vz_error_reason(enum vz_err_kind kind, bool starting)
{
	switch (kind) {
	case VZ_ERR_LIMIT:
		return VZH_REASON_LIMIT_EXCEEDED; /* the slot classifier's */
	case VZ_ERR_START:
		return VZH_REASON_START_FAILED;
	case VZ_ERR_REFUSED: /* a refusal leaves the VM as it was */
	case VZ_ERR_SAVE:
		return VZH_REASON_NONE;
	case VZ_ERR_RESTORE:
		return VZH_REASON_START_FAILED;
	default:
		return starting ? VZH_REASON_START_FAILED : VZH_REASON_CRASHED;
	}
}
