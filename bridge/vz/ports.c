/* ports.c: a VM's vsock ports reached from the host through unix sockets: listening, handing connections between the framework's queue and the loop, relaying bytes. */
#include "ports.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../core/log.h"
#include "../../core/util.h"

static char *listen_error(const struct vzh_vsock_port *m, int err, pid_t holder)
{
	if (err == -EBUSY)
		return xasprintf("vsock port %u: %s is in use (pid %d answers "
				 "there)",
				 m->port, m->path, (int)holder);
	if (err == -EEXIST)
		return xasprintf(
			"vsock port %u: %s exists and is not a socket: "
			"refusing to replace it",
			m->port, m->path);
	return xasprintf("vsock port %u: cannot listen on %s: %s", m->port,
			 m->path, strerror(-err));
}

int vz_ports_open(struct vz_ports *p, const struct vzh_vsock *v, const char *vm,
		  char **why)
{
	pid_t holder;
	uint32_t i;
	int fd, ret;

	p->v = v;
	p->vm = vm;
	p->hand[0] = p->hand[1] = p->spare = -1;
	for (i = 0; i < VZH_VSOCK_PORTS_MAX; i++)
		p->listen[i] = -1;
	if (!v || !v->nports)
		return 0;
	if ((ret = fd_pipe(p->hand, true)) < 0) {
		*why = xasprintf("vsock ports: %s", strerror(-ret));
		return ret;
	}
	p->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < v->nports; i++) {
		if (v->ports[i].dir != VZH_VSOCK_LISTEN)
			continue;
		fd = fd_unix_listen(v->ports[i].path, &holder, &p->ident[i]);
		if (fd < 0) {
			*why = listen_error(&v->ports[i], fd, holder);
			vz_ports_close(p);
			close(p->hand[1]);
			p->hand[1] = -1;
			return fd;
		}
		p->listen[i] = fd;
	}
	return 0;
}

static void end_link(struct vz_ports *p, struct vz_link *l)
{
	if (l->relay) {
		relay_close(l->relay);
		free(l->relay);
	}
	if (l->client >= 0)
		close(l->client);
	if (l->conn && p->release)
		p->release(p->ctx, l->conn);
	l->relay = NULL;
	l->conn = NULL;
	l->client = -1;
	l->used = false;
}

/* a free link for this direction, or NULL when its share is taken */
static struct vz_link *take_link(struct vz_ports *p, bool from_guest)
{
	struct vz_link *free_one = NULL;
	int i, used = 0;

	for (i = 0; i < VZ_LINKS_MAX; i++) {
		if (p->links[i].used)
			used += p->links[i].from_guest == from_guest;
		else if (!free_one)
			free_one = &p->links[i];
	}
	if (used >= VZ_LINKS_EACH || !free_one)
		return NULL;
	free_one->used = true;
	free_one->from_guest = from_guest;
	free_one->client = -1;
	free_one->gen = ++p->gen;
	return free_one;
}

int vz_ports_pollfds(struct vz_ports *p, bool running, struct pollfd *fds,
		     int max, int *timeout_ms)
{
	long long now = util_now_ms();
	uint32_t i;
	int k, n = 0;

	if (p->hand[0] < 0)
		return 0;
	if (max > 0)
		fds[n++] =
			(struct pollfd){ .fd = p->hand[0], .events = POLLIN };
	for (i = 0; running && i < p->v->nports && n < max; i++)
		if (p->listen[i] >= 0)
			fds[n++] = (struct pollfd){ .fd = p->listen[i],
						    .events = POLLIN };
	for (k = 0; k < VZ_LINKS_MAX; k++) {
		const struct vz_link *l = &p->links[k];

		/* (relays beyond the room left wait for the next round) */
		if (l->relay && n + 2 <= max)
			n += relay_pollfds(l->relay, fds + n);
		if (!l->used || l->relay)
			continue;
		util_lower_timeout(timeout_ms, l->deadline - now);
	}
	return n;
}

/* a client when the descriptors ran out: refused at once (else the
   listening socket stays readable and the loop spins) */
