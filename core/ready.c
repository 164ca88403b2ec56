/* ready.c: a VM's ready check on the core's loop: console lines against a pattern, knocks at a forwarded port, a timeout. */
#include "ready.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd.h"
#include "hostport.h"
#include "log.h"
#include "pattern.h"
#include "ploop.h"
#include "runner.h"
#include "util.h"

static struct runner *runner; /* the one of this process (timers' data is
				 the VM) */

static void knock_later(struct vmrun *v, uint64_t ms);

static void stop_knocking(struct vmrun *v)
{
	struct ready_run *rs = &v->rdy;

	if (rs->knock)
		ploop_timer_cancel(NULL, rs->knock);
	rs->knock = 0;
	if (rs->knocking) {
		ploop_watch(NULL, rs->knock_fd, 0, NULL, NULL);
		close(rs->knock_fd);
	}
	rs->knocking = false;
}

void ready_end(struct vmrun *v)
{
	struct ready_run *rs = &v->rdy;

	stop_knocking(v);
	if (rs->deadline)
		ploop_timer_cancel(NULL, rs->deadline);
	if (rs->quiet)
		ploop_timer_cancel(NULL, rs->quiet);
	if (rs->drain)
		ploop_timer_cancel(NULL, rs->drain);
	rs->deadline = rs->quiet = rs->drain = 0;
	if (rs->dropped)
		log_msg(LOG_NOTICE, v->m->name,
			"ready: %lu console line%s dropped unmatched (they "
			"came faster than the pattern is matched)",
			rs->dropped, rs->dropped == 1 ? " was" : "s were");
	rs->checking = rs->ready = rs->pending = false;
	rs->len = rs->tried = rs->qlen = 0;
	free(rs->queue);
	rs->queue = NULL;
	rs->capped = false;
	rs->dropped = rs->undecided = 0;
	rs->missed[0] = 0;
	pattern_free(rs->pat);
	rs->pat = NULL;
}

/* the check passed: said, a hook point, the waiting clients answered */
static void passed(struct vmrun *v, const char *how)
{
	struct runner *r = runner;
	long long ms = util_now_ms() - v->rdy.since_ms;

	ready_end(v);
	v->rdy.ready = true;
	log_msg(LOG_NOTICE, v->m->name, "ready after %lld.%lld s: %s",
		ms / 1000, ms % 1000 / 100, how);
	events_point(r, v, VZH_EV_READY, VZH_REASON_NONE);
	ctl_ready(r, v, NULL);
}

static void timed_out(void *data)
{
	struct vmrun *v = data;
	struct runner *r = runner;
	char *why;

	v->rdy.deadline = 0;
	/* a paused (or saving) guest is not judged: a look when it runs */
	if (v->state != VZH_STATE_RUNNING) {
		v->rdy.deadline = ploop_timer(NULL, 1000, 0, timed_out, v);
		return;
	}
	why = v->m->ready.console ?
		      xasprintf("no console line matched /%s/ within %u s",
				v->m->ready.console, v->m->ready.timeout) :
		      xasprintf("port %u did not answer within %u s",
				v->m->ready.port, v->m->ready.timeout);
	ready_end(v);
	snprintf(v->rdy.missed, sizeof(v->rdy.missed), "%s", why);
	log_msg(LOG_ERR, v->m->name, "not ready: %s%s", why,
		v->m->ready.on_not_ready == NOT_READY_RESTART ? ": restarting" :
		v->m->ready.on_not_ready == NOT_READY_STOP    ? ": stopping" :
								"");
	ctl_ready(r, v, why);
	free(why);
	r->act->not_ready(r, v);
}

/* one line against the pattern */
static bool matches(struct vmrun *v, const char *line, size_t len)
{
	struct ready_run *rs = &v->rdy;
	int r = rs->pat ? pattern_match(rs->pat, line, len) : 0;

	if (r < 0 && !rs->undecided++)
		log_msg(LOG_WARNING, v->m->name,
			"ready: /%s/ could not decide a console line of %zu "
			"bytes within its limits (taken as no match): a "
			"simpler pattern decides at once",
			v->m->ready.console, len);
	return r > 0;
}

