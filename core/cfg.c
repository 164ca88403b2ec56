/* cfg.c: the config file through libconfig: loading, locations, typed getters, key checks. */
#include "cfg.h"
#include "cfglit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define CFG_MAX_INCLUDE_DEPTH 10
#define CFG_MAX_FILE (4 << 20)

/* A file's text, kept to re-read integer literals libconfig 1.5 wraps. */
struct cfg_file {
	struct cfg_file *next;
	char *name; /* as libconfig records it */
	char *text;
	struct cfg_lit *lits; /* its integer literals, in order */
	size_t nlits, used; /* ... and how many settings took theirs */
};

const char *cfg_keep(struct cfg *c, char *str)
{
	if (c->nstrs == c->capstrs) {
		c->capstrs = c->capstrs ? 2 * c->capstrs : 64;
		c->strs = xrealloc(c->strs, c->capstrs * sizeof(*c->strs));
	}
	c->strs[c->nstrs++] = str;
	return str;
}

/* The name a user knows a file by: the -c path, or an include next to it. */
static char *display_name(const struct cfg *c, const char *file)
{
	char *udir;
	char *out;

	if (!file || !strcmp(file, c->abs))
		return xstrdup(c->path);
	if (file[0] == '/')
		return xstrdup(file);
	udir = util_dirname(c->path);
	out = util_path_join(udir, file);
	free(udir);
	return out;
}

static int read_text(const char *path, char **out, unsigned *nul_line)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EBADF; /* a FIFO or device would block or never end */
		goto out;
	}
	if (st.st_size > CFG_MAX_FILE) {
		ret = -EFBIG;
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while ((n = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	buf[len] = 0;
	/* libconfig reads past a NUL where C strings stop: an include name
	   "..\0x" would reach the parser as "..", so text only */
	if (memchr(buf, 0, len)) {
		const char *p;

		*nul_line = 1;
		for (p = buf; *p; p++)
			*nul_line += *p == '\n';
		ret = -EILSEQ;
		goto out;
	}
	*out = buf;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}

static const char *file_error(int err)
{
	switch (err) {
	case -EBADF:
		return "not a regular file";
	case -EFBIG:
		return "larger than 4 MiB";
	case -EILSEQ:
		return "contains a NUL byte: not a text file";
	default:
		return strerror(-err);
	}
}

/* The name as libconfig's scanner reads it: \\ and \" are escapes. */
static char *include_name(const char *p, const char *end)
{
	char *name = xmalloc((size_t)(end - p) + 1), *o = name;

	for (; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end && (p[1] == '\\' || p[1] == '"'))
			p++;
		*o++ = *p;
	}
	*o = 0;
	if (p < end)
		return name;
	free(name);
	return NULL;
}

/*
 * libconfig 1.5 calls exit() on an @include of a directory and blocks forever
 * on a FIFO, so every include target is checked before the parser sees it.
 * Relative includes resolve against the main file's directory.
 */
static int check_includes(struct cfg *c, const char *shown, const char *text,
			  int depth)
{
	const char *line = text, *p;
	char *name, *path, *child, *inner, *where;
	struct stat st;
	int lineno = 1, ret = 0, err;
	unsigned nul;

	for (; *line; lineno++) {
		p = line;
		line += strcspn(line, "\n");
		if (*line)
			line++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "@include", 8))
			continue;
		p += 8;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '"')
			continue; /* the parser reports the syntax */
		name = include_name(p + 1, line);
		if (!name)
			continue;
		path = util_path_join(c->dir, name);
		child = display_name(c, name);
		where = xasprintf("%s:%d: @include \"%s\"", shown, lineno,
				  name);
		inner = NULL;
		if (depth >= CFG_MAX_INCLUDE_DEPTH) {
			diag_add(c->diag, where,
				 "includes nested deeper than %d",
				 CFG_MAX_INCLUDE_DEPTH);
			ret = -EINVAL;
		} else if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH)) {
			diag_add(
				c->diag, where,
				"refusing a world-writable file (chmod o-w %s)",
				path);
			ret = -EINVAL;
		} else if ((err = read_text(path, &inner, &nul)) < 0) {
			diag_add(c->diag, where, "%s", file_error(err));
			ret = -EINVAL;
		} else if (check_includes(c, child, inner, depth + 1) < 0) {
			ret = -EINVAL;
		}
		free(inner);
		free(where);
		free(child);
		free(path);
		free(name);
	}
	return ret;
}

