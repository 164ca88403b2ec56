/* validate.c: the core's rules across settings, devices and machines, whatever plugin emitted them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "util.h"

/* One line, as VZ-FACTS says: VZMacPlatformConfiguration has no nested setting. */
#define NESTED_MACOS                                                           \
	"nested virtualization is not available to macOS guests: "             \
	"Virtualization.framework offers it only on the generic (Linux) "      \
	"platform (VZGenericPlatformConfiguration, macOS 15 on M3 or later), " \
	"never on VZMacPlatformConfiguration; run the nested workload in a "   \
	"Linux guest with nested = true, or directly on the host"

/* bytes of memory this host has, or 0 when it cannot tell */
static uint64_t host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

static void check_guest(struct host *h, const struct machine *m)
{
	struct diag *d = &h->diag;
	uint64_t have = host_memory();
	char want[32], has[32];

	/* a guest bigger than the host fails late, in the hypervisor: say so now */
	if (have && m->memory > have) {
		util_format_size(m->memory, want, sizeof(want));
		util_format_size(have, has, sizeof(has));
		diag_add(d, m->loc[ML_MEMORY],
			 "%s is more than this host's memory (%s)", want, has);
	}

	if (m->guest == VZH_GUEST_MACOS) {
		if (!m->macos_bundle)
			diag_add(
				d, m->loc[ML_VM],
				"a macOS guest needs macos = { bundle = "
				"\"NAME.vzvm\"; } (its hardware model, machine "
				"identifier, auxiliary storage and disk)");
		if (m->boot.kernel || m->boot.initrd || m->boot.cmdline)
			diag_add(d, m->loc[ML_BOOT],
				 "a macOS guest boots from its bundle: remove "
				 "boot.kernel, boot.initrd and boot.cmdline");
		if (m->nested)
			diag_add(d, m->loc[ML_NESTED], NESTED_MACOS);
		return;
	}
	if (m->macos_bundle)
		diag_add(
			d, m->loc[ML_MACOS],
			"macos settings apply to macOS guests only (set guest = "
			"\"macos\" or remove them)");
	if (m->boot.efi &&
	    (m->boot.kernel || m->boot.initrd || m->boot.cmdline))
		diag_add(
			d, m->loc[ML_BOOT],
			"choose one way to boot: boot.efi, or boot.kernel with "
			"its initrd and cmdline");
	else if (!m->boot.efi && !m->boot.kernel)
		diag_add(d, m->loc[m->loc[ML_BOOT] ? ML_BOOT : ML_VM],
			 "a Linux guest needs boot = { kernel = \"...\"; } or "
			 "boot = { efi = { }; }");
}

/* (a share tag given twice is the bridge's to judge: VZ shares several
   folders under one, QEMU's virtiofsd one) */
static void check_devices(struct host *h, const struct machine *m)
{
	const struct device *a, *first;
	size_t i;

	for (i = 0; i < m->ndevs; i++) {
		a = &m->devs[i];
		if (a->cls != DEV_BALLOON && a->cls != DEV_VSOCK &&
		    a->cls != DEV_SOUND && a->cls != DEV_CLIPBOARD &&
		    a->cls != DEV_ROSETTA && a->cls != DEV_USB)
			continue;
		first = machine_first(m, a->cls);
		if (first != a)
			diag_add(&h->diag, a->origin.loc,
				 "a VM has at most one %s device (the first is "
				 "at %s)",
				 dev_class_names[a->cls], first->origin.loc);
	}
}

