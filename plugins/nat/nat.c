/* nat.c: the `nat` and `nic` kinds: a network interface behind the hypervisor's NAT (with host port forwards), or on a network server's unix socket, with a stable MAC. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const keys[] = { "mac", "forwards", NULL };
static const char *const nic_keys[] = { "mac", "socket", "type", NULL };
static const char *const types[] = { "dgram", "stream", NULL };

static int parse_mac(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	for (i = 0; i < 6; i++, s += 3) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		hi = isdigit((unsigned char)s[0]) ? s[0] - '0' :
						    (tolower(s[0]) - 'a' + 10);
		lo = isdigit((unsigned char)s[1]) ? s[1] - '0' :
						    (tolower(s[1]) - 'a' + 10);
		mac[i] = (uint8_t)(hi << 4 | lo);
		if (s[2] != (i < 5 ? ':' : 0))
			return -EINVAL;
	}
	return 0;
}

static int contribute_net(struct vzh_device *d, struct vzh_net *net)
{
	const struct vzh_node *n = api->device_node(d);
	const char *mac;

	if (api->get_string(n, "mac", NULL, &mac) < 0)
		return -EINVAL;
	if (!mac) {
		api->derive_mac(api->device_vm(d), api->device_index(d),
				net->mac);
	} else if (parse_mac(mac, net->mac) < 0) {
		return api->error(n, "mac",
				  "\"%s\" is not a MAC address "
				  "(six hex pairs such as 52:54:00:12:34:56)",
				  mac);
	}
	/* a multicast or all-zero MAC: the core's rule, at the setting */
	return api->emit_net(d, net);
}

/* "1".."65535" */
static int port(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (!n || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

/* "[ADDR:]HOST:GUEST[/tcp|/udp]", as docker -p writes it; an IPv6 address
   in brackets; addr (64 bytes) holds the address */
static int parse_forward(const char *s, struct vzh_forward *f, char *addr)
{
	const char *end = s + strlen(s), *slash = strrchr(s, '/'), *a = NULL,
		   *c1, *c2;
	unsigned char buf[16];
	size_t alen = 0;
	int hp, gp;

	f->proto = VZH_PROTO_TCP;
	if (slash) {
		if (!strcmp(slash, "/udp"))
			f->proto = VZH_PROTO_UDP;
		else if (strcmp(slash, "/tcp"))
			return -1;
		end = slash;
	}
	if (*s == '[') { /* [v6]:HOST:GUEST */
		const char *close = memchr(s, ']', (size_t)(end - s));

		if (!close || close[1] != ':')
			return -1;
		a = s + 1;
		alen = (size_t)(close - a);
		s = close + 2;
	}
	c2 = memchr(s, ':', (size_t)(end - s));
	if (!c2)
		return -1;
	c1 = memchr(c2 + 1, ':', (size_t)(end - c2 - 1));
	if (c1) { /* ADDR:HOST:GUEST */
		if (a)
			return -1;
		a = s;
		alen = (size_t)(c2 - s);
		s = c2 + 1;
		c2 = c1;
	}
	hp = port(s, (size_t)(c2 - s));
	gp = port(c2 + 1, (size_t)(end - c2 - 1));
	if (hp < 0 || gp < 0 || alen >= 64)
		return -1;
	f->host_port = (uint16_t)hp;
	f->guest_port = (uint16_t)gp;
	f->host_addr = NULL;
	if (!a)
		return 0;
	memcpy(addr, a, alen);
	addr[alen] = 0;
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1)
		return -2;
	f->host_addr = addr;
	return 0;
}

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d),
			      *list = api->child(n, "forwards");
	struct vzh_forward fw[VZH_FORWARDS_MAX];
	char addr[VZH_FORWARDS_MAX][64];
	struct vzh_net net = { .struct_size = sizeof(net),
			       .attach = VZH_NET_NAT,
			       .forwards = fw };
	int i, len = list ? api->list_len(list) : 0, bad = 0, ret;
	const char *spec;

	(void)state;
	/* a lone value is no list: said, not ignored */
	if (!list && (ret = api->get_string(n, "forwards", NULL, &spec)) < 0)
		return ret;
	if (!list && spec)
		return api->error(
			n, "forwards",
			"is a list of strings: forwards = ( \"%s\" );", spec);

	if (len > VZH_FORWARDS_MAX)

		return api->error(n, "forwards",
				  "%d forwards; at most %d per device", len,
				  VZH_FORWARDS_MAX);
	for (i = 0; i < len; i++) {
		const struct vzh_node *e = api->list_elem(list, i);

		if (api->get_string(e, NULL, NULL, &spec) < 0 || !spec) {
			bad = api->error(e, NULL,
					 "a forward is a string such as "
					 "\"8080:80\"");
			continue;
		}
		ret = parse_forward(spec, &fw[i], addr[i]);
		if (ret == -2)
			bad = api->error(e, NULL,
					 "\"%s\": the host address must be "
					 "a numeric IPv4 or IPv6 address",
					 spec);
		else if (ret < 0)
			bad = api->error(
				e, NULL,
				"\"%s\" is not a forward: "
				"[ADDRESS:]HOST_PORT:GUEST_PORT[/tcp|/udp], "
				"such as \"2222:22\" or "
				"\"0.0.0.0:8080:80/tcp\" (ports 1 to 65535)",
				spec);
	}
	if (bad)
		return bad;
	net.nforwards = (uint32_t)len;
	return contribute_net(d, &net);
}

/* frames to a server on a unix socket: connected at each start */
static int contribute_nic(void *state, struct vzh_device *d)
{
	const struct vzh_node *n = api->device_node(d);
	struct vzh_net net = { .struct_size = sizeof(net),
			       .attach = VZH_NET_SOCKET };
	int type = 0;

	(void)state;
	if (api->get_path(n, "socket", NULL, &net.path) < 0 ||
	    api->get_enum(n, "type", types, VZH_SOCKET_DGRAM, &type) < 0)
		return -EINVAL;
	if (!net.path)
		return api->error(n, NULL,
				  "a nic needs socket, the unix socket of its "
				  "network server (gvproxy, socket_vmnet, "
				  "passt)");
	if (strlen(net.path) > 103)
		return api->error(n, "socket",
				  "%s: a socket path is shorter than 104 bytes",
				  net.path);
	net.socket_type = (uint32_t)type;
	return contribute_net(d, &net);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "nat",
		.keys = keys,
		.contribute = contribute,
	};
	static const struct vzh_kind nic = {
		.struct_size = sizeof(nic),
		.name = "nic",
		.keys = nic_keys,
		.contribute = contribute_nic,
	};
	int ret;

	(void)settings;
	(void)state;
	api = a;
	ret = api->register_kind(h, &kind);
	return ret < 0 ? ret : api->register_kind(h, &nic);
}

/* (no settings of its own: a plugins.nat group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("nat", "1.2.0",
			   "network interfaces behind the hypervisor's NAT or "
			   "on a network server's socket",
			   "MIT", no_settings, init, NULL);