int cfg_load(struct cfg *c, const char *path, struct diag *diag)
{
	char *text = NULL, *rdir, *udir = NULL;
	int cwd = -1, ret;
	unsigned nul;

	memset(c, 0, sizeof(*c));
	config_init(&c->lc);
	c->diag = diag;
	c->path = xstrdup(path);
	ret = read_text(path, &text, &nul);
	if (ret == -EILSEQ) {
		diag_add(diag, NULL, "%s:%u: %s", path, nul, file_error(ret));
		ret = -EINVAL; /* readable, but not a configuration: exit 78 */
		goto out;
	}
	if (ret < 0) {
		diag_add(diag, NULL, "%s: cannot read the configuration: %s",
			 path, file_error(ret));
		goto out;
	}
	udir = util_dirname(path);
	rdir = realpath(udir, NULL);
	if (!rdir) {
		ret = -errno;
		diag_add(diag, NULL, "%s: %s", udir, strerror(errno));
		goto out;
	}
	c->dir = rdir;
	c->abs = util_path_join(
		c->dir, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	ret = check_includes(c, path, text, 0);
	if (ret < 0)
		goto out;

	/* 1.5 prepends include_dir even to absolute includes: parse from the
	   config's directory instead, and come back. */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(c->dir) < 0) {
		ret = -errno;
		diag_add(diag, NULL, "%s: %s", c->dir, strerror(errno));
		goto out;
	}
	if (!config_read_file(&c->lc, c->abs)) {
		char *f = display_name(c, config_error_file(&c->lc));

		diag_add(diag, NULL, "%s:%d: %s", f, config_error_line(&c->lc),
			 config_error_text(&c->lc));
		free(f);
		ret = -EINVAL;
	}
	if (fchdir(cwd) < 0 && !ret)
		ret = -errno;
	if (!ret)
		c->loaded = true;
out:
	if (cwd >= 0)
		close(cwd);
	free(udir);
	free(text);
	return ret;
}

void cfg_free(struct cfg *c)
{
	struct cfg_file *f, *next;
	size_t i;

	if (!c->path)
		return; /* never opened */
	config_destroy(&c->lc);
	for (i = 0; i < c->nstrs; i++)
		free(c->strs[i]);
	for (f = c->files; f; f = next) {
		next = f->next;
		free(f->name);
		free(f->text);
		free(f->lits);
		free(f);
	}
	free(c->wrapped);
	free(c->strs);
	free(c->path);
	free(c->dir);
	free(c->abs);
	memset(c, 0, sizeof(*c));
}

static void append_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *p = config_setting_parent(s);
	size_t used;

	if (!p) {
		buf[0] = 0;
		return;
	}
	append_path(p, buf, len);
	used = strlen(buf);
	if (config_setting_is_aggregate(p) && !config_setting_is_group(p))
		snprintf(buf + used, len - used, "[%d]",
			 config_setting_index(s));
	else
		snprintf(buf + used, len - used, "%s%s", used ? "." : "",
			 config_setting_name(s));
}

/* settings name a handful of files: remember the last one's display name */
static const char *file_of(const config_setting_t *s)
{
	struct cfg *c = cfg_of(s);
	const char *f = config_setting_source_file(s);

	if (!c->shown || f != c->shown_src) {
		c->shown_src = f;
		c->shown = cfg_keep(c, display_name(c, f));
	}
	return c->shown;
}

const char *cfg_where(const config_setting_t *s, const char *key)
{
	const config_setting_t *m = key ? config_setting_get_member(s, key) :
					  NULL;

	if (m)
		s = m;
	/* the root has no line of its own: point at the file's start */
	return cfg_keep(cfg_of(s),
			xasprintf("%s:%u", file_of(s),
				  config_setting_source_line(s) ?
					  config_setting_source_line(s) :
					  1));
}

const char *cfg_loc(const config_setting_t *s, const char *key)
{
	const config_setting_t *m = key ? config_setting_get_member(s, key) :
					  NULL;
	char path[512];

	append_path(m ? m : s, path, sizeof(path));
	if (key && !m) {
		size_t used = strlen(path);

		snprintf(path + used, sizeof(path) - used, "%s%s",
			 used ? "." : "", key);
	}
	return cfg_keep(cfg_of(s), xasprintf("%s: %s", cfg_where(s, key),
					     path[0] ? path : "(top level)"));
}

