/* ploop.h: plugins' descriptor watches and timers on the core's poll() loop. */
#ifndef VZH_PLOOP_H
#define VZH_PLOOP_H

#include <poll.h>
#include <stdint.h>

#include "../sdk/vzhost/plugin.h"

struct plugin;

/* api->watch, api->timer, api->timer_cancel of plugin p */
int ploop_watch(struct plugin *p, int fd, unsigned events, vzh_watch_fn fn,
		void *data);
int64_t ploop_timer(struct plugin *p, uint64_t ms, uint64_t period_ms,
		    vzh_timer_fn fn, void *data);
int ploop_timer_cancel(struct plugin *p, int64_t id);
/* the watched descriptors into fds (at most max; how many), *timeout_ms
   lowered to the next timer */
int ploop_pollfds(struct pollfd *fds, int max, int *timeout_ms);
/* the callbacks of what poll() found ready, then the timers due */
void ploop_dispatch(const struct pollfd *fds, int n);
/* everything of p's, at its fini */
void ploop_drop(const struct plugin *p);

#endif
