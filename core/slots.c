/* slots.c: the slot ledger: one flock-held record per running VM, and admission against the host's limits. */
#include "slots.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "statedir.h"
#include "util.h"

#define LEDGER_LOCK ".lock"
#define SUFFIX ".slot"

/* a record's lock is free: its vzhost is gone (a SIGKILL, a crash) */
static bool stale(int fd)
{
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		return false;
	flock(fd, LOCK_UN);
	return true;
}

static json_t *read_record(int fd)
{
	char buf[2048];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return NULL;
	buf[n] = 0;
	return json_loads(buf, 0, NULL);
}

/* oldest first (then by name): messages and listings read the same twice */
static int older(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t sx = json_integer_value(json_object_get(x, "since")),
		   sy = json_integer_value(json_object_get(y, "since"));

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "vm")) ?: "",
		      json_string_value(json_object_get(y, "vm")) ?: "");
}

static void sort(json_t *all)
{
	size_t n = json_array_size(all), i;
	json_t **v = xcalloc(n, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(all, i));
	qsort(v, n, sizeof(*v), older);
	json_array_clear(all);
	for (i = 0; i < n; i++)
		json_array_append_new(all, v[i]);
	free(v);
}

/*
 * The live records; stale ones are removed when clean (the caller holds the
 * ledger lock: nobody is creating a record meanwhile, so a free lock is not
 * a record about to be taken).
 */
static json_t *live_records(int dirfd, bool clean)
{
	json_t *all = json_array(), *rec;
	struct dirent *de;
	size_t n;
	DIR *d;
	int dup, fd;

	dup = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dup >= 0 ? fdopendir(dup) : NULL;
	if (!d) {
		if (dup >= 0)
			close(dup);
		json_decref(all);
		return NULL;
	}
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		if (n <= strlen(SUFFIX) ||
		    strcmp(de->d_name + n - strlen(SUFFIX), SUFFIX))
			continue;
		fd = openat(dirfd, de->d_name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		rec = read_record(fd);
		if (stale(fd)) {
			if (clean && unlinkat(dirfd, de->d_name, 0) == 0)
				log_msg(LOG_NOTICE, NULL,
					"slot ledger: removed the stale record "
					"%s (its vzhost is gone)",
					de->d_name);
		} else if (json_is_object(rec)) {
			json_array_append(all, rec);
		}
		json_decref(rec);
		close(fd);
	}
	closedir(d);
	sort(all);
	return all;
}

/* "build-1 (vzhost pid 311, /etc/vzhost/ci.conf, since 10:02:11)" */
static void describe(json_t *recs, bool macos_only, char *buf, size_t len)
{
	size_t i, used = 0;
	json_t *r;
	time_t t;
	char when[16];

	buf[0] = 0;
	json_array_foreach(recs, i, r)
	{
		if (macos_only &&
		    strcmp(json_string_value(json_object_get(r, "guest")) ?: "",
			   "macos"))
			continue;
		t = (time_t)(json_integer_value(json_object_get(r, "since")) /
			     1000);
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
		if (used < len)
			used += (size_t)snprintf(
				buf + used, len - used,
				"%s%s (vzhost pid %lld, %s, since %s)",
				used ? "; " : "",
				json_string_value(json_object_get(r, "vm")),
				json_integer_value(json_object_get(r, "pid")),
				json_string_value(json_object_get(r, "config")),
				when);
	}
}

size_t slots_macos(json_t *recs)
{
	size_t i, n = 0;
	json_t *r;

	json_array_foreach(recs, i, r) n += !strcmp(
		json_string_value(json_object_get(r, "guest")) ?: "", "macos");
	return n;
}

/* a JSON string of text, even when text is not UTF-8 (a path may not be) */
static json_t *text_or_mark(const char *text)
{
	json_t *j = json_string(text ? text : "");

	return j ? j : json_string("(not UTF-8)");
}

/*
 * The record appears under its final name complete and locked: written and
 * flock()ed under a name readers skip, then linked (never replacing what
 * another user may have put there; a taken name is retried).
 */
static int create_record(int dirfd, const struct slot_request *req,
			 struct slot *s, char **why)
{
	json_t *rec = json_pack("{s:o,s:i,s:s,s:s,s:o,s:I}", "vm",
				text_or_mark(req->vm), "pid", (int)getpid(),
				"guest", req->macos ? "macos" : "linux",
				"bridge", req->bridge, "config",
				text_or_mark(req->config), "since",
				(json_int_t)util_wall_ms());
	char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	char *tmp = xasprintf(".new.%d", (int)getpid());
	int fd = -1, err = 0, k;
	ssize_t n;

