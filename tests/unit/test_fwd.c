/* test_fwd.c: NAT forwards relayed on the loop (bridge/fwd.c): TCP and UDP to a "guest" on this host's loopback, refusals, a taken port. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bridge/fwd.h"
#include "../../core/os.h"

/* a socket of type bound to 127.0.0.1 on a port the kernel picks */
static int bound(int type, unsigned *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* a free port: bound, then let go */
static unsigned free_port(int type)
{
	unsigned port;

	close(bound(type, &port));
	return port;
}

static struct machine m;
static struct device dev;
static struct vzh_forward fws[2];

/* a VM whose NAT device forwards host tcp/udp ports to the guest's */
static struct fwd *open_fwd(unsigned host_tcp, unsigned guest_tcp,
			    unsigned host_udp, unsigned guest_udp, char **why)
{
	struct fwd *fw = NULL;

	fws[0] = (struct vzh_forward){ VZH_PROTO_TCP, (uint16_t)host_tcp,
				       (uint16_t)guest_tcp, "127.0.0.1" };
	fws[1] = (struct vzh_forward){ VZH_PROTO_UDP, (uint16_t)host_udp,
				       (uint16_t)guest_udp, "127.0.0.1" };
	dev.cls = DEV_NET;
	dev.u.net.attach = VZH_NET_NAT;
	dev.u.net.forwards = fws;
	dev.u.net.nforwards = 2;
	m.name = "fw";
	m.devs = &dev;
	m.ndevs = 1;
	*why = NULL;
	if (fwd_open(&m, &fw, why) < 0)
		return NULL;
	return fw;
}

/* the "guest": a TCP server that says back what it reads, and a UDP one */
static int guest_l = -1, guest_c = -1, guest_u = -1;

static void serve_guest(void)
{
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char buf[4096];
	ssize_t n;

	if (guest_c < 0 && guest_l >= 0)
		guest_c = accept4(guest_l, NULL, NULL, SOCK_NONBLOCK);
	if (guest_c >= 0 && (n = read(guest_c, buf, sizeof(buf))) > 0)
		assert_int_equal(write(guest_c, buf, (size_t)n), n);
	if (guest_u >= 0 && (n = recvfrom(guest_u, buf, sizeof(buf), 0,
					  (struct sockaddr *)&from, &len)) > 0)
		sendto(guest_u, buf, (size_t)n, 0, (struct sockaddr *)&from,
		       len);
}

/* the loop for a while: the proxy, the guest, until done() */
static void pump(struct fwd *fw, int rounds)
{
	struct pollfd fds[64];
	int n, timeout, i;

	for (i = 0; i < rounds; i++) {
		timeout = 10;
		n = fwd_pollfds(fw, fds, 64, &timeout);
		poll(fds, (nfds_t)n, timeout > 10 ? 10 : timeout);
		fwd_dispatch(fw, fds, n);
		serve_guest();
	}
}

/* how many of 10 polls of 50 ms found something to do */
static int busy(struct fwd *fw)
{
	struct pollfd fds[64];
	int n, timeout, i, woke = 0;

	for (i = 0; i < 10; i++) {
		timeout = 50;
		n = fwd_pollfds(fw, fds, 64, &timeout);
		if (poll(fds, (nfds_t)n, 50) > 0)
			woke++;
		fwd_dispatch(fw, fds, n);
	}
	return woke;
}

static int connect_to(int type, unsigned port)

{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_true(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
		    errno == EINPROGRESS);
	return fd;
}

static void close_guest(void)
{
	if (guest_l >= 0)
		close(guest_l);
	if (guest_c >= 0)
		close(guest_c);
	if (guest_u >= 0)
		close(guest_u);
	guest_l = guest_c = guest_u = -1;
}

/* a TCP connection and UDP datagrams reach the guest and come back */
static void relayed(void **s)
{
	unsigned gt, gu, ht = free_port(SOCK_STREAM),
			 hu = free_port(SOCK_DGRAM);
	struct sockaddr_in sa = { 0 };
	struct fwd *fw;
	char buf[64] = "", *why;
	int c, u;

	(void)s;
	guest_l = bound(SOCK_STREAM, &gt);
	guest_u = bound(SOCK_DGRAM, &gu);
	fw = open_fwd(ht, gt, hu, gu, &why);
	assert_non_null(fw);
	fwd_target(fw, "127.0.0.1");
	c = connect_to(SOCK_STREAM, ht);
	pump(fw, 20);
	assert_int_equal(write(c, "over tcp", 8), 8);
	pump(fw, 20);
	assert_int_equal(read(c, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "over tcp", 8);
	u = connect_to(SOCK_DGRAM, hu);
	assert_int_equal(send(u, "over udp", 8, 0), 8);
	pump(fw, 20);
	assert_int_equal(recv(u, buf, sizeof(buf), 0), 8);
	assert_memory_equal(buf, "over udp", 8);
	assert_int_equal(fwd_active(fw), 2); /* a connection, a peer */
	/* the client leaves: its relay ends */
	close(c);
	close(guest_c);
	guest_c = -1;
	pump(fw, 20);
	assert_int_equal(fwd_active(fw), 1);
	close(u);
	fwd_close(fw);
	/* closed, its host ports are free again: a VM started anew takes
	   them, and nothing answers there meanwhile */
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)ht);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(c);
	fw = open_fwd(ht, gt, hu, gu, &why);
	assert_non_null(fw);
	fwd_close(fw);
	close_guest();
}

