/* ctlcli.h: `vzhost ctl VM COMMAND` and `vzhost list`: the control socket's client side. */
#ifndef VZH_CTLCLI_H
#define VZH_CTLCLI_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_DEFAULT_TIMEOUT_MS 5000

/* a VM that does not answer within timeout_ms (0: the default) is named, and
   the status is 76; the events stream has no deadline, nor, unless a timeout
   is given, pause, resume and save, which the hypervisor answers in time */
int ctl_client_main(const char *state_dir, const char *vm, int argc,
		    char **argv, int timeout_ms);
/* attached to VM vm's console on fd (early: the first bytes, read with the
   answer): its output to standard output, standard input to it (a
   terminal raw, Ctrl-] d detaches); when a piped input ends, leaves once
   the guest said nothing for quiet_ms.  0 detached, 69 the VM is gone */
int ctl_console_session(int fd, const char *vm, const char *early,
			size_t earlylen, int quiet_ms);
/* the VMs of state_dir, and the slot ledger (slots_dir, NULL: state_dir's)
   against the limits (-1: not known, no -c FILE) */
int list_main(const char *state_dir, bool as_json, int timeout_ms,
	      const char *slots_dir, int max_vms, int macos_slots);

#endif
