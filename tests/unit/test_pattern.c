/* test_pattern.c: ready-check patterns: what matches, what is refused, and the matcher's bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "pattern.h"

static int match(const char *pat, const char *line)
{
	char why[200];
	struct pattern *p = pattern_new(pat, why, sizeof(why));
	int r;

	assert_non_null(p);
	r = pattern_match(p, line, strlen(line));
	pattern_free(p);
	return r;
}

/* what a user writes for a console line: the POSIX extended expressions of
   earlier versions keep their meaning */
static void matches(void **s)
{
	(void)s;
	assert_int_equal(match("login: $", "debian login: "), 1);
	assert_int_equal(match("login: $", "login: root"), 0);
	assert_int_equal(match("^VZH-GUEST: serving [0-9]+$",
			       "VZH-GUEST: serving 7777"),
			 1);
	assert_int_equal(match("[[:digit:]]{3} ready", "booted: 042 ready"), 1);
	assert_int_equal(match("(ready|up)$", "system is up"), 1);
	assert_int_equal(match("a.c", "a\nc"), 0); /* one line: no newline */
	/* bytes, not UTF-8: a console may say anything */
	assert_int_equal(match("ok", "\xff\xfe ok"), 1);
}

static void refused(void **s)
{
	char why[200];

	(void)s;
	/* back-references: exponential whatever the engine */
	assert_null(pattern_new("(.*)(.*)(.*)\\1\\2\\3x", why, sizeof(why)));
	assert_non_null(strstr(why, "back-references"));
	assert_null(pattern_new("(?<w>a+)\\k<w>", why, sizeof(why)));
	assert_non_null(strstr(why, "back-references"));
	/* UTF mode: a line that is not UTF-8 would never match */
	assert_null(pattern_new("(*UTF)login:", why, sizeof(why)));
	assert_null(pattern_new("(unclosed", why, sizeof(why)));
	assert_non_null(strstr(why, "missing closing parenthesis"));
	memset(why, 0, sizeof(why));
	{
		char big[PATTERN_MAX + 2];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		assert_null(pattern_new(big, why, sizeof(why)));
		assert_non_null(strstr(why, "longer than 512 bytes"));
		big[PATTERN_MAX] = 0; /* at the bound: taken */
		pattern_free(pattern_new(big, why, sizeof(why)));
	}
}

/* patterns that make a backtracking matcher work for seconds on a line
   (PCRE2's own limit counts per start offset, and not what one item does):
   undecided after a few milliseconds, not decided after seconds */
static void bounded(void **s)
{
	char line[1025];

	(void)s;
	memset(line, 'a', 1024);
	line[1024] = 0;
	/* 7.6 s, and 0.96 s, without the clock */
	assert_int_equal(match("a.{0,200}.{0,200}[^x]{0,1024}+[xy]", line), -1);
	assert_int_equal(match("a.{0,300}.{0,300}[xy]", line), -1);
	memcpy(line, "ready-x", 7);
	line[60] = 0;
	/* the same pattern decides a line that ends as it wants at once */
	assert_int_equal(match("(.*)(.*)(.*)(.*)(.*)ready-x$",
			       "VZH-GUEST: longline done ready-x"),
			 1);
	/* and a short line with its marker is decided, either way */
	assert_int_equal(match("(.*)(.*)(.*)(.*)(.*)ready-x$", "ready-xaaaa"),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matches),
		cmocka_unit_test(refused),
		cmocka_unit_test(bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
