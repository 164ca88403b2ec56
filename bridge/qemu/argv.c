/* argv.c: the qemu-system command line for a machine: one place maps each device class. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../../core/util.h"
#include "qemu.h"

void argv_add(struct argv *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	va_start(ap, fmt);
	a->v[a->n++] = xvasprintf(fmt, ap);
	va_end(ap);
	a->v[a->n] = NULL;
}

void argv_free(struct argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

const char *qemu_arch(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	if (!strcmp(u.machine, "arm64"))
		return "aarch64";
	return u.machine;
}

/*
 * Every value vzhost puts in an option string goes through one of these two,
 * so that no value (a path, a name, a tag) can end it and start another
 * option.  QEMU's syntax doubles a comma inside a value; libfuse's -o syntax,
 * which virtiofsd uses, escapes a comma or a backslash with a backslash.
 */
static char *escape(const char *s, const char *special, char with)
{
	size_t n = strlen(s), i, o = 0;
	char *out = xmalloc(2 * n + 1);

	for (i = 0; i < n; i++) {
		if (strchr(special, s[i]))
			out[o++] = with ? with : s[i];
		out[o++] = s[i];
	}
	out[o] = 0;
	return out;
}

static char *esc(const char *s)
{
	return escape(s, ",", 0);
}

void virtiofsd_argv(const char *binary, int fd, const char *source,
		    struct argv *a)
{
	char *src = escape(source, ",\\", '\\');

	argv_add(a, "%s", binary);
	argv_add(a, "--fd=%d", fd);
	argv_add(a, "-o");
	argv_add(a, "source=%s", src);
	argv_add(a, "-o");
	argv_add(a, "cache=auto");
	free(src);
}

static void disk(struct argv *a, const struct vzh_disk *d, unsigned i)
{
	char *path = esc(d->nbd_socket ? d->nbd_socket : d->path), *exp;
	bool direct = d->cache == VZH_CACHE_UNCACHED;
	const char *wc = d->sync == VZH_SYNC_FULL ? "off" : "on";
	char cache[96];

	/* cache: the host page cache or O_DIRECT; sync: which guest flushes
	   reach the disk (every write, on request, never) */
	snprintf(cache, sizeof(cache),
		 "cache.direct=%s,cache.no-flush=%s,aio=%s,discard=unmap",
		 direct ? "on" : "off", d->sync == VZH_SYNC_NONE ? "on" : "off",
		 direct ? "native" : "threads");
	if (d->nbd_socket) { /* the server's data, through QEMU's client */
		exp = esc(d->nbd_export ? d->nbd_export : "");
		argv_add(a, "-blockdev");
		argv_add(a,
			 "driver=nbd,node-name=disk%u,server.type=unix,"
			 "server.path=%s,export=%s%s",
			 i, path, exp, d->read_only ? ",read-only=on" : "");
		free(exp);
	} else if (d->ephemeral) {
		/* snapshot=on: QEMU writes to a temporary overlay in TMPDIR
		   (the VM's run directory), the image is only read */
		argv_add(a, "-drive");
		argv_add(a,
			 "if=none,id=disk%u,format=raw,file=%s,snapshot=on,%s",
			 i, path, cache);
	} else {
		argv_add(a, "-blockdev");
		argv_add(a, "driver=file,node-name=file%u,filename=%s,%s%s", i,
			 path, cache, d->read_only ? ",read-only=on" : "");
		argv_add(a, "-blockdev");
		argv_add(a, "driver=raw,node-name=disk%u,file=file%u%s", i, i,
			 d->read_only ? ",read-only=on" : "");
	}
	/* full: no volatile write cache in the device, every write is stable
	   before it completes; otherwise the guest's flushes decide */
	argv_add(a, "-device");
	switch (d->iface) {
	case VZH_DISK_NVME:
		argv_add(a, "nvme,drive=disk%u,serial=vzh%u,write-cache=%s", i,
			 i, wc);
		break;
	case VZH_DISK_USB:
		argv_add(a, "usb-storage,bus=usb.0,drive=disk%u,write-cache=%s",
			 i, wc);
		break;
	default:
		argv_add(a, "virtio-blk-pci,drive=disk%u,write-cache=%s", i,
			 wc);
		break;
	}
	free(path);
}

/* the virtio-serial bus of the consoles past the first and the channels,
   once */
