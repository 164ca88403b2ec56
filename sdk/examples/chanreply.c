/* chanreply.c: an example vzhost plugin that serves a channel itself: each line the guest writes there is answered. */
/*
 * Build against the installed SDK:
 *   cc -Wall -Wextra $(pkg-config --cflags --libs vzhost-plugin) \
 *      -o chanreply.so chanreply.c
 * Use (vzhost.conf):
 *   plugins = { dirs = [ "." ]; load = [ "chanreply" ]; };
 *   ... devices = ( { kind = "example.reply"; name = "vzh.test"; } );
 * In the guest:
 *   echo hello > /dev/virtio-ports/vzh.test; head -n 1 /dev/virtio-ports/vzh.test
 * prints "reply hello (line 1)".  A guest agent, a clipboard bridge or a
 * metrics feed has this shape: the channel is a byte stream, the plugin
 * frames it (here: lines) and never blocks the core's loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;
static struct vzh_host *host;

static const char *const keys[] = { "name", NULL };

/* one channel's state while its VM runs: the line being read, the answers
   not yet taken by the guest */
struct reply {
	int fd;
	unsigned long lines;
	char in[1024], out[8192];
	size_t nin, nout;
};

static void on_guest(void *data, int fd, unsigned events);

/* what the guest has not taken yet goes when it can; while some waits, the
   guest's next lines wait too (it reads what it asked for, or stalls only
   itself) */
static void rewatch(struct reply *r)
{
	api->watch(host, r->fd, r->nout ? VZH_WATCH_WRITE : VZH_WATCH_READ,
		   on_guest, r);
}

static void answer(struct reply *r, const char *line, size_t len)
{
	int n = snprintf(r->out + r->nout, sizeof(r->out) - r->nout,
			 "reply %.*s (line %lu)\n", (int)len, line, ++r->lines);

	if (n > 0 && (size_t)n < sizeof(r->out) - r->nout)
		r->nout += (size_t)n;
}

static void on_guest(void *data, int fd, unsigned events)
{
	struct reply *r = data;
	char *nl;
	ssize_t n;

	if (events & (VZH_WATCH_HUP | VZH_WATCH_ERROR)) {
		/* the VM is going: close() follows */
		api->watch(host, fd, 0, NULL, NULL);
		return;
	}
	if (events & VZH_WATCH_WRITE) {
		n = send(fd, r->out, r->nout, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			memmove(r->out, r->out + n, r->nout - (size_t)n);
			r->nout -= (size_t)n;
		}
	} else if (events & VZH_WATCH_READ) {
		n = read(fd, r->in + r->nin, sizeof(r->in) - r->nin);
		if (n <= 0) {
			api->watch(host, fd, 0, NULL, NULL);
			return;
		}
		r->nin += (size_t)n;
		while ((nl = memchr(r->in, '\n', r->nin))) {
			answer(r, r->in, (size_t)(nl - r->in));
			r->nin -= (size_t)(nl + 1 - r->in);
			memmove(r->in, nl + 1, r->nin);
		}
		if (r->nin ==
		    sizeof(r->in)) { /* (a line too long: answered cut) */
			answer(r, r->in, r->nin);
			r->nin = 0;
		}
	}
	rewatch(r);
}

static int reply_open(void *data, const char *vm, int fd)
{
	struct reply *r = calloc(1, sizeof(*r));

	(void)data;
	if (!r) {
		api->set_error(host, "out of memory");
		return -ENOMEM;
	}
	r->fd = fd;
	api->log(host, VZH_LOG_INFO, "%s: channel open", vm);
	/* (the one pointer close() is handed back is data: keep r by fd) */
	*(struct reply **)data = r;
	rewatch(r);
	return 0;
}

static void reply_close(void *data, const char *vm, int fd)
{
	struct reply *r = *(struct reply **)data;

	api->watch(host, fd, 0, NULL, NULL);
	close(fd);
	if (r)
		api->log(host, VZH_LOG_NOTICE,
			 "%s: channel closed after %lu lines", vm, r->lines);
	free(r);
	*(struct reply **)data = NULL;
}

/* each entry's slot for its state, for the plugin's life (freed at fini) */
struct slot {
	struct slot *next;
	struct reply *r;
};
static struct slot *slots;

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_channel ch = { .struct_size = sizeof(ch) };
	struct slot *s;

	(void)state;
	if (api->get_string(n, "name", "vzh.test", &ch.name) < 0)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->next = slots;
	slots = s;
	ch.backend = (struct vzh_backend){ .struct_size = sizeof(ch.backend),
					   .open = reply_open,
					   .close = reply_close,
					   .data = &s->r };
	/* (a name that is no channel's: refused here, at the entry's line) */
	return api->emit_channel(d, &ch);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "example.reply",
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
	struct slot *s;

	(void)state;
	while ((s = slots)) {
		slots = s->next;
		free(s->r);
		free(s);
	}
}

VZH_PLUGIN_DEFINE("chanreply", "1.0.0",
		  "example: a channel whose lines the plugin answers", "MIT",
		  init, fini);
