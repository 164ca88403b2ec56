/* fd.c: descriptors set up the same way on every system (no pipe2, no accept4). */
#include "fd.h"
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

int fd_unix_listen(const char *path, pid_t *holder)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	uid_t uid;
	int fd, err;

	*holder = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* someone answering there holds it; nobody: a stale socket */
	fd = fd_unix_socket(false);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		os_peer(fd, &uid, holder);
		close(fd);
		return -EBUSY;
	}
	if (fd >= 0)
		close(fd);
	/* a stale socket goes; anything else there is not ours to remove */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return -EEXIST;
	unlink(path);
	fd = fd_unix_socket(true);
	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 128) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}
