/* vz.h: the Virtualization.framework bridge's plain-C parts, shared by its files (macOS only). */
#ifndef VZH_VZ_H
#define VZH_VZ_H

#include <stddef.h>

#include "../bridge.h"

/* the VZ guests alive host-wide (*out malloc'd): 0 or -errno */
int vz_alive_procs(struct hv_proc **out, size_t *n);

#endif
