/* run.h: running the machines of a validated host through a bridge. */
#ifndef VZH_RUN_H
#define VZH_RUN_H

#include <stdbool.h>

#include "host.h"

/* check every machine against the bridge the host would use.  Without a
   usable hypervisor, strict reports it (exit 69), else only warns */
int run_check_bridge(struct host *h, bool strict);
/* start every VM, run until all have stopped; returns a sysexits status */
int run_machines(struct host *h);

#endif
