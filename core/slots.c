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

static size_t count_macos(json_t *recs)
{
	size_t i, n = 0;
	json_t *r;

	json_array_foreach(recs, i, r) n += !strcmp(
		json_string_value(json_object_get(r, "guest")) ?: "", "macos");
	return n;
}

static int create_record(int dirfd, const struct slot_request *req,
			 struct slot *s, char **why)
{
	json_t *rec = json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "vm", req->vm,
				"pid", (int)getpid(), "guest",
				req->macos ? "macos" : "linux", "bridge",
				req->bridge, "config", req->config ?: "",
				"since", (json_int_t)util_wall_ms());
	char *text = json_dumps(rec, JSON_COMPACT);
	int fd;

	json_decref(rec);
	s->name = xasprintf("%s.%d" SUFFIX, req->vm, (int)getpid());
	fd = openat(dirfd, s->name,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		int err = errno;

		*why = xasprintf("slot ledger: cannot write %s: %s", s->name,
				 strerror(err));
		if (fd >= 0) {
			unlinkat(dirfd, s->name, 0);
			close(fd);
		}
		free(s->name);
		s->name = NULL;
		free(text);
		return -err;
	}
	free(text);
	s->fd = fd;
	return 0;
}

int slots_admit(int dirfd, const struct slot_request *req, struct slot *s,
		char **why)
{
	int lock, ret = 0;
	char holders[1024];
	json_t *recs = NULL;
	size_t macos;

	*why = NULL;
	/* read-only is enough for flock, and another user's lock file of a
	   shared ledger opens so */
	lock = openat(dirfd, LEDGER_LOCK,
		      O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	/* held for a directory read and a file creation: never long */
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		ret = -errno;
		*why = xasprintf("slot ledger: %s: %s", LEDGER_LOCK,
				 strerror(errno));
		goto out;
	}
	recs = live_records(dirfd, true);
	if (!recs) {
		ret = -errno;
		*why = xasprintf("slot ledger: cannot read it: %s",
				 strerror(errno));
		goto out;
	}
	macos = count_macos(recs);
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

static void write_note(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name,
			O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			0644);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		log_msg(LOG_WARNING, NULL, "slot ledger: cannot note %s: %s",
			name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* a note's numbers, when it is of this boot */
static int read_note(int dirfd, const char *name, long long boot, long long *a,
		     long long *b)
{
	int fd = openat(dirfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char buf[128] = "";
	long long at_boot = -1;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%lld %lld %lld", a, b, &at_boot) != 3 ||
	    at_boot != boot)
		return -1;
	return 0;
}

void slots_note_leak(int dirfd, unsigned n, long long boot)
{
	long long old, since = util_wall_ms();
	char text[96];

	/* the first sighting this boot is when it began */
	if (read_note(dirfd, "leaked", boot, &old, &since) < 0)
		since = util_wall_ms();
	snprintf(text, sizeof(text), "%u %lld %lld\n", n, since, boot);
	write_note(dirfd, "leaked", text);
}

unsigned slots_leaked(int dirfd, long long boot, long long *since)
{
	long long n;

	return read_note(dirfd, "leaked", boot, &n, since) < 0 ? 0 :
								 (unsigned)n;
}

void slots_learn(int dirfd, unsigned limit, long long boot)
{
	char text[96];

	snprintf(text, sizeof(text), "%u %lld %lld\n", limit, util_wall_ms(),
		 boot);
	write_note(dirfd, "limit", text);
}

unsigned slots_learnt(int dirfd, long long boot)
{
	long long n, at;

	return read_note(dirfd, "limit", boot, &n, &at) < 0 ? 0 : (unsigned)n;
}

json_t *slots_holders(int dirfd)
{
	int lock = openat(dirfd, LEDGER_LOCK,
			  O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	bool locked = lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0;
	json_t *recs = live_records(dirfd, locked);

	if (lock >= 0)
		close(lock);
	return recs;
}
