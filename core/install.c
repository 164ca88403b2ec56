/* install.c: `vzhost install`: a macOS guest's bundle from a restore image, through the bridge that can. */
#include "install.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "bridges.h"
#include "host.h"
#include "log.h"
#include "run.h"

#define NO_MAC                                                            \
	"macOS guests need Virtualization.framework on a Mac with Apple " \
	"silicon: run vzhost install there, with host.bridge = \"vz\""

static int find_vm(struct host *h, const char *name, struct machine **out)
{
	*out = host_find_vm(h, name);
	if (!*out) {
		fprintf(stderr, "vzhost install: no VM \"%s\" in %s\n", name,
			h->cfg.path);
		return EX_USAGE;
	}
	if ((*out)->guest != VZH_GUEST_MACOS) {
		fprintf(stderr,
			"vzhost install: %s is a Linux guest; install creates "
			"macOS guests (set guest = \"macos\" and macos = { "
			"bundle = \"...\"; })\n",
			name);
		return EX_USAGE;
	}
	return 0;
}

static int status_of(int ret)
{
	switch (ret) {
	case -EINVAL:
		return EX_CONFIG; /* the config does not suit the image */
	case -ENODEV:
	case -ENOTSUP:
		return EX_UNAVAILABLE; /* this Mac cannot run it */
	case -EEXIST:
		return EX_CANTCREAT; /* the bundle already holds a guest */
	default:
		return 1;
	}
}

int install_main(const char *path, const char *vm, const char *ipsw)
{
	const struct bridge_ops *ops;
	struct bridge_env env;
	struct bridge *b = NULL;
	struct machine *m = NULL;
	struct diag d = { 0 };
	struct host h;
	int ret, status = EX_OK;

	if (!path || !vm || !ipsw || !*ipsw) {
		fprintf(stderr, "usage: vzhost install -c FILE --vm NAME "
				"--ipsw PATH|latest\n");
		return EX_USAGE;
	}
	memset(&h, 0, sizeof(h));
	ret = host_open(&h, path);
	h.mode = VZH_MODE_CHECK;
	if (ret == 0) {
		host_load_plugins(&h);
		host_build(&h);
	}
	if (ret < 0 || h.diag.n) {
		diag_print(&h.diag, stderr);
		status = ret < 0 && ret != -EINVAL ? EX_NOINPUT : EX_CONFIG;
		goto out;
	}
	status = find_vm(&h, vm, &m);
	if (status)
		goto out;
	ops = bridges_pick(h.set.bridge, &d);
	if (ops && !ops->install) {
		fprintf(stderr, "vzhost install: %s (host.bridge = \"%s\")\n",
			NO_MAC, ops->name);
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (ops)
		run_bridge_env(&h, ops, &env);
	if (!ops || ops->probe(&env, &b, &d) < 0) {
		fprintf(stderr, "vzhost install: %s\n", NO_MAC);
		diag_print(&d, stderr);
		status = EX_UNAVAILABLE;
		goto out;
	}
	if (ops->validate(b, m, &d) == 0)
		ret = ops->install(b, m, ipsw, &d);
	else
		ret = -EINVAL;
	diag_print(&d, stderr);
	status = ret ? status_of(ret) : EX_OK;
	if (!ret)
		log_msg(LOG_NOTICE, m->name,
			"installed into %s: start it "
			"with vzhost -c %s",
			m->macos_bundle, path);
	ops->free(b);
out:
	diag_free(&d);
	host_close(&h);
	return status;
}