/* before the guest's address is known, and to a port nobody serves: the
   client's connection is closed, nothing hangs */
static void refused(void **s)
{
	unsigned gt, ht = free_port(SOCK_STREAM), hu = free_port(SOCK_DGRAM);
	struct fwd *fw;
	char buf[8], *why;
	int c;

	(void)s;
	close(bound(SOCK_STREAM, &gt)); /* (nobody listens there now) */
	fw = open_fwd(ht, gt, hu, gt, &why);
	assert_non_null(fw);
	c = connect_to(SOCK_STREAM, ht);
	pump(fw, 20);
	assert_int_equal(read(c, buf, sizeof(buf)), 0);
	close(c);
	fwd_target(fw, "127.0.0.1");
	c = connect_to(SOCK_STREAM, ht);
	pump(fw, 20);
	assert_true(read(c, buf, sizeof(buf)) <= 0 && errno != EAGAIN);
	assert_int_equal(fwd_active(fw), 0);
	close(c);
	/* a datagram to a guest port nobody serves: the guest's "port
	   unreachable" is taken once, it does not wake the loop again */
	c = connect_to(SOCK_DGRAM, hu);
	assert_int_equal(send(c, "x", 1, 0), 1);
	pump(fw, 5);
	assert_true(busy(fw) <= 2);
	close(c);
	fwd_close(fw);
}

/* a host port another holds: the error names the port and the holder */
static void taken(void **s)
{
	unsigned port, hu = free_port(SOCK_DGRAM);
	int held = bound(SOCK_STREAM, &port);
	char want[160], *why = NULL;

	(void)s;
	assert_null(open_fwd(port, 22, hu, 53, &why));
	assert_non_null(why);
	snprintf(want, sizeof(want),
		 "forward 127.0.0.1:%u->22/tcp: host port %u is taken by pid "
		 "%d (",
		 port, port, (int)getpid());
	assert_non_null(strstr(why, want));
	free(why);
	close(held);
}

/* who holds a port is asked of the address the forward wants: a listener
   on another loopback address (127.0.0.2) is not it */
static void holder_by_address(void **s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char name[32];
	pid_t pid = 0;
	uid_t uid;

	(void)s;
	inet_pton(AF_INET, "127.0.0.2", &sa.sin_addr);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(os_port_holder(false, "127.0.0.1", ntohs(sa.sin_port),
					&uid, &pid, name, sizeof(name)),
			 -ENOENT);
	assert_int_equal(os_port_holder(false, "127.0.0.2", ntohs(sa.sin_port),
					&uid, &pid, name, sizeof(name)),
			 0);
	assert_int_equal(pid, getpid());
	assert_int_equal(uid, getuid());
	close(fd);
}

/* a connection relayed: what c writes comes back within rounds of pump */
static bool echoed(struct fwd *fw, int c, const char *what, int rounds)
{
	char buf[64];
	ssize_t n = -1;
	int i;

	if (write(c, what, strlen(what)) != (ssize_t)strlen(what))
		return false;
	for (i = 0; i < rounds && n <= 0; i++) {
		pump(fw, 1);
		n = read(c, buf, sizeof(buf));
	}
	return n == (ssize_t)strlen(what) && !memcmp(buf, what, (size_t)n);
}

/* out of descriptors: the connection waits (the loop is not woken for it
   meanwhile) and is relayed once there are descriptors again; an accept
   that works is never taken for "out of descriptors", whatever errno held */
static void out_of_descriptors(void **s)
{
	unsigned gt, ht = free_port(SOCK_STREAM), hu = free_port(SOCK_DGRAM);
	struct rlimit was, low;
	struct fwd *fw;
	char *why;
	int c, c2, c3, probe, i;

	(void)s;
	guest_l = bound(SOCK_STREAM, &gt);
	fw = open_fwd(ht, gt, hu, gt, &why);
	assert_non_null(fw);
	fwd_target(fw, "127.0.0.1");
	c = connect_to(SOCK_STREAM, ht);
	probe = dup(0); /* the lowest free descriptor: none from here on */
	close(probe);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	low = was;
	low.rlim_cur = (rlim_t)probe;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_true(busy(fw) <= 2);
	assert_int_equal(fwd_active(fw), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
	/* within the second's rest and a little more */
	assert_true(echoed(fw, c, "waited", 150));
	/* an accept that works, errno still EMFILE from before: at once,
	   and the listener is not rested (the next one too) */
	c2 = connect_to(SOCK_STREAM, ht);
	for (i = 0; i < 20 && fwd_active(fw) < 2; i++) {
		struct pollfd fds[64];
		int n, timeout = 10;

		n = fwd_pollfds(fw, fds, 64, &timeout);
		poll(fds, (nfds_t)n, 10);
		errno = EMFILE;
		fwd_dispatch(fw, fds, n);
		serve_guest();
	}
	assert_int_equal(fwd_active(fw), 2);
	c3 = connect_to(SOCK_STREAM, ht);
	pump(fw, 20);
	assert_int_equal(fwd_active(fw), 3);
	close(c);
	close(c2);
	close(c3);
	fwd_close(fw);
	close_guest();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(relayed),
		cmocka_unit_test(refused),
		cmocka_unit_test(taken),
		cmocka_unit_test(holder_by_address),
		cmocka_unit_test(out_of_descriptors),
	};

	return cmocka_run_group_tests_name("fwd", tests, NULL, NULL);
}
