/* ctlconsole.c: `vzhost ctl VM console`: the client's side of an attached console (a terminal in raw mode, or a pipe). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctlcli.h"
#include "fd.h"
#include "term.h"
#include "util.h"

static struct termios saved;
static bool raw;
static volatile sig_atomic_t signalled;
/* a signal wakes every wait: written by the handler, polled beside each
   descriptor (a check of `signalled` before a blocking call would race) */
static int wake[2] = { -1, -1 };

static void restore(void)
{
	if (raw)
		tcsetattr(0, TCSAFLUSH, &saved);
	raw = false;
}

static void on_signal(int sig)
{
	int saved_errno = errno;

	signalled = sig;
	if (wake[1] >= 0 && write(wake[1], "", 1) < 0) {
		/* full: a wake-up is pending already */
	}
	errno = saved_errno;
}

/*
 * All of s[0..n) to fd; false when it is gone or a signal came.  Our
 * standard output may be a pipe nobody reads: the wait is a poll beside
 * the wake-up pipe, and each write fits what POLLOUT promises (PIPE_BUF),
 * so SIGTERM is never stuck behind a full pipe.
 */
static bool put(int fd, const char *s, size_t n)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLOUT },
			       { .fd = wake[0], .events = POLLIN } };
	ssize_t k;

	while (n && !signalled) {
		if (poll(p, wake[0] >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[1].revents)
			return false;
		if (p[0].revents & (POLLERR | POLLNVAL))
			return false;
		if (!(p[0].revents & (POLLOUT | POLLHUP)))
			continue;
		k = write(fd, s, n < PIPE_BUF ? n : PIPE_BUF);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return false;
		s += k;
		n -= (size_t)k;
	}
	return !n;
}

/* what the terminal typed: to out, the escape key's commands taken out;
   1 when it said detach */
static int filter(const char *vm, bool *escaped, const char *s, size_t n,
		  char *out, size_t *outlen)
{
	size_t i;

	*outlen = 0;
	for (i = 0; i < n; i++) {
		switch (raw ? term_key(escaped, s[i]) : TERM_PASS) {
		case TERM_PASS:
			out[(*outlen)++] = s[i];
			break;
		case TERM_SWALLOW:
			break;
		case TERM_COMMAND:
			if (s[i] == 'd' || s[i] == '.')
				return 1;
			fprintf(stderr,
				"\r\n[vzhost: console of %s: Ctrl-] d "
				"detaches (the VM runs on), Ctrl-] Ctrl-] "
				"types Ctrl-]]\r\n",
				vm);
			break;
		}
	}
	return 0;
}

int ctl_console_session(int fd, const char *vm, const char *early,
			size_t earlylen, int quiet_ms)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char in[4096], out[4096], got[16384];
	bool reading = true, escaped = false;
	size_t outlen = 0, sent = 0;
	long long quiet_at = -1; /* input over: leave once quiet till then */
	int status = EX_OK, n;
	ssize_t k;

	if (fd_pipe(wake, true) < 0)
		wake[0] = wake[1] = -1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (term_raw(&saved) == 0) {
		raw = true;
		atexit(restore);
		fprintf(stderr,
			"[vzhost: attached to the console of %s; Ctrl-] d "
			"detaches]\r\n",
			vm);
	} else if (isatty(0)) {
		reading = false; /* in the background of a terminal: watch */
	}
	if (!put(1, early, earlylen))
		goto out;
	while (!signalled) {
		struct pollfd p[3] = {
			{ .fd = fd,
			  .events = (short)(POLLIN |
					    (sent < outlen ? POLLOUT : 0)) },
			{ .fd = wake[0], .events = POLLIN },
			{ .fd = 0, .events = POLLIN },
		};
		int wait = quiet_at < 0 ? -1 :
			   quiet_at <= util_now_ms() ?
					  0 :
					  (int)(quiet_at - util_now_ms());

		if (quiet_at >= 0 && wait == 0)
			break; /* input over, and the guest said nothing more */
		n = poll(p, reading && sent == outlen ? 3 : 2, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[1].revents)
			break; /* (a signal) */
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			k = read(fd, got, sizeof(got));
			if (k <= 0) {
				fprintf(stderr,
					"%s[vzhost: the console of %s closed: "
					"the VM is gone]\r\n",
					raw ? "\r\n" : "", vm);
				status = EX_UNAVAILABLE;
				break;
			}
			if (!put(1, got, (size_t)k))
				break;
			if (quiet_at >= 0)
				quiet_at = util_now_ms() + quiet_ms;
		}
		if (sent < outlen && (p[0].revents & POLLOUT)) {
			k = send(fd, out + sent, outlen - sent, MSG_DONTWAIT);
			if (k > 0)
				sent += (size_t)k;
			else if (k < 0 && errno != EAGAIN && errno != EINTR)
				break;
		}
		if (reading && sent == outlen &&
		    (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			k = read(0, in, sizeof(in));
			if (k <= 0) { /* its end: the guest has its last say */
				reading = false;
				quiet_at = util_now_ms() + quiet_ms;
				continue;
			}
			sent = 0;
			if (filter(vm, &escaped, in, (size_t)k, out, &outlen))
				break; /* detached */
		}
	}
out:
	restore();
	/* a signal ends it at once: no word that could wait for a full
	   stderr, and the status a shell expects of a signalled command */
	if (signalled)
		return 128 + signalled;
	if (status == EX_OK)
		fprintf(stderr, "%s[vzhost: detached from %s; it runs on]\n",
			raw ? "\r\n" : "", vm);
	return status;
}
