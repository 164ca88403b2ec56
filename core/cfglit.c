/* cfglit.c: the integer literals of a libconfig file, in order, as written (libconfig 1.5 wraps what it reads of them). */
#include "cfglit.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* libconfig's name: [A-Za-z*][-A-Za-z0-9_*]* */
static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '*';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '*';
}

/* p past what starts at it and is no literal (a comment, a string, a
   directive, a name); the lines it crossed counted */
static const char *skip(const char *p, unsigned *line)
{
	const char *q;

	if (*p == '#' || (p[0] == '/' && p[1] == '/') || *p == '@') {
		q = strchr(p, '\n');
		return q ? q : p + strlen(p);
	}
	if (p[0] == '/' && p[1] == '*') {
		for (q = p + 2; *q && !(q[0] == '*' && q[1] == '/'); q++)
			*line += *q == '\n';
		return *q ? q + 2 : q;
	}
	if (*p == '"') {
		for (q = p + 1; *q && *q != '"'; q++) {
			if (*q == '\\' && q[1])
				q++;
			*line += *q == '\n';
		}
		return *q ? q + 1 : q;
	}
	if (name_start(*p)) {
		for (q = p; name_char(*q); q++)
			;
		return q;
	}
	return p + 1; /* punctuation */
}

/* a number at p (a sign, then a digit or a point): its end; an integer
   is added to the list */
static const char *number(const char *p, unsigned line, struct cfg_lit **v,
			  size_t *n)
{
	const char *q = p + (*p == '-' || *p == '+'), *digits = q;
	struct cfg_lit lit = { .line = line };
	bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
	char *end;

	if (hex) {
		for (q += 2; isxdigit((unsigned char)*q); q++)
			;
	} else {
		while (isdigit((unsigned char)*q))
			q++;
		/* a float: "1.5", ".5", "1e6" */
		if (*q == '.' || *q == 'e' || *q == 'E' || q == digits) {
			while (isalnum((unsigned char)*q) || *q == '.' ||
			       ((*q == '-' || *q == '+') &&
				(q[-1] == 'e' || q[-1] == 'E')))
				q++;
			return q;
		}
	}
	errno = 0;
	lit.value = strtoll(p, &end, hex ? 16 : 10);
	lit.overflow = errno == ERANGE;
	if (*q == 'L') {
		lit.wide = true;
		q += q[1] == 'L' ? 2 : 1;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = lit;
	return q;
}

struct cfg_lit *cfglit_scan(const char *text, size_t *n)
{
	struct cfg_lit *v = NULL;
	unsigned line = 1;
	const char *p = text;

	*n = 0;
	while (p && *p) {
		if (*p == '\n') {
			line++;
			p++;
		} else if (isdigit((unsigned char)*p) ||
			   ((*p == '-' || *p == '+' || *p == '.') &&
			    (isdigit((unsigned char)p[1]) || p[1] == '.'))) {
			p = number(p, line, &v, n);
		} else {
			p = skip(p, &line);
		}
	}
	return v;
}
