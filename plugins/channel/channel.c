/* channel.c: the `channel` kind: a guest's named port (/dev/virtio-ports/NAME) served on a unix socket. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;
static struct vzh_host *host;

/* sun_path's room on macOS, less its terminating zero */
#define SOCKET_PATH_MAX 103
/* what waits for the slower side, each way; then that side waits */
#define BUF 65536

static const char *const keys[] = { "name", "socket", NULL };

/*
 * One entry, for the life of the plugin.  While its VM runs: the pair's end
 * (the guest's bytes), the socket clients connect to, and the one client
 * served (the next ones wait in the backlog, as with QEMU's own socket
 * server).
 */
struct chan {
	struct chan *next;
	char *path, *where; /* (where: its socket setting's file:line) */
	int pair, lsn, cli;
	bool cli_hup; /* the client hung up: what it sent is still read */
	int64_t retry; /* a timer: the listener rests after accept failed */
	dev_t dev; /* the socket we bound, to remove only ours */
	ino_t ino;
	char g2c[BUF], c2g[BUF]; /* guest to client, client to guest */
	size_t ng2c, nc2g;
};

static struct chan *chans;

static void rewatch(struct chan *c);

/* the client is gone: what the guest said to it is dropped with it */
static void drop_client(struct chan *c)
{
	if (c->cli < 0)
		return;
	api->watch(host, c->cli, 0, NULL, NULL);
	close(c->cli);
	c->cli = -1;
	c->cli_hup = false;
	c->ng2c = 0;
}

