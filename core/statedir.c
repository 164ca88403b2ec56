/* statedir.c: the state directory: vzhost's own or refused, and the files in it opened without trusting a path. */
#include "statedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"
#include "util.h"

/* what the state directory and its subdirectories must be */
static char *unsafe_own(const char *path, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode))
		return xasprintf("%s is not a directory", path);
	if (st->st_uid != geteuid())
		return xasprintf("%s belongs to uid %u, not to you (uid %u): "
				 "refusing it",
				 path, (unsigned)st->st_uid,
				 (unsigned)geteuid());
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return xasprintf("%s is writable by others (mode %04o): "
				 "refusing it (chmod go-w %s)",
				 path, (unsigned)(st->st_mode & 07777), path);
	return NULL;
}

/* mkdir -p, 0700 for what it creates */
static int make_path(const char *path)
{
	char *copy = xstrdup(path), *p;
	int ret = 0;

	for (p = copy + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = 0;
		if (mkdir(copy, 0700) < 0 && errno != EEXIST)
			ret = -errno;
		*p = c;
		if (ret || !c)
			break;
	}
	free(copy);
	return ret;
}

int statedir_open(const char *path, char **why)
{
	char *real = NULL, *p;
	struct stat st;
	int fd = -1, ret;

	*why = NULL;
	ret = make_path(path);
	if (ret == 0 && !(real = realpath(path, NULL)))
		ret = -errno;
	if (ret) {
		*why = xasprintf("state_dir %s: %s", path, strerror(-ret));
		goto out;
	}
	/* every directory on the way, symlinks resolved: no one else may swap
	   the state directory or what leads to it */
	if ((p = trust_ancestors(real))) {
		*why = xasprintf("state_dir %s: %s", path, p);
		free(p);
		ret = -EPERM;
		goto out;
	}
	fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		*why = xasprintf("state_dir %s: %s", path, strerror(errno));
		goto out;
	}
	if ((p = unsafe_own(path, &st))) {
		*why = xasprintf("state_dir %s", p);
		free(p);
		ret = -EPERM;
	}
out:
	free(real);
	if (ret && fd >= 0)
		close(fd);
	return ret ? ret : fd;
}

int statedir_shared(const char *path, const char *what, char **why)
{
	char *real = realpath(path, NULL), *p = NULL;
	struct stat st;
	int fd = -1, ret = 0;

	*why = NULL;
	if (!real) {
		ret = -errno;
		*why = xasprintf("%s %s: %s (create it for the users who share "
				 "it: install -d -m 1777 %s, or -m 1770 with "
				 "their group)",
				 what, path, strerror(errno), path);
		return ret;
	}
	fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		p = xstrdup(strerror(errno));
	else if (!(p = trust_ancestors(real)))
		p = trust_ancestor(real, &st); /* root's or ours; sticky */
	if (p) {
		*why = xasprintf("%s %s: %s", what, path, p);
		free(p);
		ret = -EPERM;
		if (fd >= 0)
			close(fd);
	}
	free(real);
	return ret ? ret : fd;
}

int statedir_sub(int dirfd, const char *name, const char *shown, char **why)
{
	struct stat st;
	char *bad;
	int fd;

	*why = NULL;
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST) {
		*why = xasprintf("%s: %s", shown, strerror(errno));
		return -errno;
	}
	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int err = errno;
		bool link = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) ==
				    0 &&
			    S_ISLNK(st.st_mode);

		*why = xasprintf("%s: %s", shown,
				 link ? "a symlink, not a directory" :
					strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	if ((bad = unsafe_own(shown, &st))) {
		*why = bad;
		close(fd);
		return -EPERM;
	}
	return fd;
}

int statedir_read(int dirfd, const char *name, const char *shown, char **why)
{
	struct stat st;
	int fd, err;

	*why = NULL;
	/* what is no regular file is refused unopened (a device's open may
	   do something); the open below checks again, by descriptor */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		*why = xasprintf(
			S_ISLNK(st.st_mode) ?
				"%s: a symlink: refusing it" :
				"%s is not a regular file: refusing it",
			shown);
		return -(S_ISLNK(st.st_mode) ? ELOOP : EINVAL);
	}
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = errno;
		if (err != ENOENT)
			*why = xasprintf("%s: %s", shown,
					 err == ELOOP ?
						 "a symlink: refusing it" :
						 strerror(err));
		return -err;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		*why = xasprintf("%s: %s", shown, strerror(err));
	} else if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		*why = xasprintf("%s is not a regular file: refusing it",
				 shown);
	} else if ((st.st_uid != geteuid() && st.st_uid != 0) ||
		   (st.st_mode & (S_IWGRP | S_IWOTH))) {
		/* (someone else's could be anything: a saved state would
		   run their memory as our guest) */
		err = EPERM;
		*why = xasprintf("%s belongs to uid %u with mode %04o: only a "
				 "file of yours (or root's) that others cannot "
				 "write is read",
				 shown, (unsigned)st.st_uid,
				 (unsigned)(st.st_mode & 07777));
	} else {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		return fd;
	}
	close(fd);
	return -err;
}

void statedir_rmrun(int dirfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* NAME.TAG.PID of a vzhost that is gone (or of ours, left by a pid's
   reuse) */
static bool stale_run(const char *entry, const char *vm, const char *tag)
{
	size_t n = strlen(vm), t = strlen(tag);
	char *end;
	long pid;

	if (strncmp(entry, vm, n) || entry[n] != '.' ||
	    strncmp(entry + n + 1, tag, t) || entry[n + 1 + t] != '.')
		return false;
	pid = strtol(entry + n + t + 2, &end, 10);
	if (*end || pid <= 0 || pid > INT_MAX)
		return false;
	return pid == getpid() || (kill((pid_t)pid, 0) < 0 && errno == ESRCH);
}

char *statedir_rundir(int dirfd, const char *vm, const char *tag, char **why)
{
	char *name = xasprintf("%s.%s.%d", vm, tag, (int)getpid());
	struct dirent *de;
	DIR *d;
	int fd = dup(dirfd);

	*why = NULL;
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d)))
		if (stale_run(de->d_name, vm, tag))
			statedir_rmrun(dirfd, de->d_name);
	if (d)
		closedir(d);
	if (mkdirat(dirfd, name, 0700) < 0) {
		*why = xasprintf("cannot create the run directory %s: %s", name,
				 strerror(errno));
		free(name);
		return NULL;
	}
	return name;
}