/* Rosetta: a Linux guest's, under a tag no share has */
static void check_rosetta(struct host *h, const struct machine *m)
{
	const struct device *a, *b;
	size_t i, j;

	for (i = 0; i < m->ndevs; i++) {
		a = &m->devs[i];
		if (a->cls != DEV_ROSETTA)
			continue;
		if (m->guest == VZH_GUEST_MACOS)
			diag_add(&h->diag, a->origin.loc,
				 "Rosetta translates x86-64 Linux binaries "
				 "for Linux guests: a macOS guest has Rosetta "
				 "of its own (softwareupdate "
				 "--install-rosetta in the guest)");
		for (j = 0; j < m->ndevs; j++) {
			b = &m->devs[j];
			if (b->cls == DEV_SHARE &&
			    !strcmp(a->u.rosetta.tag, b->u.share.tag))
				diag_add(
					&h->diag, a->origin.loc,
					"tag \"%s\" is already a share's (%s): "
					"give Rosetta a tag of its own",
					a->u.rosetta.tag, b->origin.loc);
		}
	}
}

/* a VM's channels: at most VZH_CHANNELS_MAX, each name once (the guest's
   /dev/virtio-ports/NAME), and none the clipboard's port */
static void check_channels(struct host *h, const struct machine *m)
{
	const struct device *a, *b;
	size_t i, j, n = 0;

	for (i = 0; i < m->ndevs; i++) {
		a = &m->devs[i];
		if (a->cls != DEV_CHANNEL)
			continue;
		if (++n == VZH_CHANNELS_MAX + 1)
			diag_add(&h->diag, a->origin.loc,
				 "a VM has at most %d channels",
				 VZH_CHANNELS_MAX);
		if (!strcmp(a->u.channel.name, VZH_CLIPBOARD_PORT) &&
		    (b = machine_first(m, DEV_CLIPBOARD)))
			diag_add(&h->diag, a->origin.loc,
				 "channel \"%s\" is the clipboard's port (%s)",
				 a->u.channel.name, b->origin.loc);
		for (j = 0; j < i; j++) {
			b = &m->devs[j];
			if (b->cls == DEV_CHANNEL &&
			    !strcmp(a->u.channel.name, b->u.channel.name)) {
				diag_add(&h->diag, a->origin.loc,
					 "channel \"%s\" is already at %s",
					 a->u.channel.name, b->origin.loc);
				break;
			}
		}
	}
}

/* MACs must be unique on the host, not only within one VM */
static void check_macs(struct host *h)
{
	const struct device *a, *b;
	size_t v, i, w, j;
	char buf[18];

	for (v = 0; v < h->nvms; v++) {
		for (i = 0; i < h->vms[v].ndevs; i++) {
			a = &h->vms[v].devs[i];
			if (a->cls != DEV_NET)
				continue;
			/* (multicast, all zero: core/rules.c, per device) */
			util_format_mac(a->u.net.mac, buf);
			for (w = 0; w <= v; w++) {
				for (j = 0; j < (w == v ? i : h->vms[w].ndevs);
				     j++) {
					b = &h->vms[w].devs[j];
					if (b->cls == DEV_NET &&
					    !memcmp(a->u.net.mac, b->u.net.mac,
						    6))
						goto dup;
				}
			}
			continue;
dup:
			diag_add(&h->diag, a->origin.loc,
				 "MAC address %s is already used at %s", buf,
				 b->origin.loc);
		}
	}
}

/* two forwards that would listen on one port: the same protocol and port,
   on the same address or where one of them is every address */
static bool forwards_clash(const struct vzh_forward *a,
			   const struct vzh_forward *b)
{
	static const char *const any[] = { "0.0.0.0", "::" };

	return a->proto == b->proto && a->host_port == b->host_port &&
	       (!strcmp(a->host_addr, b->host_addr) ||
		!strcmp(a->host_addr, any[0]) ||
		!strcmp(a->host_addr, any[1]) ||
		!strcmp(b->host_addr, any[0]) || !strcmp(b->host_addr, any[1]));
}

/* a's forwards against b's (devices of any class) */
static void forwards_against(struct host *h, const struct device *a,
			     const struct device *b)
{
	size_t k, l;

	if (a->cls != DEV_NET || b->cls != DEV_NET)
		return;
	for (k = 0; k < a->u.net.nforwards; k++)
		for (l = 0; l < b->u.net.nforwards; l++)
			if (forwards_clash(&a->u.net.forwards[k],
					   &b->u.net.forwards[l]))
				diag_add(&h->diag, a->origin.loc,
					 "forward of host port %u is already "
					 "at %s",
					 a->u.net.forwards[k].host_port,
					 b->origin.loc);
}

