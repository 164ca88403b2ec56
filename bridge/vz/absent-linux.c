/* absent-linux.c: the vz bridge where Virtualization.framework is not: --check says what it would do; a run is refused. */
#include <errno.h>

#include "plan.h"

/* nothing known of the Mac: the plan lists what only a Mac can verify */
static const struct vz_host unknown = { .nested = -1 };

static int probe(const struct bridge_env *env, struct bridge **out,
		 struct diag *d)
{
	(void)env;
	*out = NULL;
	diag_add(d, NULL,
		 "host.bridge = \"vz\": Virtualization.framework runs on "
		 "macOS only (a Mac with Apple silicon, macOS 13 or later); "
		 "on this Linux host use host.bridge = \"qemu\" for Linux "
		 "guests (macOS guests need a Mac)");
	return -ENODEV;
}

static int describe(struct bridge *b, const struct machine *m, FILE *out,
		    struct diag *d)
{
	(void)b;
	return vz_describe(&unknown, m, out, d);
}

static bool can_save(const struct machine *m, char **why)
{
	return vz_plan_can_save(m, &unknown, why);
}

const struct bridge_ops vz_bridge = {
	.name = "vz",
	.probe = probe,
	.describe = describe,
	.can_save = can_save,
};