static int refuse_one(struct vz_ports *p, int lfd)
{
	int fd;

	if (p->spare < 0)
		return -EMFILE;
	close(p->spare);
	fd = accept(lfd, NULL, NULL);
	if (fd >= 0)
		close(fd);
	p->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

/* a host program connected to a listen mapping: ask for the guest's side */
static void accepted(struct vz_ports *p, uint32_t map)
{
	int fd = fd_accept(p->listen[map], true);
	struct vz_link *l;

	if (fd == -EMFILE || fd == -ENFILE) {
		log_msg(LOG_WARNING, p->vm,
			"vsock port %u: out of descriptors: a client refused",
			p->v->ports[map].port);
		refuse_one(p, p->listen[map]);
		return;
	}
	if (fd < 0)
		return;
	l = take_link(p, false);
	if (!l) {
		log_msg(LOG_WARNING, p->vm,
			"vsock port %u: %d connections from the host already: "
			"refused",
			p->v->ports[map].port, VZ_LINKS_EACH);
		close(fd);
		return;
	}
	l->client = fd;
	l->deadline = util_now_ms() + VZ_CONNECT_WAIT_MS;
	p->connect(p->ctx, (int)(l - p->links), l->gen, p->v->ports[map].port);
}

/* the host's side of a guest's connection: never waited for (a program
   that does not accept is a refusal) */
static int host_side(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = fd_unix_socket(true), err;

	if (fd < 0)
		return fd;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno == EAGAIN || errno == EINPROGRESS ? EBUSY : errno;
		close(fd);
		return -err;
	}
	return fd;
}

static void drop(struct vz_ports *p, const struct vz_handoff *h)
{
	if (h->fd >= 0)
		close(h->fd);
	if (h->conn && p->release)
		p->release(p->ctx, h->conn);
}

static void handed(struct vz_ports *p, const struct vz_handoff *h)
{
	struct vz_link *l;
	const struct vzh_vsock_port *m;
	int other;

	if (h->slot >= 0) { /* the answer to a host client's connection */
		l = h->slot < VZ_LINKS_MAX ? &p->links[h->slot] : NULL;
		if (!l || !l->used || l->relay || l->gen != h->gen) {
			drop(p, h); /* (given up on: too late) */
			return;
		}
		if (h->fd < 0) {
			log_msg(LOG_NOTICE, p->vm,
				"vsock: no connection to the guest's port (is "
				"anything listening on it?)");
			end_link(p, l);
			return;
		}
		other = l->client;
		l->client = -1;
	} else { /* the guest connected to a connect mapping */
		if (h->map < 0 || (uint32_t)h->map >= p->v->nports ||
		    h->fd < 0) {
			drop(p, h);
			return;
		}
		m = &p->v->ports[h->map];
		l = take_link(p, true);
		if (!l) {
			log_msg(LOG_WARNING, p->vm,
				"vsock port %u: %d connections from the guest "
				"already: refused",
				m->port, VZ_LINKS_EACH);
			drop(p, h);
			return;
		}
		other = host_side(m->path);
		if (other < 0) {
			log_msg(LOG_WARNING, p->vm,
				"vsock port %u: the guest's connection finds "
				"nobody at %s: %s",
				m->port, m->path, strerror(-other));
			end_link(p, l);
			drop(p, h);
			return;
		}
	}
	l->relay = xmalloc(sizeof(*l->relay));
	relay_init(l->relay, other, h->fd);
	l->conn = h->conn;
}

void vz_ports_dispatch(struct vz_ports *p, const struct pollfd *fds, int n)
{
	long long now = util_now_ms();
	struct vz_handoff h;
	uint32_t m;
	int i, k;

	if (p->hand[0] < 0)
		return;
	for (i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		for (m = 0; m < p->v->nports; m++)
			if (fds[i].fd == p->listen[m])
				accepted(p, m);
	}
	while (read(p->hand[0], &h, sizeof(h)) == (ssize_t)sizeof(h))
		handed(p, &h);
	for (k = 0; k < VZ_LINKS_MAX; k++) {
		struct vz_link *l = &p->links[k];

		if (l->relay && !relay_step(l->relay))
			end_link(p, l);
		else if (l->used && !l->relay && now >= l->deadline) {
			log_msg(LOG_WARNING, p->vm,
				"vsock: the framework did not connect within "
				"%d s: the client is hung up on",
				VZ_CONNECT_WAIT_MS / 1000);
			end_link(p, l);
		}
	}
}

void vz_ports_close(struct vz_ports *p)
{
	struct vz_handoff h;
	uint32_t i;
	int k;

	for (k = 0; k < VZ_LINKS_MAX; k++)
		if (p->links[k].used)
			end_link(p, &p->links[k]);
	for (i = 0; p->v && i < p->v->nports; i++)
		if (p->listen[i] >= 0) {
			/* ours only: a socket someone put there since stays */
			fd_unix_unlink(p->v->ports[i].path, &p->ident[i]);
			close(p->listen[i]);
			p->listen[i] = -1;
		}
	/* connections handed over but not read yet are let go of too */
	if (p->hand[0] >= 0) {
		while (read(p->hand[0], &h, sizeof(h)) == (ssize_t)sizeof(h))
			drop(p, &h);
		close(p->hand[0]);
	}
	p->hand[0] = -1;
	if (p->spare >= 0)
		close(p->spare);
	p->spare = -1;
}

int vz_ports_hand(int fd, const struct vz_handoff *h)
{
	ssize_t n;

	do
		n = write(fd, h, sizeof(*h));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*h) ? 0 : -EPIPE;
}
