/* print.c: what --check and --print show of the resolved machines. */
#include "print.h"

#include <inttypes.h>
#include <string.h>

#include "util.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* [ {"port": 1024, "listen": PATH} | {"port": N, "connect": PATH} ] */
static json_t *vsock_ports(const struct vzh_vsock *v)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; i < v->nports; i++)
		json_array_append_new(
			a, json_pack("{s:I, s:s}", "port",
				     (json_int_t)v->ports[i].port,
				     v->ports[i].dir == VZH_VSOCK_LISTEN ?
					     "listen" :
					     "connect",
				     v->ports[i].path));
	return a;
}

static json_t *hvdev_props(const struct vzh_hvdev *v)
{
	json_t *o = json_object();
	uint32_t i;

	for (i = 0; i < v->nprops; i++) {
		const struct vzh_prop *p = &v->props[i];

		json_object_set_new(o, p->name,
				    p->type == VZH_PROP_STRING ?
					    json_string(p->str) :
				    p->type == VZH_PROP_BOOL ?
					    json_boolean(p->num) :
					    json_integer((json_int_t)p->num));
	}
	return o;
}

json_t *print_forwards_json(const struct vzh_net *n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n->nforwards; i++) {
		const struct vzh_forward *f = &n->forwards[i];

		json_array_append_new(
			a, json_pack("{s:s,s:s,s:i,s:i}", "proto",
				     f->proto == VZH_PROTO_UDP ? "udp" : "tcp",
				     "host_addr", f->host_addr, "host_port",
				     (int)f->host_port, "guest_port",
				     (int)f->guest_port));
	}
	return a;
}

json_t *print_machine_forwards(const struct machine *m)
{
	json_t *all = json_array(), *one;
	size_t i;

	for (i = 0; i < m->ndevs; i++) {
		if (m->devs[i].cls != DEV_NET)
			continue;
		one = print_forwards_json(&m->devs[i].u.net);
		json_array_extend(all, one);
		json_decref(one);
	}
	return all;
}

static json_t *device_json(const struct device *d)
{
	json_t *o = json_object();
	char mac[18];

	json_object_set_new(o, "class", json_string(dev_class_names[d->cls]));
	json_object_set_new(o, "kind", json_string(d->origin.kind));
	json_object_set_new(o, "plugin", json_string(d->origin.plugin));
	json_object_set_new(o, "origin", json_string(d->origin.loc));
	switch (d->cls) {
	case DEV_DISK:
		json_object_set_new(o, "path", str_or_null(d->u.disk.path));
		if (d->u.disk.nbd_socket)
			json_object_set_new(
				o, "nbd",
				json_pack("{s:s,s:o}", "socket",
					  d->u.disk.nbd_socket, "export",
					  str_or_null(d->u.disk.nbd_export)));
		json_object_set_new(o, "ephemeral",
				    json_boolean(d->u.disk.ephemeral));
		json_object_set_new(o, "size",
				    json_integer((json_int_t)d->u.disk.size));
		json_object_set_new(o, "read_only",
				    json_boolean(d->u.disk.read_only));
		json_object_set_new(
			o, "cache",
			json_string(disk_cache_names[d->u.disk.cache]));
		json_object_set_new(
			o, "sync",
			json_string(disk_sync_names[d->u.disk.sync]));
		json_object_set_new(
			o, "interface",
			json_string(disk_iface_names[d->u.disk.iface]));
		break;
	case DEV_NET:
		util_format_mac(d->u.net.mac, mac);
		json_object_set_new(
			o, "attachment",
			json_string(net_attach_names[d->u.net.attach]));
		json_object_set_new(o, "mac", json_string(mac));
		if (d->u.net.nforwards)
			json_object_set_new(o, "forwards",
					    print_forwards_json(&d->u.net));
		if (d->u.net.attach == VZH_NET_SOCKET) {
			json_object_set_new(o, "socket",
					    json_string(d->u.net.path));
			json_object_set_new(
				o, "type",
				json_string(
					socket_type_names[d->u.net.socket_type]));
		}
		break;
	case DEV_GRAPHICS:
		json_object_set_new(o, "width",
				    json_integer(d->u.graphics.width));
		json_object_set_new(o, "height",
				    json_integer(d->u.graphics.height));
		json_object_set_new(o, "ppi", json_integer(d->u.graphics.ppi));
		json_object_set_new(
			o, "display",
			json_string(display_names[d->u.graphics.display]));
		break;
	case DEV_POINTER:
		json_object_set_new(
			o, "type",
			json_string(pointer_names[d->u.pointer.type]));
		break;
	case DEV_SERIAL:
		json_object_set_new(
			o, "output",
			json_string(serial_names[d->u.serial.output]));
		json_object_set_new(o, "path", str_or_null(d->u.serial.path));
		break;
	case DEV_SHARE:
		json_object_set_new(o, "tag", json_string(d->u.share.tag));
		json_object_set_new(o, "path", json_string(d->u.share.path));
		json_object_set_new(o, "read_only",
				    json_boolean(d->u.share.read_only));
		break;
	case DEV_VSOCK:
		json_object_set_new(o, "ports", vsock_ports(&d->u.vsock));
		break;
	case DEV_HVDEV:
		json_object_set_new(o, "bridge",
				    json_string(d->u.hvdev.bridge));
		json_object_set_new(o, "group", json_string(d->u.hvdev.group));
		json_object_set_new(o, "driver",
				    str_or_null(d->u.hvdev.driver));
		json_object_set_new(o, "properties", hvdev_props(&d->u.hvdev));
		break;
	case DEV_CHANNEL:
		json_object_set_new(o, "name", json_string(d->u.channel.name));
		break;
	case DEV_SOUND:
		json_object_set_new(o, "output",
				    json_boolean(d->u.sound.output));
		json_object_set_new(o, "input", json_boolean(d->u.sound.input));
		json_object_set_new(o, "record",
				    str_or_null(d->u.sound.record));
		break;
	case DEV_CLIPBOARD:
		json_object_set_new(o, "port", json_string(VZH_CLIPBOARD_PORT));
		break;
	case DEV_ROSETTA:
		json_object_set_new(o, "tag", json_string(d->u.rosetta.tag));
		break;
	default:
		break;
	}
	return o;
}

