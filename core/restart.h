/* restart.h: the restart policy's arithmetic: the backoff, and when a restart loop is given up. */
#ifndef VZH_RESTART_H
#define VZH_RESTART_H

#define RESTART_WINDOW_MS 60000 /* at most RESTART_MAX restarts in it */
#define RESTART_MAX 5
#define RESTART_BACKOFF_MAX_S 30

struct restart_log {
	long long at[8]; /* ms of recent restarts, newest last */
	unsigned n;
	unsigned backoff; /* seconds waited before the last restart */
};

/*
 * A restart is wanted at now_ms: returns the seconds to wait (1, doubling to
 * RESTART_BACKOFF_MAX_S; back to 1 after a quiet window) and records it, or 0
 * when RESTART_MAX restarts already happened within RESTART_WINDOW_MS: a loop,
 * given up.  *recent is the number of restarts within the window.
 */
unsigned restart_next(struct restart_log *l, long long now_ms,
		      unsigned *recent);

#endif
