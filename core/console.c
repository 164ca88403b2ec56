/* console.c: guest consoles to vzhost's standard output (a bounded buffer that never blocks the loop), and each VM's scrollback for ctl console. */
#include "console.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/*
 * Standard output may be a pipe nobody reads, or a terminal on hold; making it
 * non-blocking would change it for every process sharing it (the log on
 * standard error is often the same open file).  So only what poll() says fits
 * is written, a small chunk at a time: a pipe or terminal that reports room
 * takes that much without blocking.
 */
#define CHUNK 512

static char *buf;
static size_t len;
static unsigned long long dropped, told;

void console_write(const char *s, size_t n)
{
	if (len + n > CONSOLE_MAX) {
		dropped += n;
		return;
	}
	if (!buf)
		buf = xmalloc(CONSOLE_MAX);
	memcpy(buf + len, s, n);
	len += n;
}

bool console_pollfd(struct pollfd *p)
{
	*p = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
	return len > 0;
}

/* once the output flows again, say what it lost */
static void say_dropped(void)
{
	char note[96];
	int k;

	if (dropped == told || len)
		return;
	k = snprintf(note, sizeof(note),
		     "\n[vzhost: %llu bytes of console output dropped: "
		     "standard output did not keep up]\n",
		     dropped - told);
	log_msg(LOG_WARNING, NULL,
		"%llu bytes of console output dropped: standard output did "
		"not keep up",
		dropped - told);
	told = dropped;
	console_write(note, (size_t)k);
}

void console_flush(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
	size_t done = 0;
	ssize_t n;

	while (done < len && poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) {
		n = write(STDOUT_FILENO, buf + done,
			  len - done < CHUNK ? len - done : CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* gone (EPIPE, EIO): nobody will read it */
			dropped += len - done;
			told = dropped;
			done = len;
			break;
		}
		done += (size_t)n;
	}
	if (done < len)
		memmove(buf, buf + done, len - done);
	len -= done;
	if (!len)
		say_dropped();
}

void console_drain(int timeout_ms)
{
	long long end = util_now_ms() + timeout_ms;
	struct pollfd p;

	console_flush();
	while (len && util_now_ms() < end) {
		console_pollfd(&p);
		poll(&p, 1, (int)(end - util_now_ms()));
		console_flush();
	}
	if (len + dropped - told)
		log_msg(LOG_WARNING, NULL,
			"%llu bytes of console output not written: standard "
			"output did not take them",
			(unsigned long long)len + dropped - told);
	dropped += len;
	told = dropped;
	len = 0;
	free(buf);
	buf = NULL;
}

unsigned long long console_dropped(void)
{
	return dropped;
}

/* a ring of the last CONSOLE_SCROLLBACK bytes of each VM's console */
static struct ring {
	char *buf;
	size_t head; /* where the next byte goes */
	bool full; /* wrapped: buf[head..] is older than buf[..head) */
} * rings;
static size_t nrings;
static console_listener_fn *listener;
static void *listener_arg;

void console_tap(unsigned vm, const char *s, size_t n)
{
	struct ring *g;
	size_t k;

	if (!n)
		return;
	if (vm >= nrings) {
		rings = xrealloc(rings, (vm + 1) * sizeof(*rings));
		memset(rings + nrings, 0, (vm + 1 - nrings) * sizeof(*rings));
		nrings = vm + 1;
	}
	if (listener)
		listener(listener_arg, vm, s, n);
	g = &rings[vm];
	if (!g->buf)
		g->buf = xmalloc(CONSOLE_SCROLLBACK);
	if (n >= CONSOLE_SCROLLBACK) { /* only its end stays */
		s += n - CONSOLE_SCROLLBACK;
		n = CONSOLE_SCROLLBACK;
	}
	k = CONSOLE_SCROLLBACK - g->head < n ? CONSOLE_SCROLLBACK - g->head : n;
	memcpy(g->buf + g->head, s, k);
	memcpy(g->buf, s + k, n - k);
	g->full |= g->head + n >= CONSOLE_SCROLLBACK;
	g->head = (g->head + n) % CONSOLE_SCROLLBACK;
}

void console_listen(console_listener_fn *fn, void *arg)
{
	listener = fn;
	listener_arg = arg;
}

void console_scrollback(unsigned vm, const char **a, size_t *alen,
			const char **b, size_t *blen)
{
	const struct ring *g = vm < nrings ? &rings[vm] : NULL;

	*a = *b = "";
	*alen = *blen = 0;
	if (!g || !g->buf)
		return;
	if (g->full) {
		*a = g->buf + g->head;
		*alen = CONSOLE_SCROLLBACK - g->head;
	}
	*b = g->buf;
	*blen = g->head;
}

void console_forget(void)
{
	size_t i;

	for (i = 0; i < nrings; i++)
		free(rings[i].buf);
	free(rings);
	rings = NULL;
	nrings = 0;
	listener = NULL;
}