/* a host port is forwarded once on the host (within one device: the core
   checked it when the plugin emitted it) */
static void check_forwards(struct host *h)
{
	size_t v, i, w, j;

	for (v = 0; v < h->nvms; v++)
		for (i = 0; i < h->vms[v].ndevs; i++)
			for (w = 0; w <= v; w++)
				for (j = 0; j < (w == v ? i : h->vms[w].ndevs);
				     j++)
					forwards_against(h, &h->vms[v].devs[i],
							 &h->vms[w].devs[j]);
}

/* ready.port is one of the VM's TCP forwards: the address to knock at is
   its host address (every address: the loopback) */
static void check_ready(struct host *h, struct machine *m)
{
	const struct vzh_forward *f;
	size_t i, k;

	/* (vzhost reads the console it passes on; a file or pty it does not) */
	if (m->ready.console && !machine_stdio_console(m))
		diag_add(
			&h->diag, m->ready.loc,
			"ready.console looks at the console vzhost shows: give "
			"the VM a serial device with output = \"stdio\" (the "
			"default)");
	if (!m->ready.port)
		return;
	for (i = 0; i < m->ndevs; i++)
		for (k = 0; m->devs[i].cls == DEV_NET &&
			    k < m->devs[i].u.net.nforwards;
		     k++) {
			f = &m->devs[i].u.net.forwards[k];
			if (f->proto != VZH_PROTO_TCP ||
			    f->host_port != m->ready.port)
				continue;
			free(m->ready.port_addr);
			m->ready.port_addr = xstrdup(
				!strcmp(f->host_addr, "0.0.0.0") ? "127.0.0.1" :
				!strcmp(f->host_addr, "::")	 ? "::1" :
								   f->host_addr);
			return;
		}
	diag_add(&h->diag, m->ready.loc,
		 "port %u is no TCP forward of this VM: ready.port is the "
		 "host port of one of its NAT device's forwards",
		 m->ready.port);
}

/* a macOS guest's identity (its bundle's MachineIdentifier), or NULL */
static char *identity(const struct machine *m, size_t *len)
{
	char *path = util_path_join(m->macos_bundle, "MachineIdentifier");
	FILE *f = fopen(path, "re");
	char *data = NULL;

	free(path);
	if (!f)
		return NULL;
	data = xmalloc(4096); /* (a few hundred bytes: a property list) */
	*len = fread(data, 1, 4096, f);
	fclose(f);
	if (!*len) {
		free(data);
		data = NULL;
	}
	return data;
}

/* what tells one macOS guest's bundle from another's, read once per VM */
struct bundle_id {
	char *id; /* its MachineIdentifier, or NULL */
	size_t len;
	struct stat st; /* the directory (st_ino 0: not there yet) */
};

/* one directory, whatever the path says (a symlink, say) */
static bool same_dir(const struct machine *a, const struct bundle_id *ia,
		     const struct machine *b, const struct bundle_id *ib)
{
	if (ia->st.st_ino && ib->st.st_ino)
		return ia->st.st_dev == ib->st.st_dev &&
		       ia->st.st_ino == ib->st.st_ino;
	return !strcmp(a->macos_bundle, b->macos_bundle);
}

/* two macOS guests must never run with one identity: the same bundle, or
   bundles that hold the same machine identifier (a copied bundle) */
