/* util.h: allocation that cannot fail, clocks, sizes, MACs, paths, edit distance, UTF-8. */
#ifndef VZH_UTIL_H
#define VZH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MiB (1024ull * 1024)

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* milliseconds: CLOCK_MONOTONIC for deadlines, CLOCK_REALTIME for people */
long long util_now_ms(void);
long long util_wall_ms(void);
/* poll()'s *timeout_ms (-1: none yet) lowered to left_ms, a deadline's
   distance from now (one already past: 0) */
void util_lower_timeout(int *timeout_ms, long long left_ms);

/* "512M", "8G", "1T", "4096", "4096B"; powers of 1024.  0 or -EINVAL/-ERANGE */
int util_parse_size(const char *s, uint64_t *out);
/* "2 GiB", "512 MiB", "1000 B": exact when possible */
void util_format_size(uint64_t v, char *buf, size_t len);

void util_format_mac(const uint8_t mac[6], char buf[18]);

/* dir + "/" + rel unless rel is absolute; result is malloc'd */
char *util_path_join(const char *dir, const char *rel);
/* malloc'd directory part of path ("." when there is none) */
char *util_dirname(const char *path);

/* Levenshtein distance, capped at 255 for long inputs */
unsigned util_edit_distance(const char *a, const char *b);
/* the member of cands (NULL-terminated) nearest to s, when near enough */
const char *util_did_you_mean(const char *s, const char *const *cands);
/* s is well-formed UTF-8 (no overlong form, no surrogate, nothing past
   U+10FFFF): jansson's check, what JSON and NSString take */
bool util_utf8(const char *s);

#endif
