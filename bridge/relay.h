/* relay.h: bytes between two connected sockets, both ways, on the core's poll loop (vsock ports, port forwards). */
#ifndef VZH_RELAY_H
#define VZH_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define RELAY_BUF (64 * 1024) /* per direction: a slow side is not read */

/* one direction: what was read from `from` and not yet written to `to` */
struct relay_half {
	char buf[RELAY_BUF];
	size_t len;
	bool eof; /* `from` has no more to say */
	bool shut; /* and `to` was told (shutdown SHUT_WR) */
};

struct relay {
	int fd[2]; /* non-blocking; owned: closed by relay_close */
	struct relay_half half[2]; /* half[0]: fd[0] -> fd[1] */
};

/* the relay takes a and b (set non-blocking here) */
void relay_init(struct relay *r, int a, int b);
/* what to poll for (at most 2 entries); 0 when the relay is over */
int relay_pollfds(const struct relay *r, struct pollfd *fds);
/* move what can move now, without blocking; false when the relay is over
   (both ways ended: at their end, or broken): then relay_close it */
bool relay_step(struct relay *r);
void relay_close(struct relay *r);

#endif
