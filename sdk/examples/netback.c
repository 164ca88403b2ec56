/* netback.c: an example vzhost plugin that is the network a guest's NIC is plugged into: it answers ARP, DHCP and ICMP echo for a small private subnet and logs a summary of every frame. */
/*
 * Build against the installed SDK:
 *   cc -Wall -Wextra $(pkg-config --cflags --libs vzhost-plugin) \
 *      -o netback.so netback.c
 * Use (vzhost.conf):
 *   plugins = { dirs = [ "." ]; load = [ "netback" ]; };
 *   ... devices = ( { kind = "example.netback"; address = "10.77.0.2"; } );
 * The guest's DHCP client gets `address`/24, with the plugin as its gateway
 * (the subnet's .1), which answers pings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;
static struct vzh_host *host;

static const char *const keys[] = { "address", NULL };

/* one NIC: its addresses and the plugin's end of its socket pair */
struct nic {
	uint8_t mac[6]; /* the guest's */
	uint32_t addr, gw; /* network order */
	int fd;
	unsigned long frames;
	struct nic *next;
};

static struct nic *nics; /* freed at fini */
static const uint8_t gw_mac[6] = { 0x02, 0x77, 0, 0, 0, 0x01 };

/* ---- packets ------------------------------------------------------------ */

static uint16_t csum(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;

	for (; n > 1; n -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (n)
		sum += (uint32_t)(b[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* an IPv4 header at p for len bytes of payload after it */
static void ip_header(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst,
		      size_t len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + len));
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	put16(p + 10, csum(p, 20, 0));
}

static void send_frame(struct nic *n, const uint8_t *f, size_t len)
{
	/* a full socket drops the frame, as a switch would: never wait */
	if (send(n->fd, f, len, MSG_DONTWAIT) < 0 && errno != EAGAIN)
		api->log(host, VZH_LOG_WARNING, "send: %s", strerror(errno));
}

static void arp(struct nic *n, const uint8_t *f, size_t len)
{
	uint8_t r[42];

	if (len < 42 || get16(f + 20) != 1 || memcmp(f + 38, &n->gw, 4))
		return; /* only "who has the gateway" */
	memcpy(r, f + 6, 6);
	memcpy(r + 6, gw_mac, 6);
	put16(r + 12, 0x0806);
	memcpy(r + 14, f + 14, 6); /* hardware and protocol types, sizes */
	put16(r + 20, 2); /* reply */
	memcpy(r + 22, gw_mac, 6);
	memcpy(r + 28, &n->gw, 4);
	memcpy(r + 32, f + 22, 10); /* to the asker */
	send_frame(n, r, sizeof(r));
}

static void icmp_echo(struct nic *n, const uint8_t *f, size_t len)
{
	uint8_t r[1514];
	size_t ihl = (size_t)(f[14] & 0xf) * 4, plen;

	if (len > sizeof(r) || len < 14 + ihl + 8 || f[14 + ihl] != 8 ||
	    memcmp(f + 30, &n->gw, 4))
		return; /* only echo requests to the gateway */
	plen = len - 14 - ihl;
	memcpy(r, f + 6, 6);
	memcpy(r + 6, gw_mac, 6);
	put16(r + 12, 0x0800);
	memcpy(r + 34, f + 14 + ihl, plen);
	r[34] = 0; /* echo reply */
	put16(r + 36, 0);
	put16(r + 36, csum(r + 34, plen, 0));
	ip_header(r + 14, 1, n->gw, n->addr, plen);
	send_frame(n, r, 34 + plen);
}

/* DHCP: every DISCOVER gets an OFFER of n->addr, every REQUEST an ACK */
static void dhcp(struct nic *n, const uint8_t *f, size_t len)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };
	uint8_t r[14 + 20 + 8 + 300] = { 0 }, *b = r + 42, *o, type = 0;
	const uint8_t *opt = f + 42 + 240;
	uint32_t mask = htonl(0xffffff00), bcast = 0xffffffff;

	if (len < 42 + 240 || memcmp(f + 42 + 236, cookie, 4))
		return;
	while (opt + 2 <= f + len && *opt != 255) {
		if (*opt == 0) {
			opt++;
			continue;
		}
		if (opt[0] == 53 && opt[1] == 1 && opt + 3 <= f + len)
			type = opt[2];
		opt += 2 + opt[1];
	}
	if (type != 1 && type != 3) /* DISCOVER, REQUEST */
		return;
	b[0] = 2; /* BOOTREPLY */
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, f + 42 + 4, 4); /* xid */
	memcpy(b + 10, f + 42 + 10, 2); /* flags */
	memcpy(b + 16, &n->addr, 4); /* yiaddr */
	memcpy(b + 20, &n->gw, 4); /* siaddr */
	memcpy(b + 28, f + 42 + 28, 16); /* chaddr */
	memcpy(b + 236, cookie, 4);
	o = b + 240;
	*o++ = 53, *o++ = 1, *o++ = type == 1 ? 2 : 5; /* OFFER, ACK */
	*o++ = 54, *o++ = 4, memcpy(o, &n->gw, 4), o += 4;
	*o++ = 51, *o++ = 4, memset(o, 0xff, 4), o += 4; /* forever */
	*o++ = 1, *o++ = 4, memcpy(o, &mask, 4), o += 4;
	*o++ = 3, *o++ = 4, memcpy(o, &n->gw, 4), o += 4;
	*o++ = 255;
	memcpy(r, f + 6, 6);
	memcpy(r + 6, gw_mac, 6);
	put16(r + 12, 0x0800);
	put16(r + 34, 67);
	put16(r + 36, 68);
	put16(r + 38, (uint16_t)(8 + 300));
	ip_header(r + 14, 17, n->gw, bcast, 8 + 300);
	send_frame(n, r, sizeof(r));
	api->log(host, VZH_LOG_NOTICE, "DHCP %s: %s",
		 type == 1 ? "offer" : "ack",
		 inet_ntoa(*(struct in_addr *)&n->addr));
}

