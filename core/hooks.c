/* hooks.c: hook scripts: found in hooks.dir, run in name order per event, one VM's events in order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd.h"
#include "log.h"
#include "os.h"
#include "print.h"
#include "proc.h"
#include "runner.h"
#include "state.h"
#include "util.h"

extern char **environ;

#define KILL_GRACE_MS 1000 /* SIGTERM to SIGKILL */
#define DRAIN_MAX (64 * 1024) /* bytes read from a hook per loop round */
#define HOOK_LOG_MAX (64 * 1024) /* bytes of one hook run's output logged */
#define HOOK_LOG_LINES 1000 /* and lines */

/* one running script */
struct child {
	const char *name;
	pid_t pid;
	int out, err;
	long long deadline;
	bool termed;
	bool interrupted; /* ended because vzhost stops */
	char obuf[1024], ebuf[1024];
	size_t olen, elen;
	char tail[400]; /* the end of its stderr, for a veto's message */
	size_t tail_len;
	size_t logged, unlogged; /* bytes of output, to the log and not */
	unsigned lines; /* logged */
};

struct hook_job {
	struct hook_job *next;
	enum vzh_event ev;
	enum vzh_state prev, state;
	enum vzh_reason reason;
	size_t script; /* the next to run */
	bool running;
	bool veto; /* a veto point: the first script that fails ends it */
	bool cancelled; /* its VM is not starting any more */
	struct child c;
};

/* editor backups, package leftovers, dotfiles: not hooks */
static bool skipped(const char *name)
{
	static const char *const ends[] = {
		"~",	      ".bak",	 ".orig",     ".rej",
		".swp",	      ".tmp",	 ".dpkg-old", ".dpkg-new",
		".dpkg-dist", ".rpmnew", ".rpmsave",  NULL
	};
	size_t n = strlen(name), k;
	int i;

	if (name[0] == '.')
		return true;
	for (i = 0; ends[i]; i++) {
		k = strlen(ends[i]);
		if (n >= k && !strcmp(name + n - k, ends[i]))
			return true;
	}
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hooks_scan(struct runner *r, struct diag *d)
{
	const char *dir = r->h->set.hooks_dir;
	struct dirent *de;
	struct stat st;
	char *path;
	DIR *dp;

	if (!dir)
		return 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		diag_add(d, NULL, "hooks.dir %s: %s", dir,
			 errno ? strerror(errno) : "not a directory");
		return -ENOTDIR;
	}
	/* a hook runs with vzhost's privileges, like a plugin */
	if (st.st_mode & S_IWOTH) {
		diag_add(d, NULL,
			 "hooks.dir %s is world-writable: refusing its scripts "
			 "(chmod o-w %s)",
			 dir, dir);
		return -EPERM;
	}
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		if (skipped(de->d_name))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, X_OK) == 0) {
			r->hooks = xrealloc(
				r->hooks, (r->nhooks + 1) * sizeof(*r->hooks));
			r->hooks[r->nhooks++] = path;
		} else {
			free(path);
		}
	}
	closedir(dp);
	qsort(r->hooks, r->nhooks, sizeof(*r->hooks), by_name);
	return 0;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static char **environment(struct runner *r, struct vmrun *v, enum vzh_event ev,
			  enum vzh_state prev, enum vzh_state state,
			  enum vzh_reason reason)
{
	size_t n = 0, i = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 8, sizeof(*env));
	for (; i < n; i++) /* ours replace any inherited VZHOST_ */
		if (strncmp(environ[i], "VZHOST_", 7))
			env[i] = xstrdup(environ[i]);
		else
			env[i] = xstrdup("VZHOST_INHERITED=1");
	env[i++] = xasprintf("VZHOST_VM=%s", v->m->name);
	env[i++] = xasprintf("VZHOST_EVENT=%s", event_names[ev]);
	env[i++] = xasprintf("VZHOST_STATE=%s", state_names[state]);
	env[i++] = xasprintf("VZHOST_PREV_STATE=%s", state_names[prev]);
	env[i++] = xasprintf("VZHOST_REASON=%s", reason_names[reason]);
	env[i++] = xasprintf("VZHOST_CONFIG=%s", r->config ? r->config : "");
	env[i++] = xasprintf("VZHOST_CONTROL=%s",
			     v->sock_path ? v->sock_path : "");
	return env;
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char *hooks_json(struct runner *r, struct vmrun *v)
{
	json_t *m = print_machine_json(v->m);
	struct bridge_info bi;
	char *json;

	/* the guest's address, once the bridge knows it */
	memset(&bi, 0, sizeof(bi));
	if (v->bvm && r->ops->info)
		r->ops->info(v->bvm, &bi);
	if (bi.address[0])
		json_object_set_new(m, "address", json_string(bi.address));
	/* how to reach it: every NAT forward, in one place */
	json_object_set_new(m, "forwards", print_machine_forwards(v->m));
	/* why a plugin stopped it last (its word), and its restarts */
	if (v->stop_reason[0])
		json_object_set_new(m, "stop_reason",
				    json_string(v->stop_reason));
	json_object_set_new(m, "restarts", json_integer(v->restarts));
	json_object_set_new(m, "network", events_network(v));
	json = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	return json;
}

