/* input.h: vzhost's standard input to the first stdio console's guest (a terminal in raw mode, with Ctrl-] as escape). */
#ifndef VZH_INPUT_H
#define VZH_INPUT_H

#include <poll.h>
#include <stdbool.h>

struct runner;
struct vmrun;

/* which VM gets standard input (the first with a console on stdio); a
   terminal goes raw until input_restore() (also at exit) */
void input_setup(struct runner *r);
/* standard input to read, or the console to write what waits (at most one;
   how many) */
int input_pollfds(struct runner *r, struct pollfd *fds, int max);
void input_dispatch(struct runner *r, const struct pollfd *fds, int n);
/* the terminal as it was */
void input_restore(void);
/* v's guest may be typed at now (its input_after: its console has spoken
   since it started, it is ready, or it runs); until then what is typed
   waits, in vzhost or in the client's socket */
bool input_takes(const struct vmrun *v);

#endif
