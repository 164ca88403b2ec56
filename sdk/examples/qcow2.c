/* qcow2.c: an example vzhost plugin that gives a guest a qcow2 image on either hypervisor, through an NBD server it starts as a helper process. */
/*
 * Build against the installed SDK:
 *   cc -Wall -Wextra $(pkg-config --cflags --libs vzhost-plugin) \
 *      -o qcow2.so qcow2.c
 * Use (vzhost.conf):
 *   plugins = { dirs = [ "." ]; load = [ "qcow2" ]; };
 *   ... devices = ( { kind = "example.qcow2"; path = "base.qcow2"; } );
 * At each start of the VM, qemu-storage-daemon (Debian: qemu-system-common;
 * Homebrew: qemu) serves the image on a socket in the VM's run
 * directory; the disk is an NBD disk there, which QEMU and
 * Virtualization.framework (macOS 14) both take.  The helper ends with the VM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;
static struct vzh_host *host;

static const char *const keys[] = { "path", "read_only", NULL };

/* one image of one VM: what the prepare hook starts */
struct image {
	char *vm, *path, *socket;
	int read_only;
	struct image *next;
};

static struct image *images;

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_disk disk = { .struct_size = sizeof(disk) };
	const char *path, *dir = api->run_dir(host, api->device_vm(d));
	struct image *im;
	int ro = 0;

	(void)state;
	if (api->get_path(n, "path", NULL, &path) < 0 ||
	    api->get_bool(n, "read_only", 0, &ro) < 0)
		return -EINVAL;
	if (!path)
		return api->error(n, NULL, "needs path, a qcow2 image");
	if (access(path, R_OK) < 0)
		return api->error(n, "path", "%s: %s", path, strerror(errno));
	im = calloc(1, sizeof(*im));
	if (!im)
		return -ENOMEM;
	im->vm = strdup(api->device_vm(d));
	im->path = strdup(path);
	im->read_only = ro;
	im->socket = malloc(strlen(dir) + 32);
	if (im->socket)
		sprintf(im->socket, "%s/qcow2-%d.sock", dir,
			api->device_index(d));
	im->next = images;
	images = im;
	if (!im->vm || !im->path || !im->socket)
		return -ENOMEM;
	disk.nbd_socket = im->socket;
	disk.nbd_export = "disk";
	disk.read_only = (uint32_t)ro;
	return api->emit_disk(d, &disk);
}

/* before each start: the server, listening already (socket activation) */
static int prepare(void *data, const struct vzh_event_info *ev)
{
	struct image *im;
	char file[4200], exp[64];

	(void)data;
	for (im = images; im; im = im->next) {
		const char *argv[] = { "qemu-storage-daemon",
				       "--blockdev",
				       file,
				       "--blockdev",
				       "driver=qcow2,node-name=img,file=file",
				       "--nbd-server",
				       "addr.type=fd,addr.str=3",
				       "--export",
				       exp,
				       NULL };
		char *p;
		size_t o = 0;
		int ret;

		if (strcmp(im->vm, ev->vm))
			continue;
		/* QEMU's option syntax: a comma in a value is doubled */
		o = (size_t)snprintf(file, sizeof(file),
				     "driver=file,node-name=file,filename=");
		for (p = im->path; *p && o + 3 < sizeof(file); p++) {
			if (*p == ',')
				file[o++] = ',';
			file[o++] = *p;
		}
		file[o] = 0;
		snprintf(exp, sizeof(exp),
			 "type=nbd,id=e,node-name=img,name=disk,writable=%s",
			 im->read_only ? "off" : "on");
		ret = api->spawn(host, ev->vm, argv, im->socket);
		if (ret < 0)
			return ret; /* (its message set by the core) */
	}
	return 0;
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "example.qcow2",
		.keys = keys,
		.contribute = contribute,
	};
	int ret;

	(void)settings;
	(void)state;
	if (a->struct_size <= offsetof(struct vzh_api, run_dir)) {
		a->set_error(h, "needs vzhost's plugin ABI 1.1");
		return -ENOTSUP;
	}
	api = a;
	host = h;
	ret = api->register_kind(h, &kind);
	return ret < 0 ? ret :
			 api->subscribe(h, VZH_EV_PREPARE, 0, prepare, NULL);
}

static void fini(void *state)
{
	struct image *im;

	(void)state;
	while ((im = images)) {
		images = im->next;
		free(im->vm);
		free(im->path);
		free(im->socket);
		free(im);
	}
}

static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("qcow2", "1.0",
			   "an example NBD disk: a qcow2 image served by "
			   "qemu-storage-daemon",
			   "MIT", no_settings, init, fini);