static int spawn(struct runner *r, struct vmrun *v, const char *script,
		 enum vzh_event ev, enum vzh_state prev, enum vzh_state state,
		 enum vzh_reason reason, struct child *c)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t parent;
	char *argv[] = { (char *)script, v->m->name, (char *)event_names[ev],
			 (char *)reason_names[reason], NULL };
	char **env = environment(r, v, ev, prev, state, reason);
	char *json = hooks_json(r, v);
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->name = base(script);
	c->out = c->err = -1;
	if ((ret = fd_pipe(in, false)) < 0 || (ret = fd_pipe(out, false)) < 0 ||
	    (ret = fd_pipe(err, false)) < 0)
		goto out;
	parent = getpid();
	c->pid = proc_fork();
	if (c->pid == 0) {
		setsid(); /* its own group, so a timeout kills all it started */
		os_die_with(parent, proc_lifeline());
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		/* vzhost's descriptors are not the hook's */
		proc_close_from(3);
		execve(script, argv, env); /* no shell */
		fprintf(stderr, "exec %s: %s\n", script, strerror(errno));
		_exit(127);
	}
	if (c->pid < 0) {
		ret = -errno;
		goto out;
	}
	c->deadline = util_now_ms() + r->h->set.hooks_timeout * 1000ll;
	c->out = out[0];
	c->err = err[0];
	out[0] = err[0] = -1;
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	/* the machine fits the pipe; a script that does not read it loses it */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (json && write(in[1], json, strlen(json)) < 0 && errno != EAGAIN)
		log_msg(LOG_DEBUG, v->m->name, "hook %s: stdin: %s", c->name,
			strerror(errno));
out:
	for (int k = 0; k < 2; k++) {
		if (in[k] >= 0)
			close(in[k]);
		if (out[k] >= 0)
			close(out[k]);
		if (err[k] >= 0)
			close(err[k]);
	}
	free(json);
	free_strv(env);
	return ret;
}

/* a hook's process group; the hook alone when it has not made its group
   yet (just forked, before its setsid) */
static void kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) < 0 && errno == ESRCH)
		kill(pid, sig);
}

/* the end of its stderr, for a veto's message */
static void keep_tail(struct child *c, const char *s, size_t n)
{
	size_t cap = sizeof(c->tail) - 1;

	if (n >= cap) {
		memcpy(c->tail, s + n - cap, cap);
		c->tail_len = cap;
	} else {
		if (c->tail_len + n > cap) {
			memmove(c->tail, c->tail + (c->tail_len + n - cap),
				cap - n);
			c->tail_len = cap - n;
		}
		memcpy(c->tail + c->tail_len, s, n);
		c->tail_len += n;
	}
	c->tail[c->tail_len] = 0;
}

