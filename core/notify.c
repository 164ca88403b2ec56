/* notify.c: telling a service manager how the host is doing (systemd's notify protocol; nothing where there is none). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd.h"
#include "notify.h"

/*
 * $NOTIFY_SOCKET names a datagram socket: a path, or "@name" for Linux's
 * abstract namespace.  One datagram per message, never waited for: a
 * manager that does not read loses a status line, not our loop.
 */
int notify_send(const char *fmt, ...)
{
	const char *where = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	char msg[256];
	va_list ap;
	int fd, ret = 0;
	size_t n;

	if (!where || !*where)
		return 0;
	n = strlen(where);
	if (n >= sizeof(sa.sun_path) || (where[0] != '/' && where[0] != '@'))
		return -EINVAL;
	memcpy(sa.sun_path, where, n);
	if (where[0] == '@')
		sa.sun_path[0] = 0;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	fd_setup(fd, true);
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, len) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
