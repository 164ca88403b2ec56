/* loader.c: finding, checking, dlopen-ing and initialising plugins. */
#include "loader.h"
#include "ploop.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "os.h"
#include "plugsym.h"
#include "trust.h"
#include "util.h"

/* the fields every ABI 1.x descriptor has, through fini */
#define DESC_MIN_SIZE \
	(offsetof(struct vzh_plugin, fini) + sizeof(void (*)(void)))

/* a plugin's name is also its settings group's, plugins.NAME: what
   libconfig takes as a setting's name (no '.', no leading digit) */
static bool name_ok(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*s))
		return false;
	for (; *s; s++, n++)
		if (!isalnum((unsigned char)*s) && !strchr("_-", *s))
			return false;
	return n <= 64;
}

/* A plugin runs with our privileges: refuse what others could have written. */
/* st: the file's stat when the caller has it, else NULL */
static int check_trust(struct host *h, const char *loc, const char *name,
		       const char *path, bool dir, const struct stat *known)
{
	struct stat st;

	if (known)
		st = *known;
	else if (stat(path, &st) < 0) {
		diag_add(&h->diag, loc, "plugin \"%s\": %s: %s", name, path,
			 strerror(errno));
		return -errno;
	}
	if (!dir && !S_ISREG(st.st_mode)) {
		diag_add(&h->diag, loc,
			 "plugin \"%s\": %s is not a regular file", name, path);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag_add(&h->diag, loc,
			 "plugin \"%s\": refusing %s %s: it is group- or "
			 "world-writable (chmod go-w %s)",
			 name, dir ? "directory" : "file", path, path);
		return -EPERM;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		diag_add(&h->diag, loc,
			 "plugin \"%s\": refusing %s %s: owned by uid %u, "
			 "neither root nor you",
			 name, dir ? "directory" : "file", path,
			 (unsigned)st.st_uid);
		return -EPERM;
	}
	return 0;
}

/*
 * The file a plugin name leads to, symlinks resolved, opened without following
 * another: it, its directory and every directory above must be safe from
 * other users; what is loaded is this open file, never the path again.
 */
static int open_checked(struct host *h, const char *loc, const char *name,
			const char *path, int *fd)
{
	char *real = realpath(path, NULL), *dir = NULL, *bad = NULL;
	struct stat st;
	int ret = 0;

	*fd = -1;
	if (!real) {
		ret = -errno;
		diag_add(&h->diag, loc, "plugin \"%s\": %s: %s", name, path,
			 strerror(errno));
		goto out;
	}
	/* most plugins share a directory: check its way once */
	dir = util_dirname(real);
	if (!h->trusted_dir || strcmp(dir, h->trusted_dir)) {
		if ((bad = trust_ancestors(dir))) {
			diag_add(&h->diag, loc,
				 "plugin \"%s\": refusing %s: %s", name, path,
				 bad);
			ret = -EPERM;
			goto out;
		}
		ret = check_trust(h, loc, name, dir, true, NULL);
		if (ret)
			goto out;
		free(h->trusted_dir);
		h->trusted_dir = xstrdup(dir);
	}
	*fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &st) < 0) {
		ret = -errno;
		diag_add(&h->diag, loc, "plugin \"%s\": %s: %s", name, path,
			 strerror(errno));
		goto out;
	}
	ret = check_trust(h, loc, name, path, false, &st);
out:
	if (ret && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	free(bad);
	free(dir);
	free(real);
	return ret;
}

/* dlopen of the checked file itself: on Linux through its descriptor, so a
   path swapped after the check cannot slip another file in */
static void *load_fd(struct host *h, const char *loc, const char *name,
		     const char *path, int fd)
{
	char self[PATH_MAX];
	const char *err, *at;
	void *handle;

	os_fd_name(fd, path, self, sizeof(self));
	handle = dlopen(self, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		err = dlerror();
		/* "/proc/self/fd/N: why" says less than the plugin's path */
		at = err && !strncmp(err, self, strlen(self)) ?
			     err + strlen(self) :
			     NULL;
		if (at && !strncmp(at, ": ", 2))
			diag_add(&h->diag, loc, "plugin \"%s\": %s%s", name,
				 path, at);
		else
			diag_add(&h->diag, loc, "plugin \"%s\": %s", name,
				 err ? err : "cannot be loaded");
	}
	return handle;
}

static char *find_file(struct host *h, const char *name, char **dir_out,
		       struct stat *st)
{
	char *path;
	size_t i;

	for (i = 0; i < h->ndirs; i++) {
		path = xasprintf("%s/%s.so", h->plugin_dirs[i], name);
		if (stat(path, st) == 0) {
			*dir_out = h->plugin_dirs[i];
			return path;
		}
		free(path);
	}
	return NULL;
}

