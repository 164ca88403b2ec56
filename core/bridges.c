/* bridges.c: the bridge table: every hypervisor bridge vzhost knows, whether built here, and its settings. */
#include "bridges.h"

#include <errno.h>
#include <string.h>

extern const struct bridge_ops qemu_bridge;
#ifdef VZH_BRIDGE_VZ
extern const struct bridge_ops vz_bridge;
#endif

struct entry {
	const char *name;
	const struct bridge_ops *ops; /* NULL: not built here */
	const char *absent; /* ... and why */
};

#define MAX_BRIDGES 8

/* auto: Virtualization.framework where it was built, else QEMU */
static struct entry table[MAX_BRIDGES] = {
	{ "qemu", &qemu_bridge, NULL },
#ifdef VZH_BRIDGE_VZ
	{ "vz", &vz_bridge, NULL },
#else
	{ "vz", NULL,
	  "this vzhost was built without the Virtualization.framework bridge "
	  "(macOS only)" },
#endif
};
static const char *names[MAX_BRIDGES + 2] = { "auto", "qemu", "vz" };
static size_t ntable = 2;

const struct bridge_ops *bridges_pick(const char *name, struct diag *d)
{
	size_t i;

	if (!name || !strcmp(name, "auto"))
		name = table[1].ops ? table[1].name : table[0].name;
	for (i = 0; i < ntable; i++) {
		if (strcmp(table[i].name, name))
			continue;
		if (!table[i].ops)
			diag_add(d, NULL, "host.bridge = \"%s\": %s", name,
				 table[i].absent);
		return table[i].ops;
	}
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
		if (!table[t].ops || !table[t].ops->keys)
			continue;
		for (k = table[t].ops->keys; k->name; k++)
			if (i-- == 0) {
				*owner = table[t].name;
				return k;
			}
	}
	return NULL;
}

int bridges_add(const struct bridge_ops *ops)
{
	if (ntable == MAX_BRIDGES)
		return -ENOSPC;
	table[ntable] = (struct entry){ ops->name, ops, NULL };
	names[++ntable] = ops->name;
	return 0;
}
