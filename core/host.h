/* host.h: the core's state for one config: plugins, registry, machines, host settings. */
#ifndef VZH_HOST_H
#define VZH_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "diag.h"
#include "machine.h"
#include "registry.h"

/* One loaded plugin; the struct vzh_host handle a plugin holds points here. */
struct plugin {
	char *name;
	char *file;
	const struct vzh_plugin *desc;
	void *handle; /* dlopen; never closed once init ran */
	void *state;
	char *error; /* set_error() text of the current callback */
	char *conflict; /* a kind it registered was taken */
	unsigned order;
	bool in_init;
	bool inited;
	struct host *host;
};

enum bridge_choice { BRIDGE_AUTO, BRIDGE_QEMU, BRIDGE_VZ };
enum accel_choice { ACCEL_AUTO, ACCEL_KVM, ACCEL_HVF, ACCEL_TCG };

struct host_settings {
	char *state_dir;
	enum bridge_choice bridge;
	enum accel_choice accel;
	char *qemu; /* host.qemu: the QEMU binary, or NULL */
	char *virtiofsd; /* host.virtiofsd, or NULL: Debian's */
	unsigned max_vms; /* 0: no limit */
	unsigned macos_slots; /* macOS guests at once */
	unsigned wait_for_slot; /* seconds */
	char *hooks_dir; /* NULL: no hook scripts */
	unsigned hooks_timeout; /* seconds */
};

struct host {
	struct cfg cfg;
	struct diag diag;
	struct host_settings set;
	char **plugin_dirs; /* searched in order */
	size_t ndirs;
	char *trusted_dir; /* the plugin directory checked last (resolved) */
	struct plugin **plugins;
	size_t nplugins;
	struct registry reg;
	struct machine *vms;
	size_t nvms;
	bool plugins_failed; /* then unknown kinds only echo that */
};

extern const char *const bridge_names[];
extern const char *const accel_names[];

/*
 * The pipeline up to a validated set of machines.  Each returns 0 or -errno;
 * configuration errors are collected in h->diag (all of them, not the first).
 * -ENOENT and friends from host_open mean the file could not be read.
 */
int host_open(struct host *h, const char *path);
int host_load_plugins(struct host *h);
int host_build(struct host *h);
void host_close(struct host *h);

/* $XDG_RUNTIME_DIR/vzhost; else /run/vzhost for root; else
   ${XDG_STATE_HOME:-$HOME/.local/state}/vzhost */
char *host_default_state_dir(void);
/* the directory holding the built-in plugins, or VZHOST_PLUGIN_PATH's */
char **host_default_plugin_dirs(size_t *n, struct diag *d);

#endif
