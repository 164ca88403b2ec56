/* input.c: the `keyboard` and `pointer` kinds: USB keyboard, USB tablet or Mac trackpad. */
#include <errno.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const no_keys[] = { NULL };
static const char *const pointer_keys[] = { "type", NULL };
static const char *const pointer_types[] = { "tablet", "trackpad", NULL };

static int keyboard(void *state, struct vzh_device *d)
{
	struct vzh_keyboard k = { .struct_size = sizeof(k) };

	(void)state;
	return api->emit_keyboard(d, &k);
}

static int pointer(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_pointer p = { .struct_size = sizeof(p) };
	int type;

	(void)state;
	if (api->get_enum(n, "type", pointer_types, VZH_POINTER_TABLET, &type) <
	    0)
		return -EINVAL;
	/* the Mac trackpad exists only for macOS guests (macOS 13 on) */
	if (type == VZH_POINTER_TRACKPAD &&
	    api->device_guest(d) != VZH_GUEST_MACOS)
		return api->error(
			n, "type",
			"a trackpad needs a macOS guest; use \"tablet\"");
	p.type = (uint32_t)type;
	return api->emit_pointer(d, &p);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kinds[] = {
		{ .struct_size = sizeof(struct vzh_kind),
		  .name = "keyboard",
		  .keys = no_keys,
		  .contribute = keyboard },
		{ .struct_size = sizeof(struct vzh_kind),
		  .name = "pointer",
		  .keys = pointer_keys,
		  .contribute = pointer },
	};
	int ret;

	(void)settings;
	(void)state;
	api = a;
	ret = api->register_kind(h, &kinds[0]);
	return ret ? ret : api->register_kind(h, &kinds[1]);
}

/* (no settings of its own: a plugins.input group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("input", "1.0.0",
			   "USB keyboard and pointing devices", "MIT",
			   no_settings, init, NULL);
