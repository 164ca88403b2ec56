/* proc.c: what every child vzhost starts needs, and a descriptor to wait on it. */
#include "proc.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

void proc_reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

void proc_close_from(int low)
{
#ifdef __linux__
	if (syscall(SYS_close_range, (unsigned)low, ~0u, 0) == 0)
		return;
#endif
	for (long fd = low, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
		close((int)fd);
}

void proc_die_with(pid_t parent)
{
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	/* the parent may have died before prctl took effect */
	if (getppid() != parent)
		_exit(127);
}

int proc_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}
