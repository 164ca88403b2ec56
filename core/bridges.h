/* bridges.h: the bridge table: every hypervisor bridge vzhost knows, and its settings. */
#ifndef VZH_BRIDGES_H
#define VZH_BRIDGES_H

#include "../bridge/bridge.h"
#include "diag.h"

/* "auto" or a bridge's name: its ops, or NULL with the reason in d */
const struct bridge_ops *bridges_pick(const char *name, struct diag *d);
/* "auto" and every bridge's name, NULL-terminated (host.bridge's values) */
const char *const *bridges_names(void);
/* the i-th bridge's setting keys, over every bridge built here; NULL after
   the last; *owner is its bridge's name */
const struct bridge_key *bridges_key(size_t i, const char **owner);
/* a bridge of the tests' own (a fake hypervisor), chosen by its name;
   0 or -ENOSPC */
int bridges_add(const struct bridge_ops *ops);

#endif
