/* sig.h: the signals the loop acts on (SIGINT, SIGTERM, SIGCHLD), as bytes on a pipe it polls. */
#ifndef VZH_SIG_H
#define VZH_SIG_H

#include <stdbool.h>

/* handlers in, returns the pipe's read end or -errno; the previous handlers
   come back with sig_close */
int sig_open(void);
/* the signals since the last call: SIGINT and SIGTERM into sigs (at most
   max, in arrival order; returns how many); *child when a child changed */
int sig_read(int fd, int *sigs, int max, bool *child);
void sig_close(int fd);

#endif
