/* ctlcli.h: `vzhost ctl VM COMMAND` and `vzhost list`: the control socket's client side. */
#ifndef VZH_CTLCLI_H
#define VZH_CTLCLI_H

#include <stdbool.h>

/* a VM that does not answer within timeout_ms is named, and the status is 76
   (events: the stream itself has no deadline) */
int ctl_client_main(const char *state_dir, const char *vm, int argc,
		    char **argv, int timeout_ms);
int list_main(const char *state_dir, bool as_json, int timeout_ms);

#endif
