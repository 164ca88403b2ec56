/* graphics.c: the `graphics` kind: one display (Mac graphics on macOS guests, virtio-gpu on Linux). */
#include <errno.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const keys[] = { "width", "height", "ppi", "display", NULL };
static const char *const displays[] = { "headless", "window", NULL };

static int get_dim(const struct vzh_node *n, const char *key, int64_t def,
		   int64_t max, uint32_t *out)
{
	int64_t v;

	if (api->get_int64(n, key, def, &v) < 0)
		return -EINVAL;
	if (v < 1 || v > max)
		return api->error(n, key, "%lld is out of range [1, %lld]",
				  (long long)v, (long long)max);
	*out = (uint32_t)v;
	return 0;
}

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_graphics g = { .struct_size = sizeof(g) };
	int ret = 0, display;

	(void)state;
	ret |= get_dim(n, "width", 1920, 16384, &g.width);
	ret |= get_dim(n, "height", 1200, 16384, &g.height);
	ret |= get_dim(n, "ppi", 144, 1000, &g.ppi);
	/* a window on the Mac's screen (vz bridge); headless by default */
	if (api->get_enum(n, "display", displays, VZH_DISPLAY_HEADLESS,
			  &display) < 0)
		ret = -EINVAL;
	g.display = (uint32_t)display;
	return ret ? -EINVAL : api->emit_graphics(d, &g);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "graphics",
		.keys = keys,
		.contribute = contribute,
	};

	(void)settings;
	(void)state;
	api = a;
	return api->register_kind(h, &kind);
}

/* (no settings of its own: a plugins.graphics group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("graphics", "1.0.0",
			   "a display of a chosen size and density", "MIT",
			   no_settings, init, NULL);