static void drain(void *data);

/*
 * The lines waiting to be matched, oldest first, in this turn's budget;
 * the rest a budget later (a timer), so that whatever the pattern costs,
 * the loop serves everything else in between, and vzhost stays off a busy
 * host's cores half of the time.
 */
static void drain(void *data)
{
	struct vmrun *v = data;
	struct ready_run *rs = &v->rdy;
	long long start = util_now_ms();
	size_t at = 0, len;
	char *nl;
	bool hit = false;

	rs->drain = 0;
	if (!rs->qlen)
		return;
	while (at < rs->qlen && !hit &&
	       util_now_ms() - start < READY_BUDGET_MS) {
		nl = memchr(rs->queue + at, '\n', rs->qlen - at);
		len = (size_t)(nl - (rs->queue + at));
		hit = matches(v, rs->queue + at, len);
		at += len + 1;
	}
	memmove(rs->queue, rs->queue + at, rs->qlen - at);
	rs->qlen -= at;
	if (hit)
		passed(v, "a console line matched");
	else if (rs->qlen)
		rs->drain = ploop_timer(NULL, READY_BUDGET_MS, 0, drain, v);
}

/* a whole line (or its first READY_LINE_MAX bytes, or a prompt), to be
   matched once; the oldest go when lines come faster than they are
   matched (counted) */
static void queue(struct vmrun *v, const char *line, size_t len)
{
	struct ready_run *rs = &v->rdy;
	size_t drop = 0;
	char *nl;

	if (!len)
		return;
	while (rs->qlen - drop + len + 1 > READY_QUEUE_MAX) {
		nl = memchr(rs->queue + drop, '\n', rs->qlen - drop);
		drop = (size_t)(nl - rs->queue) + 1;
		if (!rs->dropped++)
			log_msg(LOG_WARNING, v->m->name,
				"ready: console lines come faster than /%s/ "
				"is matched: the oldest are dropped (counted "
				"when the check ends)",
				v->m->ready.console);
	}
	if (!rs->queue)
		rs->queue = xmalloc(READY_QUEUE_MAX);
	memmove(rs->queue, rs->queue + drop, rs->qlen - drop);
	rs->qlen -= drop;
	memcpy(rs->queue + rs->qlen, line, len);
	rs->queue[rs->qlen + len] = '\n';
	rs->qlen += len + 1;
}

/* the console paused mid-line (a prompt has no newline): its line so far,
   once */
static void quiet(void *data)
{
	struct vmrun *v = data;
	struct ready_run *rs = &v->rdy;
	long long left = rs->last_ms + READY_QUIET_MS - util_now_ms();

	rs->quiet = 0;
	if (left > 0) {
		rs->quiet = ploop_timer(NULL, (uint64_t)left, 0, quiet, v);
		return;
	}
	if (!rs->checking || rs->capped || rs->len <= rs->tried)
		return;
	queue(v, rs->line, rs->len);
	rs->tried = rs->len;
	if (!rs->drain)
		drain(v);
}

/* bytes of v's console, line by line (CR and LF end a line; NUL bytes are
   not part of one) */
static void scan(struct vmrun *v, const char *s, size_t n)
{
	struct ready_run *rs = &v->rdy;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			if (!rs->capped && rs->len > rs->tried)
				queue(v, rs->line, rs->len);
			rs->len = rs->tried = 0;
			rs->capped = false;
		} else if (!rs->capped && s[i]) {
			rs->line[rs->len++] = s[i];
			/* a longer line is matched by its start, once */
			if (rs->len == READY_LINE_MAX) {
				rs->capped = true;
				queue(v, rs->line, rs->len);
			}
		}
	}
	rs->last_ms = util_now_ms();
	if (!rs->capped && rs->len > rs->tried && !rs->quiet)
		rs->quiet = ploop_timer(NULL, READY_QUIET_MS, 0, quiet, v);
	if (!rs->drain)
		drain(v);
}

