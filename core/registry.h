/* registry.h: who owns which device kind, and who subscribed to which event. */
#ifndef VZH_REGISTRY_H
#define VZH_REGISTRY_H

#include <stddef.h>
#include <uthash.h>

#include "../sdk/vzhost/plugin.h"

struct plugin;

struct kind_entry {
	char *name;
	struct plugin *owner;
	struct vzh_kind ops;
	const char **keys; /* ops.keys plus "kind", NULL-terminated */
	UT_hash_handle hh;
};

struct subscription {
	int priority;
	unsigned order; /* the owner's load order, for ties */
	vzh_hook_fn fn;
	void *data;
	struct plugin *owner;
};

/* ABI 1.3: validators and subscribers to every transition, in load order
   (fn is the SDK's vzh_validate_fn or vzh_transition_fn) */
enum listen_kind { LISTEN_VALIDATE, LISTEN_ALL, LISTEN_COUNT };

struct listener {
	void (*fn)(void);
	void *data;
	struct plugin *owner;
};

struct registry {
	struct kind_entry *kinds;
	struct subscription *subs[VZH_EV_COUNT];
	size_t nsubs[VZH_EV_COUNT];
	struct listener *ls[LISTEN_COUNT];
	size_t nls[LISTEN_COUNT];
};

/* -EEXIST when taken (*holder names the owner), -EINVAL for a bad name */
int registry_add_kind(struct registry *r, struct plugin *owner,
		      const struct vzh_kind *k, struct plugin **holder);
struct kind_entry *registry_find_kind(struct registry *r, const char *name);
/* NULL-terminated, sorted; free() the array only */
const char **registry_kind_names(struct registry *r);
int registry_subscribe(struct registry *r, struct plugin *owner,
		       enum vzh_event ev, int priority, vzh_hook_fn fn,
		       void *data, unsigned order);
int registry_listen(struct registry *r, struct plugin *owner,
		    enum listen_kind k, void (*fn)(void), void *data);
/* forget everything owner registered */
void registry_drop(struct registry *r, struct plugin *owner);
void registry_free(struct registry *r);

#endif