json_t *print_machine_json(const struct machine *m)
{
	json_t *o = json_object(), *boot = json_object(), *devs = json_array();
	size_t i;

	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "guest", json_string(guest_names[m->guest]));
	json_object_set_new(o, "cpus", json_integer(m->cpus));
	json_object_set_new(o, "memory", json_integer((json_int_t)m->memory));
	json_object_set_new(o, "nested", json_boolean(m->nested));
	if (m->guest == VZH_GUEST_MACOS) {
		json_decref(boot); /* macOS guests boot from their bundle */
		boot = NULL;
	} else if (m->boot.efi) {
		json_object_set_new(boot, "efi",
				    json_pack("{s:o}", "vars",
					      str_or_null(m->boot.efi_vars)));
	} else {
		json_object_set_new(boot, "kernel",
				    str_or_null(m->boot.kernel));
		json_object_set_new(boot, "initrd",
				    str_or_null(m->boot.initrd));
		json_object_set_new(boot, "cmdline",
				    str_or_null(m->boot.cmdline));
	}
	if (boot)
		json_object_set_new(o, "boot", boot);
	if (m->macos_bundle)
		json_object_set_new(o, "macos",
				    json_pack("{s:s,s:b}", "bundle",
					      m->macos_bundle, "recovery",
					      m->recovery));
	json_object_set_new(o, "on_poweroff",
			    json_string(policy_names[m->on_poweroff]));
	json_object_set_new(o, "on_crash",
			    json_string(policy_names[m->on_crash]));
	json_object_set_new(o, "stop_timeout", json_integer(m->stop_timeout));
	json_object_set_new(o, "on_host_stop",
			    json_string(host_stop_names[m->on_host_stop]));
	json_object_set_new(o, "input_after",
			    json_string(input_after_names[m->input_after]));
	if (m->ready.loc)
		json_object_set_new(
			o, "ready",
			json_pack("{s:o,s:o,s:o,s:i,s:s}", "console",
				  str_or_null(m->ready.console), "port",
				  m->ready.port ? json_integer(m->ready.port) :
						  json_null(),
				  "send", str_or_null(m->ready.send), "timeout",
				  (int)m->ready.timeout, "on_not_ready",
				  not_ready_names[m->ready.on_not_ready]));
	for (i = 0; i < m->ndevs; i++)
		json_array_append_new(devs, device_json(&m->devs[i]));
	json_object_set_new(o, "devices", devs);
	return o;
}

