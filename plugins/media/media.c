/* media.c: the `sound`, `clipboard` and `usb` kinds: what a desktop guest has besides a screen, keyboard and pointer. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const no_keys[] = { NULL };
static const char *const sound_keys[] = { "output", "input", "record", NULL };

/* the directory a file is to be made in exists: said now, not at the start */
static int parent_dir(const struct vzh_node *n, const char *key,
		      const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;
	size_t len = slash && slash != path ? (size_t)(slash - path) : 1;

	if (len >= sizeof(dir))
		return api->error(n, key, "%s: the path is too long", path);
	memcpy(dir, path, len);
	dir[len] = 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return api->error(n, key, "%s: its directory %s does not exist",
				  path, dir);
	return 0;
}

static int sound(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_sound s = { .struct_size = sizeof(s) };
	int out = 1, in = 0, ret = 0;

	(void)state;
	ret |= api->get_bool(n, "output", 1, &out);
	ret |= api->get_bool(n, "input", 0, &in);
	ret |= api->get_path(n, "record", NULL, &s.record);
	if (ret)
		return -EINVAL;
	if (!out && !in)
		return api->error(n, NULL,
				  "a sound card with neither output nor input: "
				  "remove the entry, or set output = true or "
				  "input = true");
	if (s.record && !out)
		return api->error(n, "record",
				  "record is where the guest's output goes: it "
				  "needs output = true");
	if (s.record && in)
		return api->error(n, "input",
				  "a recorded sound card has no input (the WAV "
				  "file takes the guest's output only)");
	if (s.record && parent_dir(n, "record", s.record) < 0)
		return -EINVAL;
	s.output = (uint32_t)out;
	s.input = (uint32_t)in;
	return api->emit_sound(d, &s);
}

static int clipboard(void *state, struct vzh_device *d)
{
	struct vzh_simple s = { .struct_size = sizeof(s) };

	(void)state;
	return api->emit_clipboard(d, &s);
}

static int usb(void *state, struct vzh_device *d)
{
	struct vzh_simple s = { .struct_size = sizeof(s) };

	(void)state;
	return api->emit_usb(d, &s);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kinds[] = {
		{ .struct_size = sizeof(kinds[0]),
		  .name = "sound",
		  .keys = sound_keys,
		  .contribute = sound },
		{ .struct_size = sizeof(kinds[0]),
		  .name = "clipboard",
		  .keys = no_keys,
		  .contribute = clipboard },
		{ .struct_size = sizeof(kinds[0]),
		  .name = "usb",
		  .keys = no_keys,
		  .contribute = usb },
	};
	size_t i;
	int ret = 0;

	(void)settings;
	(void)state;
	api = a;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !ret; i++)
		ret = api->register_kind(h, &kinds[i]);
	return ret;
}

/* (no settings of its own: a plugins.media group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("media", "1.0.0",
			   "sound cards, the shared clipboard and a USB "
			   "controller for disks plugged in while a VM runs",
			   "MIT", no_settings, init, NULL);
