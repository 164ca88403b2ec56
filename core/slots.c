/* slots.c: the slot ledger: one record per running VM, write-locked by its vzhost, and admission against the host's limits without a ledger-wide lock. */
#include "slots.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

#include "log.h"
#include "os.h"
#include "statedir.h"
#include "util.h"

/*
 * A shared ledger is a sticky directory: any user may create any free name
 * in it, open others' 0644 files read-only and take flocks or read locks on
 * them, but not remove, rename or write them.  So nothing here depends on a
 * name someone else could take first (every name created is random, and
 * retried when taken) or on a lock anyone could hold: a record is live while
 * a write lock is held on it, which only its owner (or root) can take.
 */
#define SUFFIX ".slot"
#define TEMP ".new." /* a temporary's prefix: never read as a record */
#define PENDING 'P' /* a record's first byte: counted, not admitted yet */
#define ADMITTED 'A' /* written over it in place: one byte, atomic */
#define RECORD_MAX 16384 /* what is read of a record (a long config path) */
#define PENDING_HOLDS_MS 2000 /* a start pending this long holds its slot */
#define LEFTOVER_S 60 /* a temporary this old belongs to a dead vzhost */
#define NAME_TRIES 16
#define PER_USER_MAX \
	256 /* records of one user read in one look: another
			    user's thousands of files cost a few stats */
#define NAMED_MAX 3 /* stale records removed named in the log, a look */

/* the records this process holds: read through their own descriptor, never
   opened again (on macOS closing any descriptor of a file drops the
   process's lock on it), and known by inode (a hard link someone made to one
   is the same record) */
struct held {
	dev_t dev;
	ino_t ino;
	int fd;
	int *extra; /* the file opened by a listing meanwhile: kept open */
	size_t nextra;
};

static struct held *held;
static size_t nheld;

static struct held *held_find(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nheld; i++)
		if (held[i].dev == st->st_dev && held[i].ino == st->st_ino)
			return &held[i];
	return NULL;
}

static void held_add(int fd, const struct stat *st)
{
	held = xrealloc(held, (nheld + 1) * sizeof(*held));
	held[nheld++] = (struct held){ st->st_dev, st->st_ino, fd, NULL, 0 };
}

/* closes fd, and with it the lock (after the caller unlinked its name) */
static void held_drop(int fd)
{
	size_t i, k;

	for (i = 0; i < nheld && held[i].fd != fd; i++)
		;
	if (i < nheld) {
		for (k = 0; k < held[i].nextra; k++)
			close(held[i].extra[k]);
		free(held[i].extra);
		held[i] = held[--nheld];
	}
	close(fd);
}

