/* host.c: opening a config, its host and hooks sections, and loading the plugins it names. */
#include "host.h"

#include "backend.h"
#include "runapi.h"
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "build.h"
#include "bridges.h"
#include "builtin.h"
#include "loader.h"
#include "os.h"
#include "runapi.h"
#include "util.h"

static const char *const root_keys[] = { "host", "plugins", "hooks", "vms",
					 NULL };
static const char *const host_keys[] = {
	"state_dir",	 "bridge",    "max_vms", "macos_slots",
	"wait_for_slot", "slots_dir", NULL
};
static const char *const hooks_keys[] = { "dir", "timeout", NULL };

/* never a name others can predict in a shared directory such as /tmp: they
   could create it first */
char *host_default_state_dir(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct passwd *pw;

	if (xdg && xdg[0] == '/')
		return xasprintf("%s/vzhost", xdg);
	if (geteuid() == 0)
		return xasprintf("%s/vzhost", os_run_dir());
	if (state && state[0] == '/')
		return xasprintf("%s/vzhost", state);
	if (!home || home[0] != '/')
		home = (pw = getpwuid(geteuid())) ? pw->pw_dir : "/";
	return xasprintf("%s/.local/state/vzhost", home);
}

/* an integer setting that must fit [min, max] */
static int get_uint(const config_setting_t *s, const char *key, int64_t def,
		    int64_t min, int64_t max, unsigned *out)
{
	int64_t v;
	int ret = cfg_get_int64(s, key, def, &v);

	if (ret == 0 && (v < min || v > max))
		ret = cfg_error(s, key, "%lld is out of range [%lld, %lld]",
				(long long)v, (long long)min, (long long)max);
	*out = (unsigned)(ret ? def : v);
	return ret;
}

/* the core's keys and every bridge's */
static void check_host_keys(const config_setting_t *s)
{
	const char *keys[64], *owner;
	const struct bridge_key *k;
	size_t n = 0, i;

	for (i = 0; host_keys[i]; i++)
		keys[n++] = host_keys[i];
	for (i = 0; (k = bridges_key(i, &owner)) && n < ARRAY_SIZE(keys) - 1;
	     i++)
		keys[n++] = k->name;
	keys[n] = NULL;
	cfg_check_keys(s, keys);
}

/* a bridge's setting, in the form its key says; the meaning is the
   bridge's to check */
static const char *bridge_value(const config_setting_t *s,
				const struct bridge_key *k)
{
	const char *str = NULL;
	int v;

	switch (k->kind) {
	case BRIDGE_KEY_ENUM:
		cfg_get_enum(s, k->name, k->values, 0, &v);
		return k->values[v];
	case BRIDGE_KEY_PATH:
		cfg_get_path(s, k->name, NULL, &str);
		return str;
	case BRIDGE_KEY_PROGRAM: /* a bare name is looked up in PATH */
		cfg_get_string(s, k->name, NULL, &str);
		if (str && strchr(str, '/'))
			cfg_get_path(s, k->name, NULL, &str);
		else if (str && !*str)
			cfg_error(s, k->name, "empty program name");
		return str && *str ? str : NULL;
	}
	return NULL;
}

static void parse_bridge_settings(struct host_settings *hs,
				  const config_setting_t *s)
{
	const struct bridge_key *k;
	const char *owner, *value;
	size_t i;

	for (i = 0; (k = bridges_key(i, &owner)); i++) {
		value = bridge_value(s, k);
		hs->bridge_settings =
			xrealloc(hs->bridge_settings,
				 (i + 1) * sizeof(*hs->bridge_settings));
		hs->bridge_owners =
			xrealloc(hs->bridge_owners,
				 (i + 1) * sizeof(*hs->bridge_owners));
		hs->bridge_settings[i] = (struct bridge_setting){
			k->name, value ? xstrdup(value) : NULL
		};
		hs->bridge_owners[i] = xstrdup(owner);
		hs->nbridge_settings = i + 1;
	}
}

