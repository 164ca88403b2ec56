/* ports.h: a VM's vsock ports reached from the host through unix sockets, on the core's loop; the framework's side is asked through callbacks. */
#ifndef VZH_VZ_PORTS_H
#define VZH_VZ_PORTS_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../core/fd.h"
#include "../bridge.h"
#include "../relay.h"

/* connections relayed at once per VM, each way: a guest that holds many
   never locks the host's programs out, nor the other way round */
#define VZ_LINKS_EACH 16
#define VZ_LINKS_MAX (2 * VZ_LINKS_EACH)
#define VZ_CONNECT_WAIT_MS 10000 /* the framework's answer, at most */

/* a connection to the guest's port, from the framework's queue to the
   loop (through a pipe, written whole) */
struct vz_handoff {
	int32_t slot; /* the waiting host client's (listen), or -1 */
	int32_t map; /* the mapping's index (connect), or -1 */
	int32_t fd; /* ours to close, or -1: no connection */
	uint32_t gen; /* the slot's generation when it was asked */
	void *conn; /* the framework's connection object, kept until the
		       relay ends (released through release()) */
};

struct vz_link {
	struct relay *relay; /* NULL: waiting for the guest's side */
	int client; /* a host client waiting for it, or -1 */
	void *conn;
	bool used, from_guest;
	uint32_t gen; /* a late answer for an earlier use is not ours */
	long long deadline; /* ms: a wait given up then */
};

struct vz_ports {
	const struct vzh_vsock *v; /* the mappings (the model's) */
	const char *vm; /* for the log */
	int listen[VZH_VSOCK_PORTS_MAX]; /* listen mappings' sockets, or -1 */
	struct fd_ident ident[VZH_VSOCK_PORTS_MAX];
	int hand[2]; /* the handoff pipe; [1] is the framework side's */
	int spare; /* a descriptor given up to refuse a client at EMFILE */
	uint32_t gen;
	struct vz_link links[VZ_LINKS_MAX];
	/* ask the framework, on its queue, for a connection to the guest's
	   port; the answer is a handoff with this slot and gen */
	void (*connect)(void *ctx, int slot, uint32_t gen, uint32_t port);
	/* let go of a connection object (on the framework's queue) */
	void (*release)(void *ctx, void *conn);
	void *ctx;
};

/* the listening sockets and the handoff pipe: 0, or -errno with *why */
int vz_ports_open(struct vz_ports *p, const struct vzh_vsock *v, const char *vm,
		  char **why);
/* what to poll (listening sockets only while the guest runs), and the
   next deadline into *timeout_ms */
int vz_ports_pollfds(struct vz_ports *p, bool running, struct pollfd *fds,
		     int max, int *timeout_ms);
void vz_ports_dispatch(struct vz_ports *p, const struct pollfd *fds, int n);
/* relays ended, sockets closed and removed, what is still in the pipe
   released (not hand[1]: its writer's) */
void vz_ports_close(struct vz_ports *p);
/* from the framework's queue: a connection for the loop; 0, or -EPIPE
   (the loop is gone or behind): then fd and conn are still the caller's */
int vz_ports_hand(int fd, const struct vz_handoff *h);

#endif
