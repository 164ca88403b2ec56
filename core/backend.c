/* backend.c: the far ends of a VM's devices for one run: socket pairs for plugin backends, sockets to servers, the plugins' run directory and helper processes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "loader.h"
#include "log.h"
#include "os.h"
#include "ploop.h"
#include "proc.h"
#include "runner.h"
#include "statedir.h"
#include "util.h"

#define HELPER_GRACE_MS 2000 /* SIGTERM, then SIGKILL */
#define HELPER_LINES 50 /* per second and helper; a flood is cut */

/* a VM's run directory for plugins: its path is fixed before it exists */
struct rundir {
	char *vm;
	char *path; /* STATE_DIR/VM.plug.PID */
	char *name; /* VM.plug.PID, while it exists */
	bool wanted; /* a plugin asked for it, or a socket NIC binds there */
};

struct helper {
	char *plugin, *vm;
	char *listen; /* its socket's path, removed when it is retired */
	struct fd_ident listen_id;
	pid_t pid;
	int out; /* its standard output and error */
	char buf[1024];
	size_t len;
	long long window; /* ms: this second of output */
	unsigned lines, dropped;
	unsigned flags; /* enum vzh_helper_flags */
};

/* a helper that ends with its VM and exited while the VM seemed to run:
   judged a moment later, when the VM's own stop has been taken */
struct ended {
	char *plugin, *vm;
	pid_t pid;
	int status;
	int64_t timer;
	struct ended *next;
};

#define ENDED_GRACE_MS 2000

static struct runner *run; /* the run under way, or NULL (--check) */
static struct rundir *dirs;
static size_t ndirs;
static struct helper **helpers;
static size_t nhelpers;

/* the plugin's message, as its own api->set_error() would set it */
#define perr(p, ...) core_api.set_error((struct vzh_host *)(p), __VA_ARGS__)

void backend_attach(struct runner *r)
{
	run = r;
}

static struct rundir *rundir(const char *state_dir, const char *vm)
{
	size_t i;

	for (i = 0; i < ndirs; i++)
		if (!strcmp(dirs[i].vm, vm))
			return &dirs[i];
	dirs = xrealloc(dirs, (ndirs + 1) * sizeof(*dirs));
	dirs[ndirs] = (struct rundir){ xstrdup(vm),
				       xasprintf("%s/%s.plug.%d", state_dir, vm,
						 (int)getpid()),
				       NULL, false };
	return &dirs[ndirs++];
}

const char *backend_run_dir(struct plugin *p, const char *vm)
{
	struct rundir *d;

	if (!p || !vm || !host_find_vm(p->host, vm))
		return NULL;
	d = rundir(p->host->set.state_dir, vm);
	d->wanted = true;
	return d->path;
}

static int make_dir(struct runner *r, struct rundir *rd, char **why)
{
	if (rd->name)
		return 0;
	rd->name = statedir_rundir(r->state_fd, rd->vm, "plug", why);
	return rd->name ? 0 : -EIO;
}

/* ---- helper processes ------------------------------------------------------ */

static void helper_line(struct helper *h, const char *line)
{
	long long now = util_now_ms();

	if (now - h->window >= 1000) {
		if (h->dropped)
			log_msg(LOG_WARNING, h->vm,
				"%s helper %d: %u lines not logged (more than "
				"%d a second)",
				h->plugin, (int)h->pid, h->dropped,
				HELPER_LINES);
		h->window = now;
		h->lines = h->dropped = 0;
	}
	if (++h->lines > HELPER_LINES)
		h->dropped++;
	else /* (a helper says little; what it says explains its exit) */
		log_msg(LOG_NOTICE, h->vm, "%s helper %d: %s", h->plugin,
			(int)h->pid, line);
}

/* what it wrote, whole lines logged; at most a buffer a turn, so that one
   that floods never holds the loop; 0 at the end of its output */
static ssize_t helper_read(struct helper *h, bool flush)
{
	ssize_t got =
		read(h->out, h->buf + h->len, sizeof(h->buf) - 1 - h->len);
	char *nl, *start;

	if (got > 0)
		h->len += (size_t)got;
	h->buf[h->len] = 0;
	start = h->buf;
	while ((nl = memchr(start, '\n', h->len - (size_t)(start - h->buf)))) {
		*nl = 0;
		helper_line(h, start);
		start = nl + 1;
	}
	h->len -= (size_t)(start - h->buf);
	memmove(h->buf, start, h->len);
	if (h->len && (flush || h->len == sizeof(h->buf) - 1)) {
		h->buf[h->len] = 0;
		helper_line(h, h->buf);
		h->len = 0;
	}
	return got;
}

