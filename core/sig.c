/* sig.c: the self-pipe: a signal handler writes the signal's number, the loop reads it. */
#include "sig.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"

static const int caught[] = { SIGINT, SIGTERM, SIGCHLD };
#define NCAUGHT (sizeof(caught) / sizeof(caught[0]))

static int wfd = -1;
static pid_t owner; /* a forked child before its exec is not the loop */
static struct sigaction old[NCAUGHT];

static void handler(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	/* full pipe: the loop has bytes to read already, and SIGCHLD is a
	   "look again"; an interrupt lost among 64 KiB of them is no loss */
	if (getpid() == owner && write(wfd, &b, 1) < 0)
		(void)0;
	errno = saved;
}

int sig_open(void)
{
	struct sigaction sa;
	int p[2], ret;
	size_t i;

	if ((ret = fd_pipe(p, true)) < 0)
		return ret;
	wfd = p[1];
	owner = getpid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigfillset(&sa.sa_mask);
	/* calls other than poll carry on; poll returns and the pipe wakes it */
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	for (i = 0; i < NCAUGHT; i++)
		sigaction(caught[i], &sa, &old[i]);
	return p[0];
}

int sig_read(int fd, int *sigs, int max, bool *child)
{
	unsigned char b[64];
	ssize_t n, i;
	int k = 0;

	*child = false;
	while ((n = read(fd, b, sizeof(b))) > 0)
		for (i = 0; i < n; i++)
			if (b[i] == SIGCHLD)
				*child = true;
			else if (k < max)
				sigs[k++] = b[i];
	return k;
}

void sig_close(int fd)
{
	size_t i;

	if (fd < 0)
		return;
	for (i = 0; i < NCAUGHT; i++)
		sigaction(caught[i], &old[i], NULL);
	close(fd);
	close(wfd);
	wfd = -1;
}
