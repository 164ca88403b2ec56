/* fd.h: descriptors set up the same way on every system (no pipe2, no accept4). */
#ifndef VZH_FD_H
#define VZH_FD_H

#include <stdbool.h>
#include <sys/types.h>

/* close-on-exec, and non-blocking when asked; 0 or -errno */
int fd_setup(int fd, bool nonblock);
/* a pipe, both ends close-on-exec (and non-blocking when asked); 0 or -errno */
int fd_pipe(int p[2], bool nonblock);
/* a unix stream socket, close-on-exec (non-blocking when asked), that never
   raises SIGPIPE where the system allows (vzhost ignores it anyway); the
   descriptor or -errno */
int fd_unix_socket(bool nonblock);
/* the next connection on a listening socket, set up as fd_unix_socket's;
   the descriptor or -errno */
int fd_accept(int listen_fd, bool nonblock);

/* a datagram socket a hypervisor moves a NIC's frames over, sized as
   Virtualization.framework wants its end (it drops frames unless SO_RCVBUF
   is at least twice SO_SNDBUF; four times is what it recommends): receive
   FD_DGRAM_RCVBUF, or what the system allows, and send at most a quarter of
   what receive got; 0 or -errno */
#define FD_DGRAM_RCVBUF (4 << 20)
int fd_dgram_buffers(int fd);

/* which file a socket we bound is, to remove it only while it still is */
struct fd_ident {
	dev_t dev;
	ino_t ino;
};

/* a listening unix socket at path, only its owner may connect (0600 from
   its creation): the descriptor (non-blocking), or -EBUSY (someone answers
   there, or would: *holder is its pid when known), -EEXIST (not a socket:
   left alone), -ENAMETOOLONG, -errno (the path left alone: another user's
   socket, say).  A socket that refuses connections is stale and replaced.
   *id (when not NULL) says which file is ours */
int fd_unix_listen(const char *path, pid_t *holder, struct fd_ident *id);
/* remove path if it is still the socket id says (never someone else's) */
void fd_unix_unlink(const char *path, const struct fd_ident *id);

#endif
