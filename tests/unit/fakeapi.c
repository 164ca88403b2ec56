/* fakeapi.c: a fake struct vzh_api so plugins can be unit-tested without the core or libconfig. */
#include "fakeapi.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"
#include "rules.h"
#include "util.h"

struct fake fk;

/* nodes are fake_kv arrays; a device node is the kv list of the entry */
static const struct fake_kv *find(const struct vzh_node *n, const char *key)
{
	const struct fake_kv *kv = (const struct fake_kv *)n;

	for (; kv && kv->key; kv++)
		if (!strcmp(kv->key, key))
			return kv;
	return NULL;
}

static int ferr(const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (fk.nerrors == FAKE_MAX)
		return -EINVAL;
	n = snprintf(fk.errors[fk.nerrors], sizeof(fk.errors[0]),
		     "%s: ", key ? key : "(entry)");
	va_start(ap, fmt);
	vsnprintf(fk.errors[fk.nerrors] + n, sizeof(fk.errors[0]) - (size_t)n,
		  fmt, ap);
	va_end(ap);
	fk.nerrors++;
	return -EINVAL;
}

static int typed(const struct vzh_node *n, const char *key, char type,
		 const char **val)
{
	const struct fake_kv *kv = find(n, key);

	*val = NULL;
	if (!kv)
		return 0;
	if (kv->val[0] != type)
		return ferr(key, "wrong type");
	*val = kv->val + 2;
	return 0;
}

static int f_get_string(const struct vzh_node *n, const char *key,
			const char *def, const char **out)
{
	const char *v;
	int ret = typed(n, key, 's', &v);

	*out = v ? v : def;
	return ret;
}

static int f_get_int64(const struct vzh_node *n, const char *key, int64_t def,
		       int64_t *out)
{
	const char *v;
	int ret = typed(n, key, 'i', &v);

	*out = v ? strtoll(v, NULL, 10) : def;
	return ret;
}

static int f_get_bool(const struct vzh_node *n, const char *key, int def,
		      int *out)
{
	const char *v;
	int ret = typed(n, key, 'b', &v);

	*out = v ? atoi(v) : def;
	return ret;
}

/* like the core: a string with a suffix, or a byte count */
static int f_get_size(const struct vzh_node *n, const char *key, uint64_t def,
		      uint64_t *out)
{
	const struct fake_kv *kv = find(n, key);

	*out = def;
	if (!kv)
		return 0;
	if (kv->val[0] == 'i') {
		if (kv->val[2] == '-')
			return ferr(key, "a size cannot be negative");
		*out = strtoull(kv->val + 2, NULL, 10);
		return 0;
	}
	if (kv->val[0] != 's')
		return ferr(key, "wrong type");
	if (util_parse_size(kv->val + 2, out) < 0) {
		*out = def;
		return ferr(key, "not a size");
	}
	return 0;
}

static int f_get_path(const struct vzh_node *n, const char *key,
		      const char *def, const char **out)
{
	static char bufs[4][512];
	static int next;
	const char *v;
	int ret = f_get_string(n, key, NULL, &v);

	*out = def;
	if (ret || !v)
		return ret;
	if (!*v)
		return ferr(key, "empty path");
	if (v[0] == '/' || !fk.dir) {
		*out = v;
		return 0;
	}
	next = (next + 1) % 4;
	snprintf(bufs[next], sizeof(bufs[0]), "%s/%s", fk.dir, v);
	*out = bufs[next];
	return 0;
}

static int f_get_enum(const struct vzh_node *n, const char *key,
		      const char *const *names, int def, int *out)
{
	const char *v;
	int i, ret = f_get_string(n, key, NULL, &v);

	*out = def;
	if (ret || !v)
		return ret;
	for (i = 0; names[i]; i++) {
		if (!strcmp(names[i], v)) {
			*out = i;
			return 0;
		}
	}
	return ferr(key, "\"%s\" is not allowed", v);
}

static const char *f_where(const struct vzh_node *n, const char *key)
{
	(void)n, (void)key;
	return "fake.conf:1";
}

static int f_error(const struct vzh_node *n, const char *key, const char *fmt,
		   ...)
{
	char msg[400];
	va_list ap;

	(void)n;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ferr(key, "%s", msg);
}

static int f_register_kind(struct vzh_host *h, const struct vzh_kind *k)
{
	int i;

	(void)h;
	if (!fk.in_init)
		return -EPERM;
	for (i = 0; i < fk.nkinds; i++)
		if (!strcmp(fk.kinds[i].name, k->name))
			return -EEXIST;
	fk.kinds[fk.nkinds++] = *k;
	return 0;
}

static int f_subscribe(struct vzh_host *h, enum vzh_event ev, int prio,
		       vzh_hook_fn fn, void *data)
{
	(void)h, (void)ev, (void)prio, (void)fn, (void)data;
	return fk.in_init ? 0 : -EPERM;
}

