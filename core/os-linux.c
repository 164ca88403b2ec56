/* os-linux.c: the Linux side of os.h: SO_PEERCRED, PR_SET_PDEATHSIG, close_range, /proc. */
#include "os.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
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

void os_die_with(pid_t parent)
{
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