static void check_bundles(struct host *h)
{
	struct bundle_id *ids = xcalloc(h->nvms, sizeof(*ids));
	const struct machine *a, *b;
	size_t i, j;

	for (i = 0; i < h->nvms; i++) {
		a = &h->vms[i];
		if (a->guest != VZH_GUEST_MACOS || !a->macos_bundle)
			continue;
		ids[i].id = identity(a, &ids[i].len);
		if (stat(a->macos_bundle, &ids[i].st) < 0)
			ids[i].st.st_ino = 0;
		for (j = 0; j < i; j++) {
			b = &h->vms[j];
			if (b->guest != VZH_GUEST_MACOS || !b->macos_bundle)
				continue;
			if (same_dir(a, &ids[i], b, &ids[j])) {
				diag_add(&h->diag, a->loc[ML_MACOS],
					 "bundle %s is already %s's (%s): two "
					 "macOS guests cannot share one",
					 a->macos_bundle, b->name,
					 b->loc[ML_MACOS]);
				break;
			}
			if (ids[i].id && ids[j].id &&
			    ids[i].len == ids[j].len &&
			    !memcmp(ids[i].id, ids[j].id, ids[i].len)) {
				diag_add(
					&h->diag, a->loc[ML_MACOS],
					"%s has the same machine identifier as "
					"%s's bundle %s (a copied bundle?): "
					"give it its own by removing "
					"%s/MachineIdentifier (a new one is "
					"made at its next start)",
					a->macos_bundle, b->name,
					b->macos_bundle, a->macos_bundle);
				break;
			}
		}
	}
	for (i = 0; i < h->nvms; i++)
		free(ids[i].id);
	free(ids);
}

/* the vsock device of a VM before vm that listens on path, or NULL (a
   guest may well connect to another's socket: guest to guest) */
static const struct device *vsock_user(const struct host *h, size_t vm,
				       const char *path, size_t *who)
{
	const struct device *d;
	size_t i;
	uint32_t k;

	for (*who = 0; *who < vm; (*who)++)
		for (i = 0; i < h->vms[*who].ndevs; i++) {
			d = &h->vms[*who].devs[i];
			for (k = 0;
			     d->cls == DEV_VSOCK && k < d->u.vsock.nports; k++)
				if (d->u.vsock.ports[k].dir ==
					    VZH_VSOCK_LISTEN &&
				    !strcmp(d->u.vsock.ports[k].path, path))
					return d;
		}
	return NULL;
}

/* a vsock port's listening socket is one VM's (many may connect to one) */
static void check_vsock_paths(struct host *h)
{
	const struct device *a, *b;
	const struct vzh_vsock_port *pt;
	size_t v, i, w;
	uint32_t k;

	for (v = 0; v < h->nvms; v++)
		for (i = 0; i < h->vms[v].ndevs; i++) {
			a = &h->vms[v].devs[i];
			for (k = 0;
			     a->cls == DEV_VSOCK && k < a->u.vsock.nports;
			     k++) {
				pt = &a->u.vsock.ports[k];
				if (pt->dir != VZH_VSOCK_LISTEN ||
				    !(b = vsock_user(h, v, pt->path, &w)))
					continue;
				diag_add(&h->diag, a->origin.loc,
					 "vsock socket %s is already %s's (%s)",
					 pt->path, h->vms[w].name,
					 b->origin.loc);
			}
		}
}

int validate_machines(struct host *h)
{
	size_t i, j;

	for (i = 0; i < h->nvms; i++) {
		for (j = 0; j < i; j++) {
			if (h->vms[i].name[0] &&
			    !strcmp(h->vms[i].name, h->vms[j].name)) {
				diag_add(&h->diag, h->vms[i].loc[ML_NAME],
					 "VM name \"%s\" is already used at %s",
					 h->vms[i].name,
					 h->vms[j].loc[ML_NAME]);
				break;
			}
		}
		check_guest(h, &h->vms[i]);
		check_devices(h, &h->vms[i]);
		check_channels(h, &h->vms[i]);
		check_rosetta(h, &h->vms[i]);
		check_ready(h, &h->vms[i]);
	}
	check_macs(h);
	check_forwards(h);
	check_bundles(h);
	check_vsock_paths(h);
	return h->diag.n ? -EINVAL : 0;
}