static void vser_bus(struct argv *a, bool *vser)
{
	if (*vser)
		return;
	argv_add(a, "-device");
	argv_add(a, "virtio-serial-pci,id=vser");
	*vser = true;
}

static void serial(struct argv *a, const struct vzh_serial *s, unsigned i,
		   int fd, bool *vser)
{
	char *path = s->path ? esc(s->path) : NULL;

	argv_add(a, "-chardev");
	switch (s->output) {
	case VZH_SERIAL_BACKEND: /* a plugin has the other end */
		argv_add(a, "socket,id=ser%u,fd=%d,server=off", i, fd);
		break;
	case VZH_SERIAL_STDIO:
		argv_add(a, "stdio,id=ser%u,signal=off", i);
		break;
	case VZH_SERIAL_PTY:
		argv_add(a, "pty,id=ser%u", i);
		break;
	case VZH_SERIAL_FILE:
		argv_add(a, "file,id=ser%u,path=%s,append=on", i, path);
		break;
	default:
		argv_add(a, "null,id=ser%u", i);
		break;
	}
	/* the first serial port is the machine's UART, so early boot output
	   shows; further ones are virtio consoles (hvc0, hvc1, ...) */
	if (i == 0) {
		argv_add(a, "-serial");
		argv_add(a, "chardev:ser0");
	} else {
		vser_bus(a, vser);
		argv_add(a, "-device");
		argv_add(a, "virtconsole,bus=vser.0,chardev=ser%u", i);
	}
	free(path);
}

/* the guest's /dev/virtio-ports/NAME; the plugin has the pair's other end
   (the name is a plain word: core/api.c) */
static void channel(struct argv *a, const struct vzh_channel *c, unsigned i,
		    int fd, bool *vser)
{
	vser_bus(a, vser);
	argv_add(a, "-chardev");
	argv_add(a, "socket,id=chan%u,fd=%d,server=off", i, fd);
	argv_add(a, "-device");
	argv_add(a, "virtserialport,bus=vser.0,chardev=chan%u,name=%s", i,
		 c->name);
}

/* the host's sound (ALSA on Linux, Core Audio on macOS), or the guest's
   output into a WAV file */
static void sound(struct argv *a, const struct vzh_sound *s)
{
	char *path;

	argv_add(a, "-audiodev");
	if (s->record) {
		path = esc(s->record);
		argv_add(a, "wav,id=snd,path=%s", path);
		free(path);
	} else {
#ifdef __APPLE__
		argv_add(a, "coreaudio,id=snd");
#else
		argv_add(a, "alsa,id=snd");
#endif
	}
	argv_add(a, "-device");
	argv_add(a, "intel-hda,id=hda");
	argv_add(a, "-device");
	argv_add(a, "%s,bus=hda.0,audiodev=snd",
		 s->input ? "hda-duplex" : "hda-output");
}

/* the SPICE agent's port: QEMU's own agent shares its clipboard */
static void clipboard(struct argv *a, bool *vser)
{
	vser_bus(a, vser);
	argv_add(a, "-chardev");
	argv_add(a, "qemu-vdagent,id=vdagent,name=vdagent,clipboard=on");
	argv_add(a, "-device");
	argv_add(a, "virtserialport,bus=vser.0,chardev=vdagent,name=%s",
		 VZH_CLIPBOARD_PORT);
}

static void share(struct argv *a, const struct vzh_share *s, unsigned i,
		  const struct launch *l)
{
	char *tag = esc(s->tag), *dir = esc(l->run_dir);

	argv_add(a, "-chardev");
	argv_add(a, "socket,id=fs%u,path=%s/fs%u.sock", i, dir, i);
	free(dir);
	argv_add(a, "-device");
	argv_add(a, "vhost-user-fs-pci,chardev=fs%u,tag=%s", i, tag);
	free(tag);
}

/* user-mode NAT's host forwards: ",hostfwd=tcp:127.0.0.1:2222-:22"...; an
   IPv6 address in brackets (numeric: checked by the core, nothing to
   escape) */
static void hostfwds(const struct vzh_net *n, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < n->nforwards && used < len; i++) {
		const struct vzh_forward *f = &n->forwards[i];
		bool v6 = strchr(f->host_addr, ':') != NULL;

		used += (size_t)snprintf(
			buf + used, len - used, ",hostfwd=%s:%s%s%s:%u-:%u",
			f->proto == VZH_PROTO_UDP ? "udp" : "tcp",
			v6 ? "[" : "", f->host_addr, v6 ? "]" : "",
			f->host_port, f->guest_port);
	}
}

