/* virtio.c: the `entropy`, `balloon` and `vsock` kinds, virtio devices without settings. */
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const no_keys[] = { NULL };

static int entropy(void *state, struct vzh_device *d)
{
	struct vzh_simple s = { .struct_size = sizeof(s) };

	(void)state;
	return api->emit_entropy(d, &s);
}

static int balloon(void *state, struct vzh_device *d)
{
	struct vzh_simple s = { .struct_size = sizeof(s) };

	(void)state;
	return api->emit_balloon(d, &s);
}

static int vsock(void *state, struct vzh_device *d)
{
	struct vzh_simple s = { .struct_size = sizeof(s) };

	(void)state;
	return api->emit_vsock(d, &s);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kinds[] = {
		{ .struct_size = sizeof(struct vzh_kind),
		  .name = "entropy",
		  .keys = no_keys,
		  .contribute = entropy },
		{ .struct_size = sizeof(struct vzh_kind),
		  .name = "balloon",
		  .keys = no_keys,
		  .contribute = balloon },
		{ .struct_size = sizeof(struct vzh_kind),
		  .name = "vsock",
		  .keys = no_keys,
		  .contribute = vsock },
	};
	unsigned i;
	int ret = 0;

	(void)settings;
	(void)state;
	api = a;
	for (i = 0; i < 3 && !ret; i++)
		ret = api->register_kind(h, &kinds[i]);
	return ret;
}

VZH_PLUGIN_DEFINE("virtio", "1.0.0",
		  "virtio entropy, memory balloon and vsock devices", "MIT",
		  init, NULL);
