/* proc.c: starting children and ending helpers: what every child vzhost starts needs. */
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd.h"
#include "os.h"
#include "util.h"

/* vzhost alone writes this pipe, and never does: its read end sees EOF when
   vzhost is gone, however it went (the guards of os_die_with wait on it) */
static int lifeline[2] = { -1, -1 };

int proc_lifeline(void)
{
	return lifeline[0];
}

pid_t proc_fork(void)
{
	static const int changed[] = { SIGINT, SIGTERM, SIGCHLD, SIGPIPE };
	sigset_t all, old;
	size_t i;
	pid_t pid;

	if (lifeline[0] < 0 && fd_pipe(lifeline, false) < 0)
		lifeline[0] = lifeline[1] = -1; /* (then no guard) */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < ARRAY_SIZE(changed); i++)
			signal(changed[i], SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		return 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

void proc_close_from(int low)
{
	if (os_close_from(low) == 0)
		return;
	for (long fd = low, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
		close((int)fd);
}

/* helpers told to go; a handful at most, so a small array */
static struct retiree {
	pid_t pid;
	long long kill_at; /* ms; 0: SIGKILLed already */
	bool group; /* its process group goes with it */
} * retired;
static size_t nretired;

void proc_retire(pid_t pid, int grace_ms)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	retired = xrealloc(retired, (nretired + 1) * sizeof(*retired));
	retired[nretired++] =
		(struct retiree){ pid, util_now_ms() + grace_ms, false };
}

void proc_retire_group(pid_t pid, int grace_ms)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	proc_retire(pid, grace_ms);
	retired[nretired - 1].group = true;
}

size_t proc_reap(int *timeout_ms)
{
	long long now = util_now_ms();
	size_t i = 0;

	while (i < nretired) {
		struct retiree *t = &retired[i];

		if (waitpid(t->pid, NULL, WNOHANG) !=
		    0) { /* gone (or not ours) */
			/* what it started goes too, even when it went
			   first: nothing of a helper outlives it */
			if (t->group)
				kill(-t->pid, SIGKILL);
			*t = retired[--nretired];
			continue;
		}
		if (t->kill_at && now >= t->kill_at) {
			kill(t->group ? -t->pid : t->pid, SIGKILL);
			t->kill_at = 0; /* SIGCHLD follows */
		}
		if (t->kill_at)
			util_lower_timeout(timeout_ms, t->kill_at - now);

		i++;
	}
	if (!nretired) {
		free(retired);
		retired = NULL;
	}
	return nretired;
}

void proc_reap_all(void)
{
	size_t i;

	for (i = 0; i < nretired; i++) {
		kill(retired[i].group ? -retired[i].pid : retired[i].pid,
		     SIGKILL);
		while (waitpid(retired[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(retired);
	retired = NULL;
	nretired = 0;
}
