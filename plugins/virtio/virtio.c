/* virtio.c: the `entropy`, `balloon` and `vsock` kinds: virtio devices, vsock with its ports reached from the host. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

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

/* sun_path's room on macOS, less its terminating zero */
#define SOCKET_PATH_MAX 103

static const char *const vsock_keys[] = { "ports", NULL };
static const char *const port_keys[] = { "port", "listen", "connect", NULL };

/* one entry of ports: the guest's port and the host's socket; 0 or -EINVAL */
static int port(const struct vzh_node *e, struct vzh_vsock_port *p)
{
	const char *listen = NULL, *connect = NULL;
	int64_t num;
	int ret;

	if (api->check_keys(e, port_keys) < 0)
		return -EINVAL;
	ret = api->get_int64(e, "port", INT64_MIN, &num);
	if (!ret && num == INT64_MIN)
		ret = api->error(e, NULL,
				 "a port mapping needs port = N (the guest's "
				 "vsock port)");
	else if (!ret && (num < 0 || num > 0xfffffffe))
		ret = api->error(e, "port",
				 "%lld is not a vsock port (0-4294967294)",
				 (long long)num);
	ret |= api->get_path(e, "listen", NULL, &listen);
	ret |= api->get_path(e, "connect", NULL, &connect);
	if (ret)
		return -EINVAL;
	if (!listen == !connect)
		return api->error(
			e, NULL,
			"give one of listen = \"PATH\" (vzhost listens there; "
			"each connection reaches the guest's port) or connect = "
			"\"PATH\" (the guest's connections to the port go to "
			"that socket)");
	p->port = (uint32_t)num;
	p->dir = listen ? VZH_VSOCK_LISTEN : VZH_VSOCK_CONNECT;
	p->path = listen ? listen : connect;
	if (strlen(p->path) > SOCKET_PATH_MAX)
		return api->error(e, listen ? "listen" : "connect",
				  "%s is longer than a unix socket path can be "
				  "(%d bytes)",
				  p->path, SOCKET_PATH_MAX);
	return 0;
}

/* (child() says NULL for a key that is there but no group or list) */
static int has_member(const struct vzh_node *n, const char *key)
{
	const char *name;
	int i;

	for (i = 0; (name = api->member_name(n, i)); i++)
		if (!strcmp(name, key))
			return 1;
	return 0;
}

static int vsock(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	const struct vzh_node *list = api->child(n, "ports");
	struct vzh_vsock_port ports[VZH_VSOCK_PORTS_MAX];
	int at[VZH_VSOCK_PORTS_MAX]; /* each one's place in the list */
	struct vzh_vsock v = { .struct_size = sizeof(v), .ports = ports };
	int i, j, len = api->list_len(list), ret = 0;

	(void)state;
	if (!list && has_member(n, "ports"))
		return api->error(n, "ports",
				  "ports is a list of groups: ( { port = N; "
				  "listen = \"PATH\"; }, ... )");
	if (len > VZH_VSOCK_PORTS_MAX)
		return api->error(n, "ports", "%d port mappings: at most %d",
				  len, VZH_VSOCK_PORTS_MAX);
	for (i = 0; i < len; i++) {
		const struct vzh_node *e = api->list_elem(list, i);

		if (port(e, &ports[v.nports]) < 0) {
			ret = -EINVAL;
			continue;
		}
		for (j = 0; j < (int)v.nports; j++) {
			const struct vzh_vsock_port *a = &ports[v.nports],
						    *b = &ports[j];

			if (!strcmp(a->path, b->path) ||
			    (a->dir == VZH_VSOCK_CONNECT &&
			     b->dir == VZH_VSOCK_CONNECT && a->port == b->port))
				break;
		}
		if (j < (int)v.nports) {
			ret = api->error(
				e, NULL,
				"this mapping's %s is already used "
				"at %s",
				strcmp(ports[v.nports].path, ports[j].path) ?
					"guest port" :
					"socket",
				api->where(api->list_elem(list, at[j]), NULL));
			continue;
		}
		at[v.nports++] = i;
	}
	return ret ? ret : api->emit_vsock(d, &v);
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
		  .keys = vsock_keys,
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

/* (no settings of its own: a plugins.virtio group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("virtio", "1.0.0",
			   "virtio entropy, memory balloon and vsock devices",
			   "MIT", no_settings, init, NULL);
