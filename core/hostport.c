/* hostport.c: a NAT forward's host port, checked free before a start (and who holds it when not). */
#include "hostport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd.h"
#include "os.h"
#include "util.h"

/* why f's port cannot be had: err, and who has it */
static char *taken(const struct vzh_forward *f, int err)
{
	char fwd[80], name[32] = "", who[96];
	uid_t uid = (uid_t)-1;
	pid_t pid = 0;

	machine_format_forward(f, fwd, sizeof(fwd));
	if (err == -EACCES)
		return xasprintf("forward %s: host port %u needs root (or a "
				 "lower net.ipv4.ip_unprivileged_port_start)",
				 fwd, f->host_port);
	if (err != -EADDRINUSE)
		return xasprintf("forward %s: cannot listen on %s port %u: %s",
				 fwd, f->host_addr, f->host_port,
				 strerror(-err));
	if (os_port_holder(f->proto == VZH_PROTO_UDP, f->host_addr,
			   f->host_port, &uid, &pid, name, sizeof(name)) < 0)

		snprintf(who, sizeof(who), "another process (not known which)");
	else if (pid)
		snprintf(who, sizeof(who), "pid %d (%s, uid %u)", (int)pid,
			 name, (unsigned)uid);
	else
		snprintf(who, sizeof(who), "a process of uid %u",
			 (unsigned)uid);
	return xasprintf("forward %s: host port %u is taken by %s", fwd,
			 f->host_port, who);
}

socklen_t hostport_sockaddr(const char *addr, unsigned port,
			    struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		return sizeof(*in4);
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return sizeof(*in6);
	}
	return 0;
}

int hostport_bind(const struct vzh_forward *f, char **why)
{
	bool udp = f->proto == VZH_PROTO_UDP;
	struct sockaddr_storage ss;
	socklen_t len = hostport_sockaddr(f->host_addr, f->host_port, &ss);
	int fd, one = 1, ret;

	if (!len) {
		*why = xasprintf("forward of host port %u: %s is not a numeric "
				 "address",
				 f->host_port, f->host_addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM), 0);
	if (fd < 0) {
		ret = -errno;
		*why = taken(f, ret);
		return ret;
	}
	fd_setup(fd, true);
	/* as QEMU's user-mode NAT does: a port in TIME_WAIT is free */
	if (!udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (!udp && listen(fd, 64) < 0)) {
		ret = -errno;
		close(fd);
		*why = taken(f, ret);
		return ret;
	}
	return fd;
}

int hostport_check(const struct machine *m, char **why)
{
	size_t i, k;
	int fd;

	for (i = 0; i < m->ndevs; i++) {
		const struct device *d = &m->devs[i];

		for (k = 0; d->cls == DEV_NET && k < d->u.net.nforwards; k++) {
			fd = hostport_bind(&d->u.net.forwards[k], why);
			if (fd < 0)
				return fd;
			close(fd);
		}
	}
	return 0;
}