/* buf's bytes to fd, as many as it takes now; -1 when fd is gone */
static int flush(int fd, char *buf, size_t *len)
{
	ssize_t n;

	while (*len) {
		n = send(fd, buf, *len, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ||
					       errno == EINTR ?
				       0 :
				       -1;
		memmove(buf, buf + n, *len - (size_t)n);
		*len -= (size_t)n;
	}
	return 0;
}

static void on_pair(void *data, int fd, unsigned ev)
{
	struct chan *c = data;
	bool nobody = c->cli < 0 || c->cli_hup;
	char sink[4096];
	ssize_t n;

	if ((ev & (VZH_WATCH_READ | VZH_WATCH_HUP | VZH_WATCH_ERROR)) &&
	    (nobody || c->ng2c < BUF)) {
		/* nobody listens: the guest's bytes go nowhere, and the guest
		   never waits on a client that is not there */
		n = nobody ? read(fd, sink, sizeof(sink)) :
			     read(fd, c->g2c + c->ng2c, BUF - c->ng2c);
		if (n > 0 && !nobody)
			c->ng2c += (size_t)n;
		else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			ev |= VZH_WATCH_HUP; /* (the hypervisor's end is gone) */
	}
	if (ev & VZH_WATCH_HUP) {
		/* the VM is stopping: close() follows */
		api->watch(host, fd, 0, NULL, NULL);
		c->pair = -1;
		close(fd);
		drop_client(c);
		rewatch(c);
		return;
	}
	if (!nobody && flush(c->cli, c->g2c, &c->ng2c) < 0)
		drop_client(c);
	if (flush(c->pair, c->c2g, &c->nc2g) < 0)
		c->nc2g = 0;
	rewatch(c);
}

/* a client's end of file ends its connection, as with QEMU's own socket
   server (a client that shuts down its writing half hears no more) */
static void on_client(void *data, int fd, unsigned ev)
{
	struct chan *c = data;
	bool gone = false;
	ssize_t n;

	if (ev & (VZH_WATCH_HUP | VZH_WATCH_ERROR)) {
		/* nobody reads what the guest says to it any more; what it
		   sent is read as the guest makes room, up to its end */
		c->cli_hup = true;
		c->ng2c = 0;
	}
	if ((ev & (VZH_WATCH_READ | VZH_WATCH_HUP | VZH_WATCH_ERROR)) &&
	    c->nc2g < BUF) {
		n = read(fd, c->c2g + c->nc2g, BUF - c->nc2g);
		if (n > 0)
			c->nc2g += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			gone = true;
	}
	if (c->pair >= 0 && flush(c->pair, c->c2g, &c->nc2g) < 0)
		c->nc2g = 0;
	if (gone || (!c->cli_hup && flush(fd, c->g2c, &c->ng2c) < 0))
		drop_client(c);
	rewatch(c);
}

static void relisten(void *data)
{
	struct chan *c = data;

	c->retry = 0;
	rewatch(c);
}

static void on_listen(void *data, int fd, unsigned ev)
{
	struct chan *c = data;
	int s;

	(void)ev;
	if (c->cli >= 0)
		return;
	s = accept(fd, NULL, NULL);
	if (s < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR && errno != ECONNABORTED) {
		/* (out of descriptors: the client waits in the backlog, the
		   loop does not spin on it) */
		api->log(host, VZH_LOG_WARNING, "%s: accept: %s", c->path,
			 strerror(errno));
		c->retry = api->timer(host, 100, 0, relisten, c);
		rewatch(c);
	}
	if (s < 0)
		return;
	if (fcntl(s, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(s, F_SETFL, O_NONBLOCK) < 0) {
		close(s);
		return;
	}
	c->cli = s;
	rewatch(c);
}

/* each descriptor watched for what it can take now: a side whose bytes
   wait for the other is not read until they are gone */
static void rewatch(struct chan *c)
{
	if (c->pair >= 0)
		api->watch(host, c->pair,
			   (c->cli < 0 || c->cli_hup || c->ng2c < BUF ?
				    VZH_WATCH_READ :
				    0) |
				   (c->nc2g ? VZH_WATCH_WRITE : 0),
			   on_pair, c);
	/* (a client that hung up: read only as the guest makes room, its
	   hangup no longer reported meanwhile) */
	if (c->cli >= 0)
		api->watch(host, c->cli,
			   (c->nc2g < BUF ? VZH_WATCH_READ : 0) |
				   (c->ng2c && !c->cli_hup ? VZH_WATCH_WRITE :
							     0),
			   on_client, c);
	if (c->lsn >= 0)
		api->watch(host, c->lsn,
			   c->cli < 0 && c->retry <= 0 ? VZH_WATCH_READ : 0,
			   on_listen, c);
}

/* the socket at sa is a stale one: connecting is refused (a server's with a
   full backlog says EAGAIN; another user's, EACCES: both left alone); never
   waited on */
static bool stale(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool yes;

	if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	yes = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
	      (errno == ECONNREFUSED || errno == ENOENT);
	close(fd);
	return yes;
}

/* the socket at path, ours alone (0600); a stale socket there is replaced,
   anything else (a file, a link, a live server's socket) is left alone and
   the start refused */
static int listen_at(struct chan *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, ret;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
	if (lstat(c->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode) || !stale(&sa)) {
			api->set_error(host,
				       "%s exists and is not a stale socket: "
				       "remove it or choose another path",
				       c->path);
			return -EEXIST;
		}
		unlink(c->path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0)
		goto fail;
	/* (a default ACL on the directory would override the umask; nobody
	   can connect before listen) */
	if (chmod(c->path, 0600) < 0 || listen(fd, 8) < 0 ||
	    lstat(c->path, &st) < 0) {
		ret = -errno;
		unlink(c->path);
		errno = -ret;
		goto fail;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->lsn = fd;
	return 0;
fail:
	ret = -errno;
	api->set_error(host, "cannot listen on %s: %s", c->path,
		       strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

static void unlisten(struct chan *c)
{
	struct stat st;

	if (c->lsn < 0)
		return;
	api->watch(host, c->lsn, 0, NULL, NULL);
	close(c->lsn);
	c->lsn = -1;
	/* (another may have put its own there since) */
	if (lstat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
}

static int chan_open(void *data, const char *vm, int fd)
{
	struct chan *c = data;
	int ret;

	(void)vm;
	if ((ret = listen_at(c)) < 0)
		return ret;
	c->pair = fd;
	c->cli = -1;
	c->cli_hup = false;
	c->retry = 0;
	c->ng2c = c->nc2g = 0;
	rewatch(c);
	return 0;
}

static void chan_close(void *data, const char *vm, int fd)
{
	struct chan *c = data;

	(void)vm;
	if (c->retry > 0)
		api->timer_cancel(host, c->retry);
	c->retry = 0;
	drop_client(c);
	unlisten(c);
	if (c->pair >= 0) {
		api->watch(host, fd, 0, NULL, NULL);
		close(fd);
	}
	c->pair = -1;
	c->nc2g = 0;
}

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_channel ch = { .struct_size = sizeof(ch) };
	const char *path = NULL;
	struct chan *c;
	int ret;

	(void)state;
	ret = api->get_string(n, "name", NULL, &ch.name);
	ret |= api->get_path(n, "socket", NULL, &path);
	if (ret)
		return -EINVAL;
	if (!ch.name)
		return api->error(n, NULL,
				  "a channel needs name = \"NAME\" (the "
				  "guest's /dev/virtio-ports/NAME)");
	if (!*ch.name || strlen(ch.name) > VZH_CHANNEL_NAME_MAX ||
	    strspn(ch.name,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._-") != strlen(ch.name))
		return api->error(n, "name",
				  "\"%s\" is not a channel name: 1 to %d of "
				  "a-z, A-Z, 0-9, '.', '_' and '-'",
				  ch.name, VZH_CHANNEL_NAME_MAX);
	if (!path)
		return api->error(n, NULL,
				  "a channel needs socket = \"PATH\" (where "
				  "vzhost listens for its host side)");
	if (strlen(path) > SOCKET_PATH_MAX)
		return api->error(n, "socket",
				  "%s is longer than a socket's path may be "
				  "(%d bytes)",
				  path, SOCKET_PATH_MAX);
	for (c = chans; c; c = c->next)
		if (!strcmp(c->path, path))
			return api->error(n, "socket",
					  "%s is already the socket of the "
					  "channel at %s",
					  path, c->where);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path)) ||
	    !(c->where = strdup(api->where(n, "socket")))) {
		if (c)
			free(c->path);
		free(c);
		return -ENOMEM;
	}
	c->pair = c->lsn = c->cli = -1;
	c->next = chans;
	chans = c;
	ch.backend = (struct vzh_backend){ .struct_size = sizeof(ch.backend),
					   .open = chan_open,
					   .close = chan_close,
					   .data = c };
	return api->emit_channel(d, &ch);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "channel",
		.keys = keys,
		.contribute = contribute,
	};

	(void)settings;
	(void)state;
	api = a;
	host = h;
	return api->register_kind(h, &kind);
}

static void fini(void *state)
{
	struct chan *c;

	(void)state;
	while ((c = chans)) {
		chans = c->next;
		free(c->path);
		free(c->where);
		free(c);
	}
}

/* (no settings of its own: a plugins.channel group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("channel", "1.0.0",
			   "channels: a guest's named port served on a unix "
			   "socket",
			   "MIT", no_settings, init, fini);