static void helper_output(void *data, int fd, unsigned events)
{
	struct helper *h = data;

	(void)events;
	/* closed its output but runs on: nothing more to read, and a pipe
	   at its end is always "ready" */
	if (helper_read(h, false) == 0)
		ploop_watch(NULL, fd, 0, NULL, NULL);
}

static void helper_free(struct helper *h)
{
	if (h->listen)
		fd_unix_unlink(h->listen, &h->listen_id);
	free(h->listen);
	helper_read(h, true);
	ploop_watch(NULL, h->out, 0, NULL, NULL);
	close(h->out);
	free(h->plugin);
	free(h->vm);
	free(h);
}

/* argv[0] as execve wants it: a path, or found in PATH; NULL: not found */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char *full;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	for (p = path ? path : "/usr/bin:/bin"; *p; p = colon + 1) {
		colon = strchr(p, ':');
		if (!colon)
			colon = p + strlen(p);
		full = xasprintf("%.*s/%s", (int)(colon - p), p, name);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
		if (!*colon)
			break;
	}
	return NULL;
}

/* the child's environment: ours, LISTEN_FDS and a LISTEN_PID whose digits
   the child writes itself (nothing after fork may allocate) */
static char **child_env(bool activation, char **pid_slot)
{
	extern char **environ;
	size_t n = 0, i, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 3, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LISTEN_", 7))
			env[k++] = environ[i];
	*pid_slot = NULL;
	if (activation) {
		env[k++] = "LISTEN_FDS=1";
		env[k++] = *pid_slot = xstrdup("LISTEN_PID=0000000000000");
	}
	return env;
}

static void write_pid(char *slot)
{
	char digits[24];
	int n = 0;
	long pid = (long)getpid();

	do
		digits[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) && n < 20);
	slot += strlen("LISTEN_PID=");
	while (n)
		*slot++ = digits[--n];
	*slot = 0;
}

