/* watchdog.c: an example vzhost plugin that adds hardware only QEMU has: an Intel 6300ESB watchdog and what QEMU does when it expires. */
/*
 * Build against the installed SDK:
 *   cc -Wall -Wextra $(pkg-config --cflags --libs vzhost-plugin) \
 *      -o watchdog.so watchdog.c
 * Use (vzhost.conf):
 *   plugins = { dirs = [ "." ]; load = [ "watchdog" ]; };
 *   ... devices = ( { kind = "example.watchdog"; action = "poweroff"; } );
 * A guest that opens /dev/watchdog (Linux: the i6300esb driver) and stops
 * writing to it gets `action`.  Under Virtualization.framework, which has no
 * such device, vzhost refuses the VM at --check, naming the entry.
 */
#include <errno.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const keys[] = { "action", "model", NULL };
/* QEMU's -action watchdog=... values */
static const char *const actions[] = { "reset",	     "shutdown", "poweroff",
				       "pause",	     "debug",	 "none",
				       "inject-nmi", NULL };

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	const char *model;
	int action, ret = 0;

	(void)state;
	ret |= api->get_enum(n, "action", actions, 0, &action);
	ret |= api->get_string(n, "model", "i6300esb", &model);
	if (ret)
		return -EINVAL;
	{
		struct vzh_hvdev dev = { .struct_size = sizeof(dev),
					 .bridge = "qemu",
					 .group = "device",
					 .driver = model };
		struct vzh_prop act = { .name = "watchdog",
					.type = VZH_PROP_STRING,
					.str = actions[action] };
		struct vzh_hvdev on = { .struct_size = sizeof(on),
					.nprops = 1,
					.bridge = "qemu",
					.group = "action",
					.props = &act };

		ret = api->emit_hvdev(d, &dev);
		return ret < 0 ? ret : api->emit_hvdev(d, &on);
	}
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "example.watchdog",
		.keys = keys,
		.contribute = contribute,
	};

	(void)settings;
	(void)state;
	if (a->struct_size <= offsetof(struct vzh_api, emit_hvdev)) {
		a->set_error(h, "needs vzhost's plugin ABI 1.1");
		return -ENOTSUP;
	}
	api = a;
	return api->register_kind(h, &kind);
}

static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("watchdog", "1.0",
			   "an example QEMU-only device: the i6300esb watchdog",
			   "MIT", no_settings, init, NULL);