int cfg_verror(const config_setting_t *s, const char *key, const char *fmt,
	       va_list ap)
{
	diag_vadd(cfg_of(s)->diag, cfg_loc(s, key), fmt, ap);
	return -EINVAL;
}

int cfg_error(const config_setting_t *s, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_verror(s, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number with a fraction";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_GROUP:
		return "a group";
	default:
		return "an unknown type";
	}
}

static int wrong_type(const config_setting_t *m, const char *want)
{
	return cfg_error(m, NULL, "expected %s, got %s", want, type_name(m));
}

static struct cfg_file *cached_file(struct cfg *c, const char *file)
{
	struct cfg_file *f;
	unsigned nul;
	char *path;

	for (f = c->files; f; f = f->next)
		if (!strcmp(f->name, file))
			return f;
	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(file);
	path = util_path_join(c->dir, file);
	if (read_text(path, &f->text, &nul) < 0)
		f->text = xstrdup("");
	free(path);
	f->next = c->files;
	f->lits = cfglit_scan(f->text, &f->nlits);
	c->files = f;
	return f;
}

/*
 * libconfig 1.5 stores an unsuffixed integer in 32 bits and wraps silently
 * (8589934592 reads as 0).  Every integer setting, in the file's order, is
 * paired with its file's next integer literal (cfglit.c): what the user
 * wrote, wherever comments, lines and lists put it.  A setting whose value
 * is not it is wrapped.
 */
static void pair(struct cfg *c, const config_setting_t *s)
{
	int t = config_setting_type(s), i, len;
	const char *file = config_setting_source_file(s);
	struct cfg_file *f = NULL;
	struct cfg_lit *lit;

	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
		f = file ? cached_file(c, file) : NULL;
	if (f && f->used < f->nlits) {
		lit = &f->lits[f->used++];
		/* out of step (a literal before its setting's line): this
		   file is not judged any further */
		if (lit->line < config_setting_source_line(s))
			f->used = f->nlits;
		else if (t == CONFIG_TYPE_INT && !lit->wide &&
			 (lit->overflow ||
			  lit->value != config_setting_get_int(s))) {
			c->wrapped = xrealloc(c->wrapped,
					      (c->nwrapped + 1) *
						      sizeof(*c->wrapped));
			c->wrapped[c->nwrapped++] = s;
		}
	}
	len = config_setting_is_aggregate(s) ? config_setting_length(s) : 0;
	for (i = 0; i < len; i++)
		pair(c, config_setting_get_elem(s, (unsigned)i));
}

static bool int_wrapped(const config_setting_t *m)
{
	struct cfg *c = cfg_of(m);
	size_t i;

	if (config_setting_type(m) != CONFIG_TYPE_INT)
		return false;
	if (!c->paired) { /* once, the whole tree */
		c->paired = true;
		pair(c, config_root_setting(&c->lc));
	}
	for (i = 0; i < c->nwrapped; i++)
		if (c->wrapped[i] == m)
			return true;
	return false;
}

/* s's member key; key NULL: s itself (a list's element, say) */
static config_setting_t *member(const config_setting_t *s, const char *key)
{
	if (s && !key)
		return (config_setting_t *)s;
	return s ? config_setting_get_member(s, key) : NULL;
}

int cfg_get_string(const config_setting_t *s, const char *key, const char *def,
		   const char **out)
{
	config_setting_t *m = member(s, key);

	*out = def;
	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return wrong_type(m, "a string");
	*out = config_setting_get_string(m);
	return 0;
}

static int get_integer(config_setting_t *m, int64_t *out)
{
	int t = config_setting_type(m);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return wrong_type(m, "an integer");
	if (int_wrapped(m))
		return cfg_error(m, NULL,
				 "integer too large for libconfig's 32 bits "
				 "(append L for a 64-bit integer, or write a "
				 "size as a string such as \"8G\")");
	*out = config_setting_get_int64(m);
	return 0;
}

