/* disk.c: the `disk` kind: a raw image file (created sparse at start when missing, or ephemeral) or an NBD server's export as a block device. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const keys[] = { "path",	 "size",       "read_only",
				    "cache",	 "sync",       "interface",
				    "ephemeral", "nbd_socket", "nbd_export",
				    NULL };
static const char *const caches[] = { "automatic", "cached", "uncached", NULL };
static const char *const syncs[] = { "full", "fsync", "none", NULL };
static const char *const ifaces[] = { "virtio", "nvme", "usb", NULL };

/* the directory a missing image would be created in must exist */
static int parent_exists(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t n = slash && slash != path ? (size_t)(slash - path) : 1;

	if (n >= sizeof(dir))
		return 0;
	memcpy(dir, path, n);
	dir[n] = 0;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* an NBD server's export: nothing here to check but the names */
static int nbd(const struct vzh_node *n, struct vzh_device *d,
	       struct vzh_disk *disk)
{
	if (disk->path)
		return api->error(n, "nbd_socket",
				  "a disk is an image (path) or an NBD "
				  "server (nbd_socket), not both");
	if (disk->size || disk->ephemeral)
		return api->error(n, disk->size ? "size" : "ephemeral",
				  "an NBD disk is the server's: %s is for "
				  "images",
				  disk->size ? "size" : "ephemeral");
	if (strlen(disk->nbd_socket) > 103)
		return api->error(n, "nbd_socket",
				  "a socket path is shorter than 104 bytes");
	return api->emit_disk(d, disk);
}

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_disk disk = { .struct_size = sizeof(disk) };
	int ro = 0, eph = 0, cache, sync, iface, ret = 0;
	struct stat st;

	(void)state;
	ret |= api->get_path(n, "path", NULL, &disk.path);
	ret |= api->get_bool(n, "ephemeral", 0, &eph);
	ret |= api->get_path(n, "nbd_socket", NULL, &disk.nbd_socket);
	ret |= api->get_string(n, "nbd_export", NULL, &disk.nbd_export);
	ret |= api->get_size(n, "size", 0, &disk.size);
	ret |= api->get_bool(n, "read_only", 0, &ro);
	/* cached + fsync: what VZ hosts settled on after Linux guests
	   corrupted their filesystems with the framework's defaults */
	ret |= api->get_enum(n, "cache", caches, VZH_CACHE_CACHED, &cache);
	ret |= api->get_enum(n, "sync", syncs, VZH_SYNC_FSYNC, &sync);
	ret |= api->get_enum(n, "interface", ifaces, VZH_DISK_VIRTIO, &iface);
	if (ret)
		return -EINVAL;
	disk.read_only = (uint32_t)ro;
	disk.ephemeral = (uint32_t)eph;
	disk.cache = (uint32_t)cache;
	disk.sync = (uint32_t)sync;
	disk.iface = (uint32_t)iface;
	if (disk.nbd_export && !disk.nbd_socket)
		return api->error(n, "nbd_export",
				  "an export needs its server: set nbd_socket");
	if (disk.nbd_socket)
		return nbd(n, d, &disk);
	if (!disk.path)
		return api->error(n, "path",
				  "a disk needs a path to a raw image (or "
				  "nbd_socket)");
	if (eph && ro)
		return api->error(n, "ephemeral",
				  "an ephemeral disk is written by the guest "
				  "(its writes are thrown away at stop): "
				  "remove read_only");
	if (disk.size % 512)
		return api->error(n, "size",
				  "%llu bytes is not a multiple of 512",
				  (unsigned long long)disk.size);
	if (stat(disk.path, &st) == 0) {
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			return api->error(
				n, "path",
				"%s is neither a file nor a block device",
				disk.path);
	} else if (errno != ENOENT) {
		return api->error(n, "path", "%s: %s", disk.path,
				  strerror(errno));
	} else if (!disk.size || eph) {
		return api->error(
			n, "path",
			eph ? "%s does not exist (an ephemeral disk's image "
			      "is never created)" :
			      "%s does not exist (set size, such as \"8G\", "
			      "to create it)",
			disk.path);
	} else if (ro) {
		return api->error(
			n, "path",
			"%s does not exist, and a read-only disk is not "
			"created",
			disk.path);
	} else if (!parent_exists(disk.path)) {
		return api->error(
			n, "path",
			"cannot create %s: its directory does not exist",
			disk.path);
	}
	return api->emit_disk(d, &disk);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "disk",
		.keys = keys,
		.contribute = contribute,
	};

	(void)settings;
	(void)state;
	api = a;
	return api->register_kind(h, &kind);
}

/* (no settings of its own: a plugins.disk group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS(
	"disk", "1.1.0",
	"raw disk images (or NBD exports) as virtio, NVMe or USB block devices",
	"MIT", no_settings, init, NULL);