static void parse_host(struct host *h, const config_setting_t *root)
{
	const config_setting_t *s = cfg_get_group(root, "host");
	const config_setting_t *k = cfg_get_group(root, "hooks");
	struct host_settings *hs = &h->set;
	const char *str;
	int v;

	if (s)
		check_host_keys(s);
	cfg_get_path(s, "state_dir", NULL, &str);
	hs->state_dir = str ? xstrdup(str) : host_default_state_dir();
	cfg_get_path(s, "slots_dir", NULL, &str);
	hs->slots_dir = xstrdup(str);
	cfg_get_enum(s, "bridge", bridges_names(), 0, &v);
	hs->bridge = bridges_names()[v];
	parse_bridge_settings(hs, s);
	get_uint(s, "max_vms", 0, 0, 4096, &hs->max_vms);
	get_uint(s, "macos_slots", 2, 0, 64, &hs->macos_slots);
	get_uint(s, "wait_for_slot", 0, 0, 86400, &hs->wait_for_slot);

	if (k)
		cfg_check_keys(k, hooks_keys);
	cfg_get_path(k, "dir", NULL, &str);
	hs->hooks_dir = xstrdup(str);
	get_uint(k, "timeout", 10, 1, 3600, &hs->hooks_timeout);
}

int host_open(struct host *h, const char *path)
{
	config_setting_t *root;
	int ret;

	memset(h, 0, sizeof(*h));
	ret = cfg_load(&h->cfg, path, &h->diag);
	if (ret < 0)
		return ret;
	root = config_root_setting(&h->cfg.lc);
	cfg_check_keys(root, root_keys);
	parse_host(h, root);
	return h->diag.n ? -EINVAL : 0;
}

static char *exe_dir(void)
{
	char buf[PATH_MAX];

	return os_self_exe(buf, sizeof(buf)) == 0 ? util_dirname(buf) : NULL;
}

char **host_default_plugin_dirs(size_t *n, struct diag *d)
{
	const char *env = getenv("VZHOST_PLUGIN_PATH");
	char **dirs = NULL, *dir, *tok, *save, *copy;
	struct stat st;

	*n = 0;
	if (env && *env) {
		copy = xstrdup(env);
		for (tok = strtok_r(copy, ":", &save); tok;
		     tok = strtok_r(NULL, ":", &save)) {
			/* "." would load whatever the current directory holds */
			if (tok[0] != '/') {
				diag_add(d, NULL,
					 "VZHOST_PLUGIN_PATH: \"%s\" is not an "
					 "absolute directory: refusing it",
					 tok);
				continue;
			}
			dirs = xrealloc(dirs, (*n + 1) * sizeof(*dirs));
			dirs[(*n)++] = xstrdup(tok);
		}
		free(copy);
		return dirs;
	}
	dir = exe_dir();
	if (!dir)
		return NULL;
	dirs = xmalloc(sizeof(*dirs));
	/* the build tree keeps plugins beside the binary; an installed
	   vzhost finds them in ../lib/vzhost/plugins */
	dirs[0] = xasprintf("%s/plugins", dir);
	if (stat(dirs[0], &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(dirs[0]);
		dirs[0] = util_path_join(dir, "../lib/vzhost/plugins");
	}
	free(dir);
	*n = 1;
	return dirs;
}

static void add_dir(struct host *h, char *dir)
{
	h->plugin_dirs = xrealloc(h->plugin_dirs,
				  (h->ndirs + 1) * sizeof(*h->plugin_dirs));
	h->plugin_dirs[h->ndirs++] = dir;
}

static const struct plugin *loaded(const struct host *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nplugins; i++)
		if (!strcmp(h->plugins[i]->name, name))
			return h->plugins[i];
	return NULL;
}

static bool is_loaded(const struct host *h, const char *name)
{
	return loaded(h, name) != NULL;
}

