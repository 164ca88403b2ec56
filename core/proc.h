/* proc.h: what every child vzhost starts needs, and a descriptor to wait on it. */
#ifndef VZH_PROC_H
#define VZH_PROC_H

#include <sys/types.h>

/* in a child before exec: vzhost blocks the signals it reads from a
   signalfd and ignores SIGPIPE; the program it runs starts clean */
void proc_reset_signals(void);
/* in a child before exec: close every descriptor from low on, so a child gets
   only what it is explicitly given */
void proc_close_from(int low);
/* in a child: be killed when parent (its pid, read before fork) dies, and
   exit now if it already has */
void proc_die_with(pid_t parent);
/* a pollable descriptor that turns readable when pid exits, or -1 */
int proc_pidfd(pid_t pid);

#endif
