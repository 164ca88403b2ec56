/* tpm.c: an example vzhost plugin that gives a QEMU guest a TPM 2.0 emulated by swtpm, a helper that ends with its VM: a device of three parts (chardev, tpmdev, device). */
/*
 * Build against the installed SDK:
 *   cc -Wall -Wextra $(pkg-config --cflags --libs vzhost-plugin) \
 *      -o tpm.so tpm.c
 * Use (vzhost.conf):
 *   plugins = { dirs = [ "." ]; load = [ "tpm" ]; };
 *   ... devices = ( { kind = "example.tpm"; state = "vm1.tpm"; } );
 * At each start of the VM, swtpm (Debian: swtpm) keeps the TPM's state in the
 * directory `state` (made when missing, 0700) and serves its control channel
 * on a socket in the VM's run directory, listening before it runs (socket
 * activation); QEMU connects there (-chardev socket, -tpmdev emulator) and the
 * guest sees a TPM on its bus (`model`: "tpm-tis", the default, or
 * "tpm-crb").  swtpm exits when QEMU closes the channel, as the VM stops: it
 * is marked as ending with its VM.  Virtualization.framework has no TPM: the
 * vz bridge refuses the VM at --check, naming the entry.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;
static struct vzh_host *host;

static const char *const keys[] = { "state", "model", NULL };
static const char *const models[] = { "tpm-tis", "tpm-crb", NULL };

/* one TPM of one VM: what the prepare hook starts */
struct tpm {
	char *vm, *state, *socket;
	struct tpm *next;
};

static struct tpm *tpms;

#define STR(n, v)                                                \
	{                                                        \
		.name = (n), .type = VZH_PROP_STRING, .str = (v) \
	}

static int emit(struct vzh_device *d, const char *group, const char *driver,
		const struct vzh_prop *props, uint32_t n)
{
	struct vzh_hvdev part = { .struct_size = sizeof(part),
				  .nprops = n,
				  .bridge = "qemu",
				  .group = group,
				  .driver = driver,
				  .props = props };

	return api->emit_hvdev(d, &part);
}

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	const char *dir = api->run_dir(host, api->device_vm(d)), *st;
	char chr[32], dev[32];
	struct tpm *t;
	int model, ret;

	(void)state;
	if (api->get_path(n, "state", NULL, &st) < 0 ||
	    api->get_enum(n, "model", models, 0, &model) < 0)
		return -EINVAL;
	if (!st)
		return api->error(n, NULL,
				  "needs state, the directory that keeps the "
				  "TPM's state");
	if (strchr(st, ','))
		return api->error(n, "state",
				  "%s: swtpm's options cannot hold a comma",
				  st);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->vm = strdup(api->device_vm(d));
	t->state = strdup(st);
	t->socket = malloc(strlen(dir) + 32);
	if (t->socket)
		sprintf(t->socket, "%s/tpm-%d.sock", dir, api->device_index(d));
	t->next = tpms;
	tpms = t;
	if (!t->vm || !t->state || !t->socket)
		return -ENOMEM;
	/* ids of this entry's parts, one TPM an entry */
	snprintf(chr, sizeof(chr), "tpmchr%d", api->device_index(d));
	snprintf(dev, sizeof(dev), "tpm%d", api->device_index(d));
	{
		const struct vzh_prop cp[] = { STR("id", chr),
					       STR("path", t->socket) };
		const struct vzh_prop tp[] = { STR("id", dev),
					       STR("chardev", chr) };
		const struct vzh_prop dp[] = { STR("tpmdev", dev) };

		ret = emit(d, "chardev", "socket", cp, 2);
		ret = ret ? ret : emit(d, "tpmdev", "emulator", tp, 2);
		ret = ret ? ret : emit(d, "device", models[model], dp, 1);
	}
	return ret;
}

/* before each start: swtpm, its control socket listening already */
static int prepare(void *data, const struct vzh_event_info *ev)
{
	struct tpm *t;
	char where[4200];

	(void)data;
	for (t = tpms; t; t = t->next) {
		const char *argv[] = {
			"swtpm", "socket", "--tpm2",	       "--tpmstate",
			where,	 "--ctrl", "type=unixio,fd=3", "--terminate",
			NULL
		};
		struct vzh_helper spec = { .struct_size = sizeof(spec),
					   .flags = VZH_HELPER_ENDS_WITH_VM,
					   .vm = ev->vm,
					   .argv = argv,
					   .listen = t->socket };
		int ret;

		if (strcmp(t->vm, ev->vm))
			continue;
		if (mkdir(t->state, 0700) < 0 && errno != EEXIST) {
			api->set_error(host, "%s: %s", t->state,
				       strerror(errno));
			return -errno;
		}
		snprintf(where, sizeof(where), "dir=%s", t->state);
		ret = api->helper(host, &spec);
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
		.name = "example.tpm",
		.keys = keys,
		.contribute = contribute,
	};
	int ret;

	(void)settings;
	(void)state;
	if (a->struct_size <= offsetof(struct vzh_api, helper)) {
		a->set_error(h, "needs vzhost's plugin ABI 1.3");
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
	struct tpm *t;

	(void)state;
	while ((t = tpms)) {
		tpms = t->next;
		free(t->vm);
		free(t->state);
		free(t->socket);
		free(t);
	}
}

VZH_PLUGIN_DEFINE("tpm", "1.0", "a TPM 2.0 emulated by swtpm (QEMU)", "MIT",
		  init, fini);