/* 16 random hex digits: names nobody can plant in advance; 0 or -errno */
static int random_hex(char hex[17])
{
	unsigned char r[8];
	size_t i;

	if (getentropy(r, sizeof(r)) < 0)
		return -errno;
	for (i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	return 0;
}

unsigned slots_backoff_ms(void)
{
	unsigned char r = 0;

	if (getentropy(&r, 1) < 0)
		r = (unsigned char)getpid();
	return 10 + r % 40u;
}

/* a copy of a record's string fit for a log line (a record may be anyone's,
   saying anything); NULL when it is no string */
static json_t *shown(json_t *j)
{
	char *copy, *p;

	if (!json_is_string(j))
		return NULL;
	copy = xstrdup(json_string_value(j));
	for (p = copy; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

/* a record's state byte and its fields, as holders show them (nothing
   else of what the file says); NULL when it is not a record */
static json_t *read_record(int fd, char *state)
{
	char *buf = xmalloc(RECORD_MAX);
	ssize_t n = pread(fd, buf, RECORD_MAX, 0);
	json_t *j = NULL, *rec = NULL, *vm, *guest, *bridge, *config;

	if (n >= 2 && (buf[0] == PENDING || buf[0] == ADMITTED)) {
		*state = buf[0];
		j = json_loadb(buf + 1, (size_t)n - 1, 0, NULL);
	}
	free(buf);
	vm = shown(json_object_get(j, "vm"));
	guest = shown(json_object_get(j, "guest"));
	bridge = shown(json_object_get(j, "bridge"));
	config = shown(json_object_get(j, "config"));
	if (!bridge)
		bridge = json_string("");
	if (vm && guest && config &&
	    json_is_integer(json_object_get(j, "pid")) &&
	    json_is_integer(json_object_get(j, "since")))
		rec = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "vm", vm, "pid",
				json_object_get(j, "pid"), "guest", guest,
				"bridge", bridge, "config", config, "since",
				json_object_get(j, "since"));
	json_decref(vm);
	json_decref(guest);
	json_decref(bridge);
	json_decref(config);
	json_decref(j);
	return rec;
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

/* a file looked at, by identity (its names may be several) */
struct file_id {
	struct {
		dev_t dev;
		ino_t ino;
	} key;
	UT_hash_handle hh;
};

/* how many files of one user were read in this look */
struct per_user {
	uid_t uid;
	unsigned n;
};

/* the live records but the one being admitted, oldest first */
struct ledger {
	json_t *admitted;
	json_t *pending; /* starts not admitted yet: they may still withdraw */
	struct file_id *seen; /* each file once, under whatever names */
	struct per_user *users;
	size_t nusers;
	unsigned removed; /* stale records of ours removed */
	bool capped; /* a user's records beyond PER_USER_MAX were not read */
};

static bool seen(struct ledger *l, const struct stat *st)
{
	struct file_id *f = xcalloc(1, sizeof(*f)), *had;

	f->key.dev = st->st_dev;
	f->key.ino = st->st_ino;
	HASH_FIND(hh, l->seen, &f->key, sizeof(f->key), had);
	if (had) {
		free(f);
		return true;
	}
	HASH_ADD(hh, l->seen, key, sizeof(f->key), f);
	return false;
}

/* another file of st's owner to read in this look, or not (too many) */
static bool user_quota(struct ledger *l, const struct stat *st)
{
	size_t i;

	for (i = 0; i < l->nusers && l->users[i].uid != st->st_uid; i++)
		;
	if (i == l->nusers) {
		l->users = xrealloc(l->users, (i + 1) * sizeof(*l->users));
		l->users[l->nusers++] = (struct per_user){ st->st_uid, 0 };
	}
	if (l->users[i].n >= PER_USER_MAX) {
		l->capped = true;
		return false;
	}
	l->users[i].n++;
	return true;
}

/* ours to remove: a sticky directory lets nobody else (but root) anyway */
static bool ours(const struct stat *st)
{
	return st->st_uid == geteuid() || geteuid() == 0;
}

/* unlinks name when it still is st's file (names are random: it is) */
static bool remove_same(int dirfd, const char *name, const struct stat *st)
{
	struct stat now;

	return fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	       now.st_dev == st->st_dev && now.st_ino == st->st_ino &&
	       unlinkat(dirfd, name, 0) == 0;
}

/*
 * name's file opened read-only, without blocking or following: regular
 * files only (a FIFO, a directory, a symlink is nobody's record).  *h: one
 * of ours, to read through our own descriptor (-1 then, unless the name was
 * swapped for a link to ours meanwhile: that descriptor stays open with
 * ours, since closing it would drop our lock on macOS).  -1: none.
 */
static int open_file(int dirfd, const char *name, struct stat *st,
		     struct held **h, struct ledger *l)
{
	int fd;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st->st_mode))
		return -1;
	if ((*h = held_find(st)))
		return -1;
	if (l && !user_quota(l, st))
		return -1;
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	if ((*h = held_find(st))) {
		(*h)->extra =
			xrealloc((*h)->extra, ((*h)->nextra + 1) * sizeof(int));
		(*h)->extra[(*h)->nextra++] = fd;
		return -1;
	}
	return fd;
}

/* a temporary of ours its vzhost neither linked nor removed: it died */
static void leftover(int dirfd, const char *name)
{
	struct held *h = NULL;
	struct stat st;
	int fd = open_file(dirfd, name, &st, &h, NULL);

	if (fd < 0)
		return;
	if (ours(&st) && st.st_mtime < time(NULL) - LEFTOVER_S &&
	    os_write_locked(fd) == 0)
		remove_same(dirfd, name, &st);
	close(fd);
}

/*
 * One record of the ledger, each file once (under whatever names), ours
 * through our own descriptor.  Another's counts while a write lock is held
 * on it; one whose lock is free is stale: removed when ours, else left in
 * place and not counted.
 */
static void look_at(int dirfd, const char *name, int mine, struct ledger *l)
{
	struct held *h = NULL;
	struct stat st;
	json_t *rec = NULL;
	char state = 0;
	int fd = open_file(dirfd, name, &st, &h, l), live;

	if (h) { /* ours, held: admitted (one start is pending at a time:
		    the one being admitted, mine) */
		if (h->fd != mine && !seen(l, &st) &&
		    (rec = read_record(h->fd, &state)))
			json_array_append_new(l->admitted, rec);
		return;
	}
	if (fd < 0)
		return;
	live = os_write_locked(fd);
	if (live == 0) {
		/* (a few named, the rest counted: thousands of them must
		   not flood the log) */
		if (ours(&st) && remove_same(dirfd, name, &st) &&
		    ++l->removed <= NAMED_MAX)
			log_msg(LOG_NOTICE, NULL,
				"slot ledger: removed the stale record %s "
				"(its vzhost is gone)",
				name);
	} else if (!seen(l, &st) && (rec = read_record(fd, &state))) {
		/* live, or cannot tell: counted */
		json_array_append_new(
			state == ADMITTED ? l->admitted : l->pending, rec);
	}
	close(fd);
}

static void ledger_free(struct ledger *l)
{
	struct file_id *f, *tmp;

	json_decref(l->admitted);
	json_decref(l->pending);
	HASH_ITER(hh, l->seen, f, tmp) {
		HASH_DEL(l->seen, f);
		free(f);
	}
	free(l->users);
}

static unsigned told_capped; /* (said once a process) */

/* the ledger but the record on descriptor mine (-1: none); 0 or -errno */
static int read_ledger(int dirfd, int mine, struct ledger *l)
{
	struct dirent *de;
	size_t n;
	DIR *d;
	int dup;

	*l = (struct ledger){ .admitted = json_array(),
			      .pending = json_array() };
	dup = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dup >= 0 ? fdopendir(dup) : NULL;
	if (!d) {
		int err = errno;

		if (dup >= 0)
			close(dup);
		return -err;
	}
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		if (!strncmp(de->d_name, TEMP, strlen(TEMP)))
			leftover(dirfd, de->d_name);
		else if (n > strlen(SUFFIX) &&
			 !strcmp(de->d_name + n - strlen(SUFFIX), SUFFIX))
			look_at(dirfd, de->d_name, mine, l);
	}
	closedir(d);
	if (l->removed > NAMED_MAX)
		log_msg(LOG_NOTICE, NULL,
			"slot ledger: removed %u more stale records",
			l->removed - NAMED_MAX);
	if (l->capped && !told_capped++)
		log_msg(LOG_WARNING, NULL,
			"slot ledger: a user has more than %d records there: "
			"the rest of theirs are not read",
			PER_USER_MAX);
	sort(l->admitted);
	sort(l->pending);
	return 0;
}

