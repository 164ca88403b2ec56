/* fwd.c: a NAT guest's forwards relayed on the core's loop: TCP connections and UDP peers, bounded, never blocking. */
#include "fwd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/fd.h"
#include "../core/hostport.h"
#include "../core/log.h"
#include "../core/util.h"
#include "relay.h"

struct conn { /* a TCP connection: connecting to the guest, then relayed */
	int client, guest; /* guest: connecting while !relay */
	long long give_up_ms; /* connecting: the guest did not answer by then */
	struct relay *relay;
};

struct peer { /* a UDP peer of a forward: its own socket to the guest */
	struct sockaddr_storage from;
	socklen_t fromlen;
	int fd; /* connected to the guest's port; -1: free */
	size_t listener;
	long long last_ms;
};

struct listener {
	struct vzh_forward f;
	int fd;
	long long resume_ms; /* out of descriptors: not polled till then */
};

struct fwd {
	const char *vm;
	struct listener *ls;
	size_t nls;
	char guest[46]; /* its numeric address; "": not known yet */
	struct conn conns[FWD_TCP_MAX];
	struct peer peers[FWD_UDP_MAX];
	bool told_unknown, told_full;
};

int fwd_open(const struct machine *m, struct fwd **out, char **why)
{
	struct fwd *fw = xcalloc(1, sizeof(*fw));
	size_t i, k;
	int fd;

	fw->vm = m->name;
	for (i = 0; i < FWD_TCP_MAX; i++)
		fw->conns[i].client = fw->conns[i].guest = -1;
	for (i = 0; i < FWD_UDP_MAX; i++)
		fw->peers[i].fd = -1;
	for (i = 0; i < m->ndevs; i++) {
		const struct device *d = &m->devs[i];

		for (k = 0; d->cls == DEV_NET && k < d->u.net.nforwards; k++) {
			fd = hostport_bind(&d->u.net.forwards[k], why);
			if (fd < 0) {
				fwd_close(fw);
				return fd;
			}
			fw->ls = xrealloc(fw->ls,
					  (fw->nls + 1) * sizeof(*fw->ls));
			/* (all of it: a stale resume_ms would keep the
			   port shut) */
			fw->ls[fw->nls++] =
				(struct listener){ .f = d->u.net.forwards[k],
						   .fd = fd };
		}
	}
	*out = fw;
	return 0;
}

void fwd_target(struct fwd *fw, const char *addr)
{
	struct sockaddr_storage ss;

	fw->guest[0] = 0;
	if (hostport_sockaddr(addr, 0, &ss) && strlen(addr) < sizeof(fw->guest))
		strcpy(fw->guest, addr);
}

/* a socket to the guest's port, connecting (non-blocking), or -1 */
static int dial(const struct fwd *fw, int type, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len = hostport_sockaddr(fw->guest, port, &ss);
	int fd = len ? socket(ss.ss_family, type, 0) : -1;

	if (fd < 0)
		return -1;

	fd_setup(fd, true);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_end(struct conn *c)
{
	if (c->relay) {
		relay_close(c->relay); /* (closes both) */
		free(c->relay);
	} else {
		if (c->client >= 0)
			close(c->client);
		if (c->guest >= 0)
			close(c->guest);
	}
	c->relay = NULL;
	c->client = c->guest = -1;
}

/* a connection to the host port: to the guest, or refused (closed) when
   its address is not known or too many are relayed */
static void accept_tcp(struct fwd *fw, struct listener *l)
{
	int fd = accept(l->fd, NULL, NULL);
	size_t i;

	if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		/* the connection stays queued: polled again, it would wake
		   the loop at once; a second's rest */
		log_msg(LOG_WARNING, fw->vm,
			"forward of port %u: out of descriptors: connections "
			"wait",
			l->f.host_port);
		l->resume_ms = util_now_ms() + 1000;
	}
	if (fd < 0)
		return;
	fd_setup(fd, true);
	for (i = 0; i < FWD_TCP_MAX && fw->conns[i].client >= 0; i++)
		;
	if (!fw->guest[0] || i == FWD_TCP_MAX) {
		bool *told = fw->guest[0] ? &fw->told_full : &fw->told_unknown;

		if (!*told)
			log_msg(LOG_WARNING, fw->vm,
				"forward of port %u: connection refused: %s",
				l->f.host_port,
				fw->guest[0] ? "too many relayed at once" :
					       "the guest's address is not "
					       "known yet");
		*told = true;
		close(fd);
		return;
	}
	fw->conns[i].client = fd;
	fw->conns[i].give_up_ms = util_now_ms() + FWD_CONNECT_MS;
	fw->conns[i].guest = dial(fw, SOCK_STREAM, l->f.guest_port);
	if (fw->conns[i].guest < 0)
		conn_end(&fw->conns[i]);
}

/* the peer of from on listener li: found, or a free (or the stalest) one */
static struct peer *peer_for(struct fwd *fw, size_t li,
			     const struct sockaddr_storage *from, socklen_t len)
{
	struct peer *p, *stale = &fw->peers[0];
	size_t i;

	for (i = 0; i < FWD_UDP_MAX; i++) {
		p = &fw->peers[i];
		if (p->fd >= 0 && p->listener == li && p->fromlen == len &&
		    !memcmp(&p->from, from, len))
			return p;
		if (p->fd < 0 ||
		    (stale->fd >= 0 && p->last_ms < stale->last_ms))
			stale = p;
	}
	if (stale->fd >= 0)
		close(stale->fd);
	stale->fd = dial(fw, SOCK_DGRAM, fw->ls[li].f.guest_port);
	stale->listener = li;
	stale->from = *from;
	stale->fromlen = len;
	return stale->fd >= 0 ? stale : NULL;
}

