/* test_relay.c: the byte relay of vsock ports and port forwards (bridge/relay.c) over real socket pairs. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bridge/relay.h"

/* a test whose data never comes fails, it does not hang: reads give up
   after a second */
static void no_hang(int fd)
{
	struct timeval tv = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* client <-> [a  relay  b] <-> server */
static int client, server;
static struct relay r;

static int setup(void **s)
{
	int c[2], v[2];

	(void)s;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, v), 0);
	client = c[0];
	server = v[1];
	relay_init(&r, c[1], v[0]);
	no_hang(client);
	no_hang(server);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	relay_close(&r);
	if (client >= 0)
		close(client);
	if (server >= 0)
		close(server);
	return 0;
}

/* what the loop does: poll what the relay asks for, then step; false once
   the relay is over */
static bool pump(int rounds)
{
	struct pollfd fds[2];
	bool live = true;
	int n;

	while (rounds-- > 0 && live) {
		n = relay_pollfds(&r, fds);
		if (!n)
			return false;
		poll(fds, (nfds_t)n, 20);
		live = relay_step(&r);
	}
	return live;
}

static void both_ways(void **s)
{
	char buf[16] = "";

	(void)s;
	assert_int_equal(write(client, "hello", 5), 5);
	assert_true(pump(3));
	assert_int_equal(read(server, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(write(server, "world!", 6), 6);
	assert_true(pump(3));
	assert_int_equal(read(client, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "world!", 6);
}

/* the client is done talking: the server hears the end, and can still
   answer; once both are done, the relay is over */
static void half_close(void **s)
{
	char buf[16];

	(void)s;
	assert_int_equal(write(client, "last", 4), 4);
	shutdown(client, SHUT_WR);
	assert_true(pump(3));
	assert_int_equal(read(server, buf, sizeof(buf)), 4);
	assert_int_equal(read(server, buf, sizeof(buf)), 0); /* the end */
	assert_int_equal(write(server, "reply", 5), 5);
	assert_true(pump(3));
	assert_int_equal(read(client, buf, sizeof(buf)), 5);
	close(server);
	server = -1;
	assert_false(pump(5));
	assert_int_equal(read(client, buf, sizeof(buf)), 0);
}

/* a server that does not read: the relay holds a bounded amount and never
   blocks; all of it arrives, in order, once the server reads */
static void slow_side(void **s)
{
	static char out[1 << 20], in[1 << 20];
	size_t sent = 0, got = 0;
	ssize_t n;
	int i;

	(void)s;
	for (i = 0; i < (int)sizeof(out); i++)
		out[i] = (char)(i * 7 + i / 251);
	fcntl(client, F_SETFL, O_NONBLOCK);
	fcntl(server, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 200 && sent < sizeof(out); i++) {
		n = write(client, out + sent, sizeof(out) - sent);
		if (n > 0)
			sent += (size_t)n;
		assert_true(pump(1)); /* (returns: nothing blocks) */
	}
	assert_true(sent < sizeof(out)); /* the client was held back */
	assert_true(r.half[0].len <= RELAY_BUF);
	while (got < sizeof(out)) {
		n = write(client, out + sent, sizeof(out) - sent);
		if (n > 0)
			sent += (size_t)n;
		pump(1);
		n = read(server, in + got, sizeof(in) - got);
		if (n > 0)
			got += (size_t)n;
	}
	assert_int_equal(got, sizeof(out));
	assert_memory_equal(in, out, sizeof(out));
}

/* the client is gone for good while the server stays quiet: the relay
   waits for the server without being woken by the client's hang-up */
static void no_busy_loop(void **s)
{
	struct pollfd fds[2];
	char buf[8];
	int n;

	(void)s;
	close(client);
	client = -1;
	assert_true(pump(3)); /* (the server still may answer) */
	assert_int_equal(read(server, buf, sizeof(buf)), 0);
	n = relay_pollfds(&r, fds);
	assert_int_equal(poll(fds, (nfds_t)n, 100), 0); /* nothing wakes it */
}

/* the server answers and hangs up while the client is still talking: the
   answer reaches the client all the same */
static void answer_then_hang_up(void **s)
{
	char buf[16];
	int i;

	(void)s;
	assert_int_equal(write(server, "RESPONSE", 8), 8);
	close(server);
	server = -1;
	/* (once the relay finds nobody reads there, the client is told:
	   its writes fail) */
	for (i = 0; i < 5 && write(client, "more", 4) == 4; i++)
		pump(1);
	pump(2);
	assert_int_equal(read(client, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "RESPONSE", 8);
}

/* the server went away: what the client still sends ends the relay */
static void broken_side(void **s)
{
	(void)s;
	close(server);
	server = -1;
	assert_int_equal(write(client, "x", 1), 1);
	assert_false(pump(5));
	assert_int_equal(relay_pollfds(&r, (struct pollfd[2]){ 0 }), 0);
}

/* the server stops reading but still talks: the client's bytes that cannot
   be delivered are let go (nothing polls for a way out that is over), and
   the server's answer still gets through */
static void deaf_server(void **s)
{
	struct pollfd fds[2];
	char buf[8];
	int n;

	(void)s;
	assert_int_equal(shutdown(server, SHUT_RD), 0);
	assert_int_equal(write(client, "lost", 4), 4);
	assert_true(pump(3));
	n = relay_pollfds(&r, fds);
	assert_int_equal(poll(fds, (nfds_t)n, 100), 0); /* nothing wakes it */
	assert_int_equal(write(server, "late", 4), 4);
	assert_true(pump(3));
	assert_int_equal(read(client, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "late", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(slow_side, setup, teardown),
		cmocka_unit_test_setup_teardown(no_busy_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(broken_side, setup, teardown),
		cmocka_unit_test_setup_teardown(deaf_server, setup, teardown),
		cmocka_unit_test_setup_teardown(answer_then_hang_up, setup,
						teardown),
	};

	signal(SIGPIPE, SIG_IGN); /* as vzhost does */
	return cmocka_run_group_tests_name("relay", tests, NULL, NULL);
}
