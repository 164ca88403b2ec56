/* ports.h: a VM's vsock ports reached from the host through unix sockets, on the core's loop; the framework's side is asked through callbacks. */
#ifndef VZH_VZ_PORTS_H
#define VZH_VZ_PORTS_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "../bridge.h"
#include "../relay.h"

#define VZ_LINKS_MAX 32 /* connections relayed at once, per VM */

/* a connection to the guest's port, from the framework's queue to the
   loop (through a pipe, written whole) */
struct vz_handoff {
	int32_t slot; /* the waiting host client's (listen), or -1 */
	int32_t map; /* the mapping's index (connect), or -1 */
	int32_t fd; /* ours to close, or -1: the guest refused */
	int32_t reserved0;
	void *conn; /* the framework's connection object, kept until the
		       relay ends (released through release()) */
};

struct vz_link {
	struct relay *relay; /* NULL: waiting for the guest's side */
	int client; /* a host client waiting for it, or -1 */
	void *conn;
	bool used;
};

struct vz_ports {
	const struct vzh_vsock *v; /* the mappings (the model's) */
	const char *vm; /* for the log */
	int listen[VZH_VSOCK_PORTS_MAX]; /* listen mappings' sockets, or -1 */
	int hand[2]; /* the handoff pipe; [1] is the framework side's */
	struct vz_link links[VZ_LINKS_MAX];
	/* ask the framework, on its queue, for a connection to the guest's
	   port; the answer is a handoff with this slot */
	void (*connect)(void *ctx, int slot, uint32_t port);
	/* let go of a connection object (on the framework's queue) */
	void (*release)(void *ctx, void *conn);
	void *ctx;
};

/* the listening sockets and the handoff pipe: 0, or -errno with *why */
int vz_ports_open(struct vz_ports *p, const struct vzh_vsock *v, const char *vm,
		  char **why);
/* what to poll; listening sockets only while the guest runs */
int vz_ports_pollfds(struct vz_ports *p, bool running, struct pollfd *fds,
		     int max);
void vz_ports_dispatch(struct vz_ports *p, const struct pollfd *fds, int n);
/* relays ended, sockets closed and removed (not hand[1]: its writer's) */
void vz_ports_close(struct vz_ports *p);
/* from the framework's queue: a connection for the loop; 0, or -EPIPE
   (the loop is gone or behind): then fd and conn are still the caller's */
int vz_ports_hand(int fd, const struct vz_handoff *h);

#endif
