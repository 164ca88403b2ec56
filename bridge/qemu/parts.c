/* parts.c: a plugin's QEMU devices of several parts (-chardev, -tpmdev, -audiodev, -netdev, -object, -device, -action): groups, ids and the references between them, checked at validation. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "qemu.h"

/* the groups whose parts have a backend type (the driver) and an id that
   the VM's other parts refer to by a property of the group's name */
static const char *const backends[] = { "chardev", "tpmdev", "audiodev",
					"netdev", NULL };

static bool in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static const struct vzh_prop *prop(const struct vzh_hvdev *h, const char *name)
{
	uint32_t i;

	for (i = 0; i < h->nprops; i++)
		if (!strcmp(h->props[i].name, name))
			return &h->props[i];
	return NULL;
}

/* QEMU's own rule for ids (id_wellformed): a letter, then letters, digits,
   '-', '.' and '_' */
static bool id_ok(const char *id)
{
	size_t n = strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
			      "VWXYZ0123456789-._");

	return id[n] == 0 &&
	       ((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z'));
}

/* the id a part declares (a backend's or an object's), or NULL */
static const char *part_id(const struct vzh_hvdev *h)
{
	const struct vzh_prop *p = prop(h, "id");

	return p && p->type == VZH_PROP_STRING ? p->str : NULL;
}

/* the part of group with this id among m's, or NULL */
static const struct device *find_part(const struct machine *m,
				      const char *group, const char *id)
{
	const char *pid;
	size_t i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].cls == DEV_HVDEV &&
		    !strcmp(m->devs[i].u.hvdev.bridge, "qemu") &&
		    !strcmp(m->devs[i].u.hvdev.group, group) &&
		    (pid = part_id(&m->devs[i].u.hvdev)) && !strcmp(pid, id))
			return &m->devs[i];
	return NULL;
}

static void one(const struct machine *m, size_t k, struct diag *d)
{
	const struct device *dv = &m->devs[k], *other;
	const struct vzh_hvdev *h = &dv->u.hvdev;
	bool action = !strcmp(h->group, "action");
	bool backend = in(backends, h->group);
	const char *id = part_id(h), *plugin = dv->origin.plugin;
	uint32_t i;
	size_t j;

	if (!action && !backend && strcmp(h->group, "device") &&
	    strcmp(h->group, "object")) {
		diag_add(d, dv->origin.loc,
			 "plugin %s emitted a qemu part of group \"%s\": the "
			 "qemu bridge writes \"device\", \"object\", "
			 "\"chardev\", \"tpmdev\", \"audiodev\", \"netdev\" "
			 "and \"action\"",
			 plugin, h->group);
		return;
	}
	if (action == !!h->driver) {
		diag_add(d, dv->origin.loc,
			 "plugin %s emitted a qemu %s %s a %s", plugin,
			 h->group, action ? "with" : "without",
			 backend ? "backend type (driver)" : "driver");
		return;
	}
	if (backend && !id)
		diag_add(d, dv->origin.loc,
			 "plugin %s emitted a qemu %s without an \"id\" "
			 "(a string: what the VM's other parts refer to)",
			 plugin, h->group);
	if (id && !id_ok(id))
		diag_add(d, dv->origin.loc,
			 "plugin %s emitted a qemu %s with id \"%s\": QEMU "
			 "wants a letter, then letters, digits, '-', '.' or "
			 "'_'",
			 plugin, h->group, id);
	else if (id && qemu_id_reserved(id))
		diag_add(d, dv->origin.loc,
			 "plugin %s emitted a qemu %s with id \"%s\", which "
			 "vzhost's own devices use: choose another",
			 plugin, h->group, id);
	/* (the first of two with one id is not the one in the wrong) */
	for (j = 0; id && j < k; j++) {
		other = &m->devs[j];
		if (other->cls == DEV_HVDEV &&
		    !strcmp(other->u.hvdev.bridge, "qemu") &&
		    part_id(&other->u.hvdev) &&
		    !strcmp(part_id(&other->u.hvdev), id)) {
			diag_add(d, dv->origin.loc,
				 "plugin %s emitted a qemu %s with id "
				 "\"%s\", which another part of this VM has "
				 "(%s, plugin %s)",
				 plugin, h->group, id, other->origin.loc,
				 other->origin.plugin);
			break;
		}
	}
	/* chardev = "x", tpmdev = "y": parts of this VM */
	for (i = 0; i < h->nprops; i++) {
		const struct vzh_prop *p = &h->props[i];

		if (!in(backends, p->name) || p->type != VZH_PROP_STRING ||
		    find_part(m, p->name, p->str))
			continue;
		diag_add(d, dv->origin.loc,
			 "plugin %s emitted a qemu %s %s whose %s = \"%s\" is "
			 "no %s of this VM (a part with that id)",
			 plugin, h->group, h->driver ? h->driver : "", p->name,
			 p->str, p->name);
	}
}

void qemu_parts_check(const struct machine *m, struct diag *d)
{
	size_t k;

	for (k = 0; k < m->ndevs; k++)
		if (m->devs[k].cls == DEV_HVDEV &&
		    !bridge_foreign_device(&m->devs[k], "qemu", d))
			one(m, k, d);
}
