/* term.h: the local terminal of a guest's console: raw mode, and the escape key (Ctrl-], as virsh console and telnet). */
#ifndef VZH_TERM_H
#define VZH_TERM_H

#include <stdbool.h>
#include <termios.h>

#define TERM_ESCAPE 0x1d /* Ctrl-] */

/* standard input to raw mode, output keeping its newlines; *saved: as it
   was.  0, or -errno: not a terminal, or not ours (we run in the
   background of it: reading it or changing its modes would stop us with
   SIGTTIN or SIGTTOU) */
int term_raw(struct termios *saved);

enum term_key {
	TERM_PASS, /* for the guest */
	TERM_SWALLOW, /* the escape key: the next key is a command */
	TERM_COMMAND, /* the key after the escape (twice: TERM_PASS) */
};
/* what key c is, the key before it considered (*escaped) */
enum term_key term_key(bool *escaped, char c);

#endif
