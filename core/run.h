/* run.h: running the machines of a validated host through a bridge. */
#ifndef VZH_RUN_H
#define VZH_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "../bridge/bridge.h"
#include "host.h"

/* check every machine against the bridge the host would use.  Without a
   usable hypervisor, strict reports it (exit 69), else only warns.  When
   out is not NULL, the bridge says there what it would do (--check) */
int run_check_bridge(struct host *h, bool strict, FILE *out);
/* what a bridge gets from h outside a run (no state or event descriptor) */
void run_bridge_env(struct host *h, const struct bridge_ops *ops,
		    struct bridge_env *env);
/* start every VM, run until all have stopped; returns a sysexits status */
int run_machines(struct host *h);

#endif
