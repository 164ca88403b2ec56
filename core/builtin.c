/* builtin.c: what the core knows of its built-in plugins: which kind each provides. */
#include "builtin.h"

#include <string.h>

#include "util.h"

/* Which built-in plugin provides a kind, to say what to load. */
static const char *const providers[][2] = {
	{ "disk", "disk" },	    { "nat", "nat" },
	{ "graphics", "graphics" }, { "keyboard", "input" },
	{ "pointer", "input" },	    { "serial", "serial" },
	{ "share", "share" },	    { "entropy", "virtio" },
	{ "balloon", "virtio" },    { "vsock", "virtio" },
	{ "nic", "nat" },	    { "channel", "channel" },
	{ "sound", "media" },	    { "clipboard", "media" },
	{ "usb", "media" },	    { "rosetta", "share" },
};

const char *builtin_provider(const char *kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(providers); i++)
		if (!strcmp(providers[i][0], kind))
			return providers[i][1];
	return NULL;
}