int backend_spawn(struct plugin *p, const char *vm, const char *const *argv,
		  const char *listen, unsigned flags)
{
	int out[2] = { -1, -1 }, lfd = -1, null = -1, ret;
	char *prog = NULL, *slot = NULL, **env = NULL, *why = NULL;
	struct rundir *rd;
	struct fd_ident id = { 0 };
	struct helper *h;
	struct vmrun *v = runner_vm(run, vm);
	pid_t pid, parent = getpid(), holder = 0;

	if (!v || v->done || !argv || !argv[0]) {
		ret = -EINVAL;
		perr(p, "spawn: %s is not a VM being started",
		     vm ? vm : "(null)");
		goto out;
	}
	/* a prepare hook's helper comes before the devices' sockets: the
	   run directory its socket goes into is made now */
	rd = rundir(run->h->set.state_dir, vm);
	if (rd->wanted && (ret = make_dir(run, rd, &why)) < 0) {
		perr(p, "spawn: %s", why);
		free(why);
		goto out;
	}
	if (!(prog = find_program(argv[0]))) {
		ret = -ENOENT;
		perr(p, "spawn: %s: not found (PATH)", argv[0]);
		goto out;
	}
	if (listen && (lfd = fd_unix_listen(listen, &holder, &id)) < 0) {
		ret = lfd;
		perr(p, "spawn: cannot listen on %s: %s", listen,
		     strerror(-ret));
		goto out;
	}
	if ((ret = fd_pipe(out, false)) < 0 ||
	    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		ret = ret < 0 ? ret : -errno;
		perr(p, "spawn: %s", strerror(-ret));
		goto out;
	}
	env = child_env(lfd >= 0, &slot);
	pid = proc_fork();
	if (pid == 0) {
		setpgid(0, 0); /* our terminal's ^C is for vzhost */
		os_die_with(parent, proc_lifeline()); /* never outlive vzhost */
		/* above 3 first: with a standard stream closed, one of ours
		   may sit where another goes */
		null = fcntl(null, F_DUPFD_CLOEXEC, 4);
		out[1] = fcntl(out[1], F_DUPFD_CLOEXEC, 4);
		lfd = lfd >= 0 ? fcntl(lfd, F_DUPFD_CLOEXEC, 4) : -1;
		dup2(null, 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		if (lfd >= 0) {
			dup2(lfd, 3);
			/* blocking, as a server expects */
			fcntl(3, F_SETFL, 0);
			write_pid(slot);
		}
		proc_close_from(lfd >= 0 ? 4 : 3);
		execve(prog, (char *const *)argv, env);
		_exit(127);
	}
	if (pid < 0) {
		ret = -errno;
		perr(p, "spawn: fork: %s", strerror(errno));
		goto out;
	}
	setpgid(pid, pid); /* (both sides: its group exists when we signal) */
	h = xcalloc(1, sizeof(*h));
	h->plugin = xstrdup(p->name);
	h->vm = xstrdup(vm);
	h->pid = pid;
	h->flags = flags;
	h->listen = listen ? xstrdup(listen) : NULL;
	h->listen_id = id;
	h->out = out[0];
	out[0] = -1;
	fcntl(h->out, F_SETFL, O_NONBLOCK);
	ploop_watch(NULL, h->out, VZH_WATCH_READ, helper_output, h);
	helpers = xrealloc(helpers, (nhelpers + 1) * sizeof(*helpers));
	helpers[nhelpers++] = h;
	log_msg(LOG_INFO, vm, "%s started helper %s (pid %d)", p->name, argv[0],
		(int)pid);
	ret = (int)pid;
out:
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (null >= 0)
		close(null);
	if (lfd >= 0)
		close(lfd); /* the socket stays: the helper has it */
	free(prog);
	free(slot);
	free(env);
	return ret;
}

static struct ended *ended;

/* vm runs (or starts, or is paused): it has not begun to stop */
static bool vm_live(const char *vm)
{
	struct vmrun *v = runner_vm(run, vm);

	return v && v->bvm && !v->done && v->state != VZH_STATE_STOPPING &&
	       v->state != VZH_STATE_STOPPED;
}

static void say_exit(const char *plugin, const char *vm, pid_t pid, int st,
		     bool expected)
{
	char how[48];

	if (WIFEXITED(st))
		snprintf(how, sizeof(how), "exited with status %d",
			 WEXITSTATUS(st));
	else
		snprintf(how, sizeof(how), "was killed by signal %d",
			 WTERMSIG(st));
	if (expected)
		log_msg(LOG_NOTICE, vm, "%s helper %d %s: it ends with its VM",
			plugin, (int)pid, how);
	else
		log_msg(LOG_WARNING, vm,
			"%s helper %d %s before its VM stopped", plugin,
			(int)pid, how);
}

static void ended_free(struct ended *e)
{
	struct ended **p;

	for (p = &ended; *p && *p != e; p = &(*p)->next)
		;
	if (*p)
		*p = e->next;
	free(e->plugin);
	free(e->vm);
	free(e);
}

static void judge_ended(void *data)
{
	struct ended *e = data;

	say_exit(e->plugin, e->vm, e->pid, e->status, !vm_live(e->vm));
	ended_free(e);
}

void backend_reap(void)
{
	struct ended *e;
	size_t i = 0;
	int st;

	while (i < nhelpers) {
		struct helper *h = helpers[i];

		if (waitpid(h->pid, &st, WNOHANG) != h->pid) {
			i++;
			continue;
		}
		helper_read(h, true);
		kill(-h->pid, SIGKILL); /* what it left behind in its group */
		if (!(h->flags & VZH_HELPER_ENDS_WITH_VM) || !vm_live(h->vm)) {
			say_exit(h->plugin, h->vm, h->pid, st,
				 h->flags & VZH_HELPER_ENDS_WITH_VM);
		} else { /* (its VM's stop may be on its way to us) */
			e = xcalloc(1, sizeof(*e));
			*e = (struct ended){ xstrdup(h->plugin),
					     xstrdup(h->vm),
					     h->pid,
					     st,
					     0,
					     ended };
			e->timer = ploop_timer(NULL, ENDED_GRACE_MS, 0,
					       judge_ended, e);
			ended = e;
		}
		helper_free(h);
		helpers[i] = helpers[--nhelpers];
	}
}

/* the VM stopped: its helpers are ended (SIGTERM, then SIGKILL) */
static void retire_helpers(const char *vm)
{
	size_t i = 0;

	while (i < nhelpers) {
		struct helper *h = helpers[i];

		if (vm && strcmp(h->vm, vm)) {
			i++;
			continue;
		}
		/* its group: what it started too */
		proc_retire_group(h->pid, HELPER_GRACE_MS);
		helper_free(h);
		helpers[i] = helpers[--nhelpers];
	}
}

/* ---- a run's sockets ------------------------------------------------------- */

static int socket_to(const char *path, int type, const char *local, char **why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX }, me = sa;
	int fd = socket(AF_UNIX, type, 0), ret = 0;

	if (fd < 0 || (ret = fd_setup(fd, true)) < 0) {
		ret = ret ? ret : -errno;
		goto out;
	}
	/* a datagram server answers to an address: ours, in the run dir */
	if (local && strlen(local) >= sizeof(me.sun_path)) {
		ret = -ENAMETOOLONG;
		*why = xasprintf("%s: longer than a socket's path may be (%zu "
				 "bytes): set a shorter host.state_dir",
				 local, sizeof(me.sun_path) - 1);
		goto out;
	}
	if (local) {
		snprintf(me.sun_path, sizeof(me.sun_path), "%s", local);
		unlink(local);
		if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
			ret = -errno;
			*why = xasprintf("cannot bind %s: %s", local,
					 strerror(errno));
			goto out;
		}
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* non-blocking: a server with a full backlog is refused, not
	   waited for */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		*why = xasprintf("cannot connect to %s: %s%s", path,
				 strerror(errno),
				 errno == ECONNREFUSED || errno == ENOENT ?
					 " (is its server running?)" :
					 "");
		goto out;
	}
	fcntl(fd, F_SETFL, 0); /* the hypervisor's, as it likes */