	json_decref(rec);
	unlinkat(dirfd, tmp, 0); /* ours, from a failed try */
	fd = openat(dirfd, tmp,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || fchmod(fd, 0644) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		err = errno;
	else if (!text || (n = write(fd, text, strlen(text))) < 0 ||
		 (size_t)n != strlen(text))
		err = text && n < 0 ? errno : EIO;
	for (k = 0; !err && k < 16; k++) {
		free(s->name);
		s->name = k ? xasprintf("%s.%d.%d" SUFFIX, req->vm,
					(int)getpid(), rand()) :
			      xasprintf("%s.%d" SUFFIX, req->vm, (int)getpid());
		if (linkat(dirfd, tmp, dirfd, s->name, 0) == 0)
			break;
		err = errno == EEXIST ? 0 : errno;
	}
	if (!err && k == 16)
		err = EEXIST;
	if (fd >= 0)
		unlinkat(dirfd, tmp, 0);
	if (err) {
		*why = xasprintf("slot ledger: cannot write a record: %s",
				 strerror(err));
		if (fd >= 0)
			close(fd);
		free(s->name);
		s->name = NULL;
	} else {
		s->fd = fd;
	}
	free(tmp);
	free(text);
	return -err;
}

/*
 * The ledger's lock file: a regular file, opened without blocking (a FIFO
 * planted there must not hang the loop) and created only when missing (so
 * another user's, in a shared ledger, is opened, not re-created).
 */
static int open_lock(int dirfd, bool create)
{
	struct stat st;
	int fd = openat(dirfd, LEDGER_LOCK,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		fd = openat(dirfd, LEDGER_LOCK,
			    O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				    O_CLOEXEC,
			    0644);
		if (fd < 0 && errno == EEXIST)
			return open_lock(dirfd, false);
		if (fd >= 0)
			fchmod(fd, 0644);
	}
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int slots_admit(int dirfd, const struct slot_request *req, struct slot *s,
		char **why)
{
	int lock, ret = 0;
	char holders[1024];
	json_t *recs = NULL;
	size_t macos;

	*why = NULL;
	/* held for a directory read and a file creation, never long; held
	   by someone else: -EBUSY, the caller looks again soon (the loop
	   never waits on another process's lock) */
	lock = open_lock(dirfd, true);
	if (lock < 0) {
		ret = -errno;
		*why = xasprintf("slot ledger: %s: %s", LEDGER_LOCK,
				 errno == EINVAL ? "not a regular file" :
						   strerror(errno));
		goto out;
	}
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		*why = xasprintf("slot ledger: %s is held by another process",
				 LEDGER_LOCK);
		goto out;
	}
	recs = live_records(dirfd, true);
	if (!recs) {
		ret = -errno;
		*why = xasprintf("slot ledger: cannot read it: %s",
				 strerror(errno));
		goto out;
	}
	macos = slots_macos(recs);
	if (req->macos && req->macos_slots && macos >= req->macos_slots) {
		describe(recs, true, holders, sizeof(holders));
		*why = xasprintf("host.macos_slots = %u and %zu macOS guest%s "
				 "run%s: %s",
				 req->macos_slots, macos, macos == 1 ? "" : "s",
				 macos == 1 ? "s" : "", holders);
		ret = -EAGAIN;
	} else if (req->max_vms && json_array_size(recs) >= req->max_vms) {
		describe(recs, false, holders, sizeof(holders));
		*why = xasprintf("host.max_vms = %u and %zu VM%s run%s: %s",
				 req->max_vms, json_array_size(recs),
				 json_array_size(recs) == 1 ? "" : "s",
				 json_array_size(recs) == 1 ? "s" : "",
				 holders);
		ret = -EAGAIN;
	} else {
		ret = create_record(dirfd, req, s, why);
	}
out:
	json_decref(recs);
	if (lock >= 0)
		close(lock); /* and its flock with it */
	return ret;
}

void slots_release(int dirfd, struct slot *s)
{
	if (!s->name)
		return;
	/* gone from the directory before the lock is: a reader never finds
	   our record free and takes it for stale while we still run */
	unlinkat(dirfd, s->name, 0);
	close(s->fd);
	s->fd = -1;
	free(s->name);
	s->name = NULL;
}

/* a note is per user: only our own file is written or believed (in a shared
   ledger, another user's could say anything) */
static char *note_name(const char *what)
{
	return xasprintf("%s.%u", what, (unsigned)geteuid());
}

/* written beside, then renamed over: a reader sees the old or the new */
static void write_note(int dirfd, const char *what, const char *text)
{
	char *name = note_name(what), *tmp = xasprintf(".%s.new", name);
	int fd;

	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    renameat(dirfd, tmp, dirfd, name) < 0) {
		log_msg(LOG_WARNING, NULL, "slot ledger: cannot note %s: %s",
			name, strerror(errno));
		unlinkat(dirfd, tmp, 0);
	}
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(name);
}

/* a note's numbers, when it is ours, a plain file, and of this boot */
static int read_note(int dirfd, const char *what, const char *boot,
		     long long *a, long long *b)
{
	char *name = note_name(what), *why = NULL, buf[160] = "",
	     at_boot[64] = "";
	/* a regular file of ours others cannot write, and no second link */
	int fd = statedir_read(dirfd, name, name, &why);
	struct stat st;
	ssize_t n = -1;

	free(why);
	free(name);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_nlink == 1)
		n = read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%lld %lld %63s", a, b, at_boot) != 3 ||
	    strcmp(at_boot, boot))
		return -1;
	return 0;
}

void slots_note_leak(int dirfd, unsigned n, const char *boot)
{
	long long old, since;
	char text[160];

	/* the first sighting this boot is when it began */
	if (read_note(dirfd, "leaked", boot, &old, &since) < 0)
		since = util_wall_ms();
	snprintf(text, sizeof(text), "%u %lld %s\n", n, since, boot);
	write_note(dirfd, "leaked", text);
}

unsigned slots_leaked(int dirfd, const char *boot, long long *since)
{
	long long n;

	return read_note(dirfd, "leaked", boot, &n, since) < 0 ? 0 :
								 (unsigned)n;
}

void slots_learn(int dirfd, unsigned limit, const char *boot)
{
	char text[160];

	snprintf(text, sizeof(text), "%u %lld %s\n", limit, util_wall_ms(),
		 boot);
	write_note(dirfd, "limit", text);
}

unsigned slots_learnt(int dirfd, const char *boot)
{
	long long n, at;

	return read_note(dirfd, "limit", boot, &n, &at) < 0 ? 0 : (unsigned)n;
}

json_t *slots_holders(int dirfd)
{
	int lock = open_lock(dirfd, true);
	bool locked = lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0;
	json_t *recs = live_records(dirfd, locked);

	if (lock >= 0)
		close(lock);
	return recs;
}
