/* lock.c: disk image locks: one writer or many readers, refused before start with the holder named. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"
#include "runner.h"
#include "statedir.h"
#include "util.h"

/*
 * flock() on the image itself: it is what every vzhost sees, whatever its
 * state_dir, and it does not meet a hypervisor's own byte-range locks (OFD
 * locks on bytes 100-203).  Who holds it is noted under state_dir/locks.
 */
static char *note_name(const struct stat *st)
{
	return xasprintf("%llx-%llx", (unsigned long long)st->st_dev,
			 (unsigned long long)st->st_ino);
}

static char *holder(struct runner *r, const struct stat *st)
{
	char *name = note_name(st), *why = NULL, buf[160] = "", vm[80];
	int fd = statedir_read(r->locks_fd, name, name, &why), pid = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	free(name);
	free(why);
	if (!f && fd >= 0)
		close(fd);
	if (f) {
		if (fgets(buf, sizeof(buf), f) &&
		    sscanf(buf, "%79s %d", vm, &pid) == 2 &&
		    (pid == getpid() || kill(pid, 0) == 0)) {
			fclose(f);
			return xasprintf("VM \"%s\" (vzhost pid %d)", vm, pid);
		}
		fclose(f);
	}
	/* another state_dir's vzhost, or not a vzhost: the system may know */
	pid = os_flock_holder(st);
	if (pid)
		return xasprintf("process %d", pid);
	return xstrdup("another process");
}

/* who holds the image st is: VM vm of this vzhost (never through a link
   planted there: O_NOFOLLOW, our dir) */
static void note_holder(struct runner *r, const struct stat *st, const char *vm)
{
	char *note = note_name(st);
	int fd = openat(r->locks_fd, note,
			O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			0600);

	free(note);
	if (fd >= 0) {
		dprintf(fd, "%s %d\n", vm, (int)getpid());
		close(fd);
	}
}

/* the name of an image path's lock: what the path will mean once it exists */
static char *path_lock_name(const char *path)
{
	char *dir = util_dirname(path), *real = realpath(dir, NULL), *name;
	const char *base = strrchr(path, '/');
	char *full =
		xasprintf("%s/%s", real ? real : dir, base ? base + 1 : path);
	uint64_t h = 0xcbf29ce484222325ull;
	const char *p;

	for (p = full; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	name = xasprintf("path-%016llx", (unsigned long long)h);
	free(full);
	free(real);
	free(dir);
	return name;
}

/* the holder noted in a path lock, if it still runs */
static char *path_holder(int fd)
{
	char buf[160] = "", vm[80];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	int pid;

	if (n > 0 && (buf[n] = 0, sscanf(buf, "%79s %d", vm, &pid) == 2) &&
	    pid > 0 && kill(pid, 0) == 0)
		return xasprintf("VM \"%s\" (vzhost pid %d)", vm, pid);
	return xstrdup("another VM");
}

/*
 * The image paths, before anything is created: a VM that runs keeps its
 * path even when its image is deleted under it, so a second vzhost cannot
 * create a new image there and run beside it.  (Seen by vzhosts sharing
 * this state directory; the image's own lock below is seen by every one.)
 */
/* read by many at once: read-only, or ephemeral (the writes go elsewhere) */
static bool shared(const struct vzh_disk *d)
{
	return d->read_only || d->ephemeral;
}

int lock_paths(struct runner *r, struct vmrun *v, char **why)
{
	const struct machine *m = v->m;
	char *name, *who;
	size_t i;
	int fd;

	for (i = 0; i < m->ndevs; i++) {
		const struct vzh_disk *d = &m->devs[i].u.disk;

		if (m->devs[i].cls != DEV_DISK || !d->path)
			continue;
		name = path_lock_name(d->path);
		fd = openat(r->locks_fd, name,
			    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		free(name);
		if (fd < 0) {
			*why = xasprintf("disk %s: its lock: %s", d->path,
					 strerror(errno));
			goto fail;
		}
		if (flock(fd, (shared(d) ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
			who = path_holder(fd);
			*why = xasprintf("disk %s is in use by %s", d->path,
					 who);
			free(who);
			close(fd);
			goto fail;
		}
		if (!shared(d) && ftruncate(fd, 0) == 0)
			dprintf(fd, "%s %d\n", m->name, (int)getpid());
		v->locks =
			xrealloc(v->locks, (v->nlocks + 1) * sizeof(*v->locks));
		v->locks[v->nlocks++] = fd;
	}
	return 0;
fail:
	unlock_disks(r, v);
	return -EBUSY;
}

int lock_disks(struct runner *r, struct vmrun *v, char **why)
{
	const struct machine *m = v->m;
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < m->ndevs; i++) {
		const struct vzh_disk *d = &m->devs[i].u.disk;

		if (m->devs[i].cls != DEV_DISK || !d->path)
			continue;
		fd = open(d->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			*why = xasprintf("disk %s: %s", d->path,
					 strerror(errno));
			goto fail;
		}
		/* shared disks share; a writable one excludes all others */
		if (flock(fd, (shared(d) ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
			char *who = holder(r, &st);

			*why = xasprintf("disk %s is in use by %s", d->path,
					 who);
			free(who);
			close(fd);
			goto fail;
		}
		v->locks =
			xrealloc(v->locks, (v->nlocks + 1) * sizeof(*v->locks));
		v->locks[v->nlocks++] = fd;
		if (!shared(d))
			note_holder(r, &st, m->name);
	}
	return 0;
fail:
	unlock_disks(r, v);
	return -EBUSY;
}

/* one image's lock let go: the note goes first (a successor must not read
   ours), then the descriptor */
static void unlock_one(struct runner *r, int fd)
{
	struct stat st;
	char *note;

	if (fstat(fd, &st) == 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
		note = note_name(&st);
		unlinkat(r->locks_fd, note, 0);
		free(note);
	}
	close(fd);
}

int lock_usb(struct runner *r, struct vmrun *v, const char *path,
	     struct stat *st, char **why)
{
	char *who;
	int fd;

	*why = NULL;
	/* (a FIFO would hold the loop in open(): never waited on) */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, st) < 0) {
		*why = xasprintf("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode) || st->st_size % 512) {
		*why = xasprintf("%s is not a raw disk image (a regular file "
				 "of whole 512-byte sectors)",
				 path);
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		who = holder(r, st);
		*why = xasprintf("%s is in use by %s", path, who);
		free(who);
		goto fail;
	}
	note_holder(r, st, v->m->name);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -EBUSY;
}

void unlock_usb(struct runner *r, int fd)
{
	if (fd >= 0)
		unlock_one(r, fd);
}

void unlock_disks(struct runner *r, struct vmrun *v)
{
	size_t i;

	for (i = 0; i < v->nlocks; i++)
		unlock_one(r, v->locks[i]);
	free(v->locks);
	v->locks = NULL;
	v->nlocks = 0;
}