out:
	if (ret < 0 && fd >= 0)
		close(fd);
	if (ret < 0 && !*why)
		*why = xasprintf("cannot make a socket: %s", strerror(-ret));
	return ret < 0 ? ret : fd;
}

static int open_backend(struct vmrun *v, struct device *d,
			const struct vzh_backend *b, int type, char **why)
{
	struct plugin *p = d->owner;
	int sp[2], ret;

	if (socketpair(AF_UNIX, type, 0, sp) < 0) {
		*why = xasprintf("cannot make a socket pair: %s",
				 strerror(errno));
		return -errno;
	}
	fd_setup(sp[0], false);
	fd_setup(sp[1], true);
	free(p->error);
	p->error = NULL;
	ret = b->open(b->data, v->m->name, sp[1]);
	if (ret < 0) {
		*why = xasprintf("plugin %s refused the backend: %s", p->name,
				 p->error ? p->error : strerror(-ret));
		close(sp[0]);
		close(sp[1]); /* (not the plugin's when it said no) */
		return ret;
	}
	d->fd = sp[0];
	d->peer_fd = sp[1];
	return 0;
}

int backend_open(struct runner *r, struct vmrun *v, char **why)
{
	struct rundir *rd = rundir(r->h->set.state_dir, v->m->name);
	const struct vzh_backend *b;
	char *local = NULL, *err = NULL;
	size_t i;
	int ret = 0;

	*why = NULL;
	for (i = 0; i < v->m->ndevs && ret >= 0; i++) {
		struct device *d = &v->m->devs[i];

		if ((b = machine_backend(d))) {
			ret = open_backend(v, d, b,
					   d->cls == DEV_NET ? SOCK_DGRAM :
							       SOCK_STREAM,
					   &err);
		} else if (d->cls == DEV_NET &&
			   d->u.net.attach == VZH_NET_SOCKET) {
			bool dgram = d->u.net.socket_type == VZH_SOCKET_DGRAM;

			if (dgram && (ret = make_dir(r, rd, &err)) < 0)
				break;
			local = dgram ? xasprintf("%s/net%zu.sock", rd->path,
						  i) :
					NULL;
			ret = d->fd = socket_to(
				d->u.net.path, dgram ? SOCK_DGRAM : SOCK_STREAM,
				local, &err);
			free(local);
		}
		if (ret < 0)
			*why = xasprintf("%s: %s", d->origin.loc, err);
	}
	if (ret >= 0 && rd->wanted)
		ret = make_dir(r, rd, &err);
	if (ret < 0 && !*why)
		*why = xasprintf("%s", err);
	free(err);
	if (ret < 0)
		backend_close(r, v);
	return ret < 0 ? ret : 0;
}

void backend_close(struct runner *r, struct vmrun *v)
{
	struct rundir *rd;
	const struct vzh_backend *b;
	size_t i;

	for (i = 0; i < v->m->ndevs; i++) {
		struct device *d = &v->m->devs[i];

		if (d->fd >= 0)
			close(d->fd);
		d->fd = -1;
		if (d->peer_fd >= 0 && (b = machine_backend(d)))
			b->close(b->data, v->m->name, d->peer_fd);
		d->peer_fd = -1;
	}
	retire_helpers(v->m->name);
	for (i = 0; i < ndirs; i++) {
		rd = &dirs[i];
		if (rd->name && !strcmp(rd->vm, v->m->name)) {
			statedir_rmrun(r->state_fd, rd->name);
			free(rd->name);
			rd->name = NULL;
		}
	}
}

void backend_free(void)
{
	size_t i;

	retire_helpers(NULL);
	free(helpers);
	helpers = NULL;
	while (ended) { /* (vzhost ends first: its VMs with it) */
		ploop_timer_cancel(NULL, ended->timer);
		judge_ended(ended);
	}
	for (i = 0; i < ndirs; i++) {
		free(dirs[i].vm);
		free(dirs[i].path);
		free(dirs[i].name);
	}
	free(dirs);
	dirs = NULL;
	ndirs = 0;
	run = NULL;
}
