/* proc.h: what every child vzhost starts needs, and a descriptor to wait on it. */
#ifndef VZH_PROC_H
#define VZH_PROC_H

#include <sys/types.h>

/* in a child before exec: vzhost blocks the signals it reads from a
   signalfd and ignores SIGPIPE; the program it runs starts clean */
void proc_reset_signals(void);
/* a pollable descriptor that turns readable when pid exits, or -1 */
int proc_pidfd(pid_t pid);

#endif