static const struct vzh_node *f_device_node(const struct vzh_device *d)
{
	return (const struct vzh_node *)d;
}

static const char *f_device_vm(const struct vzh_device *d)
{
	(void)d;
	return fk.vm;
}

static int f_device_index(const struct vzh_device *d)
{
	(void)d;
	return fk.index;
}

static enum vzh_guest f_device_guest(const struct vzh_device *d)
{
	(void)d;
	return fk.guest;
}

static struct fake_dev *record(const char *cls, const void *v, size_t size)
{
	struct fake_dev *d = &fk.devs[fk.ndevs++];

	memset(d, 0, sizeof(*d));
	snprintf(d->cls, sizeof(d->cls), "%s", cls);
	memcpy(&d->u, v, size);
	return d;
}

static int f_emit_disk(struct vzh_device *dv, const struct vzh_disk *v)
{
	struct fake_dev *d = record("disk", v, sizeof(*v));

	(void)dv;
	snprintf(d->path, sizeof(d->path), "%s", v->path);
	d->u.disk.path = d->path;
	return 0;
}

/* the core's own rules for what a user can get wrong (core/rules.c) */
static int rules(enum dev_class cls, const void *v, size_t size)
{
	union device_desc u;
	const char *bad, *key;
	char msg[160];

	memset(&u, 0, sizeof(u));
	memcpy(&u, v, size);
	bad = rules_check(cls, &u, &key, msg, sizeof(msg));
	return bad ? ferr(key, "%s", bad) : 0;
}

static int f_emit_net(struct vzh_device *dv, const struct vzh_net *v)
{
	(void)dv;
	if (rules(DEV_NET, v, sizeof(*v)))
		return -EINVAL;
	record("net", v, sizeof(*v));
	return 0;
}

static int f_emit_graphics(struct vzh_device *dv, const struct vzh_graphics *v)
{
	(void)dv;
	record("graphics", v, sizeof(*v));
	return 0;
}

static int f_emit_keyboard(struct vzh_device *dv, const struct vzh_keyboard *v)
{
	(void)dv;
	record("keyboard", v, sizeof(*v));
	return 0;
}

static int f_emit_pointer(struct vzh_device *dv, const struct vzh_pointer *v)
{
	(void)dv;
	record("pointer", v, sizeof(*v));
	return 0;
}

static int f_emit_serial(struct vzh_device *dv, const struct vzh_serial *v)
{
	struct fake_dev *d = record("serial", v, sizeof(*v));

	(void)dv;
	if (v->path) {
		snprintf(d->path, sizeof(d->path), "%s", v->path);
		d->u.serial.path = d->path;
	}
	return 0;
}

static int f_emit_share(struct vzh_device *dv, const struct vzh_share *v)
{
	struct fake_dev *d;

	(void)dv;
	if (rules(DEV_SHARE, v, sizeof(*v)))
		return -EINVAL;
	d = record("share", v, sizeof(*v));
	snprintf(d->path, sizeof(d->path), "%s", v->path);
	snprintf(d->tag, sizeof(d->tag), "%s", v->tag);
	d->u.share.path = d->path;
	d->u.share.tag = d->tag;
	return 0;
}

static int f_emit_entropy(struct vzh_device *dv, const struct vzh_simple *v)
{
	(void)dv;
	record("entropy", v, sizeof(*v));
	return 0;
}

static int f_emit_balloon(struct vzh_device *dv, const struct vzh_simple *v)
{
	(void)dv;
	record("balloon", v, sizeof(*v));
	return 0;
}

static int f_emit_vsock(struct vzh_device *dv, const struct vzh_vsock *v)
{
	(void)dv;
	record("vsock", v, sizeof(*v));
	return 0;
}

static int f_emit_hvdev(struct vzh_device *dv, const struct vzh_hvdev *v)
{
	(void)dv;
	record("hvdev", v, sizeof(*v));
	return 0;
}

/* no loop here: a plugin's contribute() must not need one */
static int f_watch(struct vzh_host *h, int fd, unsigned events, vzh_watch_fn fn,
		   void *data)
{
	(void)h, (void)fd, (void)events, (void)fn, (void)data;
	return -ENOSYS;
}

static int64_t f_timer(struct vzh_host *h, uint64_t ms, uint64_t period_ms,
		       vzh_timer_fn fn, void *data)
{
	(void)h, (void)ms, (void)period_ms, (void)fn, (void)data;
	return -ENOSYS;
}

static int f_timer_cancel(struct vzh_host *h, int64_t id)
{
	(void)h, (void)id;
	return -ENOENT;
}

static int f_spawn(struct vzh_host *h, const char *vm, const char *const *argv,
		   const char *listen)
{
	(void)h, (void)vm, (void)argv, (void)listen;
	return -ENOSYS;
}

static const char *f_run_dir(struct vzh_host *h, const char *vm)
{
	(void)h, (void)vm;
	return "/run/fake";
}

static int f_mode(struct vzh_host *h)
{
	(void)h;
	return VZH_MODE_CHECK;
}

