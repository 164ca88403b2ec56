/* proc.c: what every child vzhost starts needs, and a descriptor to wait on it. */
#include "proc.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

void proc_reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

int proc_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}
