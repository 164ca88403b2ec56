/* restart.c: the restart policy's arithmetic: the backoff, and when a restart loop is given up. */
#include "restart.h"

#include <string.h>

#include "util.h"

unsigned restart_next(struct restart_log *l, long long now_ms, unsigned *recent)
{
	unsigned i;

	*recent = 0;
	for (i = 0; i < l->n; i++)
		*recent += now_ms - l->at[i] < RESTART_WINDOW_MS;
	if (*recent >= RESTART_MAX)
		return 0;
	if (!*recent) /* quiet for a window: start over at 1 s */
		l->backoff = 0;
	if (l->n == ARRAY_SIZE(l->at)) {
		memmove(l->at, l->at + 1, (l->n - 1) * sizeof(*l->at));
		l->n--;
	}
	l->at[l->n++] = now_ms;
	l->backoff = l->backoff ? 2 * l->backoff : 1;
	if (l->backoff > RESTART_BACKOFF_MAX_S)
		l->backoff = RESTART_BACKOFF_MAX_S;
	return l->backoff;
}