static void net(struct argv *a, const struct vzh_net *n, unsigned i, int fd)
{
	char mac[18], fwd[VZH_FORWARDS_MAX * 72];

	util_format_mac(n->mac, mac);
	hostfwds(n, fwd, sizeof(fwd));
	argv_add(a, "-netdev");
	if (n->attach == VZH_NET_NAT)
		argv_add(a, "user,id=net%u%s", i, fwd);
	else if (n->attach == VZH_NET_SOCKET &&
		 n->socket_type == VZH_SOCKET_STREAM)
		argv_add(a,
			 "stream,id=net%u,server=off,addr.type=fd,addr.str=%d",
			 i, fd);
	else /* a datagram socket: vzhost's pair or a server's */
		argv_add(a, "dgram,id=net%u,local.type=fd,local.str=%d", i, fd);
	argv_add(a, "-device");
	argv_add(a, "virtio-net-pci,netdev=net%u,mac=%s", i, mac);
}

/* the ids of the options written here (disk0, net1, ser0, ...): a
   plugin's parts may not take them (parts.c) */
bool qemu_id_reserved(const char *id)
{
	static const char *const fixed[] = { "mem",	"qmp", "usb", "vser",
					     "vdagent", "hda", "snd", NULL };
	static const char *const numbered[] = { "chan",	   "disk",   "fs",
						"net",	   "rng",    "ser",
						"usbdisk", "usbdev", NULL };
	size_t i, n;

	for (i = 0; fixed[i]; i++)
		if (!strcmp(id, fixed[i]))
			return true;
	for (i = 0; numbered[i]; i++) {
		n = strlen(numbered[i]);
		if (!strncmp(id, numbered[i], n) && id[n] &&
		    strspn(id + n, "0123456789") == strlen(id + n))
			return true;
	}
	return false;
}

/* a plugin's structured device: the option and every value written here */
static void hvdev(struct argv *a, const struct vzh_hvdev *h)
{
	char *opt = h->driver ? xstrdup(h->driver) : NULL, *v, *next;
	uint32_t i;

	for (i = 0; i < h->nprops; i++) {
		const struct vzh_prop *p = &h->props[i];

		v = p->type == VZH_PROP_STRING ?
			    esc(p->str) :
		    p->type == VZH_PROP_BOOL ?
			    xstrdup(p->num ? "on" : "off") :
			    xasprintf("%lld", (long long)p->num);
		next = opt ? xasprintf("%s,%s=%s", opt, p->name, v) :
			     xasprintf("%s=%s", p->name, v);
		free(v);
		free(opt);
		opt = next;
	}
	argv_add(a, "-%s", h->group);
	argv_add(a, "%s", opt ? opt : "");
	free(opt);
}

