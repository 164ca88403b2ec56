/* hostport.h: a NAT forward's host port, checked free before a start (and who holds it when not). */
#ifndef VZH_HOSTPORT_H
#define VZH_HOSTPORT_H

#include <sys/socket.h>

#include "machine.h"

/* every forward of m can listen now: 0, or -errno with *why naming the
   port and its holder where the system says (caller frees) */
int hostport_check(const struct machine *m, char **why);
/* a numeric IPv4 or IPv6 address and a port as a socket address: its
   length, or 0 when addr is no numeric address */
socklen_t hostport_sockaddr(const char *addr, unsigned port,
			    struct sockaddr_storage *ss);
/* a socket bound to f's host address and port (SOCK_STREAM listening, or

   SOCK_DGRAM), non-blocking: the descriptor, or -errno with *why */
int hostport_bind(const struct vzh_forward *f, char **why);

#endif
