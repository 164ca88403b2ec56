/* fwd.h: a NAT guest's forwards relayed on the core's loop: the host's port to the guest's address (the vz bridge, where the NAT guest has an address of its own). */
#ifndef VZH_FWD_H
#define VZH_FWD_H

#include <poll.h>
#include <stddef.h>

#include "../core/machine.h"

#define FWD_TCP_MAX 64 /* connections relayed at once, per VM */
#define FWD_UDP_MAX 64 /* UDP peers at once, per VM */
#define FWD_UDP_IDLE_MS 60000 /* a UDP peer silent this long is forgotten */
#define FWD_CONNECT_MS 10000 /* a guest that does not take a connection */
#define FWD_BURST 64 /* datagrams moved one way in one pass */

struct fwd;

/* listening now on every forward of m's NAT devices (a taken port: -errno
   and *why naming it); nothing reaches the guest before fwd_target */
int fwd_open(const struct machine *m, struct fwd **out, char **why);
/* the guest's address (numeric IPv4 or IPv6): connections go there now */
void fwd_target(struct fwd *fw, const char *addr);
/* what to poll (at most max; how many), *timeout_ms lowered for UDP peers
   to forget */
int fwd_pollfds(struct fwd *fw, struct pollfd *fds, int max, int *timeout_ms);
void fwd_dispatch(struct fwd *fw, const struct pollfd *fds, int n);
/* connections relayed now (tests) */
size_t fwd_active(const struct fwd *fw);
void fwd_close(struct fwd *fw);

#endif