static void not_found(struct host *h, const char *loc, const char *name)
{
	char buf[1024] = "";
	size_t i, used;

	for (i = 0; i < h->ndirs; i++) {
		used = strlen(buf);
		snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? ", " : "",
			 h->plugin_dirs[i]);
	}
	diag_add(&h->diag, loc, "plugin \"%s\" not found (searched: %s)", name,
		 h->ndirs ? buf : "no directories");
}

/* The descriptor's leading integers: read from the file before dlopen, and
   again from memory after it */
static int check_head(struct host *h, const char *loc, const char *name,
		      const char *path, uint32_t magic, uint32_t abi,
		      uint32_t struct_size)
{
	unsigned major, minor;

	if (magic != VZH_PLUGIN_MAGIC) {
		diag_add(
			&h->diag, loc,
			"plugin \"%s\": %s is not a vzhost plugin (bad magic in "
			"its descriptor)",
			name, path);
		return -EINVAL;
	}
	major = abi >> 16;
	minor = abi & 0xffff;
	if (major != VZH_ABI_MAJOR) {
		diag_add(
			&h->diag, loc,
			"plugin \"%s\": built for ABI %u.%u, this vzhost has ABI "
			"%u.%u: rebuild it for ABI %u",
			name, major, minor, VZH_ABI_MAJOR, VZH_ABI_MINOR,
			VZH_ABI_MAJOR);
		return -EINVAL;
	}
	if (minor > VZH_ABI_MINOR) {
		diag_add(&h->diag, loc,
			 "plugin \"%s\": needs ABI %u.%u, this vzhost has ABI "
			 "%u.%u: upgrade vzhost",
			 name, major, minor, VZH_ABI_MAJOR, VZH_ABI_MINOR);
		return -EINVAL;
	}
	if (struct_size < DESC_MIN_SIZE) {
		diag_add(
			&h->diag, loc,
			"plugin \"%s\": descriptor is %u bytes, ABI %u needs at "
			"least %zu: rebuild it against the SDK",
			name, struct_size, VZH_ABI_MAJOR, DESC_MIN_SIZE);
		return -EINVAL;
	}
	return 0;
}

/*
 * dlopen runs a file's constructors before dlsym can find anything in it:
 * whether the file is a vzhost plugin for this host and ABI at all is read
 * from its own symbol table first, through the descriptor already checked
 * (never the path again), so that nothing of a file refused here runs.
 */
static int check_file(struct host *h, const char *loc, const char *name,
		      const char *path, int fd)
{
	struct plugsym d;
	char why[256];
	int ret;

	ret = plugsym_read(fd, &d, why, sizeof(why));
	if (ret) {
		diag_add(&h->diag, loc,
			 "plugin \"%s\": %s is not a vzhost plugin (%s)", name,
			 path, why);
		return ret;
	}
	ret = check_head(h, loc, name, path, d.magic, d.abi, d.struct_size);
	if (ret)
		return ret;
	if (d.size < DESC_MIN_SIZE) {
		diag_add(&h->diag, loc,
			 "plugin \"%s\": %s is not a vzhost plugin (its %s "
			 "is %llu bytes; an ABI %u descriptor has at least "
			 "%zu)",
			 name, path, VZH_PLUGIN_SYMBOL,
			 (unsigned long long)d.size, VZH_ABI_MAJOR,
			 DESC_MIN_SIZE);
		return -ENOEXEC;
	}
	return 0;
}

/* Everything is checked before the plugin's own functions are called. */
static int check_descriptor(struct host *h, const char *loc, const char *name,
			    const char *path, const struct vzh_plugin *d)
{
	int ret;

	ret = check_head(h, loc, name, path, d->magic, d->abi, d->struct_size);
	if (ret)
		return ret;
	if (!d->name || strcmp(d->name, name)) {
		diag_add(
			&h->diag, loc,
			"plugin \"%s\": %s calls itself \"%s\"; a plugin's name "
			"must equal its file name (%s.so)",
			name, path, d->name ? d->name : "(null)",
			d->name ? d->name : name);
		return -EINVAL;
	}
	if (!d->init) {
		diag_add(&h->diag, loc,
			 "plugin \"%s\": descriptor has no init()", name);
		return -EINVAL;
	}
	return 0;
}

static void plugin_free(struct plugin *p)
{
	free(p->name);
	free(p->file);
	free(p->error);
	free(p->conflict);
	free(p);
}

