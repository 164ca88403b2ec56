/* console.h: guest consoles to vzhost's standard output (a bounded buffer that never blocks the loop), and each VM's scrollback for ctl console. */
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

#define CONSOLE_SCROLLBACK (64 * 1024) /* what `ctl VM console` replays */

/* VM vm's console said s[0..n) (as the guest wrote it): kept, the last
   CONSOLE_SCROLLBACK bytes, and handed to the listener */
void console_tap(unsigned vm, const char *s, size_t n);
typedef void console_listener_fn(void *arg, unsigned vm, const char *s,
				 size_t n);
/* who hears every console_tap (one: the control socket) */
void console_listen(console_listener_fn *fn, void *arg);
/* vm's scrollback, oldest first, in two pieces: *a then *b */
void console_scrollback(unsigned vm, const char **a, size_t *alen,
			const char **b, size_t *blen);
/* every scrollback freed (at exit) */
void console_forget(void);

#endif