static bool in(json_t *arr, json_t *x)
{
	size_t i;
	json_t *r;

	json_array_foreach(arr, i, r) if (r == x) return true;
	return false;
}

/* "build-1 (vzhost pid 311, /etc/vzhost/ci.conf, since 10:02:11)", and
   ", starting" for a record not admitted yet (one of pending) */
static void describe(json_t *recs, json_t *pending, bool macos_only, char *buf,
		     size_t len)
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
				"%s%s (vzhost pid %lld, %s, since %s%s)",
				used ? "; " : "",
				json_string_value(json_object_get(r, "vm")),
				json_integer_value(json_object_get(r, "pid")),
				json_string_value(json_object_get(r, "config")),
				when, in(pending, r) ? ", starting" : "");
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

/* a new file under a random name nobody else can open (0600); fd or -errno */
static int create_temp(int dirfd, char **tmp)
{
	char hex[17];
	int fd = -EEXIST, k, ret;

	*tmp = NULL;
	for (k = 0; fd == -EEXIST && k < NAME_TRIES; k++) {
		if ((ret = random_hex(hex)) < 0)
			return ret;
		free(*tmp);
		*tmp = xasprintf(TEMP "%s", hex);
		fd = openat(dirfd, *tmp,
			    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0) {
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

static int write_all(int fd, const char *text)
{
	ssize_t n = write(fd, text, strlen(text));

	if (n < 0)
		return -errno;
	return (size_t)n == strlen(text) ? 0 : -EIO;
}

/*
 * The record appears under its final name complete, pending, write-locked
 * and readable by all: written under a temporary nobody else can open (0600
 * until locked: another user's read lock taken first would keep our write
 * lock out), then linked, never replacing (a taken name, one someone
 * planted, is retried under another random one).  0 or -errno with *why.
 */
static int create_record(int dirfd, const struct slot_request *req, char **name,
			 int *fdp, char **why)
{
	json_t *rec = json_pack("{s:o,s:i,s:s,s:s,s:o,s:I}", "vm",
				text_or_mark(req->vm), "pid", (int)getpid(),
				"guest", req->macos ? "macos" : "linux",
				"bridge", req->bridge, "config",
				text_or_mark(req->config), "since",
				(json_int_t)util_wall_ms());
	char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL, *line = NULL,
	     *tmp = NULL, hex[17];
	int fd = -1, ret, k;
	struct stat st;

	json_decref(rec);
	*name = NULL;
	ret = text ? create_temp(dirfd, &tmp) : -ENOMEM;
	if (ret < 0)
		goto out;
	fd = ret;
	line = xasprintf("%c%s", PENDING, text);
	if ((ret = os_lock_write(fd)) < 0 || (ret = write_all(fd, line)) < 0)
		goto out;
	if (fchmod(fd, 0644) < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	for (ret = -EEXIST, k = 0; ret == -EEXIST && k < NAME_TRIES; k++) {
		if ((ret = random_hex(hex)) < 0)
			break;
		free(*name);
		*name = xasprintf("%s.%s" SUFFIX, req->vm, hex);
		ret = linkat(dirfd, tmp, dirfd, *name, 0) < 0 ? -errno : 0;
	}
out:
	if (tmp)
		unlinkat(dirfd, tmp, 0);
	if (ret < 0) {
		*why = xasprintf("slot ledger: cannot write a record: %s",
				 strerror(-ret));
		if (fd >= 0)
			close(fd);
		free(*name);
		*name = NULL;
	} else {
		held_add(fd, &st);
		*fdp = fd;
	}
	free(tmp);
	free(line);
	free(text);
	return ret < 0 ? ret : 0;
}

/*
 * Others' pending records that hold a slot all the same: pending so long
 * (or from the future) that it is a start that hangs, or one never meant to
 * finish, not a race about to resolve; and all of them once this start has
 * been kept waiting that long (a record's time is what its owner wrote).
 */
static bool pending_holds(json_t *rec, unsigned busy_ms, long long now)
{
	json_int_t since = json_integer_value(json_object_get(rec, "since"));

	return busy_ms >= PENDING_HOLDS_MS || since <= now - PENDING_HOLDS_MS ||
	       since > now + PENDING_HOLDS_MS;
}

/*
 * Whether req fits: every record held counts (admitted or pending long);
 * full with them: -EAGAIN.  Full only with others' young pending starts:
 * -EBUSY (each of two racing starts sees the other's record, since each
 * creates its own before looking: both withdraw and look again after a
 * random pause, so one of them gets through).
 */
static int decide(const struct slot_request *req, struct ledger *l, char **why)
{
	json_t *hold = json_array(), *young = json_array(), *r;
	long long now = util_wall_ms();
	size_t i, n, mac, young_mac;
	bool mac_counted = req->macos && req->macos_slots;
	char names[1024];
	int ret = 0;

	json_array_extend(hold, l->admitted);
	json_array_foreach(l->pending, i, r) json_array_append(
		pending_holds(r, req->busy_ms, now) ? hold : young, r);
	sort(hold);
	n = json_array_size(hold);
	mac = slots_macos(hold);
	young_mac = slots_macos(young);
	if (mac_counted && mac >= req->macos_slots) {
		describe(hold, l->pending, true, names, sizeof(names));
		*why = xasprintf("host.macos_slots = %u and %zu macOS guest%s "
				 "run%s: %s",
				 req->macos_slots, mac, mac == 1 ? "" : "s",
				 mac == 1 ? "s" : "", names);
		ret = -EAGAIN;
	} else if (req->max_vms && n >= req->max_vms) {
		describe(hold, l->pending, false, names, sizeof(names));
		*why = xasprintf("host.max_vms = %u and %zu VM%s run%s: %s",
				 req->max_vms, n, n == 1 ? "" : "s",
				 n == 1 ? "s" : "", names);
		ret = -EAGAIN;
	} else if ((mac_counted && mac + young_mac >= req->macos_slots) ||
		   (req->max_vms &&
		    n + json_array_size(young) >= req->max_vms)) {
		describe(young, l->pending, false, names, sizeof(names));
		*why = xasprintf("slot ledger: other VMs' starts compete for "
				 "the last slot: %s",
				 names);
		ret = -EBUSY;
	}
	json_decref(hold);
	json_decref(young);
	return ret;
}

int slots_admit(int dirfd, const struct slot_request *req, struct slot *s,
		char **why)
{
	struct ledger l = { 0 };
	char *name = NULL;
	int fd = -1, ret;

	*why = NULL;
	ret = create_record(dirfd, req, &name, &fd, why);
	if (ret)
		return ret;
	ret = read_ledger(dirfd, fd, &l);
	if (ret)
		*why = xasprintf("slot ledger: cannot read it: %s",
				 strerror(-ret));
	else
		ret = decide(req, &l, why);
	/* admitted: one byte written in place, which a reader sees whole */
	if (ret == 0 && pwrite(fd, &(char){ ADMITTED }, 1, 0) != 1) {
		ret = -errno ?: -EIO;
		*why = xasprintf("slot ledger: cannot write a record: %s",
				 strerror(-ret));
	}
	ledger_free(&l);
	if (ret == 0) {
		s->name = name;
		s->fd = fd;
		return 0;
	}
	/* withdrawn: gone from the directory before its lock is */
	unlinkat(dirfd, name, 0);
	held_drop(fd);
	free(name);
	return ret;
}

void slots_release(int dirfd, struct slot *s)
{
	if (!s->name)
		return;
	/* gone from the directory before the lock is: a reader never finds
	   our record free and takes it for stale while we still run */
	unlinkat(dirfd, s->name, 0);
	held_drop(s->fd);
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

/* written beside under a random name (one nobody planted), then renamed
   over: a reader sees the old or the new */
static void write_note(int dirfd, const char *what, const char *text)
{
	char *name = note_name(what), *tmp = NULL;
	int fd = create_temp(dirfd, &tmp), ret = fd < 0 ? fd : 0;

	if (!ret && (ret = write_all(fd, text)) == 0 &&
	    (fchmod(fd, 0644) < 0 || renameat(dirfd, tmp, dirfd, name) < 0))
		ret = -errno;
	if (ret) {
		log_msg(LOG_WARNING, NULL, "slot ledger: cannot note %s: %s",
			name, strerror(-ret));
		if (tmp)
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
	struct ledger l;
	json_t *recs = NULL;

	if (read_ledger(dirfd, -1, &l) == 0) {
		recs = json_incref(l.admitted);
		json_array_extend(recs, l.pending);
		sort(recs);
	}
	ledger_free(&l);
	return recs;
}
