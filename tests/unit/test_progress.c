/* test_progress.c: the progress of a download or an install, as a terminal bar or a line per 10 % (core/progress.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "progress.h"

#define GiB (1024ull * 1024 * 1024)
#define MiB (1024ull * 1024)

/* not a terminal: one line per 10 %, with size, rate and time left */
static void lines(void **s)
{
	struct progress p = { "downloading", 10 * GiB, true, false, 1000, 0 };
	char buf[256];
	int printed = 0;
	uint64_t done;

	(void)s;
	progress_format(&p, 512 * MiB, 2000, buf, sizeof(buf));
	assert_string_equal(buf, ""); /* 5 %: nothing yet */
	/* 1 GiB after 10 s: 102.4 MiB/s, 9 GiB left: 90 s */
	progress_format(&p, GiB, 11000, buf, sizeof(buf));
	assert_string_equal(buf, "downloading: 10% (1.0 GiB of 10.0 GiB, "
				 "102.4 MiB/s, 1m30s left)\n");
	progress_format(&p, GiB + MiB, 11100, buf, sizeof(buf));
	assert_string_equal(buf, ""); /* the same ten */
	/* every ten once, the last always */
	for (done = GiB + 100 * MiB; done < 10 * GiB; done += 100 * MiB) {
		progress_format(&p, done, 12000, buf, sizeof(buf));
		printed += buf[0] != 0;
	}
	assert_int_equal(printed, 8); /* 20 % ... 90 % */
	progress_format(&p, 10 * GiB, 100000, buf, sizeof(buf));
	assert_string_equal(buf,
			    "downloading: 100% (10.0 GiB of 10.0 GiB, "
			    "103.4 MiB/s, 0s left)\n"); /* 10 GiB in 99 s */
}

/* a terminal: one bar redrawn in place, at most four times a second */
static void bar(void **s)
{
	struct progress p = { "downloading", 100 * MiB, true, true, 0, 0 };
	char buf[256];

	(void)s;
	progress_format(&p, 25 * MiB, 5000, buf, sizeof(buf));
	assert_string_equal(buf,
			    "\rdownloading [#######                       ]"
			    "  25%  25.0 MiB of 100.0 MiB  5.0 MiB/s  "
			    "ETA 15s\033[K");
	progress_format(&p, 26 * MiB, 5100, buf, sizeof(buf));
	assert_string_equal(buf, "");
	progress_format(&p, 100 * MiB, 5200, buf, sizeof(buf));
	assert_non_null(strstr(buf, "[##############################] 100%"));
	assert_int_equal(buf[strlen(buf) - 1], '\n');
}

/* a resumed download: the rate counts what moved in this run only; an
   install's fraction has no sizes; an hour shows as hours */
static void resumed_and_fraction(void **s)
{
	struct progress p = { "downloading", 10 * GiB, true, false, 0, 5 * GiB };
	struct progress f = { "installing", PROGRESS_FRACTION, false, false,
			      0 };
	char buf[256];

	(void)s;
	p.shown = 5;
	progress_format(&p, 6 * GiB, 10240, buf, sizeof(buf));
	assert_string_equal(buf, "downloading: 60% (6.0 GiB of 10.0 GiB, "
				 "100.0 MiB/s, 41s left)\n");
	progress_format(&f, 100, 400000, buf, sizeof(buf));
	assert_string_equal(buf, "installing: 10% (1h00m left)\n");
	/* no time elapsed: no rate to guess from */
	f.shown = 0;
	f.start_ms = 400000;
	progress_format(&f, 200, 400000, buf, sizeof(buf));
	assert_string_equal(buf, "installing: 20% (-- left)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines),
		cmocka_unit_test(bar),
		cmocka_unit_test(resumed_and_fraction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
