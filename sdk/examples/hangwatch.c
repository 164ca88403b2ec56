/* hangwatch.c: an example vzhost plugin that restarts a VM whose console has been silent for too long (SDK 1.3: api->vm_request with the reason "unresponsive"). */
/*
 * Build against the installed SDK:
 *   cc -Wall -Wextra $(pkg-config --cflags --libs vzhost-plugin) \
 *      -o hangwatch.so hangwatch.c
 * Use (vzhost.conf):
 *   plugins = { dirs = [ "." ]; load = [ "hangwatch", ... ];
 *               hangwatch = { quiet = 60; action = "restart"; }; };
 * Each running VM's console is watched through its control socket, as
 * `vzhost ctl VM console` would (the VM needs a serial console with output =
 * "stdio", the default).  After `quiet` seconds without a byte, the VM is
 * restarted by the restart policy (counted in `ctl VM status`'s `restarts`,
 * its backoff, given up on in a loop), reset, or stopped ("action"), with the
 * reason "unresponsive": a crash, so vzhost's exit status says not all went
 * well.  A guest that talks on its console now and then is never touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;
static struct vzh_host *host;
static int64_t quiet_s;
static int action; /* index in actions[] */
static const char *const actions[] = { "restart", "reset", "stop", NULL };
static const uint32_t codes[] = { VZH_ACTION_RESTART, VZH_ACTION_RESET,
				  VZH_ACTION_STOP };

/* one watched console */
struct watch {
	char vm[128];
	int fd;
	uint64_t heard_ms; /* its last byte (or the attach) */
	int asked; /* the action is asked: not again until it starts anew */
	struct watch *next;
};

static struct watch *watches;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void drop(struct watch *w)
{
	struct watch **p;

	for (p = &watches; *p && *p != w; p = &(*p)->next)
		;
	if (*p)
		*p = w->next;
	api->watch(host, w->fd, 0, NULL, NULL);
	close(w->fd);
	free(w);
}

/* its console's bytes: only that they came matters */
static void heard(void *data, int fd, unsigned events)
{
	struct watch *w = data;
	char buf[4096];
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		w->heard_ms = now_ms();
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) /* (VM gone) */
		drop(w);
}

/* the console, as a `ctl console` client: its socket is the core's own,
   served on the loop, so nothing here waits */
static int attach(const char *vm)
{
	static const char req[] = "{\"command\":\"console\"}\n";
	const char *path = api->control_path(host, vm);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct watch *w;
	int fd;

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return -ENOENT;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1 ||
	    !(w = calloc(1, sizeof(*w)))) {
		close(fd);
		return -EIO;
	}
	snprintf(w->vm, sizeof(w->vm), "%s", vm);
	w->fd = fd;
	w->heard_ms = now_ms();
	if (api->watch(host, fd, VZH_WATCH_READ, heard, w) < 0) {
		close(fd);
		free(w);
		return -EIO;
	}
	w->next = watches;
	watches = w;
	return 0;
}

static int started(void *data, const struct vzh_event_info *ev)
{
	int ret = attach(ev->vm);

	(void)data;
	if (ret < 0)
		api->log(host, VZH_LOG_WARNING,
			 "%s: its console cannot be "
			 "watched (%s)",
			 ev->vm, strerror(-ret));
	return 0;
}

static int stopped(void *data, const struct vzh_event_info *ev)
{
	struct watch *w, *next;

	(void)data;
	for (w = watches; w; w = next) {
		next = w->next;
		if (!strcmp(w->vm, ev->vm))
			drop(w);
	}
	return 0;
}

/* once a second: who has been quiet too long */
static void look(void *data)
{
	uint64_t now = now_ms();
	struct watch *w;

	(void)data;
	for (w = watches; w; w = w->next) {
		struct vzh_request req = { .struct_size = sizeof(req),
					   .action = codes[action],
					   .vm = w->vm,
					   .reason = "unresponsive" };

		if (w->asked || now - w->heard_ms < (uint64_t)quiet_s * 1000)
			continue;
		w->asked = 1;
		api->log(host, VZH_LOG_WARNING,
			 "%s: its console has been silent for %lld s: %s",
			 w->vm, (long long)quiet_s, actions[action]);
		if (api->vm_request(host, &req) < 0)
			api->log(host, VZH_LOG_ERR, "%s: %s refused", w->vm,
				 actions[action]);
	}
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const char *const keys[] = { "quiet", "action", NULL };
	int ret;

	(void)state;
	api = a;
	host = h;
	ret = api->check_keys(settings, keys);
	ret |= api->get_int64(settings, "quiet", 60, &quiet_s);
	ret |= api->get_enum(settings, "action", actions, 0, &action);
	if (ret)
		return -EINVAL;
	if (quiet_s < 1 || quiet_s > 86400) {
		api->set_error(h, "quiet = %lld: from 1 to 86400 seconds",
			       (long long)quiet_s);
		return -EINVAL;
	}
	if (api->mode(h) != VZH_MODE_RUN) /* (--check: nothing to watch) */
		return 0;
	if (api->subscribe(h, VZH_EV_STARTED, 0, started, NULL) < 0 ||
	    api->subscribe(h, VZH_EV_STOPPED, 0, stopped, NULL) < 0 ||
	    api->timer(h, 1000, 1000, look, NULL) < 0)
		return -EIO;
	return 0;
}

/* (the core drops a plugin's watches and timers as it unloads it) */
static void fini(void *state)
{
	struct watch *w;

	(void)state;
	while ((w = watches)) {
		watches = w->next;
		close(w->fd);
		free(w);
	}
}

VZH_PLUGIN_DEFINE("hangwatch", "1.0",
		  "restarts a VM whose console is silent too long", "MIT", init,
		  fini);
