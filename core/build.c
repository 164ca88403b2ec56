/* build.c: from the vms section to machines: core settings, then each device through its plugin. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "builtin.h"
#include "device.h"
#include "pattern.h"
#include "util.h"

static const char *const vm_keys[] = {
	"name",	    "guest",	    "cpus",	    "memory",
	"nested",   "boot",	    "macos",	    "on_poweroff",
	"on_crash", "stop_timeout", "on_host_stop", "devices",
	"ready",    "on_not_ready", "input_after",  NULL
};
static const char *const ready_keys[] = { "console", "port", "send", "timeout",
					  NULL };
static const char *const boot_keys[] = { "kernel", "initrd", "cmdline", "efi",
					 NULL };
static const char *const efi_keys[] = { "vars", NULL };
static const char *const macos_keys[] = { "bundle", "disk_size", "recovery",
					  NULL };

#define MACOS_DISK_SIZE (64ull << 30) /* Disk.img when the bundle has none */

static bool name_ok(const char *s)
{
	size_t n;

	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9')))
		return false;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-");
	return s[n] == 0 && n <= 64;
}

static char *loc_dup(const config_setting_t *s, const char *key)
{
	return xstrdup(cfg_loc(s, key));
}

/* the macOS bundle: its identity files for the bridge, and its Disk.img a
   disk of the model like any other (created sparse, locked, listed) */
static void parse_macos(struct machine *m, const config_setting_t *mac)
{
	struct vzh_disk disk = { .struct_size = sizeof(disk) };
	struct origin o = { NULL, "macos", "core" };
	const char *str;
	bool recovery = false;

	m->loc[ML_MACOS] = loc_dup(mac, NULL);
	cfg_check_keys(mac, macos_keys);
	cfg_get_path(mac, "bundle", NULL, &str);
	m->macos_bundle = xstrdup(str);
	if (cfg_get_size(mac, "disk_size", MACOS_DISK_SIZE, &disk.size) == 0 &&
	    (disk.size % 512 || disk.size < (1ull << 30)))
		cfg_error(mac, "disk_size",
			  "a macOS disk is at least 1 GiB, in 512-byte "
			  "sectors");
	cfg_get_bool(mac, "recovery", false, &recovery);
	m->recovery = recovery;
	if (!m->macos_bundle)
		return;
	disk.path = util_path_join(m->macos_bundle, "Disk.img");
	o.loc = loc_dup(mac, "bundle");
	machine_add_device(m, DEV_DISK, &disk, sizeof(disk), &o);
	free((char *)disk.path);
	free(o.loc);
}