json_t *print_host_json(const struct host *h)
{
	const struct host_settings *s = &h->set;
	json_t *vms = json_array(), *host;
	size_t i;

	for (i = 0; i < h->nvms; i++)
		json_array_append_new(vms, print_machine_json(&h->vms[i]));
	host = json_pack("{s:s,s:s}", "state_dir", s->state_dir, "bridge",
			 s->bridge);
	/* the bridges' settings that have a value (given, or a default) */
	for (i = 0; i < s->nbridge_settings; i++)
		if (s->bridge_settings[i].value)
			json_object_set_new(
				host, s->bridge_settings[i].name,
				json_string(s->bridge_settings[i].value));
	json_object_set_new(host, "max_vms", json_integer(s->max_vms));
	json_object_set_new(host, "macos_slots", json_integer(s->macos_slots));
	json_object_set_new(host, "wait_for_slot",
			    json_integer(s->wait_for_slot));
	return json_pack("{s:o,s:{s:o,s:i},s:o}", "host", host, "hooks", "dir",
			 str_or_null(s->hooks_dir), "timeout",
			 (int)s->hooks_timeout, "vms", vms);
}

static void device_line(const struct device *d, FILE *f)
{
	char buf[64], mac[18], fwd[80];
	size_t i;

	fprintf(f, "  %-8s ", dev_class_names[d->cls]);
	switch (d->cls) {
	case DEV_DISK:
		if (d->u.disk.nbd_socket) {
			fprintf(f, "nbd %s export \"%s\" %s%s",
				d->u.disk.nbd_socket,
				d->u.disk.nbd_export ? d->u.disk.nbd_export :
						       "",
				disk_iface_names[d->u.disk.iface],
				d->u.disk.read_only ? " read-only" : "");
			break;
		}
		fprintf(f, "%s", d->u.disk.path);
		if (d->u.disk.size) {
			util_format_size(d->u.disk.size, buf, sizeof(buf));
			fprintf(f, " (created with %s when missing)", buf);
		}
		fprintf(f, " %s cache=%s sync=%s%s",
			disk_iface_names[d->u.disk.iface],
			disk_cache_names[d->u.disk.cache],
			disk_sync_names[d->u.disk.sync],
			d->u.disk.read_only ? " read-only" :
			d->u.disk.ephemeral ? " ephemeral" :
					      "");
		break;
	case DEV_NET:
		util_format_mac(d->u.net.mac, mac);
		fprintf(f, "%s %s", net_attach_names[d->u.net.attach], mac);
		if (d->u.net.attach == VZH_NET_SOCKET)
			fprintf(f, " to %s (%s)", d->u.net.path,
				socket_type_names[d->u.net.socket_type]);
		for (i = 0; i < d->u.net.nforwards; i++) {
			machine_format_forward(&d->u.net.forwards[i], fwd,
					       sizeof(fwd));
			fprintf(f, "%s%s", i ? ", " : ", forwards ", fwd);
		}
		break;
	case DEV_GRAPHICS:
		fprintf(f, "%ux%u @ %u ppi%s", d->u.graphics.width,
			d->u.graphics.height, d->u.graphics.ppi,
			d->u.graphics.display ? " in a window" : "");
		break;
	case DEV_POINTER:
		fprintf(f, "%s", pointer_names[d->u.pointer.type]);
		break;
	case DEV_SERIAL:
		fprintf(f, "%s",
			d->u.serial.path ? d->u.serial.path :
					   serial_names[d->u.serial.output]);
		break;
	case DEV_SHARE:
		fprintf(f, "%s -> tag \"%s\"%s", d->u.share.path,
			d->u.share.tag,
			d->u.share.read_only ? " read-only" : "");
		break;
	case DEV_KEYBOARD:
		fprintf(f, "usb");
		break;
	case DEV_VSOCK:
		fprintf(f, "virtio");
		for (i = 0; i < d->u.vsock.nports; i++)
			fprintf(f, "%s %s %s port %u", i ? "," : ";",
				d->u.vsock.ports[i].path,
				d->u.vsock.ports[i].dir == VZH_VSOCK_LISTEN ?
					"->" :
					"<-",
				d->u.vsock.ports[i].port);
		break;
	case DEV_HVDEV:
		fprintf(f, "%s %s %s", d->u.hvdev.bridge, d->u.hvdev.group,
			d->u.hvdev.driver ? d->u.hvdev.driver : "");
		for (i = 0; i < d->u.hvdev.nprops; i++) {
			const struct vzh_prop *p = &d->u.hvdev.props[i];

			if (p->type == VZH_PROP_STRING)
				fprintf(f, " %s=\"%s\"", p->name, p->str);
			else
				fprintf(f, " %s=%lld", p->name,
					(long long)p->num);
		}
		break;
	case DEV_CHANNEL:
		fprintf(f, "/dev/virtio-ports/%s", d->u.channel.name);
		break;
	case DEV_SOUND:
		fprintf(f, "%s%s%s%s",
			!d->u.sound.output ? "" :
			d->u.sound.record  ? "output to " :
					     "output to the host",
			d->u.sound.record ? d->u.sound.record : "",
			d->u.sound.output && d->u.sound.input ? ", " : "",
			d->u.sound.input ? "input from the host" : "");
		break;
	case DEV_CLIPBOARD:
		fprintf(f, "SPICE agent on /dev/virtio-ports/%s",
			VZH_CLIPBOARD_PORT);
		break;
	case DEV_ROSETTA:
		fprintf(f, "tag \"%s\"", d->u.rosetta.tag);
		break;
	case DEV_USB:
		fprintf(f, "xhci (for ctl usb attach)");
		break;
	default:
		fprintf(f, "virtio");
		break;
	}
	fprintf(f, "  [%s via plugin %s, %s]\n", d->origin.kind,
		d->origin.plugin, d->origin.loc);
}

