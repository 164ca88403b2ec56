/* diag.h: the list of configuration errors, so every error is shown, not only the first. */
#ifndef VZH_DIAG_H
#define VZH_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct diag {
	char **msgs;
	size_t n, cap;
};

/* adds "loc: message"; loc is "file:line: path" or NULL */
void diag_add(struct diag *d, const char *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_vadd(struct diag *d, const char *loc, const char *fmt, va_list ap);
void diag_print(const struct diag *d, FILE *f);
void diag_free(struct diag *d);

#endif
