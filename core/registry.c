/* registry.c: who owns which device kind, and who subscribed to which event. */
#include "registry.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Kinds are lower-case words, "vendor.thing" for third parties. */
static bool kind_name_ok(const char *s)
{
	size_t n = 0;

	if (!s || !islower((unsigned char)*s))
		return false;
	for (; *s; s++, n++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return n <= 64;
}

int registry_add_kind(struct registry *r, struct plugin *owner,
		      const struct vzh_kind *k, struct plugin **holder)
{
	struct kind_entry *e;
	size_t nkeys = 0, i;

	if (!kind_name_ok(k->name) || !k->contribute)
		return -EINVAL;
	HASH_FIND_STR(r->kinds, k->name, e);
	if (e) {
		*holder = e->owner;
		return -EEXIST;
	}
	e = xcalloc(1, sizeof(*e));
	memcpy(&e->ops, k,
	       k->struct_size < sizeof(e->ops) ? k->struct_size :
						 sizeof(e->ops));
	e->name = xstrdup(k->name);
	e->ops.name = e->name;
	e->owner = owner;
	while (k->keys && k->keys[nkeys])
		nkeys++;
	e->keys = xcalloc(nkeys + 2, sizeof(*e->keys));
	e->keys[0] = "kind";
	for (i = 0; i < nkeys; i++)
		e->keys[i + 1] = k->keys[i];
	HASH_ADD_KEYPTR(hh, r->kinds, e->name, strlen(e->name), e);
	return 0;
}

struct kind_entry *registry_find_kind(struct registry *r, const char *name)
{
	struct kind_entry *e;

	HASH_FIND_STR(r->kinds, name, e);
	return e;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **registry_kind_names(struct registry *r)
{
	const char **out = xcalloc(HASH_COUNT(r->kinds) + 1, sizeof(*out));
	struct kind_entry *e, *tmp;
	size_t n = 0;

	HASH_ITER(hh, r->kinds, e, tmp)
		out[n++] = e->name;
	qsort(out, n, sizeof(*out), by_name);
	return out;
}

int registry_subscribe(struct registry *r, struct plugin *owner,
		       enum vzh_event ev, int priority, vzh_hook_fn fn,
		       void *data, unsigned order)
{
	struct subscription *s;
	size_t i, n;

	if ((unsigned)ev >= VZH_EV_COUNT || !fn)
		return -EINVAL;
	n = r->nsubs[ev];
	r->subs[ev] = xrealloc(r->subs[ev], (n + 1) * sizeof(*s));
	/* keep (priority, load order) order so firing is a plain walk */
	for (i = n; i > 0; i--) {
		s = &r->subs[ev][i - 1];
		if (s->priority < priority ||
		    (s->priority == priority && s->order <= order))
			break;
		r->subs[ev][i] = *s;
	}
	r->subs[ev][i] =
		(struct subscription){ priority, order, fn, data, owner };
	r->nsubs[ev] = n + 1;
	return 0;
}

int registry_listen(struct registry *r, struct plugin *owner,
		    enum listen_kind k, void (*fn)(void), void *data)
{
	size_t n = r->nls[k];

	if (!fn)
		return -EINVAL;
	r->ls[k] = xrealloc(r->ls[k], (n + 1) * sizeof(*r->ls[k]));
	r->ls[k][n] = (struct listener){ fn, data, owner };
	r->nls[k] = n + 1;
	return 0;
}

static void kind_free(struct registry *r, struct kind_entry *e)
{
	HASH_DEL(r->kinds, e);
	free(e->keys);
	free(e->name);
	free(e);
}

void registry_drop(struct registry *r, struct plugin *owner)
{
	struct kind_entry *e, *tmp;
	size_t ev, i, j;

	HASH_ITER(hh, r->kinds, e, tmp)
		if (e->owner == owner)
			kind_free(r, e);
	for (ev = 0; ev < VZH_EV_COUNT; ev++) {
		for (i = j = 0; i < r->nsubs[ev]; i++)
			if (r->subs[ev][i].owner != owner)
				r->subs[ev][j++] = r->subs[ev][i];
		r->nsubs[ev] = j;
	}
	for (ev = 0; ev < LISTEN_COUNT; ev++) {
		for (i = j = 0; i < r->nls[ev]; i++)
			if (r->ls[ev][i].owner != owner)
				r->ls[ev][j++] = r->ls[ev][i];
		r->nls[ev] = j;
	}
}

void registry_free(struct registry *r)
{
	struct kind_entry *e, *tmp;
	size_t ev;

	HASH_ITER(hh, r->kinds, e, tmp)
		kind_free(r, e);
	for (ev = 0; ev < VZH_EV_COUNT; ev++)
		free(r->subs[ev]);
	for (ev = 0; ev < LISTEN_COUNT; ev++)
		free(r->ls[ev]);
	memset(r, 0, sizeof(*r));
}
