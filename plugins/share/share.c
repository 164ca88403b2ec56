/* share.c: the `share` kind: a host directory the guest mounts with virtio-fs by tag. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const keys[] = { "tag", "path", "read_only", NULL };

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_share s = { .struct_size = sizeof(s) };
	int ro = 0, ret = 0;
	struct stat st;

	(void)state;
	ret |= api->get_string(n, "tag", NULL, &s.tag);
	ret |= api->get_path(n, "path", NULL, &s.path);
	ret |= api->get_bool(n, "read_only", 0, &ro);
	if (ret)
		return -EINVAL;
	if (!s.tag || !*s.tag)
		ret = api->error(n, "tag",
				 "a share needs a tag, the name the guest "
				 "mounts it by");
	/* (its length: the core's rule, checked when it is emitted) */
	if (!s.path)
		ret = api->error(n, "path", "a share needs a host directory");
	else if (stat(s.path, &st) < 0)
		ret = api->error(n, "path", "%s: %s", s.path, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		ret = api->error(n, "path", "%s is not a directory", s.path);
	if (ret)
		return ret;
	s.read_only = (uint32_t)ro;
	return api->emit_share(d, &s);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "share",
		.keys = keys,
		.contribute = contribute,
	};

	(void)settings;
	(void)state;
	api = a;
	return api->register_kind(h, &kind);
}

/* (no settings of its own: a plugins.share group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("share", "1.0.0",
			   "host directories shared with virtio-fs", "MIT",
			   no_settings, init, NULL);
