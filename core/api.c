/* api.c: struct vzh_api, the only way a plugin reaches the core. */
#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "builtin.h"
#include "cfg.h"
#include "device.h"
#include "loader.h"
#include "log.h"
#include "mac.h"
#include "ploop.h"
#include "rules.h"
#include "runapi.h"
#include "state.h"
#include "util.h"

#define NODE(n) ((const config_setting_t *)(n))

static int api_get_string(const struct vzh_node *n, const char *key,
			  const char *def, const char **out)
{
	return cfg_get_string(NODE(n), key, def, out);
}

static int api_get_int64(const struct vzh_node *n, const char *key, int64_t def,
			 int64_t *out)
{
	return cfg_get_int64(NODE(n), key, def, out);
}

static int api_get_bool(const struct vzh_node *n, const char *key, int def,
			int *out)
{
	bool b;
	int ret = cfg_get_bool(NODE(n), key, def != 0, &b);

	*out = b;
	return ret;
}

static int api_get_size(const struct vzh_node *n, const char *key, uint64_t def,
			uint64_t *out)
{
	return cfg_get_size(NODE(n), key, def, out);
}

static int api_get_path(const struct vzh_node *n, const char *key,
			const char *def, const char **out)
{
	return cfg_get_path(NODE(n), key, def, out);
}

static int api_get_enum(const struct vzh_node *n, const char *key,
			const char *const *names, int def, int *out)
{
	return cfg_get_enum(NODE(n), key, names, def, out);
}

static const struct vzh_node *api_child(const struct vzh_node *n,
					const char *key)
{
	config_setting_t *m = n ? config_setting_get_member(NODE(n), key) :
				  NULL;

	return m && config_setting_is_aggregate(m) ?
		       (const struct vzh_node *)m :
		       NULL;
}

static int api_list_len(const struct vzh_node *n)
{
	return n && config_setting_is_aggregate(NODE(n)) ?
		       config_setting_length(NODE(n)) :
		       0;
}

static const struct vzh_node *api_list_elem(const struct vzh_node *n, int i)
{
	return n ? (const struct vzh_node *)config_setting_get_elem(
			   NODE(n), (unsigned)i) :
		   NULL;
}

static int api_check_keys(const struct vzh_node *n, const char *const *keys)
{
	if (!n || !keys)
		return -EINVAL;
	if (!config_setting_is_group(NODE(n)))
		return cfg_error(NODE(n), NULL, "must be a group { ... }");
	return cfg_check_keys(NODE(n), keys);
}

/* the core's own names, never a plugin's copy of them */
static const char *api_state_name(enum vzh_state st)
{
	return (unsigned)st < VZH_STATE_COUNT ? state_names[st] : NULL;
}

static const char *api_reason_name(enum vzh_reason r)
{
	return (unsigned)r < VZH_REASON_COUNT ? reason_names[r] : NULL;
}

static const char *api_event_name(enum vzh_event e)
{
	return (unsigned)e < VZH_EV_COUNT ? event_names[e] : NULL;
}

static const char *api_member_name(const struct vzh_node *n, int i)
{
	const config_setting_t *m;

	if (!n || i < 0 || !config_setting_is_group(NODE(n)))
		return NULL;
	m = config_setting_get_elem(NODE(n), (unsigned)i);
	return m ? config_setting_name(m) : NULL;
}

static const char *api_where(const struct vzh_node *n, const char *key)
{
	return n ? cfg_where(NODE(n), key) : "(no config)";
}

