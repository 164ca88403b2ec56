/* fd.c: descriptors set up the same way on every system (no pipe2, no accept4). */
#include "fd.h"
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

int fd_setup(int fd, bool nonblock)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    (nonblock && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		return -errno;
	return 0;
}

static int socket_setup(int fd, bool nonblock)
{
	int ret = fd_setup(fd, nonblock);

	if (!ret)
		ret = os_no_sigpipe(fd);
	if (ret < 0)
		close(fd);
	return ret < 0 ? ret : fd;
}

int fd_unix_socket(bool nonblock)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	return fd < 0 ? -errno : socket_setup(fd, nonblock);
}

int fd_accept(int listen_fd, bool nonblock)
{
	int fd = accept(listen_fd, NULL, NULL);

	return fd < 0 ? -errno : socket_setup(fd, nonblock);
}

/* a child forked meanwhile by another thread could inherit it: vzhost has
   no threads that fork */
int fd_pipe(int p[2], bool nonblock)
{
	int ret;

	if (pipe(p) < 0)
		return -errno;
	if ((ret = fd_setup(p[0], nonblock)) < 0 ||
	    (ret = fd_setup(p[1], nonblock)) < 0) {
		close(p[0]);
		close(p[1]);
		p[0] = p[1] = -1;
	}
	return ret;
}
