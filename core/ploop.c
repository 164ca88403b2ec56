/* ploop.c: plugins on the core's loop: their descriptor watches and timers, dispatched from poll(). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "host.h"
#include "log.h"
#include "ploop.h"
#include "util.h"

struct watch {
	struct plugin *p;
	int fd;
	unsigned events;
	vzh_watch_fn fn;
	void *data;
	uint64_t gen; /* this registration's: a new one is not this one */
};

/* which registration each pollfd of the turn was made for */
struct slot {
	size_t watch;
	uint64_t gen;
};

struct timer {
	struct plugin *p;
	int64_t id;
	long long due; /* ms, monotonic */
	uint64_t period; /* ms, 0: once */
	vzh_timer_fn fn;
	void *data;
};

/* the loop is single-threaded: one set for the process */
static struct watch *watches;
static size_t nwatches, capwatches;
static struct timer *timers;
static size_t ntimers, captimers;
static int64_t last_id;
static uint64_t last_gen;
static struct slot *slots;
static size_t capslots;
static bool told_full;

static struct watch *find_watch(const struct plugin *p, int fd)
{
	size_t i;

	for (i = 0; i < nwatches; i++)
		if (watches[i].p == p && watches[i].fd == fd)
			return &watches[i];
	return NULL;
}

int ploop_watch(struct plugin *p, int fd, unsigned events, vzh_watch_fn fn,
		void *data)
{
	struct watch *w = find_watch(p, fd);

	events &= VZH_WATCH_READ | VZH_WATCH_WRITE;
	if (fd < 0 || (events && !fn))
		return -EINVAL;
	if (!events) { /* removed; the dispatch in progress skips it */
		if (!w)
			return -ENOENT;
		w->fd = -1;
		w->events = 0;
		return 0;
	}
	if (!w) {
		if (nwatches == capwatches) {
			capwatches = capwatches ? 2 * capwatches : 16;
			watches = xrealloc(watches,
					   capwatches * sizeof(*watches));
		}
		w = &watches[nwatches++];
	}
	*w = (struct watch){ p, fd, events, fn, data, ++last_gen };
	return 0;
}

int64_t ploop_timer(struct plugin *p, uint64_t ms, uint64_t period_ms,
		    vzh_timer_fn fn, void *data)
{
	if (!fn || ms > INT32_MAX || period_ms > INT32_MAX)
		return -EINVAL;
	if (ntimers == captimers) {
		captimers = captimers ? 2 * captimers : 16;
		timers = xrealloc(timers, captimers * sizeof(*timers));
	}
	timers[ntimers++] = (struct timer){
		p, ++last_id, util_now_ms() + (long long)ms, period_ms, fn, data
	};
	return last_id;
}

int ploop_timer_cancel(struct plugin *p, int64_t id)
{
	size_t i;

	for (i = 0; i < ntimers; i++)
		if (timers[i].p == p && timers[i].id == id && timers[i].fn) {
			timers[i].fn = NULL; /* swept after the dispatch */
			return 0;
		}
	return -ENOENT;
}

static void sweep(void)
{
	size_t i, n;

	for (i = n = 0; i < nwatches; i++)
		if (watches[i].fd >= 0)
			watches[n++] = watches[i];
	nwatches = n;
	for (i = n = 0; i < ntimers; i++)
		if (timers[i].fn)
			timers[n++] = timers[i];
	ntimers = n;
}

int ploop_pollfds(struct pollfd *fds, int max, int *timeout_ms)
{
	long long now = util_now_ms();
	size_t i;
	int n = 0;

	sweep();
	if (nwatches > (size_t)max && !told_full) {
		log_msg(LOG_WARNING, NULL,
			"plugins watch %zu descriptors; the loop polls %d of "
			"them",
			nwatches, max);
		told_full = true;
	}
	if (capslots < (size_t)max) {
		capslots = (size_t)max;
		slots = xrealloc(slots, capslots * sizeof(*slots));
	}
	for (i = 0; i < nwatches && n < max; i++) {
		slots[n] = (struct slot){ i, watches[i].gen };
		fds[n++] = (struct pollfd){
			.fd = watches[i].fd,
			.events = (short)((watches[i].events & VZH_WATCH_READ ?
						   POLLIN :
						   0) |
					  (watches[i].events & VZH_WATCH_WRITE ?
						   POLLOUT :
						   0)),
		};
	}
	for (i = 0; i < ntimers; i++)
		util_lower_timeout(timeout_ms, timers[i].due - now);

	return n;
}

static unsigned watch_events(short revents)
{
	return (revents & POLLIN ? VZH_WATCH_READ : 0) |
	       (revents & POLLOUT ? VZH_WATCH_WRITE : 0) |
	       (revents & POLLHUP ? VZH_WATCH_HUP : 0) |
	       (revents & (POLLERR | POLLNVAL) ? VZH_WATCH_ERROR : 0);
}

void ploop_dispatch(const struct pollfd *fds, int n)
{
	size_t i, due = ntimers;
	long long now = util_now_ms();
	int k;

	/* each slot to the registration it was polled for, if it still is:
	   one a callback removed, replaced or added in this turn waits for
	   the next poll (indexes hold: removal only marks, sweep() is later) */
	for (k = 0; k < n; k++) {
		struct watch *w;

		if (!fds[k].revents || slots[k].watch >= nwatches)
			continue;
		w = &watches[slots[k].watch];
		if (w->gen != slots[k].gen || w->fd != fds[k].fd || !w->events)
			continue;
		if (fds[k].revents & POLLNVAL) {
			/* closed under its watch: said once, dropped, never
			   polled again in a busy loop */
			log_msg(LOG_WARNING, w->p ? w->p->name : NULL,
				"descriptor %d was closed while watched: its "
				"watch is dropped",
				w->fd);
			w->fn(w->data, w->fd, VZH_WATCH_ERROR);
			w = &watches[slots[k].watch];
			if (w->gen == slots[k].gen)
				w->fd = -1, w->events = 0;
			continue;
		}
		w->fn(w->data, w->fd, watch_events(fds[k].revents));
	}
	/* the timers due now; ones added meanwhile wait for the next turn */
	for (i = 0; i < due && i < ntimers; i++) {
		struct timer *t = &timers[i];

		if (!t->fn || t->due > now)
			continue;
		if (t->period)
			t->due = now + (long long)t->period;
		t->fn(t->data);
		t = &timers[i]; /* (the array may have moved) */
		if (!t->period)
			t->fn = NULL;
	}
	sweep();
}

void ploop_drop(const struct plugin *p)
{
	size_t i;

	for (i = 0; i < nwatches; i++)
		if (watches[i].p == p)
			watches[i].fd = -1;
	for (i = 0; i < ntimers; i++)
		if (timers[i].p == p)
			timers[i].fn = NULL;
	sweep();
	if (!nwatches && !ntimers) {
		free(watches);
		free(timers);
		free(slots);
		watches = NULL;
		timers = NULL;
		slots = NULL;
		capwatches = captimers = capslots = 0;
	}
}
