/* proc.h: starting children and ending helpers: what every child vzhost starts needs. */
#ifndef VZH_PROC_H
#define VZH_PROC_H

#include <sys/types.h>

/* fork, with the child's signals those of a fresh program (no handler of
   vzhost's runs in it before its exec); the parent's signals are held
   meanwhile */
pid_t proc_fork(void);
/* in a child of proc_fork: the read end of a pipe that ends (EOF) when
   vzhost does, for os_die_with; -1 when there is none */
int proc_lifeline(void);
/* in a child before exec: close every descriptor from low on, so a child gets
   only what it is explicitly given */
void proc_close_from(int low);

/* a helper no longer wanted: SIGTERM now, SIGKILL after grace_ms; reaped by
   proc_reap, never waited for */
void proc_retire(pid_t pid, int grace_ms);
/* the same for a helper that leads its own process group: the group is
   signalled, and SIGKILLed when the helper is gone */
void proc_retire_group(pid_t pid, int grace_ms);
/* reap the retired that are gone, SIGKILL the overdue; lowers *timeout_ms
   (-1: none) to the next deadline; returns how many are left */
size_t proc_reap(int *timeout_ms);
/* at exit: SIGKILL and reap whoever is left */
void proc_reap_all(void);

#endif