/* datagrams to the host port: each to the guest from its peer's socket */
static void from_udp_clients(struct fwd *fw, size_t li)
{
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char buf[65536];
	struct peer *p;
	ssize_t n;

	int k;

	for (k = 0; k < FWD_BURST &&
		    (n = recvfrom(fw->ls[li].fd, buf, sizeof(buf), 0,
				  (struct sockaddr *)&from, &len)) >= 0;
	     k++) {
		if (fw->guest[0] && (p = peer_for(fw, li, &from, len))) {
			p->last_ms = util_now_ms();
			send(p->fd, buf, (size_t)n, 0); /* (lost if full) */
		}
		len = sizeof(from);
	}
}

/* the guest's answers: back to the peer, from the host port */
static void from_guest_udp(struct fwd *fw, struct peer *p)
{
	char buf[65536];
	ssize_t n;
	int k;

	for (k = 0;
	     k < FWD_BURST && (n = recv(p->fd, buf, sizeof(buf), 0)) >= 0;
	     k++) {
		p->last_ms = util_now_ms();
		sendto(fw->ls[p->listener].fd, buf, (size_t)n, 0,
		       (struct sockaddr *)&p->from, p->fromlen);
	}
}

int fwd_pollfds(struct fwd *fw, struct pollfd *fds, int max, int *timeout_ms)
{
	long long now = util_now_ms();
	int n = 0;
	size_t i;

	for (i = 0; i < fw->nls && n < max; i++) {
		if (fw->ls[i].resume_ms > now) {
			util_lower_timeout(timeout_ms,
					   fw->ls[i].resume_ms - now);
			continue;
		}
		fds[n++] =
			(struct pollfd){ .fd = fw->ls[i].fd, .events = POLLIN };
	}
	for (i = 0; i < FWD_TCP_MAX && n + 2 <= max; i++) {
		struct conn *c = &fw->conns[i];

		if (c->relay) {
			n += relay_pollfds(c->relay, fds + n);
		} else if (c->guest >= 0) {
			fds[n++] = (struct pollfd){ .fd = c->guest,
						    .events = POLLOUT };
			util_lower_timeout(timeout_ms, c->give_up_ms - now);
		}
	}
	for (i = 0; i < FWD_UDP_MAX && n < max; i++) {
		if (fw->peers[i].fd < 0)
			continue;
		fds[n++] = (struct pollfd){ .fd = fw->peers[i].fd,
					    .events = POLLIN };
		util_lower_timeout(timeout_ms, fw->peers[i].last_ms +
						       FWD_UDP_IDLE_MS - now);
	}
	return n;
}

static short revents(const struct pollfd *fds, int n, int fd)
{
	int i;

	for (i = 0; fd >= 0 && i < n; i++)
		if (fds[i].fd == fd)
			return fds[i].revents;
	return 0;
}

/* a connection to the guest finished connecting: relayed, or ended */
static void connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->guest, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		conn_end(c); /* the client sees its connection closed */
		return;
	}
	c->relay = xmalloc(sizeof(*c->relay));
	relay_init(c->relay, c->client, c->guest);
}

void fwd_dispatch(struct fwd *fw, const struct pollfd *fds, int n)
{
	long long now = util_now_ms();
	size_t i;

	for (i = 0; i < fw->nls; i++) {
		if (!(revents(fds, n, fw->ls[i].fd) & POLLIN))
			continue;
		if (fw->ls[i].f.proto == VZH_PROTO_UDP)
			from_udp_clients(fw, i);
		else
			accept_tcp(fw, &fw->ls[i]);
	}
	for (i = 0; i < FWD_TCP_MAX; i++) {
		struct conn *c = &fw->conns[i];

		if (c->relay) {
			if (!relay_step(c->relay))
				conn_end(c);
		} else if (c->guest >= 0 && revents(fds, n, c->guest)) {
			connected(c);
		} else if (c->guest >= 0 && now >= c->give_up_ms) {
			conn_end(c); /* the guest never answered */
		}
	}
	for (i = 0; i < FWD_UDP_MAX; i++) {
		struct peer *p = &fw->peers[i];

		/* (an error, such as the guest's port unreachable, is read
		   too: left, it would wake the loop again and again) */
		if (p->fd >= 0 &&
		    revents(fds, n, p->fd) & (POLLIN | POLLERR | POLLHUP))
			from_guest_udp(fw, p);
		if (p->fd >= 0 && now - p->last_ms >= FWD_UDP_IDLE_MS) {
			close(p->fd);
			p->fd = -1;
		}
	}
}

size_t fwd_active(const struct fwd *fw)
{
	size_t i, n = 0;

	for (i = 0; i < FWD_TCP_MAX; i++)
		n += fw->conns[i].relay != NULL;
	for (i = 0; i < FWD_UDP_MAX; i++)
		n += fw->peers[i].fd >= 0;
	return n;
}

void fwd_close(struct fwd *fw)
{
	size_t i;

	if (!fw)
		return;
	for (i = 0; i < FWD_TCP_MAX; i++)
		conn_end(&fw->conns[i]);
	for (i = 0; i < FWD_UDP_MAX; i++)
		if (fw->peers[i].fd >= 0)
			close(fw->peers[i].fd);
	for (i = 0; i < fw->nls; i++)
		close(fw->ls[i].fd);
	free(fw->ls);
	free(fw);
}
