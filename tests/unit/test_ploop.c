/* test_ploop.c: plugins' watches and timers on the core's loop: called when due, replaced, removed (also from inside a callback), dropped with their plugin. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "host.h"
#include "ploop.h"
#include "util.h"

static struct plugin plugin_a = { .name = "a" }, plugin_b = { .name = "b" };
static struct plugin *pa = &plugin_a, *pb = &plugin_b;
static int calls[8];
static unsigned seen;
static int remove_fd = -1;

static void on_fd(void *data, int fd, unsigned events)
{
	char c;

	calls[(intptr_t)data]++;
	seen = events;
	if (events & VZH_WATCH_READ)
		(void)!read(fd, &c, 1);
	if (remove_fd >= 0) /* a callback that ends another watch */
		ploop_watch(pa, remove_fd, 0, NULL, NULL);
}

static void on_timer(void *data)
{
	calls[(intptr_t)data]++;
}

/* one turn of a loop: poll what ploop asks, then dispatch */
static int turn(int max_ms)
{
	struct pollfd fds[16];
	int timeout = max_ms, n = ploop_pollfds(fds, 16, &timeout);

	if (timeout > max_ms || timeout < 0)
		timeout = max_ms;
	poll(fds, (nfds_t)n, timeout);
	ploop_dispatch(fds, n);
	return n;
}

static void watches(void **s)
{
	int p[2], q[2];

	(void)s;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	assert_int_equal(
		ploop_watch(pa, p[0], VZH_WATCH_READ, on_fd, (void *)1), 0);
	assert_int_equal(turn(0), 1);
	assert_int_equal(calls[1], 0); /* nothing to read yet */
	assert_int_equal(write(p[1], "x", 1), 1);
	turn(100);
	assert_int_equal(calls[1], 1);
	assert_int_equal(seen, VZH_WATCH_READ);
	/* the same fd again replaces the watch; events 0 removes it */
	assert_int_equal(
		ploop_watch(pa, p[0], VZH_WATCH_READ, on_fd, (void *)2), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(turn(100), 1);
	assert_int_equal(calls[1], 1);
	assert_int_equal(calls[2], 1);
	/* writable: the write end of a pipe with room */
	assert_int_equal(
		ploop_watch(pb, q[1], VZH_WATCH_WRITE, on_fd, (void *)3), 0);
	turn(100);
	assert_int_equal(calls[3], 1);
	assert_int_equal(seen, VZH_WATCH_WRITE);
	assert_int_equal(ploop_watch(pb, q[1], 0, NULL, NULL), 0);
	assert_int_equal(ploop_watch(pb, q[1], 0, NULL, NULL), -ENOENT);
	/* a callback removing another watch ready in the same turn: that
	   one is not called */
	assert_int_equal(
		ploop_watch(pa, q[0], VZH_WATCH_READ, on_fd, (void *)4), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(write(q[1], "x", 1), 1);
	remove_fd = q[0];
	turn(100);
	remove_fd = -1;
	assert_int_equal(calls[2], 2);
	assert_int_equal(calls[4], 0);
	assert_int_equal(turn(0), 1); /* p[0]'s watch only */
	/* a plugin's watches go with it */
	ploop_drop(pa);
	assert_int_equal(turn(0), 0);
	assert_int_equal(ploop_watch(pa, -1, VZH_WATCH_READ, on_fd, NULL),
			 -EINVAL);
	close(p[0]), close(p[1]), close(q[0]), close(q[1]);
}

/* changes its own events the common way: removed, then watched again */
static void readd(void *data, int fd, unsigned events)
{
	(void)events;
	calls[(intptr_t)data]++;
	ploop_watch(pa, fd, 0, NULL, NULL);
	ploop_watch(pa, fd, VZH_WATCH_READ, readd, data);
}

/* a watch made in a callback waits for the next poll; a descriptor closed
   under its watch is dropped, not polled again and again */
static void registrations(void **s)
{
	int p[2], q[2];

	(void)s;
	memset(calls, 0, sizeof(calls));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(
		ploop_watch(pa, p[0], VZH_WATCH_READ, readd, (void *)1), 0);
	turn(100);
	assert_int_equal(calls[1], 1); /* once, not forever */
	turn(100);
	assert_int_equal(calls[1], 2);
	assert_int_equal(pipe(q), 0);
	assert_int_equal(
		ploop_watch(pb, q[0], VZH_WATCH_READ, on_fd, (void *)2), 0);
	close(q[0]);
	turn(100);
	assert_int_equal(calls[2], 1);
	assert_int_equal(seen, VZH_WATCH_ERROR);
	assert_int_equal(ploop_watch(pb, q[0], 0, NULL, NULL), -ENOENT);
	ploop_drop(pa);
	ploop_drop(pb);
	close(p[0]), close(p[1]), close(q[1]);
}

static void timers(void **s)
{
	long long t0 = util_now_ms();
	int64_t once, every, dropped;

	(void)s;
	once = ploop_timer(pa, 30, 0, on_timer, (void *)5);
	every = ploop_timer(pa, 10, 10, on_timer, (void *)6);
	dropped = ploop_timer(pb, 5, 0, on_timer, (void *)7);
	assert_true(once > 0 && every > once && dropped > every);
	assert_int_equal(ploop_timer_cancel(pb, dropped), 0);
	assert_int_equal(ploop_timer_cancel(pb, dropped), -ENOENT);
	assert_int_equal(ploop_timer_cancel(pb, every), -ENOENT); /* pa's */
	while (util_now_ms() - t0 < 100)
		turn(100);
	assert_int_equal(calls[5], 1);
	assert_in_range(calls[6], 5, 10);
	assert_int_equal(calls[7], 0);
	assert_int_equal(ploop_timer_cancel(pa, every), 0);
	calls[6] = 0;
	t0 = util_now_ms();
	while (util_now_ms() - t0 < 30)
		turn(30);
	assert_int_equal(calls[6], 0);
	ploop_drop(pa);
	ploop_drop(pb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(watches),
		cmocka_unit_test(registrations),
		cmocka_unit_test(timers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
