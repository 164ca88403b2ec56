/* ctlcli.h: `vzhost ctl VM COMMAND` and `vzhost list`: the control socket's client side. */
#ifndef VZH_CTLCLI_H
#define VZH_CTLCLI_H

#include <stdbool.h>

int ctl_client_main(const char *state_dir, const char *vm, int argc,
		    char **argv);
int list_main(const char *state_dir, bool as_json);

#endif