void qemu_build_argv(const struct bridge *b, const struct machine *m,
		     const struct launch *l, struct argv *a)
{
	unsigned i, nserial = 0, ndisk = 0, nnet = 0, nrng = 0, nfs = 0,
		    nchan = 0;
	bool usb = false, vser = false, x86 = !strcmp(qemu_arch(), "x86_64");
	char *s;
	int fd = l->qmp_fd + 1; /* the devices' descriptors follow QMP's */

	argv_add(a, "%s", b->binary);
	s = esc(m->name);
	argv_add(a, "-name");
	argv_add(a, "guest=%s,debug-threads=on", s);
	free(s);
	argv_add(a, "-machine");
	argv_add(a, "%s,accel=%s", x86 ? "q35" : "virt", b->accel);
	argv_add(a, "-cpu");
	argv_add(a, "%s", !strcmp(b->accel, "kvm") ? "host" : "max");
	argv_add(a, "-smp");
	argv_add(a, "%u", m->cpus);
	argv_add(a, "-m");
	argv_add(a, "%llu", (unsigned long long)(m->memory / MiB));
	for (i = 0; i < m->ndevs; i++)
		nfs += m->devs[i].cls == DEV_SHARE;
	if (nfs) { /* vhost-user needs guest memory it can map */
		argv_add(a, "-object");
		argv_add(a, "memory-backend-memfd,id=mem,size=%lluM,share=on",
			 (unsigned long long)(m->memory / MiB));
		argv_add(a, "-numa");
		argv_add(a, "node,memdev=mem");
	}
	argv_add(a, "-nodefaults");
	argv_add(a, "-no-user-config");
	/* never QEMU's default gtk window; graphics devices stay headless */
	argv_add(a, "-display");
	argv_add(a, "none");
	argv_add(a, "-S"); /* wait for `cont`: start only once QMP is up */
	argv_add(a, "-msg");
	argv_add(a, "timestamp=off");
	argv_add(a, "-sandbox");
	argv_add(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
		    "resourcecontrol=deny");
	argv_add(a, "-chardev");
	argv_add(a, "socket,id=qmp,fd=%d,server=off", l->qmp_fd);
	argv_add(a, "-mon");
	argv_add(a, "chardev=qmp,mode=control");
	if (x86) { /* lets a panicking guest say so: GUEST_PANICKED */
		argv_add(a, "-device");
		argv_add(a, "pvpanic");
	}
	if (m->boot.efi) {
		s = esc(b->ovmf_code);
		argv_add(a, "-drive");
		argv_add(a, "if=pflash,format=raw,unit=0,readonly=on,file=%s",
			 s);
		free(s);
		s = esc(l->efi_vars);
		argv_add(a, "-drive");
		argv_add(a, "if=pflash,format=raw,unit=1,file=%s", s);
		free(s);
	} else {
		argv_add(a, "-kernel");
		argv_add(a, "%s", m->boot.kernel);
		if (m->boot.initrd) {
			argv_add(a, "-initrd");
			argv_add(a, "%s", m->boot.initrd);
		}
		if (m->boot.cmdline) {
			argv_add(a, "-append");
			argv_add(a, "%s", m->boot.cmdline);
		}
	}
	for (i = 0; i < m->ndevs; i++) {
		const struct device *d = &m->devs[i];

		if (!usb &&
		    (d->cls == DEV_KEYBOARD || d->cls == DEV_POINTER ||
		     d->cls == DEV_USB ||
		     (d->cls == DEV_DISK && d->u.disk.iface == VZH_DISK_USB))) {
			argv_add(a, "-device");
			argv_add(a, "qemu-xhci,id=usb");
			usb = true;
		}
		switch (d->cls) {
		case DEV_DISK:
			disk(a, &d->u.disk, ndisk++);
			break;
		case DEV_NET:
			net(a, &d->u.net, nnet++, fd);
			break;
		case DEV_GRAPHICS:
			argv_add(a, "-device");
			argv_add(a, "virtio-gpu-pci,xres=%u,yres=%u",
				 d->u.graphics.width, d->u.graphics.height);
			break;
		case DEV_KEYBOARD:
			argv_add(a, "-device");
			argv_add(a, "usb-kbd,bus=usb.0");
			break;
		case DEV_POINTER:
			argv_add(a, "-device");
			argv_add(a, "usb-tablet,bus=usb.0");
			break;
		case DEV_SERIAL:
			serial(a, &d->u.serial, nserial++, fd, &vser);
			break;
		case DEV_SHARE:
			share(a, &d->u.share, i, l);
			break;
		case DEV_ENTROPY:
			argv_add(a, "-object");
			argv_add(a, "rng-random,id=rng%u,filename=/dev/urandom",
				 nrng);
			argv_add(a, "-device");
			argv_add(a, "virtio-rng-pci,rng=rng%u", nrng);
			nrng++;
			break;
		case DEV_BALLOON:
			argv_add(a, "-device");
			argv_add(a, "virtio-balloon-pci");
			break;
		case DEV_VSOCK:
			argv_add(a, "-device");
			argv_add(a, "vhost-vsock-pci,guest-cid=%u",
				 l->vsock_cid);
			break;
		case DEV_HVDEV:
			hvdev(a, &d->u.hvdev);
			break;
		case DEV_CHANNEL:
			channel(a, &d->u.channel, nchan++, fd, &vser);
			break;
		case DEV_SOUND:
			sound(a, &d->u.sound);
			break;
		case DEV_CLIPBOARD:
			clipboard(a, &vser);
			break;
		default:
			break;
		}
		if (d->fd >= 0)
			fd++;
	}
	if (l->incoming) {
		argv_add(a, "-incoming");
		argv_add(a, "%s", l->incoming);
	}
}