static void summary(struct nic *n, const uint8_t *f, size_t len)
{
	uint16_t type = get16(f + 12);
	char what[64] = "";

	if (type == 0x0806 && len >= 42)
		snprintf(what, sizeof(what), "ARP %s",
			 get16(f + 20) == 1 ? "request" : "reply");
	else if (type == 0x0800 && len >= 34)
		snprintf(what, sizeof(what), "IPv4 proto %u", f[23]);
	else
		snprintf(what, sizeof(what), "type 0x%04x", type);
	api->log(host, VZH_LOG_INFO,
		 "frame %lu: %zu bytes %02x:%02x:%02x:%02x:%02x:%02x -> "
		 "%02x:%02x:%02x:%02x:%02x:%02x %s",
		 ++n->frames, len, f[6], f[7], f[8], f[9], f[10], f[11], f[0],
		 f[1], f[2], f[3], f[4], f[5], what);
}

static void frame(struct nic *n, const uint8_t *f, size_t len)
{
	summary(n, f, len);
	if (get16(f + 12) == 0x0806)
		arp(n, f, len);
	else if (get16(f + 12) == 0x0800 && len >= 34 && f[23] == 1)
		icmp_echo(n, f, len);
	else if (get16(f + 12) == 0x0800 && len >= 42 && f[23] == 17 &&
		 get16(f + 36) == 67)
		dhcp(n, f, len);
}

/* ---- on the core's loop --------------------------------------------------- */

static void readable(void *data, int fd, unsigned events)
{
	struct nic *n = data;
	uint8_t f[65536];
	ssize_t got;
	int i;

	(void)events;
	/* a bounded batch: the loop has other VMs to serve */
	for (i = 0; i < 64; i++) {
		got = recv(fd, f, sizeof(f), MSG_DONTWAIT);
		if (got < 0)
			break;
		if (got >= 14)
			frame(n, f, (size_t)got);
	}
}

static int open_nic(void *data, const char *vm, int fd)
{
	struct nic *n = data;
	int rcv = 1 << 20, snd = 1 << 18;

	/* receive four times what we send (Virtualization.framework's rule
	   for its end; a burst the guest sends is not dropped on ours) */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	n->fd = fd;
	api->log(host, VZH_LOG_NOTICE, "%s: serving its NIC", vm);
	return api->watch(host, fd, VZH_WATCH_READ, readable, n);
}

static void close_nic(void *data, const char *vm, int fd)
{
	struct nic *n = data;

	(void)vm;
	api->watch(host, fd, 0, NULL, NULL);
	close(fd);
	n->fd = -1;
}

/* ---- the kind ----------------------------------------------------------------- */

static int contribute(void *state, struct vzh_device *d)
{
	const struct vzh_node *node = api->device_node(d);
	struct vzh_net net = { .struct_size = sizeof(net),
			       .attach = VZH_NET_BACKEND };
	const char *addr;
	struct in_addr in;
	struct nic *n;

	(void)state;
	if (api->get_string(node, "address", "10.77.0.2", &addr) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, &in) != 1 ||
	    (ntohl(in.s_addr) & 0xff) < 2 || (ntohl(in.s_addr) & 0xff) > 254)
		return api->error(node, "address",
				  "\"%s\" is not an IPv4 address from .2 to "
				  ".254 of a /24",
				  addr);
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->addr = in.s_addr;
	n->gw = htonl((ntohl(in.s_addr) & 0xffffff00) | 1);
	n->fd = -1;
	n->next = nics;
	nics = n;
	/* the guest's MAC: 52:54:00 and its address */
	memcpy(net.mac, (uint8_t[]){ 0x52, 0x54, 0 }, 3);
	memcpy(net.mac + 3, (uint8_t *)&in.s_addr + 1, 3);
	net.backend = (struct vzh_backend){ .struct_size = sizeof(net.backend),
					    .open = open_nic,
					    .close = close_nic,
					    .data = n };
	return api->emit_net(d, &net);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "example.netback",
		.keys = keys,
		.contribute = contribute,
	};

	(void)settings;
	(void)state;
	if (a->struct_size <= offsetof(struct vzh_api, run_dir)) {
		a->set_error(h, "needs vzhost's plugin ABI 1.1");
		return -ENOTSUP;
	}
	api = a;
	host = h;
	return api->register_kind(h, &kind);
}

static void fini(void *state)
{
	struct nic *n;

	(void)state;
	while ((n = nics)) {
		nics = n->next;
		free(n);
	}
}

static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("netback", "1.0",
			   "an example network: ARP, DHCP and ping for a /24",
			   "MIT", no_settings, init, fini);