static bool in_list(const config_setting_t *load, const char *name)
{
	const config_setting_t *e;
	int i;

	for (i = 0; load && (e = config_setting_get_elem(load, i)); i++)
		if (config_setting_get_string(e) &&
		    !strcmp(config_setting_get_string(e), name))
			return true;
	return false;
}

/* plugins.NAME of a built-in plugin: say what it takes, and where a device
   key put there by mistake belongs */
struct settings_hint {
	struct host *h;
	const char *plugin;
	bool any; /* it takes some settings */
};

static void settings_hint(const char *key, void *data, char *buf, size_t len)
{
	const struct settings_hint *sh = data;
	struct kind_entry *k, *tmp;
	size_t i;
	int n = 0;

	if (!sh->any)
		n = snprintf(buf, len, "plugin \"%s\" takes no settings",
			     sh->plugin);
	HASH_ITER(hh, sh->h->reg.kinds, k, tmp) {
		if (strcmp(k->owner->name, sh->plugin))
			continue;
		for (i = 0; k->keys[i]; i++)
			if (!strcmp(k->keys[i], key) && n >= 0 &&
			    (size_t)n < len) {
				snprintf(buf + n, len - (size_t)n,
					 " (%s is set on each { kind = \"%s\"; "
					 "... } device)",
					 key, k->name);
				return;
			}
	}
}

/* plugins.<name> groups hand settings to a plugin: each must name one */
static void check_plugin_groups(struct host *h, const config_setting_t *ps,
				const config_setting_t *load)
{
	const config_setting_t *m;
	const char **names = xcalloc(h->nplugins + 3, sizeof(*names));
	const struct plugin *p;
	const char *const *allowed;
	const char *name, *near;
	size_t i;

	names[0] = "dirs";
	names[1] = "load";
	for (i = 0; i < h->nplugins; i++)
		names[i + 2] = h->plugins[i]->name;
	for (i = 0; ps && (m = config_setting_get_elem(ps, (unsigned)i)); i++) {
		name = config_setting_name(m);
		/* the keys the plugin declares (SDK 1.1); a 1.0 plugin's
		   group is its own business */
		p = loaded(h, name);
		allowed = p ? p->desc->settings_keys : NULL;
		if (allowed && config_setting_is_group(m)) {
			struct settings_hint sh = { h, name,
						    allowed[0] != NULL };

			cfg_check_keys_hint(m, allowed, settings_hint, &sh);
		}
		if (!strcmp(name, "dirs") || !strcmp(name, "load") ||
		    is_loaded(h, name) || in_list(load, name))
			continue;
		near = util_did_you_mean(name, names);
		if (near)
			cfg_error(
				m, NULL,
				"no plugin \"%s\" is loaded (did you mean \"%s\"?)",
				name, near);
		else
			cfg_error(m, NULL,
				  "unknown setting: no plugin \"%s\" is loaded",
				  name);
	}
	free(names);
}

static config_setting_t *plugin_settings(const config_setting_t *ps,
					 const char *name)
{
	config_setting_t *m = ps ? config_setting_get_member(ps, name) : NULL;

	if (m && !config_setting_is_group(m)) {
		cfg_error(m, NULL, "plugin settings must be a group { ... }");
		return NULL;
	}
	return m;
}

static void load_listed(struct host *h, const config_setting_t *ps,
			const config_setting_t *load)
{
	const config_setting_t *e;
	const char *name;
	int i;

	for (i = 0; (e = config_setting_get_elem(load, (unsigned)i)); i++) {
		name = config_setting_get_string(e);
		if (!name) {
			cfg_error(e, NULL, "expected a plugin name (a string)");
			continue;
		}
		loader_load(h, name, e, plugin_settings(ps, name));
	}
}

static void load_default(struct host *h, const config_setting_t *ps,
			 char **dirs, size_t ndirs)
{
	char **names;
	size_t i, j;

	for (i = 0; i < ndirs; i++) {
		names = loader_scan_dir(dirs[i]);
		for (j = 0; names && names[j]; j++)
			if (!is_loaded(h, names[j]))
				loader_load(h, names[j], NULL,
					    plugin_settings(ps, names[j]));
		loader_free_names(names);
	}
}

