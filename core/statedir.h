/* statedir.h: the state directory: vzhost's own or refused, and the files in it opened without trusting a path. */
#ifndef VZH_STATEDIR_H
#define VZH_STATEDIR_H

#include <sys/types.h>

/*
 * Creates what is missing of path (0700) and checks it: each directory on the
 * way (symlinks resolved) belongs to root or to us and, when others may write
 * it, is sticky (so nobody else can swap what is inside); the directory itself
 * belongs to us and only we may write it.  Returns an O_DIRECTORY descriptor,
 * or -errno with *why set (the caller frees it).
 */
int statedir_open(const char *path, char **why);

/*
 * A directory several users share (a slot ledger): it must exist; it and
 * every directory on the way belong to root or to us, and when others may
 * write it, it is sticky (nobody removes or replaces what another created).
 * Returns an O_DIRECTORY descriptor, or -errno with *why set (caller frees).
 */
int statedir_shared(const char *path, const char *what, char **why);

/* the same for directory name inside dirfd (created 0700 when missing); shown
   names it in messages */
int statedir_sub(int dirfd, const char *name, const char *shown, char **why);

/*
 * Opens name in dirfd (or an absolute name) for reading: not through a
 * symlink, without blocking on a FIFO, and only a regular file of ours (or
 * root's) that others cannot write.  -ENOENT when there is none (*why
 * unset); other refusals set *why.
 */
int statedir_read(int dirfd, const char *name, const char *shown, char **why);

/*
 * A fresh private directory NAME.TAG.PID for one run's sockets (TAG: "run"
 * for the bridge's, "plug" for the plugins'): created 0700
 * (a leftover of a dead vzhost with that name, and of ours with our pid, is
 * removed first, never reused).  Returns its name inside dirfd (malloc'd) or
 * NULL with *why set.
 */
char *statedir_rundir(int dirfd, const char *vm, const char *tag, char **why);
/* removes a run directory and what is directly inside it */
void statedir_rmrun(int dirfd, const char *name);

#endif
