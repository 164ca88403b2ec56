/* test_restart.c: the restart policy's backoff and give-up, as a user would see them over time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "restart.h"

/* a guest that runs 20 s after every restart, then crashes again: the wait
   doubles from 1 s and stops growing at 30 s */
static void backoff_doubles_to_a_cap(void **s)
{
	static const unsigned want[] = { 1, 2, 4, 8, 16, 30, 30, 30 };
	struct restart_log l = { 0 };
	long long now = 1000000;
	unsigned i, wait, recent;

	(void)s;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		wait = restart_next(&l, now, &recent);
		assert_int_equal(wait, want[i]);
		now += wait * 1000ll + 20000;
	}
}

/* a guest that stops at once: five restarts in a minute, the sixth is refused */
static void a_loop_is_given_up(void **s)
{
	struct restart_log l = { 0 };
	long long now = 5000;
	unsigned i, wait, recent;

	(void)s;
	for (i = 0; i < RESTART_MAX; i++) {
		wait = restart_next(&l, now, &recent);
		assert_int_equal(wait, 1u << i);
		assert_int_equal(recent, i);
		now += wait * 1000ll + 500;
	}
	assert_int_equal(restart_next(&l, now, &recent), 0);
	assert_int_equal(recent, RESTART_MAX);
	/* still refused: nothing was recorded */
	assert_int_equal(restart_next(&l, now + 1000, &recent), 0);
}

/* crashes every 13 s for minutes (four in any minute, never five): each
   restarted; past the log's 8 entries the newest still count, so one more
   crash a second later is the fifth in a minute, given up */
static void the_log_keeps_the_newest(void **s)
{
	struct restart_log l = { 0 };
	long long now = 0;
	unsigned i, recent;

	(void)s;
	for (i = 0; i < 12; i++, now += 13000) {
		assert_true(restart_next(&l, now, &recent) > 0);
		assert_int_equal(recent, i < 4 ? i : 4);
	}
	assert_int_equal(restart_next(&l, now - 12000, &recent), 0);
	assert_int_equal(recent, RESTART_MAX);
}

/* a quiet minute forgives: the next crash waits 1 s again */
static void a_quiet_minute_starts_over(void **s)
{
	struct restart_log l = { 0 };
	unsigned recent;

	(void)s;
	assert_int_equal(restart_next(&l, 0, &recent), 1);
	assert_int_equal(restart_next(&l, 10000, &recent), 2);
	assert_int_equal(restart_next(&l, 20000, &recent), 4);
	assert_int_equal(restart_next(&l, 20000 + RESTART_WINDOW_MS, &recent),
			 1);
	assert_int_equal(recent, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backoff_doubles_to_a_cap),
		cmocka_unit_test(a_loop_is_given_up),
		cmocka_unit_test(the_log_keeps_the_newest),
		cmocka_unit_test(a_quiet_minute_starts_over),
	};

	return cmocka_run_group_tests_name("restart", tests, NULL, NULL);
}
