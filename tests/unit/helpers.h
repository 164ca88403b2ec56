/* helpers.h: temporary files and a one-call pipeline for the core's unit tests. */
#ifndef VZH_TEST_HELPERS_H
#define VZH_TEST_HELPERS_H

#include <stdbool.h>

#include "host.h"

/* printf into one of a few static buffers: for assertions, without leaks */
const char *th_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a fresh directory under /tmp, removed by th_cleanup() */
const char *th_dir(void);
/* writes dir/name (dir NULL: th_dir()); returns the malloc'd path */
char *th_write(const char *dir, const char *name, const char *text);
/* how many descriptors this process has open (/proc/self/fd) */
int th_open_fds(void);
void th_cleanup(void);
/* what the core writes to stderr (its log) between these two calls; the
   text is the end's static buffer */
void th_stderr_begin(void);
const char *th_stderr_end(void);
/* writes text as host.conf and runs open, plugins and build on it, with the
   built plugins and fixtures on the plugin path; returns h->diag.n */
/* what plugins are told vzhost runs for (api->mode): VZH_MODE_LIST unless
   a test sets it */
extern enum vzh_mode th_mode;
size_t th_pipeline(struct host *h, const char *text);
/* the same with VZHOST_PLUGIN_PATH set to path */
size_t th_pipeline_path(struct host *h, const char *text, const char *path);
/* does one collected error contain every one of the NULL-terminated parts? */
bool th_has(const struct host *h, const char *part, ...);

#endif
