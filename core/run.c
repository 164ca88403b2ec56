/* run.c: running the machines: pick the bridge, prepare, start, the poll loop, signals, exit status. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "../bridge/bridge.h"
#include "log.h"
#include "state.h"
#include "util.h"

#define MAX_POLL 256

struct vmrun {
	struct machine *m;
	struct bvm *bvm;
	enum vzh_state state;
	bool done, failed;
};

struct runner {
	struct host *h;
	const struct bridge_ops *ops;
	struct bridge *b;
	struct vmrun *vms;
	int ev[2];
	int sigfd;
	unsigned interrupts;
};

/* auto: vz on macOS when built with it; qemu otherwise */
static const struct bridge_ops *pick(const struct host *h, struct diag *d)
{
	if (h->set.bridge == BRIDGE_VZ) {
		diag_add(d, NULL,
			 "host.bridge = \"vz\": this vzhost was built without "
			 "the Virtualization.framework bridge (macOS only)");
		return NULL;
	}
	return &qemu_bridge;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char *copy = xstrdup(path), *p;
	int ret = 0;

	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			ret = -errno;
		*p = '/';
	}
	if (!ret && mkdir(copy, mode) < 0 && errno != EEXIST)
		ret = -errno;
	free(copy);
	return ret;
}

static void fill_env(struct host *h, struct bridge_env *env, int event_fd)
{
	memset(env, 0, sizeof(*env));
	env->state_dir = h->set.state_dir;
	env->accel = h->set.accel;
	env->qemu = h->set.qemu;
	env->event_fd = event_fd;
	env->several = h->nvms > 1;
}

int run_check_bridge(struct host *h, bool strict)
{
	const struct bridge_ops *ops;
	struct bridge_env env;
	struct bridge *b = NULL;
	struct diag probe = { 0 };
	size_t i;
	int ret = 0;

	ops = pick(h, &probe);
	fill_env(h, &env, -1);
	if (ops && ops->probe(&env, &b, &probe) == 0) {
		for (i = 0; i < h->nvms; i++)
			if (ops->validate(b, &h->vms[i], &h->diag) < 0)
				ret = -EINVAL;
		ops->free(b);
	} else if (strict) {
		diag_print(&probe, stderr);
		ret = -ENODEV;
	} else {
		for (i = 0; i < probe.n; i++)
			log_msg(LOG_WARNING, NULL,
				"not checked against a hypervisor: %s",
				probe.msgs[i]);
	}
	diag_free(&probe);
	return ret;
}

/* a disk with a size that does not exist yet: a sparse image, now */
static int prepare_disks(struct machine *m)
{
	char buf[32];
	size_t i;
	int fd;

	for (i = 0; i < m->ndevs; i++) {
		const struct vzh_disk *d = &m->devs[i].u.disk;

		if (m->devs[i].cls != DEV_DISK || !d->size ||
		    access(d->path, F_OK) == 0)
			continue;
		fd = open(d->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0600);
		if (fd < 0 || ftruncate(fd, (off_t)d->size) < 0) {
			int err = errno;

			log_msg(LOG_ERR, m->name, "%s: cannot create %s: %s",
				m->devs[i].origin.loc, d->path, strerror(err));
			if (fd >= 0) {
				close(fd);
				unlink(d->path);
			}
			return -err;
		}
		close(fd);
		util_format_size(d->size, buf, sizeof(buf));
		log_msg(LOG_INFO, m->name, "created %s (%s, sparse)", d->path,
			buf);
	}
	return 0;
}

static void on_event(struct runner *r, const struct bridge_event *ev)
{
	struct vmrun *v;

	if (ev->vm >= r->h->nvms || ev->state >= VZH_STATE_COUNT ||
	    ev->reason >= VZH_REASON_COUNT)
		return;
	v = &r->vms[ev->vm];
	log_msg(ev->state == VZH_STATE_ERROR ? LOG_ERR : LOG_NOTICE, v->m->name,
		"state %s -> %s (%s)%s%s", state_names[v->state],
		state_names[ev->state], reason_names[ev->reason],
		ev->detail[0] ? ": " : "", ev->detail);
	v->state = ev->state;
	if (ev->reason == VZH_REASON_CRASHED ||
	    ev->reason == VZH_REASON_START_FAILED)
		v->failed = true;
	if (ev->state == VZH_STATE_STOPPED)
		v->done = true;
}