int host_load_plugins(struct host *h)
{
	config_setting_t *root =
		h->cfg.loaded ? config_root_setting(&h->cfg.lc) : NULL;
	config_setting_t *ps = cfg_get_group(root, "plugins"), *dl, *load, *e;
	char **defdirs;
	size_t i, ndef;
	int j;

	dl = cfg_get_list(ps, "dirs");
	for (j = 0; dl && (e = config_setting_get_elem(dl, (unsigned)j)); j++) {
		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    !*config_setting_get_string(e)) {
			cfg_error(e, NULL, "expected a directory (a string)");
			continue;
		}
		add_dir(h, util_path_join(h->cfg.dir,
					  config_setting_get_string(e)));
	}
	defdirs = host_default_plugin_dirs(&ndef, &h->diag);
	for (i = 0; i < ndef; i++)
		add_dir(h, defdirs[i]);
	load = cfg_get_list(ps, "load");
	if (load)
		load_listed(h, ps, load);
	else
		load_default(h, ps, defdirs, ndef);
	free(defdirs);
	check_plugin_groups(h, ps, load);
	return h->diag.n ? -EINVAL : 0;
}

struct machine *host_find_vm(struct host *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nvms; i++)
		if (!strcmp(h->vms[i].name, name))
			return &h->vms[i];
	return NULL;
}

void host_close(struct host *h)
{
	size_t i;

	for (i = 0; i < h->nvms; i++)
		machine_free(&h->vms[i]);
	free(h->vms);
	loader_unload_all(h);
	/* what plugins asked of the run's services (run dirs, JSON) */
	backend_free();
	runapi_free();
	registry_free(&h->reg);
	for (i = 0; i < h->ndirs; i++)
		free(h->plugin_dirs[i]);
	free(h->plugin_dirs);
	free(h->trusted_dir);
	free(h->set.state_dir);
	free(h->set.slots_dir);
	for (i = 0; i < h->set.nbridge_settings; i++) {
		free((char *)h->set.bridge_settings[i].value);
		free(h->set.bridge_owners[i]);
	}
	free(h->set.bridge_settings);
	free(h->set.bridge_owners);
	free(h->set.hooks_dir);
	cfg_free(&h->cfg);
	diag_free(&h->diag);
	memset(h, 0, sizeof(*h));
}

/* the plugins' validators (SDK 1.3), in load order, on every machine */
static void validate_by_plugins(struct host *h)
{
	struct registry *reg = &h->reg;
	struct vzh_machine vm;
	struct listener *l;
	struct machine *m;
	size_t i, k, before;
	int ret;

	for (i = 0; i < h->nvms; i++) {
		m = &h->vms[i];
		vm = (struct vzh_machine){
			.struct_size = sizeof(vm),
			.guest = m->guest,
			.name = m->name ? m->name : "",
			.node = m->node,
			.cpus = m->cpus,
			.nested = m->nested,
			.memory = m->memory,
			.ndevices = (uint32_t)m->ndevs,
		};
		for (k = 0; k < reg->nls[LISTEN_VALIDATE]; k++) {
			l = &reg->ls[LISTEN_VALIDATE][k];
			free(l->owner->error);
			l->owner->error = NULL;
			before = h->diag.n;
			ret = ((vzh_validate_fn)l->fn)(l->data, &vm);
			/* a refusal always says something, at the VM */
			if (ret < 0 && h->diag.n == before)
				diag_add(&h->diag, m->loc[ML_VM],
					 "plugin %s refuses VM \"%s\": %s",
					 l->owner->name, m->name,
					 l->owner->error ? l->owner->error :
							   strerror(-ret));
		}
	}
}

int host_build(struct host *h)
{
	build_machines(h);
	/* cross-checks still run: every error in one pass */
	validate_machines(h);
	validate_by_plugins(h);
	return h->diag.n ? -EINVAL : 0;
}
