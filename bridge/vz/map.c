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

/* VZErrorCode, as VZ-FACTS lists it */
static const struct {
	long code;
	enum vz_err_kind kind;
	const char *what;
} codes[] = {
	{ 1, VZ_ERR_FAILED, "internal error of the framework" },
	{ 2, VZ_ERR_START, "the framework refused the configuration" },
	{ 3, VZ_ERR_REFUSED, "not possible in the VM's current state" },
	{ 4, VZ_ERR_REFUSED, "not possible from the VM's current state" },
	{ 5, VZ_ERR_START, "invalid disk image" },
	{ 6, VZ_ERR_LIMIT, "the host's virtual machine limit is reached" },
	{ 7, VZ_ERR_FAILED, "network error" },
	{ 8, VZ_ERR_FAILED, "the host is out of disk space" },
	{ 9, VZ_ERR_FAILED, "operation cancelled" },
	{ 10, VZ_ERR_START, "not supported on this Mac or macOS" },
	{ 11, VZ_ERR_SAVE, "the VM's state could not be saved" },
	{ 12, VZ_ERR_RESTORE, "the saved state could not be restored" },
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
	if (code >= 10001 && code <= 10007)
		out->what = "installation from the restore image failed";
	else if (code >= 20001 && code <= 20002)
		out->what = "the network block device failed";
	else if (code >= 30001 && code <= 30004)
		out->what = "a USB device failed";
	else if (code >= 40001 && code <= 40003)
		out->what = "guest provisioning failed";
	else if (code >= 50001 && code <= 50002)
		out->what = "the EFI variable store failed";
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
