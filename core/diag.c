/* diag.c: the list of configuration errors, so every error is shown, not only the first. */
#include "diag.h"

#include <stdlib.h>

#include "util.h"

void diag_vadd(struct diag *d, const char *loc, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);

	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 8;
		d->msgs = xrealloc(d->msgs, d->cap * sizeof(*d->msgs));
	}
	d->msgs[d->n++] = loc ? xasprintf("%s: %s", loc, msg) : msg;
	if (loc)
		free(msg);
}

void diag_add(struct diag *d, const char *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, loc, fmt, ap);
	va_end(ap);
}

void diag_print(const struct diag *d, FILE *f)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->msgs[i]);
}

void diag_free(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = d->cap = 0;
}
