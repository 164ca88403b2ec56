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

int fd_unix_listen(const char *path, pid_t *holder, struct fd_ident *id)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t mask;
	uid_t uid;
	int fd, err, ret;

	*holder = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	/* someone answering there holds it (a full backlog too: never waited
	   for); refused: a stale socket; any other answer (another user's
	   socket, no descriptors left) leaves the path alone */
	fd = fd_unix_socket(true);
	if (fd < 0)
		return fd;
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = ret < 0 ? errno : 0;
	if (!ret)
		os_peer(fd, &uid, holder);
	close(fd);
	if (!ret || err == EAGAIN || err == EINPROGRESS)
		return -EBUSY;
	if (err != ECONNREFUSED && err != ENOENT)
		return -err;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST; /* not ours to remove */
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	fd = fd_unix_socket(true);
	if (fd < 0)
		return fd;
	/* 0600 from birth: no chmod by name after the fact */
	mask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (ret < 0 || listen(fd, 128) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	if (id && lstat(path, &st) == 0) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
	return fd;
}

void fd_unix_unlink(const char *path, const struct fd_ident *id)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == id->dev &&
	    st.st_ino == id->ino)
		unlink(path);
}

int fd_dgram_buffers(int fd)
{
	int rcv = FD_DGRAM_RCVBUF, snd, got;
	socklen_t len = sizeof(rcv);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len) < 0)
		return -errno;
	/* (Linux doubles what it is given and reports that: halve until the
	   send buffer it reports is a quarter of the receive one at most) */
	for (snd = rcv / 4;; snd /= 2) {
		len = sizeof(got);
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) <
			    0 ||
		    getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) < 0)
			return -errno;
		if (got <= rcv / 4)
			return 0;
		if (snd < 2048) /* the system's floor is above a quarter */
			return got <= rcv / 2 ? 0 : -ENOBUFS;
	}
}
