/* machine.c: the neutral machine model, the contract between plugins and bridges. */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *const dev_class_names[DEV_CLASS_COUNT] = {
	"disk",	 "net",	      "graphics", "keyboard", "pointer", "serial",
	"share", "entropy",   "balloon",  "vsock",    "hvdev",	 "channel",
	"sound", "clipboard", "rosetta",  "usb",
};
const char *const guest_names[] = { "linux", "macos", NULL };
const char *const policy_names[] = { "stop", "restart", NULL };
const char *const not_ready_names[] = { "log", "restart", "stop", NULL };
const char *const input_after_names[] = { "output", "ready", "start", NULL };
const char *const host_stop_names[] = { "shutdown", "save", NULL };
const char *const disk_cache_names[] = { "automatic", "cached", "uncached",
					 NULL };
const char *const disk_sync_names[] = { "full", "fsync", "none", NULL };
const char *const disk_iface_names[] = { "virtio", "nvme", "usb", NULL };
const char *const pointer_names[] = { "tablet", "trackpad", NULL };
/* (the serial kind's outputs; "backend" is for plugins only) */
const char *const serial_names[] = { "stdio", "none",	 "pty",
				     "file",  "backend", NULL };
const char *const net_attach_names[] = { "nat", "socket", "backend", NULL };
const char *const socket_type_names[] = { "dgram", "stream", NULL };
const char *const display_names[] = { "headless", "window", NULL };

/* The union member each class uses, with its published size. */
size_t machine_class_size(enum dev_class cls)
{
	switch (cls) {
	case DEV_DISK:
		return sizeof(struct vzh_disk);
	case DEV_NET:
		return sizeof(struct vzh_net);
	case DEV_GRAPHICS:
		return sizeof(struct vzh_graphics);
	case DEV_KEYBOARD:
		return sizeof(struct vzh_keyboard);
	case DEV_POINTER:
		return sizeof(struct vzh_pointer);
	case DEV_SERIAL:
		return sizeof(struct vzh_serial);
	case DEV_SHARE:
		return sizeof(struct vzh_share);
	case DEV_VSOCK:
		return sizeof(struct vzh_vsock);
	case DEV_HVDEV:
		return sizeof(struct vzh_hvdev);
	case DEV_CHANNEL:
		return sizeof(struct vzh_channel);
	case DEV_SOUND:
		return sizeof(struct vzh_sound);
	case DEV_ROSETTA:
		return sizeof(struct vzh_rosetta);
	default:
		return sizeof(struct vzh_simple);
	}
}

/* a plugin's mappings, ours from now on (checked by core/api.c) */
static const struct vzh_vsock_port *copy_ports(const struct vzh_vsock *v)
{
	struct vzh_vsock_port *p;
	size_t i;

	if (!v->nports)
		return NULL;
	p = xcalloc(v->nports, sizeof(*p));
	for (i = 0; i < v->nports; i++) {
		p[i] = v->ports[i];
		p[i].path = xstrdup(v->ports[i].path);
	}
	return p;
}

static const struct vzh_forward *copy_forwards(const struct vzh_net *v)
{
	struct vzh_forward *f;
	size_t i;

	if (!v->nforwards)
		return NULL;
	f = xcalloc(v->nforwards, sizeof(*f));
	for (i = 0; i < v->nforwards; i++) {
		f[i] = v->forwards[i];
		f[i].host_addr = xstrdup(v->forwards[i].host_addr ?
						 v->forwards[i].host_addr :
						 "127.0.0.1");
	}
	return f;
}

static const struct vzh_prop *copy_props(const struct vzh_hvdev *v)
{
	struct vzh_prop *p;
	size_t i;

	if (!v->nprops)
		return NULL;
	p = xcalloc(v->nprops, sizeof(*p));
	for (i = 0; i < v->nprops; i++) {
		p[i] = v->props[i];
		p[i].name = xstrdup(v->props[i].name);
		p[i].str = p[i].type == VZH_PROP_STRING ?
				   xstrdup(v->props[i].str) :
				   NULL;
	}
	return p;
}

const struct vzh_backend *machine_backend(const struct device *d)
{
	if (d->cls == DEV_NET && d->u.net.attach == VZH_NET_BACKEND)
		return &d->u.net.backend;
	if (d->cls == DEV_SERIAL && d->u.serial.output == VZH_SERIAL_BACKEND)
		return &d->u.serial.backend;
	if (d->cls == DEV_CHANNEL)
		return &d->u.channel.backend;
	return NULL;
}

