/* builtin.c: what the core knows of its built-in plugins: their kinds, and their settings keys. */
#include "builtin.h"

#include <string.h>

#include "util.h"

static const char *const none[] = { NULL };

/* Which built-in plugin provides a kind, to say what to load. */
static const char *const providers[][2] = {
	{ "disk", "disk" },	    { "nat", "nat" },
	{ "graphics", "graphics" }, { "keyboard", "input" },
	{ "pointer", "input" },	    { "serial", "serial" },
	{ "share", "share" },	    { "entropy", "virtio" },
	{ "balloon", "virtio" },    { "vsock", "virtio" },
};

/* SDK 1.0 has no way for a plugin to declare its settings keys, so the core
   holds them for the built-ins; none takes any today */
static const struct {
	const char *plugin;
	const char *const *keys;
} settings[] = {
	{ "disk", none },   { "nat", none },	{ "graphics", none },
	{ "input", none },  { "serial", none }, { "share", none },
	{ "virtio", none },
};

const char *builtin_provider(const char *kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(providers); i++)
		if (!strcmp(providers[i][0], kind))
			return providers[i][1];
	return NULL;
}

const char *const *builtin_settings(const char *plugin)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(settings); i++)
		if (!strcmp(settings[i].plugin, plugin))
			return settings[i].keys;
	return NULL;
}