/* one line to the log, while the run's share lasts; then only counted */
static void log_line(const char *vm, struct child *c, const char *s, size_t n)
{
	if (c->logged + n + 1 > HOOK_LOG_MAX || c->lines >= HOOK_LOG_LINES) {
		c->unlogged += n + 1;
		return;
	}
	c->logged += n + 1;
	c->lines++;
	log_msg(LOG_NOTICE, vm, "hook %s: %.*s", c->name, (int)n, s);
}

/*
 * Whole lines to the log, prefixed with the script's name.  At most
 * DRAIN_MAX bytes a call: a hook that floods its output must not keep the
 * loop from its other work, nor from enforcing the hook's own deadline.
 */
static void drain(const char *vm, struct child *c, int fd, char *buf,
		  size_t *len, bool flush)
{
	size_t left, total = 0;
	char *nl, *start;
	ssize_t n;

	while (fd >= 0 && (flush || total < DRAIN_MAX) &&
	       (n = read(fd, buf + *len, 1023 - *len)) > 0) {
		total += (size_t)n;
		if (buf == c->ebuf)
			keep_tail(c, buf + *len, (size_t)n);
		*len += (size_t)n;
		start = buf;
		left = *len;
		while ((nl = memchr(start, '\n', left)) || left == 1023) {
			size_t m = nl ? (size_t)(nl - start) : left;

			log_line(vm, c, start, m);
			m += nl ? 1 : 0;
			start += m;
			left -= m;
		}
		memmove(buf, start, left);
		*len = left;
		if (flush && total > 16 * DRAIN_MAX)
			break; /* what its leftovers still write is not read */
	}
	if (flush && *len) {
		log_line(vm, c, buf, *len);
		*len = 0;
	}
}

static void child_close(struct child *c)
{
	if (c->out >= 0)
		close(c->out);
	if (c->err >= 0)
		close(c->err);
	c->out = c->err = -1;
}

/*
 * Advance a running script: log its output, enforce the deadline on its whole
 * process group, reap it.  Returns -1 while it runs, else its wait status.
 * Waits on the pid, not on the pipes: a hook that leaves `sleep 5 &` behind
 * keeps them open.
 */
static int child_step(const char *vm, struct child *c, unsigned timeout_s)
{
	siginfo_t si = { 0 };
	int status;

	drain(vm, c, c->out, c->obuf, &c->olen, false);
	drain(vm, c, c->err, c->ebuf, &c->elen, false);
	/* gone: what it left running in its group goes with it (killed while
	   the hook is a zombie, so its pid, the group's id, cannot be reused) */
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
		    0 &&
	    si.si_pid == c->pid) {
		kill_group(c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
		drain(vm, c, c->out, c->obuf, &c->olen, true);
		drain(vm, c, c->err, c->ebuf, &c->elen, true);
		if (c->unlogged)
			log_msg(LOG_WARNING, vm,
				"hook %s: %zu more bytes of output not logged",
				c->name, c->unlogged);
		child_close(c);
		return status;
	}
	if (util_now_ms() >= c->deadline) {
		if (!c->termed) {
			log_msg(LOG_WARNING, vm,
				"hook %s timed out after %u s: killing its "
				"process group",
				c->name, timeout_s);
			kill_group(c->pid, SIGTERM);
			c->termed = true;
			c->deadline = util_now_ms() + KILL_GRACE_MS;
		} else {
			kill_group(c->pid, SIGKILL);
		}
	}
	return -1;
}

