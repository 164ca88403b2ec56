/* ports.c: a VM's vsock ports reached from the host through unix sockets: listening, handing connections between the framework's queue and the loop, relaying bytes. */
#include "ports.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../core/fd.h"
#include "../../core/log.h"
#include "../../core/util.h"

int vz_ports_open(struct vz_ports *p, const struct vzh_vsock *v, const char *vm,
		  char **why)
{
	pid_t holder;
	uint32_t i;
	int fd, ret;

	p->v = v;
	p->vm = vm;
	p->hand[0] = p->hand[1] = -1;
	for (i = 0; i < VZH_VSOCK_PORTS_MAX; i++)
		p->listen[i] = -1;
	if (!v || !v->nports)
		return 0;
	if ((ret = fd_pipe(p->hand, true)) < 0) {
		*why = xasprintf("vsock ports: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < v->nports; i++) {
		if (v->ports[i].dir != VZH_VSOCK_LISTEN)
			continue;
		fd = fd_unix_listen(v->ports[i].path, &holder);
		if (fd < 0) {
			*why = fd == -EBUSY ?
				       xasprintf(
					       "vsock port %u: %s is in use (pid %d "
					       "answers there)",
					       v->ports[i].port,
					       v->ports[i].path, (int)holder) :
			       fd == -EEXIST ?
				       xasprintf(
					       "vsock port %u: %s exists and is not "
					       "a socket: refusing to replace it",
					       v->ports[i].port,
					       v->ports[i].path) :
				       xasprintf(
					       "vsock port %u: cannot listen on "
					       "%s: %s",
					       v->ports[i].port,
					       v->ports[i].path, strerror(-fd));
			vz_ports_close(p);
			if (p->hand[1] >= 0)
				close(p->hand[1]);
			p->hand[1] = -1;
			return fd;
		}
		p->listen[i] = fd;
	}
	return 0;
}

static void unlink_link(struct vz_ports *p, struct vz_link *l)
{
	if (l->relay) {
		relay_close(l->relay);
		free(l->relay);
	}
	if (l->client >= 0)
		close(l->client);
	if (l->conn && p->release)
		p->release(p->ctx, l->conn);
	memset(l, 0, sizeof(*l));
}

static struct vz_link *free_link(struct vz_ports *p)
{
	int i;

	for (i = 0; i < VZ_LINKS_MAX; i++)
		if (!p->links[i].used) {
			p->links[i].used = true;
			p->links[i].client = -1;
			return &p->links[i];
		}
	return NULL;
}

int vz_ports_pollfds(struct vz_ports *p, bool running, struct pollfd *fds,
		     int max)
{
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
	/* (relays beyond the room left wait for the next round) */
	for (k = 0; k < VZ_LINKS_MAX && n + 2 <= max; k++)
		if (p->links[k].relay)
			n += relay_pollfds(p->links[k].relay, fds + n);
	return n;
}

/* a host program connected to a listen mapping: ask for the guest's side */
static void accepted(struct vz_ports *p, uint32_t map)
{
	int fd = fd_accept(p->listen[map], true);
	struct vz_link *l;

	if (fd < 0)
		return;
	l = free_link(p);
	if (!l) {
		log_msg(LOG_WARNING, p->vm,
			"vsock port %u: %d connections already: refused",
			p->v->ports[map].port, VZ_LINKS_MAX);
		close(fd);
		return;
	}
	l->client = fd;
	p->connect(p->ctx, (int)(l - p->links), p->v->ports[map].port);
}

/* the guest connected to a connect mapping: its host socket, now */
static int host_side(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = fd_unix_socket(false), err;

	if (fd < 0)
		return fd;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static void handed(struct vz_ports *p, const struct vz_handoff *h)
{
	struct vz_link *l = NULL;
	int other = -1;

	if (h->slot >= 0 && h->slot < VZ_LINKS_MAX && p->links[h->slot].used &&
	    !p->links[h->slot].relay) {
		l = &p->links[h->slot];
		other = l->client;
		l->client = -1;
		if (h->fd < 0)
			log_msg(LOG_NOTICE, p->vm,
				"vsock: the guest refused a connection");
	} else if (h->map >= 0 && (uint32_t)h->map < p->v->nports &&
		   h->fd >= 0) {
		const struct vzh_vsock_port *m = &p->v->ports[h->map];

		other = host_side(m->path);
		if (other < 0)
			log_msg(LOG_WARNING, p->vm,
				"vsock port %u: the guest's connection finds "
				"nobody at %s: %s",
				m->port, m->path, strerror(-other));
		l = other >= 0 ? free_link(p) : NULL;
	}
	if (!l || h->fd < 0 || other < 0) {
		if (h->fd >= 0)
			close(h->fd);
		if (other >= 0)
			close(other);
		if (h->conn && p->release)
			p->release(p->ctx, h->conn);
		if (l)
			unlink_link(p, l);
		return;
	}
	l->relay = xmalloc(sizeof(*l->relay));
	relay_init(l->relay, other, h->fd);
	l->conn = h->conn;
}

void vz_ports_dispatch(struct vz_ports *p, const struct pollfd *fds, int n)
{
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
	for (k = 0; k < VZ_LINKS_MAX; k++)
		if (p->links[k].relay && !relay_step(p->links[k].relay))
			unlink_link(p, &p->links[k]);
}

void vz_ports_close(struct vz_ports *p)
{
	uint32_t i;
	int k;

	for (k = 0; k < VZ_LINKS_MAX; k++)
		if (p->links[k].used)
			unlink_link(p, &p->links[k]);
	for (i = 0; p->v && i < p->v->nports; i++)
		if (p->listen[i] >= 0) {
			/* (removed while still held: a new listener there is
			   never removed by us) */
			unlink(p->v->ports[i].path);
			close(p->listen[i]);
			p->listen[i] = -1;
		}
	if (p->hand[0] >= 0)
		close(p->hand[0]);
	p->hand[0] = -1;
}

int vz_ports_hand(int fd, const struct vz_handoff *h)
{
	ssize_t n;

	do
		n = write(fd, h, sizeof(*h));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*h) ? 0 : -EPIPE;
}
