/* cfglit.h: the integer literals of a libconfig file, in order, as written (libconfig 1.5 wraps what it reads of them). */
#ifndef VZH_CFGLIT_H
#define VZH_CFGLIT_H

#include <stdbool.h>
#include <stddef.h>

/* one integer literal: its line, and the value the user wrote */
struct cfg_lit {
	unsigned line;
	long long value;
	bool wide; /* L-suffixed: libconfig keeps its 64 bits */
	bool overflow; /* beyond 64 bits */
};

/*
 * Every integer literal of text (a whole file) in the order libconfig reads
 * them: past comments (#, //, and block comments over several lines),
 * strings, @include lines, names (cpus2) and floats (1.5, 1e6); decimal
 * (a leading 0 is not octal to libconfig) or 0x hex.  *n of them; the
 * caller frees the array.
 */
struct cfg_lit *cfglit_scan(const char *text, size_t *n);

#endif