static const char *f_machine_json(struct vzh_host *h, const char *vm)
{
	(void)h, (void)vm;
	return NULL;
}

static const char *f_config_path(struct vzh_host *h)
{
	(void)h;
	return "/fake/host.conf";
}

static const char *f_control_path(struct vzh_host *h, const char *vm)
{
	(void)h, (void)vm;
	return NULL;
}

static int f_vm_action(struct vzh_host *h, const char *vm,
		       enum vzh_action action, const char *path)
{
	(void)h, (void)vm, (void)action, (void)path;
	return -EPERM;
}

/* the fake's entries are flat: no groups or lists in them */
static const struct vzh_node *f_child(const struct vzh_node *n, const char *key)
{
	(void)n, (void)key;
	return NULL;
}

static int f_list_len(const struct vzh_node *n)
{
	(void)n;
	return 0;
}

static const struct vzh_node *f_list_elem(const struct vzh_node *n, int i)
{
	(void)n, (void)i;
	return NULL;
}

static const char *f_member_name(const struct vzh_node *n, int i)
{
	(void)n, (void)i;
	return NULL;
}

static int f_check_keys(const struct vzh_node *n, const char *const *keys)
{
	(void)n, (void)keys;
	return 0;
}

static void f_log(struct vzh_host *h, int level, const char *fmt, ...)
{
	(void)h, (void)level, (void)fmt;
}

static void f_set_error(struct vzh_host *h, const char *fmt, ...)
{
	va_list ap;

	(void)h;
	va_start(ap, fmt);
	vsnprintf(fk.set_error, sizeof(fk.set_error), fmt, ap);
	va_end(ap);
}

const struct vzh_api fake_api = {
	.struct_size = sizeof(struct vzh_api),
	.abi = VZH_ABI_VERSION,
	.get_string = f_get_string,
	.get_int64 = f_get_int64,
	.get_bool = f_get_bool,
	.get_size = f_get_size,
	.get_path = f_get_path,
	.get_enum = f_get_enum,
	.where = f_where,
	.error = f_error,
	.register_kind = f_register_kind,
	.subscribe = f_subscribe,
	.device_node = f_device_node,
	.device_vm = f_device_vm,
	.device_index = f_device_index,
	.device_guest = f_device_guest,
	.emit_disk = f_emit_disk,
	.emit_net = f_emit_net,
	.emit_graphics = f_emit_graphics,
	.emit_keyboard = f_emit_keyboard,
	.emit_pointer = f_emit_pointer,
	.emit_serial = f_emit_serial,
	.emit_share = f_emit_share,
	.emit_entropy = f_emit_entropy,
	.emit_balloon = f_emit_balloon,
	.emit_vsock = f_emit_vsock,
	.log = f_log,
	.set_error = f_set_error,
	.child = f_child,
	.list_len = f_list_len,
	.list_elem = f_list_elem,
	.check_keys = f_check_keys,
	.member_name = f_member_name,
	.emit_hvdev = f_emit_hvdev,
	.watch = f_watch,
	.timer = f_timer,
	.timer_cancel = f_timer_cancel,
	.spawn = f_spawn,
	.run_dir = f_run_dir,
	.mode = f_mode,
	.machine_json = f_machine_json,
	.config_path = f_config_path,
	.control_path = f_control_path,
	.vm_action = f_vm_action,
	.derive_mac = mac_derive, /* (the core's own: what plugins get) */
};

const char *fake_build_dir(void)
{
	const char *b = getenv("VZH_BUILD");

	return b && *b ? b : "build";
}

static void *state;

const struct vzh_plugin *fake_load(const char *name)
{
	const struct vzh_plugin *desc;
	char path[512];
	void *h;
	int ret;

	memset(&fk, 0, sizeof(fk));
	fk.vm = "test";
	snprintf(path, sizeof(path), "%s/plugins/%s.so", fake_build_dir(),
		 name);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return NULL;
	}
	desc = dlsym(h, VZH_PLUGIN_SYMBOL);
	if (!desc)
		return NULL;
	fk.in_init = true;
	ret = desc->init(&fake_api, (struct vzh_host *)&fk, NULL, &state);
	fk.in_init = false;
	return ret ? NULL : desc;
}

int fake_contribute(const char *kind, const struct fake_kv *kv)
{
	int i;

	fk.ndevs = 0;
	fk.nerrors = 0;
	for (i = 0; i < fk.nkinds; i++)
		if (!strcmp(fk.kinds[i].name, kind))
			return fk.kinds[i].contribute(state,
						      (struct vzh_device *)kv);
	return -ENOENT;
}

bool fake_has_error(const char *key, const char *text)
{
	size_t n = strlen(key);
	int i;

	for (i = 0; i < fk.nerrors; i++)
		if (!strncmp(fk.errors[i], key, n) && fk.errors[i][n] == ':' &&
		    strstr(fk.errors[i], text))
			return true;
	return false;
}
