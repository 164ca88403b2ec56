/* os-linux.c: the Linux side of os.h: SO_PEERCRED, PR_SET_PDEATHSIG, close_range, /proc. */
#include "os.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

int os_peer(int fd, uid_t *uid, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	*uid = cred.uid;
	*pid = cred.pid;
	return 0;
}

/* per send on Linux would be MSG_NOSIGNAL; vzhost ignores SIGPIPE instead */
int os_no_sigpipe(int fd)
{
	(void)fd;
	return 0;
}

/*
 * PDEATHSIG reaches the child alone: what it starts in its group (a hook's
 * background job) would outlive vzhost.  A guard joins the group: orphaned
 * at once (init's, not the child's: a script's `wait` must not wait for
 * it), it reads the lifeline until vzhost is gone, then SIGKILLs the group
 * and itself; killed with the group, it ends with it.
 */
static void guard_group(int lifeline)
{
	pid_t mid;
	char c;

	if (lifeline < 0 || getpgrp() != getpid())
		return;
	mid = fork();
	if (mid < 0)
		return;
	if (mid > 0) {
		while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	if (fork() != 0)
		_exit(0);
	/* the group is signalled to end it gently (a hook's timeout): the
	   guard stays until it is SIGKILLed with it */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* nothing of vzhost's but the lifeline (it execs nothing: CLOEXEC
	   does not close them), the write end above all */
	if (dup2(lifeline, 0) == 0) {
		if (os_close_from(1) < 0)
			for (long fd = 1, max = sysconf(_SC_OPEN_MAX); fd < max;
			     fd++)
				close((int)fd);
		while (read(0, &c, 1) < 0 && errno == EINTR)
			;
	}
	kill(0, SIGKILL);
	_exit(0);
}

void os_die_with(pid_t parent, int lifeline)
{
	guard_group(lifeline);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the parent may have died before prctl took effect */
	if (getppid() != parent)
		_exit(127);
}

int os_close_from(int low)
{
	return syscall(SYS_close_range, (unsigned)low, ~0u, 0) == 0 ? 0 : -1;
}

pid_t os_flock_holder(const struct stat *st)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256], type[16];
	unsigned maj, min;
	unsigned long long ino;
	int pid, found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", type, &pid,
			   &maj, &min, &ino) == 5 &&
		    !strcmp(type, "FLOCK") &&
		    ino == (unsigned long long)st->st_ino && pid != getpid()) {
			found = pid;
			break;
		}
	}
	fclose(f);
	return found;
}

/* the socket's inode and owner in /proc/net/FILE bound to a local port (tcp:
   listening, 0A; udp: not connected) on addr or every address; IPv4 only
   compares the address (as the kernel prints it: the 32 bits in memory) */
static unsigned long socket_inode(const char *file, bool udp, unsigned port,
				  const char *addr, uid_t *uid)
{
	char path[32], line[512], local[40];
	unsigned long inode, found = 0;
	unsigned lport, rport, st, u, want = 0, have;
	struct in_addr in;
	bool v4 = inet_pton(AF_INET, addr, &in) == 1;
	FILE *f;

	if (v4)
		want = in.s_addr;
	snprintf(path, sizeof(path), "/proc/net/%s", file);
	if (!(f = fopen(path, "re")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line,
			   " %*u: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %x %*x:%*x "
			   "%*x:%*x %*x %u %*d %lu",
			   local, &lport, &rport, &st, &u, &inode) != 6 ||
		    lport != port || !inode || (udp ? rport != 0 : st != 0x0a))
			continue;
		if (v4 && strlen(local) == 8 &&
		    sscanf(local, "%x", &have) == 1 && want && have &&
		    want != have)
			continue; /* another address's */
		found = inode;
		*uid = (uid_t)u;
	}
	fclose(f);
	return found;
}

/* the process with a descriptor on socket inode (one we may look into) */
static pid_t socket_pid(unsigned long inode)
{
	char want[48], path[600], link[48];
	struct dirent *p, *e;
	DIR *proc = opendir("/proc"), *fds;
	pid_t found = 0;
	ssize_t n;

	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (proc && !found && (p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		if (!(fds = opendir(path)))
			continue;
		while (!found && (e = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, e->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = 0, !strcmp(link, want)))
				found = (pid_t)atoi(p->d_name);
		}
		closedir(fds);
	}
	if (proc)
		closedir(proc);
	return found;
}

/* OFD locks: opening and closing the same file elsewhere in the process
   does not drop them, as it would a classic POSIX lock */
int os_lock_write(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

int os_write_locked(int fd)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	return fl.l_type != F_UNLCK;
}

int os_port_holder(bool udp, const char *addr, unsigned port, uid_t *uid,
		   pid_t *pid, char *name, size_t len)
{
	unsigned long inode =
		socket_inode(udp ? "udp" : "tcp", udp, port, addr, uid);
	char path[40];
	FILE *f;

	if (!inode)
		inode = socket_inode(udp ? "udp6" : "tcp6", udp, port, addr,
				     uid);

	if (!inode)
		return -ENOENT;
	*pid = socket_pid(inode);
	name[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)*pid);
	if (*pid && (f = fopen(path, "re"))) {
		if (fgets(name, (int)len, f))
			name[strcspn(name, "\n")] = 0;
		fclose(f);
	}
	return 0;
}

const char *os_run_dir(void)
{
	return "/run";
}

void os_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (!f || !fgets(buf, (int)len, f))
		snprintf(buf, len, "unknown");
	buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

int os_self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

void os_fd_name(int fd, const char *path, char *buf, size_t len)
{
	(void)path;
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

bool os_in_memory(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 &&
	       ((unsigned long)fs.f_type == 0x01021994ul || /* TMPFS_MAGIC */
		(unsigned long)fs.f_type == 0x858458f6ul); /* RAMFS_MAGIC */
}
