/* caps.c: what this host's QEMU has (device and object types, their properties, chardev and TPM backends), asked over QMP and cached by the binary's path, size and mtime. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/log.h"
#include "../../core/os.h"
#include "../../core/proc.h"
#include "../../core/util.h"
#include "qemu.h"

/* a QEMU without a machine answers in some 0.15 s; one that does not in
   this long is given up on (its parts are then left to the start) */
#define ASK_MS 10000
#define OUT_MAX (8u << 20)

/* $XDG_CACHE_HOME/vzhost/qemu-caps.json, else ~/.cache's; NULL: none */
static char *cache_path(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (x && *x == '/')
		return xasprintf("%s/vzhost/qemu-caps.json", x);
	if (home && *home == '/')
		return xasprintf("%s/.cache/vzhost/qemu-caps.json", home);
	return NULL;
}

/* what identifies the binary asked: a new one at the path, an upgrade in
   place, a reinstall (its ctime moves even when dpkg keeps the mtime) */
static json_t *identity(const char *binary, const struct stat *st)
{
#ifdef __APPLE__
	const struct timespec *m = &st->st_mtimespec, *c = &st->st_ctimespec;
#else
	const struct timespec *m = &st->st_mtim, *c = &st->st_ctim;
#endif
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "binary", binary,
			 "size", (json_int_t)st->st_size, "dev",
			 (json_int_t)st->st_dev, "ino", (json_int_t)st->st_ino,
			 "mtime_ns",
			 (json_int_t)m->tv_sec * 1000000000 + m->tv_nsec,
			 "ctime_ns",
			 (json_int_t)c->tv_sec * 1000000000 + c->tv_nsec);
}

/* a record of ours for this binary, with every list it must have */
static bool usable(json_t *c, json_t *id)
{
	static const char *const lists[] = { "devices", "objects", "chardevs",
					     "tpms" };

	if (!json_equal(json_object_get(c, "id"), id) ||
	    !json_is_object(json_object_get(c, "props")))
		return false;
	for (size_t i = 0; i < 4; i++)
		if (!json_is_array(json_object_get(c, lists[i])))
			return false;
	return true;
}

/* the cached answers for this binary, or a new empty record of it; only a
   regular file of ours that others cannot write is read (no link, no FIFO) */
static json_t *cache_load(const char *path, json_t *id, bool *cached)
{
	int fd = path ? open(path,
			     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) :
			-1;
	json_t *c = NULL;
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && !(st.st_mode & 022))
		c = json_loadfd(fd, 0, NULL);
	if (fd >= 0)
		close(fd);
	*cached = usable(c, id);
	if (*cached)
		return c;
	json_decref(c);
	return json_pack("{s:O, s:{}}", "id", id, "props");
}

/* a directory of ours that others cannot write, made when missing */
static bool own_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno == ENOENT) {
		char *up = util_dirname(dir);

		mkdir(up, 0700);
		free(up);
		mkdir(dir, 0700);
	}
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid() && !(st.st_mode & 022);
}

/* written whole or not at all */
static void cache_save(const char *path, json_t *c)
{
	char *dir, *tmp;
	int fd, ok;

	if (!path)
		return;
	dir = util_dirname(path);
	tmp = xasprintf("%s/.qemu-caps.XXXXXX", dir);
	fd = own_dir(dir) ? mkstemp(tmp) : -1;
	if (fd >= 0) {
		ok = json_dumpfd(c, fd, JSON_COMPACT) == 0 && fsync(fd) == 0;
		if (close(fd) == 0 && ok)
			rename(tmp, path);
		unlink(tmp); /* (gone already when renamed) */
	}
	free(tmp);
	free(dir);
}

/* one QEMU with no machine, every question written at once; its answers'
   lines in out (malloc'd); 0 or -errno */