int cfg_get_int64(const config_setting_t *s, const char *key, int64_t def,
		  int64_t *out)
{
	config_setting_t *m = member(s, key);
	int64_t v;

	*out = def;
	if (!m)
		return 0;
	if (get_integer(m, &v) < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int cfg_get_bool(const config_setting_t *s, const char *key, bool def,
		 bool *out)
{
	config_setting_t *m = member(s, key);

	*out = def;
	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL)
		return wrong_type(m, "true or false");
	*out = config_setting_get_bool(m);
	return 0;
}

int cfg_get_size(const config_setting_t *s, const char *key, uint64_t def,
		 uint64_t *out)
{
	config_setting_t *m = member(s, key);
	const char *str;
	int64_t v;
	int ret;

	*out = def;
	if (!m)
		return 0;
	if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		str = config_setting_get_string(m);
		ret = util_parse_size(str, out);
		if (ret == -ERANGE)
			return cfg_error(m, NULL, "\"%s\" is too large", str);
		if (ret < 0) {
			*out = def;
			return cfg_error(m, NULL,
					 "\"%s\" is not a size (use a byte "
					 "count or a number with K, M, G or T)",
					 str);
		}
		return 0;
	}
	if (config_setting_type(m) != CONFIG_TYPE_INT &&
	    config_setting_type(m) != CONFIG_TYPE_INT64)
		return wrong_type(m, "a size such as \"512M\" or \"8G\"");
	if (get_integer(m, &v) < 0)
		return -EINVAL;
	if (v < 0)
		return cfg_error(m, NULL, "a size cannot be negative");
	*out = (uint64_t)v;
	return 0;
}

int cfg_get_path(const config_setting_t *s, const char *key, const char *def,
		 const char **out)
{
	const char *str;
	int ret = cfg_get_string(s, key, NULL, &str);

	*out = def;
	if (ret < 0 || !str)
		return ret;
	if (!*str)
		return cfg_error(s, key, "empty path");
	*out = cfg_keep(cfg_of(s), util_path_join(cfg_of(s)->dir, str));
	return 0;
}

int cfg_get_enum(const config_setting_t *s, const char *key,
		 const char *const *names, int def, int *out)
{
	const char *str, *near;
	char list[256] = "";
	int i, ret = cfg_get_string(s, key, NULL, &str);

	*out = def;
	if (ret < 0 || !str)
		return ret;
	for (i = 0; names[i]; i++) {
		if (!strcmp(str, names[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", names[i]);
	}
	near = util_did_you_mean(str, names);
	if (near)
		return cfg_error(
			s, key,
			"\"%s\" is not one of %s (did you mean \"%s\"?)", str,
			list, near);
	return cfg_error(s, key, "\"%s\" is not one of %s", str, list);
}

config_setting_t *cfg_get_group(const config_setting_t *s, const char *key)
{
	config_setting_t *m = member(s, key);

	if (m && !config_setting_is_group(m)) {
		wrong_type(m, "a group { ... }");
		return NULL;
	}
	return m;
}

config_setting_t *cfg_get_list(const config_setting_t *s, const char *key)
{
	config_setting_t *m = member(s, key);

	if (m && !config_setting_is_list(m) && !config_setting_is_array(m)) {
		wrong_type(m, "a list ( ... ) or array [ ... ]");
		return NULL;
	}
	return m;
}

int cfg_check_keys_hint(const config_setting_t *s, const char *const *allowed,
			cfg_hint_fn *hint, void *data)
{
	config_setting_t *m;
	const char *name, *near;
	char more[256];
	int i, j, ret = 0;

	for (i = 0; (m = config_setting_get_elem(s, i)); i++) {
		name = config_setting_name(m);
		for (j = 0; allowed[j] && strcmp(allowed[j], name); j++)
			;
		if (allowed[j])
			continue;
		near = util_did_you_mean(name, allowed);
		more[0] = 0;
		if (!near && hint)
			hint(name, data, more, sizeof(more));
		if (near)
			cfg_error(m, NULL,
				  "unknown setting (did you mean \"%s\"?)",
				  near);
		else
			cfg_error(m, NULL, "unknown setting%s%s",
				  *more ? ": " : "", more);
		ret = -EINVAL;
	}
	return ret;
}

int cfg_check_keys(const config_setting_t *s, const char *const *allowed)
{
	return cfg_check_keys_hint(s, allowed, NULL, NULL);
}
