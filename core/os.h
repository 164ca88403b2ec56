/* os.h: what Linux and macOS do differently, a small function each (os-linux.c, os-darwin.c). */
#ifndef VZH_OS_H
#define VZH_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* the uid of a connected unix socket's peer, and its pid (0 when the
   system does not say); 0 or -errno */
int os_peer(int fd, uid_t *uid, pid_t *pid);
/* a socket that never raises SIGPIPE where the system has a socket option
   for it (macOS: there is no MSG_NOSIGNAL); 0 or -errno */
int os_no_sigpipe(int fd);
/*
 * In a child before exec: be killed when parent (read before fork) dies;
 * when the child leads its own process group (setsid or setpgid first), the
 * whole group too, whatever it starts (a hook's `sleep &`): a guard process
 * in the group kills it when lifeline (proc_lifeline) sees EOF, and dies
 * with the group otherwise.  A process that leaves the group escapes.
 */
void os_die_with(pid_t parent, int lifeline);
/* in a child before exec: close every descriptor from low on at once;
   0, or -1 when the caller must close them one by one */
int os_close_from(int low);
/* a process other than us holding a flock on st's file, or 0 when the
   system cannot tell (the lock notes in state_dir/locks say more) */
pid_t os_flock_holder(const struct stat *st);
/* a write lock on fd's whole file (fd open for writing), held until fd is
   closed: an open file description lock on Linux; on macOS this process's
   POSIX lock, which closing ANY descriptor of that file in the process
   drops.  0 or -errno (-EAGAIN: someone holds a lock on it) */
int os_lock_write(int fd);
/* does anyone hold a write lock on fd's file?  Asked as for a read lock: a
   read lock or a flock(), which whoever may read the file can take, is not
   one.  On macOS a lock of this very process is not seen.  1, 0 or -errno */
int os_write_locked(int fd);
/* who listens on a local port of addr (numeric) or every address (udp: is
   bound to it): its uid, and its pid and command name when we may see
   them (0 and ""); 0, or -ENOENT when nobody is found, -ENOTSUP where the
   system does not say */
int os_port_holder(bool udp, const char *addr, unsigned port, uid_t *uid,
		   pid_t *pid, char *name, size_t len);

/* where root's state directory goes: the system's run-time directory
   ("/run" on Linux, "/var/run" on macOS) */
const char *os_run_dir(void);
/* this boot of the host, as an id that changes at every boot (not a time:
   clocks are stepped); "unknown" when the system does not say */
void os_boot_id(char *buf, size_t len);
/* is path's file system held in memory (tmpfs, ramfs)?  false when the
   system cannot tell */
bool os_in_memory(const char *path);
/* the running executable's path into buf; 0 or -1 */
int os_self_exe(char *buf, size_t len);
/* a name dlopen() takes for the file open as fd, found at path (checked):
   the descriptor itself where the system can name it */
void os_fd_name(int fd, const char *path, char *buf, size_t len);

#endif