/* a boot file must exist now: a typo should not wait for the start */
static char *boot_file(const config_setting_t *boot, const char *key)
{
	const char *path;
	struct stat st;

	if (cfg_get_path(boot, key, NULL, &path) < 0 || !path)
		return NULL;
	if (stat(path, &st) < 0)
		cfg_error(boot, key, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		cfg_error(boot, key, "%s is not a regular file", path);
	return xstrdup(path);
}

static void parse_boot(struct machine *m, const config_setting_t *vm)
{
	const config_setting_t *boot = cfg_get_group(vm, "boot"), *efi;
	const char *str;

	if (!boot)
		return;
	m->loc[ML_BOOT] = loc_dup(boot, NULL);
	cfg_check_keys(boot, boot_keys);
	m->boot.kernel = boot_file(boot, "kernel");
	m->boot.initrd = boot_file(boot, "initrd");
	cfg_get_string(boot, "cmdline", NULL, &str);
	m->boot.cmdline = xstrdup(str);
	efi = cfg_get_group(boot, "efi");
	if (efi) {
		cfg_check_keys(efi, efi_keys);
		m->boot.efi = true;
		cfg_get_path(efi, "vars", NULL, &str);
		m->boot.efi_vars = xstrdup(str);
	}
}

/* the ready check: its form here; a port that is no forward of the VM
   once its devices are known (check_ready) */
static void parse_ready(struct machine *m, const config_setting_t *vm)
{
	const config_setting_t *g = cfg_get_group(vm, "ready");
	struct ready_check *rc = &m->ready;
	struct pattern *pat;
	const char *str;
	int64_t v;
	int e;
	char why[160];

	cfg_get_enum(vm, "on_not_ready", not_ready_names, NOT_READY_LOG, &e);
	rc->on_not_ready = e;
	if (!g) {
		if (config_setting_get_member(vm, "on_not_ready"))
			cfg_error(vm, "on_not_ready",
				  "needs a ready check (ready = { console = "
				  "\"...\"; } or { port = N; })");
		return;
	}
	rc->loc = loc_dup(g, NULL);
	cfg_check_keys(g, ready_keys);
	if (cfg_get_string(g, "console", NULL, &str) == 0 && str) {
		if (!*str) {
			cfg_error(g, "console",
				  "an empty pattern matches any "
				  "line: give one");
		} else if (!(pat = pattern_new(str, why, sizeof(why)))) {
			cfg_error(g, "console", "\"%s\": %s", str, why);
		} else {
			pattern_free(pat);
			rc->console = xstrdup(str);
		}
	}
	if (cfg_get_int64(g, "port", 0, &v) == 0 &&
	    config_setting_get_member(g, "port") && (v < 1 || v > 65535))
		cfg_error(g, "port", "%lld is not a port (1 to 65535)",
			  (long long)v);
	rc->port = v >= 1 && v <= 65535 ? (unsigned)v : 0;
	if (cfg_get_string(g, "send", NULL, &str) == 0 && str) {
		if (!config_setting_get_member(g, "port"))
			cfg_error(g, "send",
				  "is sent to ready.port: give port");
		else if (!*str || strlen(str) > 1024)
			cfg_error(g, "send",
				  "1 to 1024 bytes, such as "
				  "\"HEAD / HTTP/1.0\\r\\n\\r\\n\"");
		rc->send = xstrdup(str);
	}
	if (!config_setting_get_member(g, "console") ==
	    !config_setting_get_member(g, "port"))
		cfg_error(g, NULL,
			  "ready takes console (a pattern for a console "
			  "line) or port (a forwarded TCP host port): one of "
			  "them");
	if (cfg_get_int64(g, "timeout", 300, &v) == 0 && (v < 1 || v > 86400))
		cfg_error(g, "timeout",
			  "%lld is out of range [1, 86400] seconds",
			  (long long)v);
	rc->timeout = v >= 1 && v <= 86400 ? (unsigned)v : 300;
}

static void parse_vm(struct machine *m, const config_setting_t *vm)
{
	const config_setting_t *mac;
	const char *str;
	int64_t v;
	int e;

	m->loc[ML_VM] = loc_dup(vm, NULL);
	cfg_check_keys(vm, vm_keys);
	m->loc[ML_NAME] = loc_dup(vm, "name");
	if (cfg_get_string(vm, "name", NULL, &str) == 0) {
		if (!str)
			cfg_error(vm, "name", "every VM needs a name");
		else if (!name_ok(str))
			cfg_error(
				vm, "name",
				"\"%s\" is not a VM name (1-64 letters, digits, "
				"'.', '_' or '-', starting with a letter or "
				"digit)",
				str);
	}
	m->name = xstrdup(str ? str : "");
	m->loc[ML_GUEST] = loc_dup(vm, "guest");
	cfg_get_enum(vm, "guest", guest_names, VZH_GUEST_LINUX, &e);
	m->guest = e;
	if (cfg_get_int64(vm, "cpus", 1, &v) == 0 && (v < 1 || v > 1024))
		cfg_error(vm, "cpus", "%lld is out of range [1, 1024]",
			  (long long)v);
	m->cpus = v >= 1 && v <= 1024 ? (unsigned)v : 1;
	if (cfg_get_size(vm, "memory", 1024 * MiB, &m->memory) == 0) {
		if (m->memory % MiB)
			cfg_error(vm, "memory",
				  "%llu bytes is not a multiple of 1 MiB",
				  (unsigned long long)m->memory);
		else if (m->memory < 64 * MiB)
			cfg_error(vm, "memory",
				  "%llu MiB is below the minimum of "
				  "64 MiB",
				  (unsigned long long)(m->memory / MiB));
	}
	m->loc[ML_NESTED] = loc_dup(vm, "nested");
	m->loc[ML_CPUS] = loc_dup(vm, "cpus");
	m->cpus_given = config_setting_get_member(vm, "cpus") != NULL;
	m->memory_given = config_setting_get_member(vm, "memory") != NULL;
	m->loc[ML_MEMORY] = loc_dup(vm, "memory");
	cfg_get_bool(vm, "nested", false, &m->nested);
	parse_boot(m, vm);
	mac = cfg_get_group(vm, "macos");
	if (mac)
		parse_macos(m, mac);
	cfg_get_enum(vm, "on_poweroff", policy_names, POLICY_STOP, &e);
	m->on_poweroff = e;
	cfg_get_enum(vm, "on_crash", policy_names, POLICY_STOP, &e);
	m->on_crash = e;
	if (cfg_get_int64(vm, "stop_timeout", 30, &v) == 0 &&
	    (v < 0 || v > 86400))
		cfg_error(vm, "stop_timeout",
			  "%lld is out of range [0, 86400] "
			  "seconds",
			  (long long)v);
	m->stop_timeout = v >= 0 && v <= 86400 ? (unsigned)v : 30;
	cfg_get_enum(vm, "on_host_stop", host_stop_names, HOST_STOP_SHUTDOWN,
		     &e);
	m->on_host_stop = e;
	cfg_get_enum(vm, "input_after", input_after_names, INPUT_AFTER_OUTPUT,
		     &e);
	m->input_after = e;
	if (m->input_after == INPUT_AFTER_READY &&
	    !config_setting_get_member(vm, "ready"))
		cfg_error(vm, "input_after",
			  "\"ready\" needs a ready check (ready = { console "
			  "= \"...\"; } or { port = N; })");
	parse_ready(m, vm);
}

/* the plugin directories searched, "A, B", and whether one holds NAME.so */
static char *searched(const struct host *h, const char *name, bool *found)
{
	char *list = xstrdup(""), *path, *next;
	struct stat st;
	size_t i;

	*found = false;
	for (i = 0; i < h->ndirs; i++) {
		path = xasprintf("%s/%s.so", h->plugin_dirs[i], name);
		if (stat(path, &st) == 0)
			*found = true;
		free(path);
		next = xasprintf("%s%s%s", list, i ? ", " : "",
				 h->plugin_dirs[i]);
		free(list);
		list = next;
	}
	return list;
}

static void unknown_kind(struct host *h, const config_setting_t *dev,
			 const char *kind)
{
	const char **names = registry_kind_names(&h->reg);
	const char *near = util_did_you_mean(kind, names);
	const char *provider = builtin_provider(kind);
	const char *env = getenv("VZHOST_PLUGIN_PATH");
	char *dirs;
	bool found;

	if (provider) {
		/* plugins.load lacks it; or no directory searched holds it
		   (VZHOST_PLUGIN_PATH replaces the built-in directory), and
		   naming it in plugins.load would only say "not found" */
		dirs = searched(h, provider, &found);
		if (found)
			cfg_error(dev, "kind",
				  "no loaded plugin provides kind \"%s\" (add "
				  "\"%s\" to plugins.load)",
				  kind, provider);
		else
			cfg_error(
				dev, "kind",
				"no loaded plugin provides kind \"%s\": %s.so "
				"is in none of the plugin directories "
				"(searched: %s%s)",
				kind, provider, *dirs ? dirs : "none",
				env && *env ? "; VZHOST_PLUGIN_PATH replaces "
					      "the built-in directory" :
					      "");
		free(dirs);
	} else if (near)
		cfg_error(dev, "kind",
			  "unknown device kind \"%s\" (did you mean "
			  "\"%s\"?)",
			  kind, near);
	else
		cfg_error(
			dev, "kind",
			"unknown device kind \"%s\" (no loaded plugin provides "
			"it; `vzhost plugins` lists the kinds)",
			kind);
	free(names);
}

static void contribute(struct host *h, struct machine *m,
		       const config_setting_t *dev, int index)
{
	struct kind_entry *k;
	struct vzh_device d;
	const char *kind;
	size_t before = m->ndevs, errors = h->diag.n;
	int ret;

	if (!config_setting_is_group(dev)) {
		cfg_error(dev, NULL,
			  "a device is a group { kind = \"...\"; ... }");
		return;
	}
	if (cfg_get_string(dev, "kind", NULL, &kind) < 0)
		return;
	if (!kind) {
		cfg_error(dev, NULL,
			  "a device needs a kind (such as \"disk\")");
		return;
	}
	k = registry_find_kind(&h->reg, kind);
	if (!k) {
		if (!h->plugins_failed)
			unknown_kind(h, dev, kind);
		return;
	}
	if (cfg_check_keys(dev, k->keys) < 0)
		return;
	memset(&d, 0, sizeof(d));
	d.host = h;
	d.m = m;
	d.node = dev;
	d.index = index;
	d.plugin = k->owner;
	d.origin.loc = (char *)cfg_loc(dev, NULL);
	d.origin.kind = k->name;
	d.origin.plugin = k->owner->name;
	d.open = true;
	free(k->owner->error);
	k->owner->error = NULL;
	ret = k->ops.contribute(k->owner->state, &d);
	d.open = false;
	/* an entry that came to nothing would silently never reach the
	   hypervisor: only a kind that says it may emit nothing does that */
	if (ret == 0 && h->diag.n == errors && m->ndevs == before &&
	    !(k->ops.flags & VZH_KIND_MAY_EMIT_NOTHING))
		cfg_error(dev, NULL,
			  "plugin \"%s\" emitted no device for this %s "
			  "entry (a kind that may emit nothing declares "
			  "VZH_KIND_MAY_EMIT_NOTHING)",
			  k->owner->name, k->name);
	if (ret < 0 || h->diag.n > errors) {
		machine_truncate(m, before);
		if (h->diag.n == errors)
			cfg_error(dev, NULL,
				  "plugin \"%s\" refused the device: %s",
				  k->owner->name,
				  k->owner->error ?
					  k->owner->error :
					  strerror(ret < 0 ? -ret : EINVAL));
	}
}

int build_machines(struct host *h)
{
	config_setting_t *root = config_root_setting(&h->cfg.lc);
	config_setting_t *vms = cfg_get_list(root, "vms"), *vm, *devs;
	unsigned i, j;

	if (!vms) {
		if (!config_setting_get_member(root, "vms"))
			cfg_error(
				root, "vms",
				"no virtual machine declared (vms = ( { name = "
				"\"...\"; ... } );)");
		return -EINVAL;
	}
	h->vms = xcalloc(config_setting_length(vms), sizeof(*h->vms));
	for (i = 0; (vm = config_setting_get_elem(vms, i)); i++) {
		struct machine *m = &h->vms[h->nvms];

		if (!config_setting_is_group(vm)) {
			cfg_error(vm, NULL,
				  "a VM is a group { name = \"...\"; ... }");
			continue;
		}
		h->nvms++;
		m->node = vm;
		parse_vm(m, vm);
		/* the EFI variable store is the VM's own, kept with its state */
		if (m->boot.efi && !m->boot.efi_vars)
			m->boot.efi_vars = xasprintf("%s/%s.efivars",
						     h->set.state_dir, m->name);
		devs = cfg_get_list(vm, "devices");
		for (j = 0; devs && j < (unsigned)config_setting_length(devs);
		     j++)
			contribute(h, m, config_setting_get_elem(devs, j),
				   (int)j);
	}
	if (!h->nvms && !h->diag.n)
		cfg_error(vms, NULL, "no virtual machine declared");
	return h->diag.n ? -EINVAL : 0;
}
