/* pattern.h: console-line patterns (PCRE2) matched in bounded time, whatever the pattern and the line. */
#ifndef VZH_PATTERN_H
#define VZH_PATTERN_H

#include <stddef.h>

#define PATTERN_MAX 512 /* bytes of a pattern's text */

struct pattern;

/*
 * src compiled for pattern_match; NULL with why (len bytes) when it is not a
 * pattern, or asks for what cannot be matched in bounded time
 * (back-references: their matching is exponential in the line).
 */
struct pattern *pattern_new(const char *src, char *why, size_t len);
/*
 * 1: s[0..n) holds a match; 0: it does not; -1: undecided within the
 * matcher's limits (to be taken as no match).  One call takes at most
 * about 5 ms, whatever the pattern and the line.
 */
int pattern_match(struct pattern *p, const char *s, size_t n);
void pattern_free(struct pattern *p);

#endif
