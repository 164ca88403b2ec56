/* build.h: turning the vms section into machines, and checking them. */
#ifndef VZH_BUILD_H
#define VZH_BUILD_H

#include "host.h"

/* parse every VM and let each device's plugin contribute (errors in diag) */
int build_machines(struct host *h);
/* the core's rules across settings and machines (errors in diag) */
int validate_machines(struct host *h);

#endif
