/* share.c: the `share` and `rosetta` kinds: a host directory, or Apple's Rosetta, the guest mounts with virtio-fs by tag. */
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

static const char *const rosetta_keys[] = { "tag", NULL };

static int rosetta(void *state, struct vzh_device *d)
{
	struct vzh_rosetta r = { .struct_size = sizeof(r) };

	(void)state;
	if (api->get_string(api->device_node(d), "tag", "rosetta", &r.tag))
		return -EINVAL;
	if (!*r.tag)
		return api->error(api->device_node(d), "tag",
				  "Rosetta needs a tag, the name the guest "
				  "mounts it by");
	return api->emit_rosetta(d, &r);
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
	static const struct vzh_kind rkind = {
		.struct_size = sizeof(rkind),
		.name = "rosetta",
		.keys = rosetta_keys,
		.contribute = rosetta,
	};
	int ret;

	(void)settings;
	(void)state;
	api = a;
	ret = api->register_kind(h, &kind);
	return ret ? ret : api->register_kind(h, &rkind);
}

/* (no settings of its own: a plugins.share group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS(
	"share", "1.0.0",
	"host directories, and Rosetta, shared with virtio-fs", "MIT",
	no_settings, init, NULL);
