/* exits.h: vzhost's exit statuses (sysexits), one table for --help, the README and the tests. */
#ifndef VZH_EXITS_H
#define VZH_EXITS_H

#include <stdio.h>

struct exit_status {
	int code;
	const char *meaning;
};

/* every status vzhost returns, in order; ends with a NULL meaning */
extern const struct exit_status exit_statuses[];

/* "  0   every VM stopped ..." one per line, as --help and the README show it */
void exits_print(FILE *f);

#endif