static int run_qmp(const char *binary, const char *in, char **out, char **why)
{
	char *const argv[] = {
		(char *)binary, "-machine", "none", "-nodefaults", "-display",
		"none",		"-S",	    "-qmp", "stdio",	   NULL
	};
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, null, ret = 0;
	size_t len = 0, cap = 65536, put = 0, inlen = strlen(in);
	long long end = util_now_ms() + ASK_MS;
	struct pollfd p[2];
	pid_t pid, parent = getpid();
	ssize_t n;

	*out = NULL;
	if (pipe(to) < 0 || pipe(from) < 0) {
		ret = -errno;
		goto out;
	}
	pid = proc_fork();
	if (pid == 0) {
		os_die_with(parent, proc_lifeline()); /* never outlive vzhost */
		null = open("/dev/null", O_RDWR);
		dup2(to[0], 0);
		dup2(from[1], 1);
		dup2(null, 2);
		proc_close_from(3);
		execv(binary, argv);
		_exit(127);
	}
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	close(to[0]);
	close(from[1]);
	to[0] = from[1] = -1;
	fcntl(to[1], F_SETFL, O_NONBLOCK);
	*out = xmalloc(cap);
	for (;;) {
		int wait = (int)(end - util_now_ms()), k = 0;

		if (wait <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		p[k++] = (struct pollfd){ .fd = from[0], .events = POLLIN };
		if (to[1] >= 0)
			p[k++] = (struct pollfd){ .fd = to[1],
						  .events = POLLOUT };
		if (poll(p, (nfds_t)k, wait) < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (k == 2 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = write(to[1], in + put, inlen - put);
			if (n > 0)
				put += (size_t)n;
			if (n < 0 || put == inlen) {
				close(to[1]);
				to[1] = -1;
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (len + 4096 > cap) {
			if (cap >= OUT_MAX) {
				ret = -EFBIG;
				break;
			}
			*out = xrealloc(*out, cap *= 2);
		}
		n = read(from[0], *out + len, cap - len - 1);
		if (n <= 0)
			break; /* (it quit: all said) */
		len += (size_t)n;
	}
	(*out)[len] = 0;
	kill(pid, SIGKILL); /* (gone already, unless it hung) */
	waitpid(pid, NULL, 0);
out:
	if (ret < 0)
		*why = xasprintf("%s: %s", binary, strerror(-ret));
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	return ret;
}

/* the names in a list of {"name": ...} (qom-list-types, the properties)
   or of strings' members (query-chardev-backends) */
static json_t *names(json_t *list)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e)
	{
		if (json_is_string(json_object_get(e, "name")))
			json_array_append(out, json_object_get(e, "name"));
		else if (json_is_string(e))
			json_array_append(out, e);
	}
	return out;
}

/* c's type lists, and the properties of the device and object types
   asked (those QEMU does not have: none), from one QEMU; 0 or -errno */
static int ask(const char *binary, json_t *c, json_t *devs, json_t *objs,
	       char **why)
{
	static const char *const lists[] = { "devices", "objects", "chardevs",
					     "tpms" };
	char *in = xstrdup(""), *out = NULL, *was, *line, *save;
	json_t *answers = json_array(), *q, *e, *all;
	size_t i, k, nq = 5 + json_array_size(devs) + json_array_size(objs);
	int ret;

	q = json_pack("[{s:s}, {s:s, s:{s:s, s:b}}, {s:s, s:{s:s, s:b}}, "
		      "{s:s}, {s:s}]",
		      "execute", "qmp_capabilities", "execute",
		      "qom-list-types", "arguments", "implements", "device",
		      "abstract", 0, "execute", "qom-list-types", "arguments",
		      "implements", "user-creatable", "abstract", 0, "execute",
		      "query-chardev-backends", "execute", "query-tpm-types");
	json_array_foreach(devs, i, e)
		json_array_append_new(q, json_pack("{s:s, s:{s:O}}", "execute",
						   "device-list-properties",
						   "arguments", "typename", e));
	json_array_foreach(objs, i, e) json_array_append_new(
		q, json_pack("{s:s, s:{s:O}}", "execute", "qom-list-properties",
			     "arguments", "typename", e));
	json_array_append_new(q, json_pack("{s:s}", "execute", "quit"));
	json_array_foreach(q, i, e)
	{
		char *s = json_dumps(e, JSON_COMPACT);

		was = in;
		in = xasprintf("%s%s\n", was, s);
		free(was);
		free(s);
	}
	ret = run_qmp(binary, in, &out, why);
	/* the answers in order, a line each ("return" or "error"; the
	   greeting and events are none) */
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);

		if (json_object_get(j, "return") || json_object_get(j, "error"))
			json_array_append(answers, j);
		json_decref(j);
	}
	if (!ret && json_array_size(answers) < nq) {
		ret = -EPROTO;
		*why = xasprintf("%s answered %zu of %zu questions", binary,
				 json_array_size(answers), nq);
	}
	for (k = 0; !ret && k < 4; k++) /* (answer 0: qmp_capabilities) */
		json_object_set_new(
			c, lists[k],
			names(json_object_get(json_array_get(answers, k + 1),
					      "return")));
	all = json_object_get(c, "props");
	for (i = 0; !ret && i < json_array_size(devs) + json_array_size(objs);
	     i++) {
		json_t *a = json_object_get(json_array_get(answers, 5 + i),
					    "return");
		json_t *t =
			i < json_array_size(devs) ?
				json_array_get(devs, i) :
				json_array_get(objs, i - json_array_size(devs));

		json_object_set_new(all, json_string_value(t),
				    a ? names(a) : json_null());
	}
	json_decref(answers);
	json_decref(q);
	free(in);
	free(out);
	return ret;
}

static bool has(json_t *list, const char *s)
{
	json_t *e;
	size_t i;

	json_array_foreach(list, i,
			   e) if (json_is_string(e) &&
				  !strcmp(json_string_value(e), s)) return true;
	return false;
}

/* " (did you mean X?)" from list, or "" (buf) */
static const char *suggest(json_t *list, const char *s, char *buf, size_t len)
{
	const char **cands = xcalloc(json_array_size(list) + 1, sizeof(*cands));
	const char *best;
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
		cands[i] = json_is_string(e) ? json_string_value(e) : "";
	best = util_did_you_mean(s, cands);
	if (best)
		snprintf(buf, len, " (did you mean \"%s\"?)", best);
	else
		buf[0] = 0;
	free(cands);
	return buf;
}