static int run_init(struct host *h, const char *loc, struct plugin *p,
		    const config_setting_t *settings)
{
	int ret;

	p->in_init = true;
	ret = p->desc->init(&core_api, (struct vzh_host *)p,
			    (const struct vzh_node *)settings, &p->state);
	p->in_init = false;
	if (p->conflict) {
		/* refused whatever init() returned: two owners of a kind
		   would make a config mean different things by load order */
		diag_add(&h->diag, loc, "plugin \"%s\": %s", p->name,
			 p->conflict);
		if (ret == 0 && p->desc->fini)
			p->desc->fini(p->state);
		ret = -EEXIST;
	} else if (ret < 0) {
		diag_add(&h->diag, loc, "plugin \"%s\": init failed: %s",
			 p->name, p->error ? p->error : strerror(-ret));
	}
	if (ret < 0) {
		registry_drop(&h->reg, p);
		return ret;
	}
	p->inited = true;
	return 0;
}

int loader_load(struct host *h, const char *name, const config_setting_t *at,
		const config_setting_t *settings)
{
	const char *loc = at ? cfg_loc(at, NULL) : NULL;
	const struct vzh_plugin *desc;
	struct stat st;
	struct plugin *p = NULL;
	char *path = NULL, *dir = NULL;
	void *handle = NULL;
	size_t i;
	int fd = -1, ret = -EINVAL;

	if (!name_ok(name)) {
		diag_add(&h->diag, loc,
			 "\"%s\" is not a plugin name: a plugin's name is "
			 "its settings group's, plugins.NAME, so a letter "
			 "then letters, digits, '-' or '_', at most 64%s",
			 name,
			 strchr(name, '.') ? " (its device kinds are the "
					     "ones named vendor.thing)" :
					     "");
		goto out;
	}
	for (i = 0; i < h->nplugins; i++) {
		if (!strcmp(h->plugins[i]->name, name)) {
			diag_add(&h->diag, loc, "plugin \"%s\" is loaded twice",
				 name);
			goto out;
		}
	}
	path = find_file(h, name, &dir, &st);
	if (!path) {
		not_found(h, loc, name);
		ret = -ENOENT;
		goto out;
	}
	ret = open_checked(h, loc, name, path, &fd);
	if (ret)
		goto out;
	ret = check_file(h, loc, name, path, fd);
	if (ret)
		goto out;
	handle = load_fd(h, loc, name, path, fd);
	if (!handle) {
		ret = -ENOEXEC;
		goto out;
	}
	desc = dlsym(handle, VZH_PLUGIN_SYMBOL);
	if (!desc) {
		diag_add(
			&h->diag, loc,
			"plugin \"%s\": %s is not a vzhost plugin (no %s symbol)",
			name, path, VZH_PLUGIN_SYMBOL);
		ret = -ENOEXEC;
		goto out;
	}
	ret = check_descriptor(h, loc, name, path, desc);
	if (ret)
		goto out;
	p = xcalloc(1, sizeof(*p));
	p->name = xstrdup(name);
	p->file = path;
	path = NULL;
	p->desc = desc;
	p->handle = handle;
	p->host = h;
	p->order = (unsigned)h->nplugins;
	h->plugins =
		xrealloc(h->plugins, (h->nplugins + 1) * sizeof(*h->plugins));
	h->plugins[h->nplugins++] = p;
	/* from here on the plugin's code has run: keep it, and its descriptor:
	   the loader knows it by "/proc/self/fd/N", a name that must not come
	   back for another file */
	handle = NULL;
	fd = -1;
	ret = run_init(h, loc, p, settings);
out:
	if (handle)
		dlclose(handle);
	if (fd >= 0)
		close(fd);
	free(path);
	if (ret < 0)
		h->plugins_failed = true;
	return ret;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **loader_scan_dir(const char *dir)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, len;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d))) {
			len = strlen(de->d_name);
			if (len <= 3 || strcmp(de->d_name + len - 3, ".so") ||
			    de->d_name[0] == '.')
				continue;
			names = xrealloc(names, (n + 2) * sizeof(*names));
			names[n++] =
				xasprintf("%.*s", (int)(len - 3), de->d_name);
		}
		closedir(d);
	}
	if (names) {
		qsort(names, n, sizeof(*names), cmp_names);
		names[n] = NULL;
	}
	return names;
}

void loader_free_names(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

void loader_unload_all(struct host *h)
{
	struct plugin *p;

	while (h->nplugins) {
		p = h->plugins[--h->nplugins];
		if (p->inited && p->desc->fini)
			p->desc->fini(p->state);
		registry_drop(&h->reg, p);
		ploop_drop(p);
		/* no dlclose once init ran: the plugin may have left threads,
		   atexit handlers or pointers into itself behind */
		plugin_free(p);
	}
	free(h->plugins);
	h->plugins = NULL;
}