static void drain_events(struct runner *r)
{
	struct bridge_event ev;

	while (read(r->ev[0], &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
		on_event(r, &ev);
}

static void on_signal(struct runner *r)
{
	struct signalfd_siginfo si;
	size_t i;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		r->interrupts++;
		log_msg(LOG_NOTICE, NULL, "%s: %s every VM",
			strsignal((int)si.ssi_signo),
			r->interrupts > 1 ? "killing" : "stopping");
		/* the bridge's stop quits QEMU, and kills it when asked twice */
		for (i = 0; i < r->h->nvms; i++)
			if (!r->vms[i].done && r->vms[i].bvm)
				r->ops->stop(r->vms[i].bvm);
	}
}

static bool all_done(const struct runner *r)
{
	size_t i;

	for (i = 0; i < r->h->nvms; i++)
		if (!r->vms[i].done)
			return false;
	return true;
}

static void loop(struct runner *r)
{
	struct pollfd fds[MAX_POLL];
	int owner[MAX_POLL];
	int n, i, first, timeout;
	size_t v;

	while (!all_done(r)) {
		n = 0;
		timeout = -1;
		fds[n] = (struct pollfd){ .fd = r->ev[0], .events = POLLIN };
		owner[n++] = -1;
		fds[n] = (struct pollfd){ .fd = r->sigfd, .events = POLLIN };
		owner[n++] = -1;
		for (v = 0; v < r->h->nvms; v++) {
			if (r->vms[v].done || !r->vms[v].bvm)
				continue;
			first = n;
			n += r->ops->pollfds(r->vms[v].bvm, fds + n,
					     MAX_POLL - n, &timeout);
			for (i = first; i < n; i++)
				owner[i] = (int)v;
		}
		if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			on_signal(r);
		for (v = 0; v < r->h->nvms; v++) {
			for (first = 2; first < n && owner[first] != (int)v;
			     first++)
				;
			for (i = first; i < n && owner[i] == (int)v; i++)
				;
			if (!r->vms[v].done && r->vms[v].bvm)
				r->ops->dispatch(r->vms[v].bvm, fds + first,
						 i - first);
		}
		drain_events(r);
	}
}

int run_machines(struct host *h)
{
	struct runner r = { .h = h, .ev = { -1, -1 }, .sigfd = -1 };
	struct bridge_env env;
	struct diag d = { 0 };
	sigset_t mask, old;
	int status = EX_OK, ret;
	size_t i;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);
	signal(SIGPIPE, SIG_IGN);
	r.vms = xcalloc(h->nvms, sizeof(*r.vms));
	for (i = 0; i < h->nvms; i++)
		r.vms[i].m = &h->vms[i];
	r.ops = pick(h, &d);
	if (!r.ops) {
		status = EX_UNAVAILABLE;
		goto out;
	}
	ret = mkdir_p(h->set.state_dir, 0700);
	if (ret < 0) {
		diag_add(&d, NULL, "state_dir %s: %s", h->set.state_dir,
			 strerror(-ret));
		status = EX_CANTCREAT;
		goto out;
	}
	if (pipe2(r.ev, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    (r.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		diag_add(&d, NULL, "cannot set up the event loop: %s",
			 strerror(errno));
		status = EX_OSERR;
		goto out;
	}
	fill_env(h, &env, r.ev[1]);
	if (r.ops->probe(&env, &r.b, &d) < 0) {
		status = EX_UNAVAILABLE;
		goto out;
	}
	for (i = 0; i < h->nvms; i++)
		r.ops->validate(r.b, &h->vms[i], &d);
	if (d.n) {
		status = EX_CONFIG;
		goto out;
	}
	for (i = 0; i < h->nvms; i++) {
		struct vmrun *v = &r.vms[i];

		if (prepare_disks(v->m) < 0 ||
		    r.ops->create(r.b, v->m, (unsigned)i, &v->bvm) < 0) {
			log_msg(LOG_ERR, v->m->name,
				"state stopped -> stopped "
				"(start-failed)");
			v->done = v->failed = true;
			continue;
		}
		r.ops->start(v->bvm);
		drain_events(&r);
	}
	loop(&r);
	for (i = 0; i < h->nvms; i++)
		if (r.vms[i].failed)
			status = 1;
out:
	diag_print(&d, stderr);
	diag_free(&d);
	for (i = 0; r.ops && i < h->nvms; i++)
		if (r.vms[i].bvm)
			r.ops->destroy(r.vms[i].bvm);
	if (r.b)
		r.ops->free(r.b);
	free(r.vms);
	for (i = 0; i < 2; i++)
		if (r.ev[i] >= 0)
			close(r.ev[i]);
	if (r.sigfd >= 0)
		close(r.sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