struct device *machine_add_device(struct machine *m, enum dev_class cls,
				  const void *desc, size_t desc_size,
				  const struct origin *origin)
{
	size_t full = machine_class_size(cls);
	struct device *d;

	if (m->ndevs == m->capdevs) {
		m->capdevs = m->capdevs ? 2 * m->capdevs : 8;
		m->devs = xrealloc(m->devs, m->capdevs * sizeof(*m->devs));
	}
	d = &m->devs[m->ndevs++];
	memset(d, 0, sizeof(*d));
	d->cls = cls;
	/* an older plugin fills a shorter struct: the rest stays zero */
	memcpy(&d->u, desc, desc_size < full ? desc_size : full);
	*(uint32_t *)&d->u = (uint32_t)full;
	d->origin.loc = xstrdup(origin->loc);
	d->origin.kind = xstrdup(origin->kind);
	d->origin.plugin = xstrdup(origin->plugin);
	d->fd = d->peer_fd = -1;
	switch (cls) {
	case DEV_DISK:
		d->u.disk.path = xstrdup(d->u.disk.path);
		d->u.disk.nbd_socket = xstrdup(d->u.disk.nbd_socket);
		d->u.disk.nbd_export = xstrdup(d->u.disk.nbd_export);
		break;
	case DEV_NET:
		d->u.net.path = xstrdup(d->u.net.path);
		d->u.net.forwards = copy_forwards(&d->u.net);
		break;
	case DEV_SERIAL:
		d->u.serial.path = xstrdup(d->u.serial.path);
		break;
	case DEV_SHARE:
		d->u.share.tag = xstrdup(d->u.share.tag);
		d->u.share.path = xstrdup(d->u.share.path);
		break;
	case DEV_VSOCK:
		d->u.vsock.ports = copy_ports(&d->u.vsock);
		break;
	case DEV_HVDEV:
		d->u.hvdev.bridge = xstrdup(d->u.hvdev.bridge);
		d->u.hvdev.group = xstrdup(d->u.hvdev.group);
		d->u.hvdev.driver = xstrdup(d->u.hvdev.driver);
		d->u.hvdev.props = copy_props(&d->u.hvdev);
		break;
	case DEV_CHANNEL:
		d->u.channel.name = xstrdup(d->u.channel.name);
		break;
	case DEV_SOUND:
		d->u.sound.record = xstrdup(d->u.sound.record);
		break;
	case DEV_ROSETTA:
		d->u.rosetta.tag = xstrdup(d->u.rosetta.tag);
		break;
	default:
		break;
	}
	return d;
}

static void device_free(struct device *d)
{
	switch (d->cls) {
	case DEV_DISK:
		free((char *)d->u.disk.path);
		free((char *)d->u.disk.nbd_socket);
		free((char *)d->u.disk.nbd_export);
		break;
	case DEV_NET:
		free((char *)d->u.net.path);
		for (size_t i = 0; i < d->u.net.nforwards; i++)
			free((char *)d->u.net.forwards[i].host_addr);
		free((void *)d->u.net.forwards);
		break;
	case DEV_SERIAL:
		free((char *)d->u.serial.path);
		break;
	case DEV_SHARE:
		free((char *)d->u.share.tag);
		free((char *)d->u.share.path);
		break;
	case DEV_VSOCK:
		for (size_t i = 0; i < d->u.vsock.nports; i++)
			free((char *)d->u.vsock.ports[i].path);
		free((void *)d->u.vsock.ports);
		break;
	case DEV_HVDEV:
		for (size_t i = 0; i < d->u.hvdev.nprops; i++) {
			free((char *)d->u.hvdev.props[i].name);
			free((char *)d->u.hvdev.props[i].str);
		}
		free((void *)d->u.hvdev.props);
		free((char *)d->u.hvdev.bridge);
		free((char *)d->u.hvdev.group);
		free((char *)d->u.hvdev.driver);
		break;
	case DEV_CHANNEL:
		free((char *)d->u.channel.name);
		break;
	case DEV_SOUND:
		free((char *)d->u.sound.record);
		break;
	case DEV_ROSETTA:
		free((char *)d->u.rosetta.tag);
		break;
	default:
		break;
	}
	free(d->origin.loc);
	free(d->origin.kind);
	free(d->origin.plugin);
}

void machine_truncate(struct machine *m, size_t n)
{
	while (m->ndevs > n)
		device_free(&m->devs[--m->ndevs]);
}

size_t machine_count(const struct machine *m, enum dev_class cls)
{
	size_t i, n = 0;

	for (i = 0; i < m->ndevs; i++)
		n += m->devs[i].cls == cls;
	return n;
}

const struct device *machine_first(const struct machine *m, enum dev_class cls)
{
	size_t i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].cls == cls)
			return &m->devs[i];
	return NULL;
}

void machine_free(struct machine *m)
{
	unsigned i;

	machine_truncate(m, 0);
	free(m->devs);
	free(m->name);
	free(m->boot.kernel);
	free(m->boot.initrd);
	free(m->boot.cmdline);
	free(m->boot.efi_vars);
	free(m->macos_bundle);
	free(m->ready.console);
	free(m->ready.port_addr);
	free(m->ready.send);
	free(m->ready.loc);
	for (i = 0; i < ML_COUNT; i++)
		free(m->loc[i]);
	memset(m, 0, sizeof(*m));
}

void machine_format_forward(const struct vzh_forward *f, char *buf, size_t len)
{
	bool v6 = strchr(f->host_addr, ':') != NULL;

	snprintf(buf, len, "%s%s%s:%u->%u/%s", v6 ? "[" : "", f->host_addr,
		 v6 ? "]" : "", f->host_port, f->guest_port,
		 f->proto == VZH_PROTO_UDP ? "udp" : "tcp");
}

bool machine_stdio_console(const struct machine *m)
{
	size_t i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].cls == DEV_SERIAL &&
		    m->devs[i].u.serial.output == VZH_SERIAL_STDIO)
			return true;
	return false;
}
