/* term.c: the local terminal of a guest's console: raw mode, and the escape key. */
#include "term.h"

#include <errno.h>
#include <unistd.h>

int term_raw(struct termios *saved)
{
	struct termios raw;

	if (!isatty(0))
		return -ENOTTY;
	if (tcgetpgrp(0) != getpgrp())
		return -EPERM;
	if (tcgetattr(0, saved) < 0)
		return -errno;
	raw = *saved;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST | ONLCR; /* (our own messages stay lines) */
	if (tcsetattr(0, TCSAFLUSH, &raw) < 0)
		return -errno;
	return 0;
}

enum term_key term_key(bool *escaped, char c)
{
	if (*escaped) {
		*escaped = false;
		return c == TERM_ESCAPE ? TERM_PASS : TERM_COMMAND;
	}
	if (c == TERM_ESCAPE) {
		*escaped = true;
		return TERM_SWALLOW;
	}
	return TERM_PASS;
}