void ready_console(struct runner *r, unsigned vm, const char *s, size_t n)
{
	struct vmrun *v;

	if (vm >= r->h->nvms)
		return;
	v = &r->vms[vm];
	if (v->rdy.checking && v->m->ready.console)
		scan(v, s, n);
}

/* this knock is over without an answer: another, later */
static void knock_again(struct vmrun *v)
{
	stop_knocking(v);
	knock_later(v, READY_KNOCK_MS);
}

/* a knock the server did not answer in time (a NAT that accepts for a
   guest not there yet holds it) */
static void unanswered(void *data)
{
	struct vmrun *v = data;

	v->rdy.knock = 0;
	knock_again(v);
}

/* the knock's connection: made (ready.send is sent, then the server must
   say something), refused or closed (a NAT that accepts for a guest
   nobody serves in closes it): knock again */
static void knock_answered(void *data, int fd, unsigned events)
{
	struct vmrun *v = data;
	struct ready_run *rs = &v->rdy;
	const char *send_ = v->m->ready.send;
	int err = 0;
	socklen_t len = sizeof(err);
	char msg[64], c;

	(void)events;
	if (!rs->knock) { /* connecting: done now */
		/* (a few bytes into an empty socket: they fit) */
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
		    err || (send_ && send(fd, send_, strlen(send_), 0) < 0)) {
			knock_again(v);
			return;
		}
		ploop_watch(NULL, fd, VZH_WATCH_READ, knock_answered, v);
		rs->knock =
			ploop_timer(NULL, READY_ANSWER_MS, 0, unanswered, v);
		return;
	}
	if (recv(fd, &c, 1, MSG_PEEK) > 0) { /* a server spoke */
		snprintf(msg, sizeof(msg), "port %u answered",
			 v->m->ready.port);
		passed(v, msg);
		return;
	}
	knock_again(v); /* closed */
}

static void knock(void *data)
{
	struct vmrun *v = data;
	struct ready_run *rs = &v->rdy;
	const char *addr = v->m->ready.port_addr;
	struct sockaddr_storage ss;
	socklen_t len = hostport_sockaddr(addr ? addr : "127.0.0.1",
					  v->m->ready.port, &ss);
	int fd;

	rs->knock = 0;
	fd = len ? socket(ss.ss_family, SOCK_STREAM, 0) : -1;
	if (fd < 0 || fd_setup(fd, true) < 0 ||

	    (connect(fd, (struct sockaddr *)&ss, len) < 0 &&
	     errno != EINPROGRESS)) {
		if (fd >= 0)
			close(fd);
		knock_again(v);
		return;
	}
	rs->knock_fd = fd;
	rs->knocking = true;
	if (ploop_watch(NULL, fd, VZH_WATCH_WRITE, knock_answered, v) < 0)
		knock_again(v);
}

static void knock_later(struct vmrun *v, uint64_t ms)
{
	if (v->rdy.checking)
		v->rdy.knock = ploop_timer(NULL, ms, 0, knock, v);
}

void ready_begin(struct runner *r, struct vmrun *v, bool restored)
{
	struct ready_run *rs = &v->rdy;
	char why[160];

	runner = r;
	ready_end(v);
	if (!v->m->ready.loc)
		return;
	rs->since_ms = util_now_ms();
	/* what its console said before the save is not seen again */
	if (restored && v->ready_at_save) {
		rs->pending = true;
		return;
	}
	rs->checking = true;
	/* (checked when the config was read: it compiles) */
	if (v->m->ready.console)
		rs->pat = pattern_new(v->m->ready.console, why, sizeof(why));
	rs->deadline = ploop_timer(NULL, v->m->ready.timeout * 1000ull, 0,
				   timed_out, v);
	if (v->m->ready.port)
		knock_later(v, 0);
}

void ready_running(struct vmrun *v)
{
	if (v->rdy.pending)
		passed(v, "restored from a state saved when it was ready");
}

const char *ready_missed(const struct vmrun *v)
{
	return v->rdy.missed[0] ? v->rdy.missed : NULL;
}

bool ready_now(const struct vmrun *v)
{
	return v->m->ready.loc ? v->rdy.ready : v->state == VZH_STATE_RUNNING;
}
