/* host.h: the core's state for one config: plugins, registry, machines, host settings. */
#ifndef VZH_HOST_H
#define VZH_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "../bridge/bridge.h"
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

struct host_settings {
	char *state_dir;
	const char *bridge; /* "auto" or a bridge's name (core/bridges.h) */
	/* the bridges' own settings (host.accel, ...): every key
	   of every bridge, its value given, defaulted or NULL */
	struct bridge_setting *bridge_settings;
	char **bridge_owners; /* ... and the bridge each belongs to */
	size_t nbridge_settings;
	char *slots_dir; /* host.slots_dir: a ledger shared by users, or NULL:
			    state_dir/slots */
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
	enum vzh_mode mode; /* why it runs (api->mode): set before plugins load */
};

/*
 * The pipeline up to a validated set of machines.  Each returns 0 or -errno;
 * configuration errors are collected in h->diag (all of them, not the first).
 * -ENOENT and friends from host_open mean the file could not be read.
 */
int host_open(struct host *h, const char *path);
int host_load_plugins(struct host *h);
int host_build(struct host *h);
void host_close(struct host *h);
/* the machine named name, or NULL */
struct machine *host_find_vm(struct host *h, const char *name);

/* $XDG_RUNTIME_DIR/vzhost; else /run/vzhost for root (/var/run on macOS); else
   ${XDG_STATE_HOME:-$HOME/.local/state}/vzhost */
char *host_default_state_dir(void);
/* the directory holding the built-in plugins, or VZHOST_PLUGIN_PATH's */
char **host_default_plugin_dirs(size_t *n, struct diag *d);

#endif
