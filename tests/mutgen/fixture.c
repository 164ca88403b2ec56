/* fixture.c: known mutation points for tests/mutgen/test_mutgen.py (not built) */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#define TWICE(x) ((x) + (x))

static int table[] = { 1, 2, 3 }; /* file scope: data, no points */

int add(int a, int b);
void note(const char *s);
void pair(int a, int b);
void say(const char *fmt, ...);

int fix_rel(int a, int b)
{
	if (a < b)
		return a - b;
	return a * 1000;
}

bool fix_logic(bool x, bool y)
{
	return x && !y;
}

void fix_calls(int n)
{
	int i;

	for (i = 0; i < n; i++)
		note("x");
	pair(n, i);
	say("%d", n, i);
	i += TWICE(n);
	while (n)
		break;
}

const char *fix_ptr(const char *s)
{
	switch (*s) {
	case 7:
		return s;
	}
	return NULL;
}

void fix_free(void *p)
{
	free(p);
}

int fix_tail(int *p)
{
	char buf[32];
	int n = *p;

	*p = -1;
	free(p);
	return n;
}

int strcmp(const char *a, const char *b);
int memcmp(const void *a, const void *b, size_t n);

/* equality asked: no swap; a sign asked: swapped */
int fix_same(const char *s, const char *t)
{
	return !strcmp(s, t) + (memcmp(s, t, 1) == 0) + strcmp(t, s);
}

/* a statement over two lines: gcov may count it on its first alone */
void fix_lines(int n, int i)
{
	/* clang-format off */
	pair(n,
	     i < n);
	/* clang-format on */
}

/* an array parameter's size is no part of its type: no point there */
int fix_param(const char out[16])
{
	return *out;
}
