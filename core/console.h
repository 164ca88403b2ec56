/* console.h: guest consoles to vzhost's standard output, through a bounded buffer that never blocks the loop. */
#ifndef VZH_CONSOLE_H
#define VZH_CONSOLE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define CONSOLE_MAX (1024 * 1024) /* bytes waiting for a slow stdout */

/* queue n bytes for standard output; what does not fit is counted, and said
   once the output flows again */
void console_write(const char *s, size_t n);
/* the descriptor to poll while output waits (false: nothing waits) */
bool console_pollfd(struct pollfd *p);
/* write what standard output takes now, without blocking */
void console_flush(void);
/* at exit: a last chance of up to timeout_ms, then what is left is dropped */
void console_drain(int timeout_ms);
/* bytes dropped so far (tests) */
unsigned long long console_dropped(void);

#endif