static int child_fds(struct child *c, struct pollfd *fds, int max,
		     int *timeout_ms)
{
	int n = 0;

	/* its exit wakes the loop as SIGCHLD */
	if (max < 2)
		return 0;
	if (c->out >= 0)
		fds[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
	if (c->err >= 0)
		fds[n++] = (struct pollfd){ .fd = c->err, .events = POLLIN };
	util_lower_timeout(timeout_ms, c->deadline - util_now_ms());
	return n;
}

static char *describe(const struct child *c, int status, unsigned timeout_s)
{
	char tail[sizeof(c->tail)];
	size_t n;

	snprintf(tail, sizeof(tail), "%s", c->tail);
	n = strlen(tail);
	while (n && (tail[n - 1] == '\n' || tail[n - 1] == '\r'))
		tail[--n] = 0;
	for (char *p = tail; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (c->interrupted)
		return xasprintf(
			"hook %s was ended: vzhost stopped%s%s%s", c->name,
			WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ?
				" (it ignored SIGTERM: killed)" :
				"",
			n ? ": " : "", tail);
	if (c->termed)
		return xasprintf("hook %s timed out after %u s%s%s%s", c->name,
				 timeout_s,
				 WIFSIGNALED(status) &&
						 WTERMSIG(status) == SIGKILL ?
					 " and ignored SIGTERM: killed" :
					 "",
				 n ? ": " : "", tail);
	if (WIFSIGNALED(status))
		return xasprintf("hook %s killed by signal %d%s%s", c->name,
				 WTERMSIG(status), n ? ": " : "", tail);
	return xasprintf("hook %s exited with status %d%s%s", c->name,
			 WEXITSTATUS(status), n ? ": " : "", tail);
}

/* a veto point's scripts are over: v carries on, or not, with why */
static void veto_over(struct vmrun *v, char *why)
{
	v->veto_done = true;
	v->veto_why = why;
}

/* start the head job's next script; finished jobs leave the queue */
static void start_next(struct runner *r, struct vmrun *v)
{
	struct hook_job *j;
	int ret;

	while ((j = v->jobs)) {
		while (j->script < r->nhooks && !j->cancelled) {
			const char *s = r->hooks[j->script];

			ret = spawn(r, v, s, j->ev, j->prev, j->state,
				    j->reason, &j->c);
			if (ret == 0) {
				j->running = true;
				return;
			}
			if (j->veto) {
				veto_over(v,
					  xasprintf("hook %s: cannot start: "
						    "%s",
						    base(s), strerror(-ret)));
				j->cancelled = true;
				break;
			}
			log_msg(LOG_WARNING, v->m->name,
				"hook %s: cannot start: %s", base(s),
				strerror(-ret));
			j->script++;
		}
		if (j->veto && !j->cancelled)
			veto_over(v, NULL); /* every script said yes */
		v->jobs = j->next;
		free(j);
	}
}

static struct hook_job *enqueue(struct runner *r, struct vmrun *v,
				enum vzh_event ev, enum vzh_state prev,
				enum vzh_state state, enum vzh_reason reason,
				bool veto)
{
	struct hook_job *j = xcalloc(1, sizeof(*j)), **tail;

	j->ev = ev;
	j->prev = prev;
	j->state = state;
	j->reason = reason;
	j->veto = veto;
	for (tail = &v->jobs; *tail; tail = &(*tail)->next)
		;
	*tail = j;
	if (v->jobs == j)
		start_next(r, v);
	return j;
}

void hooks_queue(struct runner *r, struct vmrun *v, enum vzh_event ev,
		 enum vzh_state prev, enum vzh_state state,
		 enum vzh_reason reason)
{
	if (r->nhooks)
		enqueue(r, v, ev, prev, state, reason, false);
}

/* after the scripts queued before it, so one VM's events keep their order */
int hooks_veto(struct runner *r, struct vmrun *v, enum vzh_event ev)
{
	v->veto_done = false;
	free(v->veto_why);
	v->veto_why = NULL;
	if (!r->nhooks)
		return 0;
	enqueue(r, v, ev, v->state, v->state, VZH_REASON_HOST_REQUEST, true);
	return 1;
}

void hooks_cancel(struct vmrun *v)
{
	struct hook_job *j;

	for (j = v->jobs; j; j = j->next) {
		if (!j->veto || j->cancelled)
			continue;
		j->cancelled = true;
		if (!j->running || j->c.termed)
			continue;
		/* SIGTERM now, SIGKILL after the grace (child_step) */
		log_msg(LOG_NOTICE, v->m->name,
			"hook %s: the start is cancelled: ending its process "
			"group",
			j->c.name);
		kill_group(j->c.pid, SIGTERM);
		j->c.termed = true;
		j->c.deadline = util_now_ms() + KILL_GRACE_MS;
	}
	v->veto_done = false;
	free(v->veto_why);
	v->veto_why = NULL;
}

void hooks_interrupt(struct runner *r)
{
	struct hook_job *j;
	size_t i;

	for (i = 0; i < r->h->nvms; i++) {
		j = r->vms[i].jobs;
		if (!j || !j->running || j->c.termed)
			continue;
		log_msg(LOG_NOTICE, r->vms[i].m->name,
			"hook %s: vzhost stops: ending its process group",
			j->c.name);
		kill_group(j->c.pid, SIGTERM);
		j->c.interrupted = j->c.termed = true;
		j->c.deadline = util_now_ms() + KILL_GRACE_MS;
	}
}

int hooks_pollfds(struct runner *r, struct pollfd *fds, int max,
		  int *timeout_ms)
{
	size_t i;
	int n = 0;

	for (i = 0; i < r->h->nvms; i++)
		if (r->vms[i].jobs && r->vms[i].jobs->running)
			n += child_fds(&r->vms[i].jobs->c, fds + n, max - n,
				       timeout_ms);
	return n;
}

void hooks_dispatch(struct runner *r)
{
	unsigned timeout = r->h->set.hooks_timeout;
	struct hook_job *j;
	struct vmrun *v;
	size_t i;
	int status;
	char *why;

	for (i = 0; i < r->h->nvms; i++) {
		v = &r->vms[i];
		j = v->jobs;
		if (!j || !j->running)
			continue;
		status = child_step(v->m->name, &j->c, timeout);
		if (status < 0)
			continue;
		j->running = false;
		j->script++;
		if (!j->cancelled && (j->c.termed || !WIFEXITED(status) ||
				      WEXITSTATUS(status))) {
			why = describe(&j->c, status, timeout);
			if (j->veto) {
				veto_over(v, why); /* the rest are not asked */
				j->cancelled = true;
			} else {
				log_msg(j->c.interrupted ? LOG_NOTICE :
							   LOG_WARNING,
					v->m->name, "%s (on %s)", why,
					event_names[j->ev]);
				free(why);
			}
		}
		/* the event's other scripts are not started while vzhost
		   stops: its stop chain's own events come next */
		if (j->c.interrupted)
			j->cancelled = true;
		start_next(r, v);
	}
}

bool hooks_idle(const struct runner *r)
{
	size_t i;

	for (i = 0; i < r->h->nvms; i++)
		if (r->vms[i].jobs)
			return false;
	return true;
}

void hooks_free(struct runner *r)
{
	struct hook_job *j;
	size_t i;

	for (i = 0; i < r->h->nvms; i++) {
		while ((j = r->vms[i].jobs)) {
			r->vms[i].jobs = j->next;
			if (j->running) {
				kill_group(j->c.pid, SIGKILL);
				while (waitpid(j->c.pid, NULL, 0) < 0 &&
				       errno == EINTR)
					;
				child_close(&j->c);
			}
			free(j);
		}
	}
	for (i = 0; i < r->nhooks; i++)
		free(r->hooks[i]);
	free(r->hooks);
	r->hooks = NULL;
	r->nhooks = 0;
	for (i = 0; i < r->h->nvms; i++) {
		free(r->vms[i].veto_why);
		r->vms[i].veto_why = NULL;
	}
}