void print_check(const struct host *h, FILE *f)
{
	const struct machine *m;
	size_t i, j, ndevs = 0;
	char mem[32];

	for (i = 0; i < h->nvms; i++) {
		m = &h->vms[i];
		util_format_size(m->memory, mem, sizeof(mem));
		fprintf(f, "vm %s: %s guest, %u cpu%s, %s memory%s\n", m->name,
			guest_names[m->guest], m->cpus, m->cpus == 1 ? "" : "s",
			mem, m->nested ? ", nested virtualization" : "");
		if (m->boot.efi)
			fprintf(f, "  %-9sefi%s%s\n", "boot",
				m->boot.efi_vars ? " vars " : "",
				m->boot.efi_vars ? m->boot.efi_vars : "");
		else if (m->boot.kernel)
			fprintf(f, "  %-9s%s%s%s\n", "boot", m->boot.kernel,
				m->boot.initrd ? " + " : "",
				m->boot.initrd ? m->boot.initrd : "");
		if (m->macos_bundle)
			fprintf(f, "  %-9s%s%s\n", "bundle", m->macos_bundle,
				m->recovery ? " (started in macOS Recovery)" :
					      "");
		for (j = 0; j < m->ndevs; j++)
			device_line(&m->devs[j], f);
		if (m->ready.console)
			fprintf(f, "  %-9sa console line matching /%s/",
				"ready", m->ready.console);
		else if (m->ready.port)
			fprintf(f, "  %-9sport %u answers%s", "ready",
				m->ready.port,
				m->ready.send ? " what is sent" : "");
		if (m->ready.loc)
			fprintf(f, ", within %u s (else %s)\n",
				m->ready.timeout,
				not_ready_names[m->ready.on_not_ready]);
		ndevs += m->ndevs;
	}
	fprintf(f, "%s: OK (%zu VM%s, %zu device%s, %zu plugin%s)\n",
		h->cfg.path, h->nvms, h->nvms == 1 ? "" : "s", ndevs,
		ndevs == 1 ? "" : "s", h->nplugins,
		h->nplugins == 1 ? "" : "s");
}

void print_plugins(const struct host *h, FILE *f)
{
	const struct plugin *p;
	struct kind_entry *e, *tmp;
	size_t i, n;

	for (i = 0; i < h->nplugins; i++) {
		p = h->plugins[i];
		fprintf(f, "%-10s %-8s %s\n", p->name,
			p->desc->version ? p->desc->version : "-",
			p->desc->summary ? p->desc->summary : "");
		fprintf(f, "%-10s %-8s kinds:", "", "");
		n = 0;
		HASH_ITER(hh, ((struct host *)h)->reg.kinds, e, tmp) {
			if (e->owner == p) {
				fprintf(f, " %s", e->name);
				n++;
			}
		}
		fprintf(f, "%s\n%-10s %-8s %s\n", n ? "" : " (none)", "", "",
			p->file);
	}
}
