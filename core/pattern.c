/* pattern.c: console-line patterns (PCRE2) matched in bounded time, whatever the pattern and the line. */
#include "pattern.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util.h"

/*
 * PCRE2's matcher backtracks, and some patterns make it try exponentially
 * many ways on a line ((a|a)*b, (.*)(.*)(.*)x).  Its own match limit counts
 * per start offset, and not what one item does between two backtracks
 * (a.{0,300}.{0,300}[xy] took a second on 1024 bytes under it), so every
 * match also carries a clock: a callout before each item of the pattern
 * looks at the thread's CPU time every CLOCK_EVERY items and ends the match
 * after MATCH_MS of it, the line then undecided (CPU time, not the wall's:
 * on a busy host a trivial match may wait longer than that for a core).  Back-references are refused outright: no
 * engine matches them in time bounded by the line.
 */
#define MATCH_MS 5 /* CPU time of one match, at most */
#define CLOCK_EVERY 16 /* callouts between two looks at the clock */
#define MATCH_LIMIT 1000000 /* backtracking points (per start offset) */
#define DEPTH_LIMIT 1000 /* their nesting */
#define HEAP_LIMIT 256 /* KiB the matcher may take */
#define CODE_MAX (64 << 10) /* bytes of compiled pattern */

struct pattern {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	unsigned calls; /* callouts of the match under way */
	long long until_us; /* ... and the CPU time it must end by */
};

static long long cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* before each item: over time, the match is abandoned */
static int clock_callout(pcre2_callout_block *cb, void *data)
{
	struct pattern *p = data;

	(void)cb;
	if (++p->calls % CLOCK_EVERY == 0 && cpu_us() > p->until_us)
		return PCRE2_ERROR_CALLOUT;
	return 0;
}

void pattern_free(struct pattern *p)
{
	if (!p)
		return;
	pcre2_match_context_free(p->mc);
	pcre2_match_data_free(p->md);
	pcre2_code_free(p->code);
	free(p);
}

static void say(char *why, size_t len, const char *what, int err)
{
	PCRE2_UCHAR msg[120];

	if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", err);
	snprintf(why, len, "%s: %s", what, (char *)msg);
}

/* 1, 0, -1 (a limit), or PCRE2's own error (< -1: pattern_new tells the
   user; at run time it counts as undecided) */
static int match(struct pattern *p, const char *s, size_t n)
{
	int r;

	p->calls = 0;
	p->until_us = cpu_us() + MATCH_MS * 1000;
	r = pcre2_match(p->code, (PCRE2_SPTR)s, n, 0, 0, p->md, p->mc);
	if (r >= 0)
		return 1; /* 0: a match the match data was too small for */
	if (r == PCRE2_ERROR_NOMATCH)
		return 0;
	if (r == PCRE2_ERROR_CALLOUT || r == PCRE2_ERROR_MATCHLIMIT ||
	    r == PCRE2_ERROR_DEPTHLIMIT || r == PCRE2_ERROR_HEAPLIMIT ||
	    r == PCRE2_ERROR_NOMEMORY)
		return -1;
	return r < -1 ? r : -2;
}

struct pattern *pattern_new(const char *src, char *why, size_t len)
{
	struct pattern *p = xcalloc(1, sizeof(*p));
	uint32_t backrefs = 0;
	size_t size = 0, at;
	int err, r;

	if (strlen(src) > PATTERN_MAX) {
		snprintf(why, len, "longer than %d bytes", PATTERN_MAX);
		goto bad;
	}
	/* no UTF, (*UTF) included: a console says bytes, not always UTF-8
	   (a line that is not would never match) */
	p->code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
				PCRE2_NEVER_BACKSLASH_C | PCRE2_NEVER_UTF |
					PCRE2_AUTO_CALLOUT,
				&err, &at, NULL);
	if (!p->code) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(err, msg, sizeof(msg));
		snprintf(why, len, "not a regular expression: %s at offset %zu",
			 (char *)msg, at);
		goto bad;
	}
	pcre2_pattern_info(p->code, PCRE2_INFO_BACKREFMAX, &backrefs);
	pcre2_pattern_info(p->code, PCRE2_INFO_SIZE, &size);
	if (backrefs) {
		snprintf(why, len,
			 "back-references (such as \\1 or \\k<name>) cannot "
			 "be matched in bounded time: match the text itself");
		goto bad;
	}
	if (size > CODE_MAX) {
		snprintf(why, len, "too large once compiled (%zu bytes)", size);
		goto bad;
	}
	p->md = pcre2_match_data_create(1, NULL);
	p->mc = pcre2_match_context_create(NULL);
	if (!p->md || !p->mc) {
		snprintf(why, len, "out of memory");
		goto bad;
	}
	pcre2_set_callout(p->mc, clock_callout, p);
	pcre2_set_match_limit(p->mc, MATCH_LIMIT);
	pcre2_set_depth_limit(p->mc, DEPTH_LIMIT);
	pcre2_set_heap_limit(p->mc, HEAP_LIMIT);
	/* a pattern that fails at its first match fails here, not later */
	r = match(p, "", 0);
	if (r < -1) {
		say(why, len, "cannot be matched", r);
		goto bad;
	}
	return p;
bad:
	pattern_free(p);
	return NULL;
}

int pattern_match(struct pattern *p, const char *s, size_t n)
{
	int r = match(p, s, n);

	return r < 0 ? -1 : r;
}
