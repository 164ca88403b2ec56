/* progress.h: progress of a long operation (a download, an install) as a bar on a terminal or a line per 10 %. */
#ifndef VZH_PROGRESS_H
#define VZH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress {
	const char *what; /* "downloading", "installing" */
	uint64_t total; /* bytes, or PROGRESS_FRACTION: parts per 1000 */
	bool bytes; /* done and total are bytes: show sizes and rate */
	bool tty; /* redraw one bar; else a line per 10 % */
	long long start_ms; /* when it began (monotonic ms) */
	uint64_t start_done; /* done at start_ms: a resumed download's part */
	int shown; /* tens of percent already printed (lines mode) */
	long long drawn_ms; /* the last redraw (bar mode) */
};

#define PROGRESS_FRACTION 1000

/* what to print now that done of total is reached, in buf ("" when nothing
   is due: the bar is redrawn at most 4 times a second, a line per 10 %);
   the final call (done == total) always prints */
void progress_format(struct progress *p, uint64_t done, long long now_ms,
		     char *buf, size_t len);

#endif
