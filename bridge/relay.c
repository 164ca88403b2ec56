/* relay.c: bytes between two connected sockets, both ways, bounded, never blocking; an end of input passed on as a half-close. */
#include "relay.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "../core/fd.h"

void relay_init(struct relay *r, int a, int b)
{
	memset(r, 0, sizeof(*r));
	r->fd[0] = a;
	r->fd[1] = b;
	fd_setup(a, true);
	fd_setup(b, true);
}

static bool over(const struct relay *r)
{
	return r->half[0].shut && r->half[1].shut;
}

int relay_pollfds(const struct relay *r, struct pollfd *fds)
{
	int i, n = 0;

	if (over(r))
		return 0;
	for (i = 0; i < 2; i++) {
		const struct relay_half *in = &r->half[i], *out = &r->half[!i];
		short ev = 0;

		/* read while there is room; write while there is something */
		if (!in->eof && in->len < RELAY_BUF)
			ev |= POLLIN;
		if (out->len)
			ev |= POLLOUT;
		/* nothing to wait for on it: not polled at all, or a hung-up
		   peer's POLLHUP would wake the loop again and again */
		fds[n++] = (struct pollfd){ .fd = ev ? r->fd[i] : -1,
					    .events = ev };
	}
	return n;
}

/* one direction: from fd[i] to fd[!i].  A broken side ends only the
   directions it breaks: what the other side still says gets through */
static void move(struct relay *r, int i)
{
	struct relay_half *h = &r->half[i];
	ssize_t n;

	while (!h->eof && h->len < RELAY_BUF) {
		n = read(r->fd[i], h->buf + h->len, RELAY_BUF - h->len);
		if (n > 0)
			h->len += (size_t)n;
		else if (n == 0)
			h->eof = true;
		else if (errno == EINTR)
			continue;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		else /* (a reset: as good as the end) */
			h->eof = true;
	}
	while (h->len) {
		n = write(r->fd[!i], h->buf, h->len); /* (SIGPIPE is ignored) */
		if (n > 0) {
			memmove(h->buf, h->buf + n, h->len - (size_t)n);
			h->len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			/* nobody reads there any more: this way is over */
			h->len = 0;
			h->eof = h->shut = true;
			shutdown(r->fd[i], SHUT_RD);
		}
		break;
	}
	/* all of it passed on: the other side hears the end */
	if (h->eof && !h->len && !h->shut) {
		shutdown(r->fd[!i], SHUT_WR);
		h->shut = true;
	}
}

bool relay_step(struct relay *r)
{
	if (!over(r))
		move(r, 0);
	if (!over(r))
		move(r, 1);
	return !over(r);
}

void relay_close(struct relay *r)
{
	int i;

	for (i = 0; i < 2; i++)
		if (r->fd[i] >= 0) {
			close(r->fd[i]);
			r->fd[i] = -1;
		}
}
