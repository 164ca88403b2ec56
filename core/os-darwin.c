/* os-darwin.c: the macOS side of os.h: getpeereid, a kqueue watcher for the parent, _NSGetExecutablePath. */
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <mach-o/dyld.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/event.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/sysctl.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int os_peer(int fd, uid_t *uid, pid_t *pid)
{
	socklen_t len = sizeof(*pid);
	gid_t gid;

	if (getpeereid(fd, uid, &gid) < 0)
		return -errno;
	if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, pid, &len) < 0)
		*pid = 0;
	return 0;
}

int os_no_sigpipe(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one)) < 0 ?
		       -errno :
		       0;
}

/*
 * No PDEATHSIG: a watcher process (orphaned at once, so it is nobody's
 * child) waits in kqueue for either to exit and kills the child, and its
 * group, when the parent went first (so the lifeline is not needed here).
 */
void os_die_with(pid_t parent, int lifeline)
{
	pid_t child = getpid(), mid;
	struct kevent ev[2], out;
	int kq;

	(void)lifeline;
	mid = fork();
	if (mid < 0)
		return;
	if (mid > 0) {
		waitpid(mid, NULL, 0);
		if (getppid() != parent)
			_exit(127);
		return;
	}
	if (fork() != 0)
		_exit(0); /* the watcher is launchd's from here */
	for (int fd = 0, max = (int)sysconf(_SC_OPEN_MAX); fd < max; fd++)
		close(fd);
	kq = kqueue();
	EV_SET(&ev[0], (uintptr_t)parent, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0,
	       NULL);
	EV_SET(&ev[1], (uintptr_t)child, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0,
	       NULL);
	/* a parent gone already fails to register: kill at once */
	if (kq < 0 || kevent(kq, ev, 2, NULL, 0, NULL) < 0 ||
	    (kevent(kq, NULL, 0, &out, 1, NULL) == 1 &&
	     out.ident == (uintptr_t)parent)) {
		kill(-child, SIGKILL); /* its group, when it leads one */
		kill(child, SIGKILL);
	}
	_exit(0);
}

int os_close_from(int low)
{
	(void)low;
	return -1;
}

pid_t os_flock_holder(const struct stat *st)
{
	(void)st;
	return 0;
}

/* no OFD locks here: the process's POSIX lock (the caller never closes
   another descriptor of the file while it holds it) */
int os_lock_write(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	return fcntl(fd, F_SETLK, &fl) < 0 ? -errno : 0;
}

int os_write_locked(int fd)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) < 0)
		return -errno;
	return fl.l_type != F_UNLCK;
}

int os_port_holder(bool udp, const char *addr, unsigned port, uid_t *uid,
		   pid_t *pid, char *name, size_t len)
{
	/* (libproc could say, socket by socket of every process: not yet) */
	(void)udp, (void)addr, (void)port, (void)uid, (void)pid, (void)name;
	(void)len;

	return -ENOTSUP;
}

const char *os_run_dir(void)
{
	return "/var/run";
}

void os_boot_id(char *buf, size_t len)
{
	size_t n = len;

	if (sysctlbyname("kern.bootsessionuuid", buf, &n, NULL, 0) < 0)
		snprintf(buf, len, "unknown");
}

int os_self_exe(char *buf, size_t len)
{
	uint32_t n = (uint32_t)len;
	char *real;

	if (_NSGetExecutablePath(buf, &n) != 0)
		return -1;
	real = realpath(buf, NULL);
	if (!real)
		return -1;
	snprintf(buf, len, "%s", real);
	free(real);
	return 0;
}

/* no /proc: the checked path; the loader refused it unless every directory
   on its way belongs to root or us and no one else may write it */
void os_fd_name(int fd, const char *path, char *buf, size_t len)
{
	(void)fd;
	snprintf(buf, len, "%s", path);
}

bool os_in_memory(const char *path)
{
	struct statfs fs;

	/* (a RAM disk is an ordinary hfs/apfs volume: not told apart) */
	return statfs(path, &fs) == 0 && !strcmp(fs.f_fstypename, "tmpfs");
}