static int api_error(const struct vzh_node *n, const char *key, const char *fmt,
		     ...)
{
	va_list ap;

	if (!n)
		return -EINVAL;
	va_start(ap, fmt);
	cfg_verror(NODE(n), key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int api_register_kind(struct vzh_host *vh, const struct vzh_kind *k)
{
	struct plugin *p = (struct plugin *)vh, *holder = NULL;
	const char *builtin;
	int ret;

	if (!p->in_init)
		return -EPERM;
	if (!k || k->struct_size < offsetof(struct vzh_kind, contribute) +
					   sizeof(k->contribute))
		return -EINVAL;
	/* a bare name is a built-in plugin's, whatever the load order: a
	   config's `kind = "disk"` means one thing everywhere */
	builtin = k->name && !strchr(k->name, '.') ? builtin_provider(k->name) :
						     NULL;
	if (k->name && !strchr(k->name, '.') &&
	    (!builtin || strcmp(builtin, p->name))) {
		if (!p->conflict)
			p->conflict = xasprintf(
				"kind \"%s\": a bare kind name is a built-in "
				"plugin's%s%s%s; name yours \"vendor.%s\"",
				k->name, builtin ? " (\"" : "",
				builtin ? builtin : "", builtin ? "\")" : "",
				k->name);
		return -EPERM;
	}
	ret = registry_add_kind(&p->host->reg, p, k, &holder);
	if (ret == -EEXIST && !p->conflict)
		p->conflict =
			xasprintf("kind \"%s\" is already owned by plugin "
				  "\"%s\"",
				  k->name, holder->name);
	else if (ret == -EINVAL && !p->conflict)
		p->conflict = xasprintf("\"%s\" is not a valid kind name "
					"(lower case, digits, '.', '_', '-')",
					k->name ? k->name : "(null)");
	return ret;
}

static int api_subscribe(struct vzh_host *vh, enum vzh_event ev, int priority,
			 vzh_hook_fn fn, void *data)
{
	struct plugin *p = (struct plugin *)vh;

	if (!p->in_init)
		return -EPERM;
	return registry_subscribe(&p->host->reg, p, ev, priority, fn, data,
				  p->order);
}

static int listen_init(struct vzh_host *vh, enum listen_kind k,
		       void (*fn)(void), void *data)
{
	struct plugin *p = (struct plugin *)vh;

	if (!p->in_init)
		return -EPERM;
	return registry_listen(&p->host->reg, p, k, fn, data);
}

static int api_validator(struct vzh_host *vh, vzh_validate_fn fn, void *data)
{
	return listen_init(vh, LISTEN_VALIDATE, (void (*)(void))fn, data);
}

static int api_subscribe_all(struct vzh_host *vh, vzh_transition_fn fn,
			     void *data)
{
	return listen_init(vh, LISTEN_ALL, (void (*)(void))fn, data);
}

static const struct vzh_node *api_device_node(const struct vzh_device *d)
{
	return (const struct vzh_node *)d->node;
}

static const char *api_device_vm(const struct vzh_device *d)
{
	return d->m->name;
}

static int api_device_index(const struct vzh_device *d)
{
	return d->index;
}

static enum vzh_guest api_device_guest(const struct vzh_device *d)
{
	return d->m->guest;
}

/*
 * A plugin's emission is checked like user input: a bad one is its bug.  The
 * struct is first copied as the plugin declared it (struct_size), the fields it
 * does not know zero, so the checks never read past what it handed over.
 */
typedef const char *check_fn(const union device_desc *u);

/* a struct_size that ends inside a pointer would hand the checks half of
   it to follow: no version of the SDK ever had such a size */
static bool splits_pointer(enum dev_class cls, uint32_t size)
{
	static const struct {
		enum dev_class cls;
		size_t at;
	} ptrs[] = {
		{ DEV_DISK, offsetof(struct vzh_disk, path) },
		{ DEV_DISK, offsetof(struct vzh_disk, nbd_socket) },
		{ DEV_DISK, offsetof(struct vzh_disk, nbd_export) },
		{ DEV_NET, offsetof(struct vzh_net, path) },
		{ DEV_NET, offsetof(struct vzh_net, backend.open) },
		{ DEV_NET, offsetof(struct vzh_net, backend.close) },
		{ DEV_NET, offsetof(struct vzh_net, backend.data) },
		{ DEV_NET, offsetof(struct vzh_net, forwards) },
		{ DEV_SERIAL, offsetof(struct vzh_serial, backend.open) },
		{ DEV_SERIAL, offsetof(struct vzh_serial, backend.close) },
		{ DEV_SERIAL, offsetof(struct vzh_serial, backend.data) },
		{ DEV_SERIAL, offsetof(struct vzh_serial, path) },
		{ DEV_SHARE, offsetof(struct vzh_share, tag) },
		{ DEV_SHARE, offsetof(struct vzh_share, path) },
		{ DEV_VSOCK, offsetof(struct vzh_vsock, ports) },
		{ DEV_HVDEV, offsetof(struct vzh_hvdev, bridge) },
		{ DEV_HVDEV, offsetof(struct vzh_hvdev, group) },
		{ DEV_HVDEV, offsetof(struct vzh_hvdev, driver) },
		{ DEV_HVDEV, offsetof(struct vzh_hvdev, props) },
		{ DEV_CHANNEL, offsetof(struct vzh_channel, name) },
		{ DEV_CHANNEL, offsetof(struct vzh_channel, backend.open) },
		{ DEV_CHANNEL, offsetof(struct vzh_channel, backend.close) },
		{ DEV_CHANNEL, offsetof(struct vzh_channel, backend.data) },
		{ DEV_SOUND, offsetof(struct vzh_sound, record) },
		{ DEV_ROSETTA, offsetof(struct vzh_rosetta, tag) },
	};
	size_t i;

	for (i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
		if (ptrs[i].cls == cls && size > ptrs[i].at &&
		    size < ptrs[i].at + sizeof(void *))
			return true;
	return false;
}

static int emit(struct vzh_device *d, enum dev_class cls, const void *v,
		check_fn *check)
{
	size_t full = machine_class_size(cls);
	union device_desc u;
	const char *bad = NULL, *key;
	char msg[160];
	uint32_t size;

	if (!d->open)
		return -EPERM;
	if (!v)
		return -EINVAL;
	size = *(const uint32_t *)v;
	memset(&u, 0, sizeof(u));
	if (size < 2 * sizeof(uint32_t))
		bad = "struct_size is not set";
	else if (splits_pointer(cls, size))
		bad = "struct_size ends inside a pointer";
	else
		memcpy(&u, v, size < full ? size : full);
	if (!bad && check)
		bad = check(&u);
	if (bad) {
		diag_add(&d->host->diag, d->origin.loc,
			 "plugin \"%s\" emitted an invalid %s device: %s",
			 d->plugin->name, dev_class_names[cls], bad);
		return -EINVAL;
	}
	/* the user's mistake, not the plugin's: said at the setting */
	if ((bad = rules_check(cls, &u, &key, msg, sizeof(msg)))) {
		if (key && d->node && config_setting_get_member(d->node, key))
			cfg_error(d->node, key, "%s", bad);
		else
			diag_add(&d->host->diag, d->origin.loc, "%s", bad);
		return -EINVAL;
	}
	machine_add_device(d->m, cls, &u, full, &d->origin)->owner = d->plugin;
	return 0;
}

static bool abs_path(const char *s)
{
	return s && s[0] == '/';
}

/* (sun_path holds 104 bytes on macOS, 108 on Linux) */
#define SOCKET_PATH_MAX 103

static bool socket_path(const char *s)
{
	return abs_path(s) && strlen(s) <= SOCKET_PATH_MAX;
}

static const char *check_disk(const union device_desc *u)
{
	const struct vzh_disk *v = &u->disk;

	if (v->nbd_socket || v->nbd_export) {
		if (!socket_path(v->nbd_socket))
			return "nbd_socket must be absolute and under 104 bytes";
		if (v->path)
			return "a disk has a path or an NBD server, not both";
		if (v->size || v->ephemeral)
			return "size and ephemeral need an image (path)";
	} else if (!abs_path(v->path)) {
		return "path must be absolute";
	}
	return v->cache > VZH_CACHE_UNCACHED ? "unknown cache mode" :
	       v->sync > VZH_SYNC_NONE	     ? "unknown sync mode" :
	       v->iface > VZH_DISK_USB	     ? "unknown interface" :
	       v->read_only > 1		     ? "read_only is 0 or 1" :
	       v->ephemeral > 1		     ? "ephemeral is 0 or 1" :
	       v->ephemeral && v->read_only ?
				  "an ephemeral disk is written: not read_only" :
				  NULL;
}

static const char *check_backend(const struct vzh_backend *b)
{
	return b->struct_size < sizeof(*b) || !b->open || !b->close ?
		       "a backend needs struct_size, open and close" :
		       NULL;
}

/* a numeric IPv4 or IPv6 address (a name would be looked up: not here) */
static bool numeric_addr(const char *s)
{
	unsigned char buf[16];

	return !s || inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static const char *check_forwards(const struct vzh_net *v)
{
	size_t i, j;

	if (v->nforwards > VZH_FORWARDS_MAX)
		return "more than VZH_FORWARDS_MAX forwards";
	if (v->nforwards && !v->forwards)
		return "nforwards is set but forwards is NULL";
	if (v->nforwards && v->attach != VZH_NET_NAT)
		return "forwards are for a NAT attachment only";
	for (i = 0; i < v->nforwards; i++) {
		const struct vzh_forward *a = &v->forwards[i];

		if (a->proto > VZH_PROTO_UDP)
			return "a forward's protocol is unknown";
		if (!a->host_port || !a->guest_port)
			return "a forward's ports must be 1 to 65535";
		if (!numeric_addr(a->host_addr))
			return "a forward's host_addr must be a numeric IPv4 "
			       "or IPv6 address";
		for (j = 0; j < i; j++)
			if (a->proto == v->forwards[j].proto &&
			    a->host_port == v->forwards[j].host_port)
				return "two forwards share a host port";
	}
	return NULL;
}

static const char *check_net(const union device_desc *u)
{
	const struct vzh_net *v = &u->net;
	const char *bad = check_forwards(v);

	if (bad)
		return bad;
	switch (v->attach) {
	case VZH_NET_NAT:
		return NULL;
	case VZH_NET_SOCKET:
		return !socket_path(v->path) ?
			       "a socket attachment's path must be absolute "
			       "and under 104 bytes" :
		       v->socket_type > VZH_SOCKET_STREAM ?
			       "unknown socket type" :
			       NULL;
	case VZH_NET_BACKEND:
		return check_backend(&v->backend);
	default:
		return "unknown attachment";
	}
}

static const char *check_graphics(const union device_desc *u)
{
	const struct vzh_graphics *v = &u->graphics;

	if (!v->width || !v->height || !v->ppi)
		return "width, height and ppi must be positive";
	return v->display > VZH_DISPLAY_WINDOW ? "unknown display" : NULL;
}

static const char *check_pointer(const union device_desc *u)
{
	return u->pointer.type > VZH_POINTER_TRACKPAD ? "unknown type" : NULL;
}

static const char *check_serial(const union device_desc *u)
{
	const struct vzh_serial *v = &u->serial;

	if (v->output == VZH_SERIAL_BACKEND)
		return check_backend(&v->backend);
	return v->output > VZH_SERIAL_FILE ?
		       "unknown output" :
	       v->output == VZH_SERIAL_FILE && !abs_path(v->path) ?
		       "a file output needs an absolute path" :
		       NULL;
}

static const char *check_share(const union device_desc *u)
{
	const struct vzh_share *v = &u->share;

	return !v->tag || !*v->tag ? "tag is empty" :
	       !abs_path(v->path)  ? "path must be absolute" :
				     NULL;
}

static const char *check_vsock(const union device_desc *u)
{
	const struct vzh_vsock *v = &u->vsock;
	size_t i, j;

	if (v->nports > VZH_VSOCK_PORTS_MAX)
		return "more than VZH_VSOCK_PORTS_MAX port mappings";
	if (v->nports && !v->ports)
		return "nports is set but ports is NULL";
	for (i = 0; i < v->nports; i++) {
		const struct vzh_vsock_port *a = &v->ports[i];

		if (a->dir > VZH_VSOCK_CONNECT)
			return "unknown port direction";
		if (!socket_path(a->path))
			return "a port's path must be absolute and under 104 "
			       "bytes";
		for (j = 0; j < i; j++)
			if (!strcmp(a->path, v->ports[j].path) ||
			    (a->dir == VZH_VSOCK_CONNECT &&
			     v->ports[j].dir == VZH_VSOCK_CONNECT &&
			     a->port == v->ports[j].port))
				return "two port mappings share a path or a "
				       "guest port";
	}
	return NULL;
}

/* a name QEMU and friends take as one word: letters, digits, - _ . */
static bool word(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static const char *check_hvdev(const union device_desc *u)
{
	const struct vzh_hvdev *v = &u->hvdev;
	size_t i;

	if (!word(v->bridge) || !word(v->group))
		return "bridge and group must be plain words";
	if (v->driver && !word(v->driver))
		return "driver must be a plain word";
	if (v->nprops > VZH_PROPS_MAX)
		return "more than VZH_PROPS_MAX properties";
	if (v->nprops && !v->props)
		return "nprops is set but props is NULL";
	for (i = 0; i < v->nprops; i++) {
		const struct vzh_prop *p = &v->props[i];

		if (!word(p->name))
			return "a property's name must be a plain word";
		if (p->type > VZH_PROP_BOOL)
			return "unknown property type";
		if (p->type == VZH_PROP_STRING && !p->str)
			return "a string property without a value";
		if (p->type == VZH_PROP_BOOL && (p->num < 0 || p->num > 1))
			return "a bool property is 0 or 1";
	}
	return NULL;
}

/* a guest's /dev/virtio-ports/NAME: one word, no path */
static const char *check_channel(const union device_desc *u)
{
	const struct vzh_channel *v = &u->channel;

	if (!word(v->name) || strlen(v->name) > VZH_CHANNEL_NAME_MAX)
		return "a channel's name is 1 to VZH_CHANNEL_NAME_MAX of a-z, "
		       "A-Z, 0-9, '.', '_' and '-'";
	return check_backend(&v->backend);
}

static const char *check_sound(const union device_desc *u)
{
	const struct vzh_sound *v = &u->sound;

	if (v->output > 1 || v->input > 1)
		return "output and input are 0 or 1";
	if (!v->output && !v->input)
		return "a sound card with neither output nor input";
	if (v->record && !abs_path(v->record))
		return "record must be an absolute path";
	if (v->record && !v->output)
		return "record is the guest's output: output must be 1";
	return NULL;
}

static const char *check_rosetta(const union device_desc *u)
{
	return !u->rosetta.tag || !*u->rosetta.tag ? "tag is empty" : NULL;
}

static int api_emit_disk(struct vzh_device *d, const struct vzh_disk *v)
{
	return emit(d, DEV_DISK, v, check_disk);
}

static int api_emit_net(struct vzh_device *d, const struct vzh_net *v)
{
	return emit(d, DEV_NET, v, check_net);
}

static int api_emit_graphics(struct vzh_device *d, const struct vzh_graphics *v)
{
	return emit(d, DEV_GRAPHICS, v, check_graphics);
}

static int api_emit_keyboard(struct vzh_device *d, const struct vzh_keyboard *v)
{
	return emit(d, DEV_KEYBOARD, v, NULL);
}

static int api_emit_pointer(struct vzh_device *d, const struct vzh_pointer *v)
{
	return emit(d, DEV_POINTER, v, check_pointer);
}

static int api_emit_serial(struct vzh_device *d, const struct vzh_serial *v)
{
	return emit(d, DEV_SERIAL, v, check_serial);
}

static int api_emit_share(struct vzh_device *d, const struct vzh_share *v)
{
	return emit(d, DEV_SHARE, v, check_share);
}

static int api_emit_entropy(struct vzh_device *d, const struct vzh_simple *v)
{
	return emit(d, DEV_ENTROPY, v, NULL);
}

static int api_emit_balloon(struct vzh_device *d, const struct vzh_simple *v)
{
	return emit(d, DEV_BALLOON, v, NULL);
}

static int api_emit_vsock(struct vzh_device *d, const struct vzh_vsock *v)
{
	return emit(d, DEV_VSOCK, v, check_vsock);
}

static int api_emit_hvdev(struct vzh_device *d, const struct vzh_hvdev *v)
{
	return emit(d, DEV_HVDEV, v, check_hvdev);
}

static int api_emit_channel(struct vzh_device *d, const struct vzh_channel *v)
{
	return emit(d, DEV_CHANNEL, v, check_channel);
}

static int api_emit_sound(struct vzh_device *d, const struct vzh_sound *v)
{
	return emit(d, DEV_SOUND, v, check_sound);
}

static int api_emit_clipboard(struct vzh_device *d, const struct vzh_simple *v)
{
	return emit(d, DEV_CLIPBOARD, v, NULL);
}

static int api_emit_rosetta(struct vzh_device *d, const struct vzh_rosetta *v)
{
	return emit(d, DEV_ROSETTA, v, check_rosetta);
}

static int api_emit_usb(struct vzh_device *d, const struct vzh_simple *v)
{
	return emit(d, DEV_USB, v, NULL);
}

static int api_watch(struct vzh_host *vh, int fd, unsigned events,
		     vzh_watch_fn fn, void *data)
{
	return ploop_watch((struct plugin *)vh, fd, events, fn, data);
}

static int64_t api_timer(struct vzh_host *vh, uint64_t ms, uint64_t period_ms,
			 vzh_timer_fn fn, void *data)
{
	return ploop_timer((struct plugin *)vh, ms, period_ms, fn, data);
}

static int api_timer_cancel(struct vzh_host *vh, int64_t id)
{
	return ploop_timer_cancel((struct plugin *)vh, id);
}

static int api_spawn(struct vzh_host *vh, const char *vm,
		     const char *const *argv, const char *listen)
{
	return backend_spawn((struct plugin *)vh, vm, argv, listen, 0);
}

static const char *api_run_dir(struct vzh_host *vh, const char *vm)
{
	return backend_run_dir((struct plugin *)vh, vm);
}

static int api_mode(struct vzh_host *vh)
{
	return runapi_mode((struct plugin *)vh);
}

static const char *api_machine_json(struct vzh_host *vh, const char *vm)
{
	return runapi_machine_json((struct plugin *)vh, vm);
}

static const char *api_config_path(struct vzh_host *vh)
{
	return runapi_config_path((struct plugin *)vh);
}

static const char *api_control_path(struct vzh_host *vh, const char *vm)
{
	return runapi_control_path((struct plugin *)vh, vm);
}

static int api_helper(struct vzh_host *vh, const struct vzh_helper *spec)
{
	if (!spec || spec->struct_size < sizeof(*spec) ||
	    (spec->flags & ~(uint32_t)VZH_HELPER_ENDS_WITH_VM))
		return -EINVAL;
	return backend_spawn((struct plugin *)vh, spec->vm, spec->argv,
			     spec->listen, spec->flags);
}

static int api_vm_request(struct vzh_host *vh, const struct vzh_request *req)
{
	return runapi_request((struct plugin *)vh, req);
}

static int api_vm_action(struct vzh_host *vh, const char *vm,
			 enum vzh_action action, const char *path)
{
	return runapi_vm_action((struct plugin *)vh, vm, action, path);
}

static void api_log(struct vzh_host *vh, int level, const char *fmt, ...)
{
	struct plugin *p = (struct plugin *)vh;
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, p ? p->name : "plugin", fmt, ap);
	va_end(ap);
}

static void api_set_error(struct vzh_host *vh, const char *fmt, ...)
{
	struct plugin *p = (struct plugin *)vh;
	va_list ap;

	if (!p)
		return;
	free(p->error);
	va_start(ap, fmt);
	p->error = xvasprintf(fmt, ap);
	va_end(ap);
}

const struct vzh_api core_api = {
	.struct_size = sizeof(struct vzh_api),
	.abi = VZH_ABI_VERSION,
	.get_string = api_get_string,
	.get_int64 = api_get_int64,
	.get_bool = api_get_bool,
	.get_size = api_get_size,
	.get_path = api_get_path,
	.get_enum = api_get_enum,
	.child = api_child,
	.list_len = api_list_len,
	.list_elem = api_list_elem,
	.where = api_where,
	.error = api_error,
	.register_kind = api_register_kind,
	.subscribe = api_subscribe,
	.device_node = api_device_node,
	.device_vm = api_device_vm,
	.device_index = api_device_index,
	.device_guest = api_device_guest,
	.emit_disk = api_emit_disk,
	.emit_net = api_emit_net,
	.emit_graphics = api_emit_graphics,
	.emit_keyboard = api_emit_keyboard,
	.emit_pointer = api_emit_pointer,
	.emit_serial = api_emit_serial,
	.emit_share = api_emit_share,
	.emit_entropy = api_emit_entropy,
	.emit_balloon = api_emit_balloon,
	.emit_vsock = api_emit_vsock,
	.log = api_log,
	.set_error = api_set_error,
	.check_keys = api_check_keys,
	.state_name = api_state_name,
	.reason_name = api_reason_name,
	.event_name = api_event_name,
	.member_name = api_member_name,
	.emit_hvdev = api_emit_hvdev,
	.watch = api_watch,
	.timer = api_timer,
	.timer_cancel = api_timer_cancel,
	.spawn = api_spawn,
	.run_dir = api_run_dir,
	.mode = api_mode,
	.machine_json = api_machine_json,
	.config_path = api_config_path,
	.control_path = api_control_path,
	.vm_action = api_vm_action,
	.validator = api_validator,
	.subscribe_all = api_subscribe_all,
	.derive_mac = mac_derive,
	.vm_request = api_vm_request,
	.helper = api_helper,
	.emit_channel = api_emit_channel,
	.emit_sound = api_emit_sound,
	.emit_clipboard = api_emit_clipboard,
	.emit_rosetta = api_emit_rosetta,
	.emit_usb = api_emit_usb,
};
