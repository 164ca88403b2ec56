/* bridges.c: the bridge table: every hypervisor bridge vzhost knows, and its settings. */
#include "bridges.h"

#include <errno.h>
#include <string.h>

extern const struct bridge_ops qemu_bridge;
/* on Linux only its plain-C half (bridge/vz/absent-linux.c): --check says
   what it would do, and a run is refused with the reason */
extern const struct bridge_ops vz_bridge;

#define MAX_BRIDGES 8

static const struct bridge_ops *table[MAX_BRIDGES] = { &qemu_bridge,
						       &vz_bridge };
static const char *names[MAX_BRIDGES + 2] = { "auto", "qemu", "vz" };
static size_t ntable = 2;

const struct bridge_ops *bridges_pick(const char *name, struct diag *d)
{
	size_t i;

	/* auto: Virtualization.framework on a Mac, else QEMU */
	if (!name || !strcmp(name, "auto"))
#ifdef __APPLE__
		name = "vz";
#else
		name = "qemu";
#endif
	for (i = 0; i < ntable; i++)
		if (!strcmp(table[i]->name, name))
			return table[i];
	diag_add(d, NULL, "host.bridge = \"%s\": no such bridge", name);
	return NULL;
}

const char *const *bridges_names(void)
{
	return names;
}

const struct bridge_key *bridges_key(size_t i, const char **owner)
{
	const struct bridge_key *k;
	size_t t;

	for (t = 0; t < ntable; t++) {
		if (!table[t]->keys)
			continue;
		for (k = table[t]->keys; k->name; k++)
			if (i-- == 0) {
				*owner = table[t]->name;
				return k;
			}
	}
	return NULL;
}

int bridges_add(const struct bridge_ops *ops)
{
	if (ntable == MAX_BRIDGES)
		return -ENOSPC;
	table[ntable] = ops;
	names[++ntable] = ops->name;
	return 0;
}
