/* util.c: allocation that cannot fail, clocks, sizes, MACs, paths, edit distance. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* Out of memory at configuration time has no useful recovery. */
static void *oom(void *p)
{
	if (!p) {
		fputs("vzhost: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n)
{
	return oom(malloc(n ? n : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return oom(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
	return oom(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return s ? oom(strdup(s)) : NULL;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		oom(NULL);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static long long ms_of(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

long long util_now_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}

long long util_wall_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}

void util_lower_timeout(int *timeout_ms, long long left_ms)
{
	if (left_ms < 0)
		left_ms = 0;
	if (left_ms > INT_MAX)
		left_ms = INT_MAX;
	if (*timeout_ms < 0 || left_ms < *timeout_ms)
		*timeout_ms = (int)left_ms;
}

int util_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "BKMGTP";
	const char *u;
	char *end;
	uint64_t v, mul = 1;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return -EINVAL;
		mul = 1ull << (10 * (u - units));
		end++;
		/* accept "G", "GB", "GiB", "gib" alike */
		if (u != units && (*end == 'i' || *end == 'I'))
			end++;
		if (u != units && (*end == 'b' || *end == 'B'))
			end++;
		if (*end)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

void util_format_size(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned i = 0;

	while (i + 1 < ARRAY_SIZE(units) && v && v % 1024 == 0) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", v, units[i]);
}

void util_format_mac(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

/* Drop "." and "name/.." lexically (symlinks are left to the kernel); frees in. */
static char *normalize(char *in)
{
	char *out = xmalloc(strlen(in) + 2), *seg = in, *slash;
	size_t len, used = 0;
	bool abs = in[0] == '/';

	out[0] = 0;
	while (*seg) {
		while (*seg == '/')
			seg++;
		len = strcspn(seg, "/");
		slash = strrchr(out, '/');
		if (len == 1 && seg[0] == '.') {
			/* nothing */
		} else if (len == 2 && !strncmp(seg, "..", 2) && used &&
			   strcmp(slash ? slash + 1 : out, "..")) {
			used = slash ? (size_t)(slash - out) : 0;
			out[used] = 0;
		} else if (len == 2 && !strncmp(seg, "..", 2) && abs) {
			/* "/.." is "/" */
		} else if (len) {
			if (used || abs)
				out[used++] = '/';
			memcpy(out + used, seg, len);
			used += len;
			out[used] = 0;
		}
		seg += len;
	}
	if (!used)
		strcpy(out, abs ? "/" : ".");
	free(in);
	return out;
}

char *util_path_join(const char *dir, const char *rel)
{
	if (rel[0] == '/' || !dir || !*dir)
		return normalize(xstrdup(rel));
	return normalize(xasprintf("%s/%s", dir, rel));
}

char *util_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

/* optimal string alignment: a swap of two neighbours ("dsik") costs one */
unsigned util_edit_distance(const char *a, const char *b)
{
	unsigned d[64][64], i, j, la = strlen(a), lb = strlen(b), best, cost;

	if (la >= ARRAY_SIZE(d) || lb >= ARRAY_SIZE(d))
		return 255;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = tolower((unsigned char)a[i - 1]) !=
			       tolower((unsigned char)b[j - 1]);
			best = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *util_did_you_mean(const char *s, const char *const *cands)
{
	const char *best = NULL;
	unsigned d, best_d = 255, limit = strlen(s) <= 4 ? 1 : 2;

	for (; cands && *cands; cands++) {
		d = util_edit_distance(s, *cands);
		if (d < best_d) {
			best_d = d;
			best = *cands;
		}
	}
	return best_d <= limit ? best : NULL;
}

bool util_utf8(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}