/* the parts whose types and properties QEMU can be asked about */
static const char *asked_list(const struct vzh_hvdev *h)
{
	if (strcmp(h->bridge, "qemu") || !h->driver)
		return NULL;
	return !strcmp(h->group, "device")  ? "devices" :
	       !strcmp(h->group, "object")  ? "objects" :
	       !strcmp(h->group, "chardev") ? "chardevs" :
	       !strcmp(h->group, "tpmdev")  ? "tpms" :
					      NULL;
}

static void check_part(const struct device *dv, json_t *c, const char *binary,
		       struct diag *d)
{
	const struct vzh_hvdev *h = &dv->u.hvdev;
	const char *list = asked_list(h);
	json_t *props;
	char hint[128];
	uint32_t i;

	if (!has(json_object_get(c, list), h->driver)) {
		diag_add(d, dv->origin.loc,
			 "plugin %s emitted a qemu %s of type \"%s\", which "
			 "this host's QEMU (%s) does not have%s",
			 dv->origin.plugin, h->group, h->driver, binary,
			 suggest(json_object_get(c, list), h->driver, hint,
				 sizeof(hint)));
		return;
	}
	/* (a chardev's or tpmdev's properties: QEMU cannot be asked) */
	props = strcmp(list, "devices") && strcmp(list, "objects") ?
			NULL :
			json_object_get(json_object_get(c, "props"), h->driver);
	for (i = 0; json_is_array(props) && i < h->nprops; i++) {
		const char *p = h->props[i].name;

		/* (options of -device and -object themselves) */
		if (!strcmp(p, "id") || !strcmp(p, "bus") || has(props, p))
			continue;
		diag_add(d, dv->origin.loc,
			 "plugin %s emitted a qemu %s %s with property "
			 "\"%s\", which this host's QEMU (%s) does not "
			 "have%s",
			 dv->origin.plugin, h->group, h->driver, p, binary,
			 suggest(props, p, hint, sizeof(hint)));
	}
}

/* the names of c's props not yet asked, of those in want */
static json_t *unasked(json_t *c, json_t *want)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(want, i,
			   e) if (!json_object_get(json_object_get(c, "props"),
						   json_string_value(e)))
		json_array_append(out, e);
	return out;
}

static size_t problems(const struct machine *m, json_t *c, const char *binary,
		       struct diag *d)
{
	size_t i, before = d->n;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].cls == DEV_HVDEV &&
		    asked_list(&m->devs[i].u.hvdev))
			check_part(&m->devs[i], c, binary, d);
	return d->n - before;
}

void qemu_caps_check(const struct bridge *b, const struct machine *m,
		     struct diag *d)
{
	/* a QEMU that did not answer is not asked again by this process (a
	   10 s wait per VM otherwise) */
	static char *silent;
	json_t *c = NULL, *id = NULL, *devs = json_array(),
	       *objs = json_array(), *nd = NULL, *no = NULL;
	char *path = NULL, *why = NULL;
	struct diag trial = { 0 };
	bool cached = false;
	struct stat st;
	size_t i, parts = 0;

	for (i = 0; i < m->ndevs; i++) {
		const struct vzh_hvdev *h = &m->devs[i].u.hvdev;
		json_t *to = NULL;

		if (m->devs[i].cls != DEV_HVDEV || !asked_list(h))
			continue;
		parts++;
		if (!strcmp(h->group, "device"))
			to = devs;
		else if (!strcmp(h->group, "object"))
			to = objs;
		if (to && !has(to, h->driver))
			json_array_append_new(to, json_string(h->driver));
	}
	if (!parts || stat(b->binary, &st) < 0 ||
	    (silent && !strcmp(silent, b->binary)))
		goto out;
	path = cache_path();
	id = identity(b->binary, &st);
	c = cache_load(path, id, &cached);
	nd = unasked(c, devs);
	no = unasked(c, objs);
	/* what the cache does not know yet is asked, and kept; what it says
	   is missing is asked once more (a module installed since) */
	if (!cached || json_array_size(nd) || json_array_size(no) ||
	    problems(m, c, b->binary, &trial)) {
		if (cached && trial.n) {
			json_decref(c);
			c = json_pack("{s:O, s:{}}", "id", id, "props");
			json_decref(nd);
			json_decref(no);
			nd = json_incref(devs);
			no = json_incref(objs);
		}
		if (ask(b->binary, c, nd, no, &why) < 0) {
			log_msg(LOG_WARNING, m->name,
				"cannot ask QEMU what it has (%s): its plugins' "
				"parts are checked when it starts",
				why);
			free(silent);
			silent = xstrdup(b->binary);
			goto out;
		}
		cache_save(path, c);
	}
	problems(m, c, b->binary, d);
out:
	diag_free(&trial);
	json_decref(c);
	json_decref(id);
	json_decref(devs);
	json_decref(objs);
	json_decref(nd);
	json_decref(no);
	free(path);
	free(why);
}
