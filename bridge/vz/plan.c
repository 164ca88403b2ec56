/* plan.c: from a validated machine to what the vz bridge will ask of Virtualization.framework; vm.m only carries it out. */
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../core/util.h"

/* macOS's own name for a share it mounts by itself at /Volumes/My Shared
   Files (VZVirtioFileSystemDeviceConfiguration.macOSGuestAutomountTag) */
#define AUTOMOUNT_TAG "com.apple.virtio-fs.automount"

static const struct {
	const char *cls;
	unsigned os; /* the macOS it came with, when later than VZ_OS_MIN */
} kinds[VZ_DEV_KIND_COUNT] = {
	[VZ_DEV_BLOCK_VIRTIO] = { "VZVirtioBlockDeviceConfiguration", 0 },
	[VZ_DEV_BLOCK_NVME] = { "VZNVMExpressControllerDeviceConfiguration",
				VZ_OS(14, 0) },
	[VZ_DEV_BLOCK_USB] = { "VZUSBMassStorageDeviceConfiguration", 0 },
	[VZ_DEV_NET_NAT] = { "VZVirtioNetworkDeviceConfiguration", 0 },
	[VZ_DEV_GFX_MAC] = { "VZMacGraphicsDeviceConfiguration", 0 },
	[VZ_DEV_GFX_VIRTIO] = { "VZVirtioGraphicsDeviceConfiguration", 0 },
	[VZ_DEV_KBD_USB] = { "VZUSBKeyboardConfiguration", 0 },
	[VZ_DEV_KBD_MAC] = { "VZMacKeyboardConfiguration", VZ_OS(14, 0) },
	[VZ_DEV_PTR_USB] = { "VZUSBScreenCoordinatePointingDeviceConfiguration",
			     0 },
	[VZ_DEV_PTR_TRACKPAD] = { "VZMacTrackpadConfiguration", 0 },
	[VZ_DEV_CONSOLE] = { "VZVirtioConsoleDeviceSerialPortConfiguration",
			     0 },
	[VZ_DEV_FS] = { "VZVirtioFileSystemDeviceConfiguration", 0 },
	[VZ_DEV_ENTROPY] = { "VZVirtioEntropyDeviceConfiguration", 0 },
	[VZ_DEV_BALLOON] = { "VZVirtioTraditionalMemoryBalloonDeviceConfiguration",
			     0 },
	[VZ_DEV_VSOCK] = { "VZVirtioSocketDeviceConfiguration", 0 },
	[VZ_DEV_CHANNEL] = { "VZVirtioConsolePortConfiguration", 0 },
	[VZ_DEV_SOUND] = { "VZVirtioSoundDeviceConfiguration", 0 },
	[VZ_DEV_CLIPBOARD] = { "VZVirtioConsolePortConfiguration", 0 },
	[VZ_DEV_ROSETTA] = { "VZVirtioFileSystemDeviceConfiguration", 0 },
	[VZ_DEV_USB] = { "VZXHCIControllerConfiguration", VZ_OS(15, 0) },
};

/* vzh_disk_cache / vzh_disk_sync -> the SDK's numbers */
static const long caching[] = {
	[VZH_CACHE_AUTOMATIC] = VZ_CACHING_AUTOMATIC,
	[VZH_CACHE_CACHED] = VZ_CACHING_CACHED,
	[VZH_CACHE_UNCACHED] = VZ_CACHING_UNCACHED,
};
static const long syncs[] = {
	[VZH_SYNC_FULL] = VZ_SYNC_FULL,
	[VZH_SYNC_FSYNC] = VZ_SYNC_FSYNC,
	[VZH_SYNC_NONE] = VZ_SYNC_NONE,
};

const char *vz_dev_class(enum vz_dev_kind kind)
{
	return kinds[kind].cls;
}

static void note(struct vz_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct vz_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nnotes == VZ_NOTES_MAX)
		return;
	va_start(ap, fmt);
	p->notes[p->nnotes++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static void os_name(unsigned os, char buf[16])
{
	snprintf(buf, 16, "%u.%u", os / 100, os % 100);
}

/* Rosetta for Linux, installed on this Mac: else said, with how to get it
   (the core refused it to a macOS guest) */
static void rosetta(const struct device *dev, const struct vz_host *h,
		    struct vz_plan *p, struct diag *d)
{
	switch (h->rosetta) {
	case VZ_ROSETTA_UNKNOWN:
		p->checks |= VZ_CHECK_ROSETTA;
		break;
	case VZ_ROSETTA_UNSUPPORTED:
		diag_add(d, dev->origin.loc,
			 "Rosetta for Linux needs a Mac with Apple silicon "
			 "(VZLinuxRosettaDirectoryShare.availability: not "
			 "supported): remove the entry");
		break;
	case VZ_ROSETTA_NOT_INSTALLED:
		diag_add(d, dev->origin.loc,
			 "Rosetta is not installed on this Mac: run "
			 "softwareupdate --install-rosetta --agree-to-license "
			 "(or accept the installer macOS offers), then start "
			 "again");
		break;
	default:
		break;
	}
}

/* the device's kind on this guest and Mac, or -1 (said in d) */
static int dev_kind(const struct device *dev, const struct machine *m,
		    const struct vz_host *h, struct vz_plan *p, struct diag *d)
{
	bool mac = m->guest == VZH_GUEST_MACOS;

	switch (dev->cls) {
	case DEV_DISK:
		/* NBD: the framework's own client, with macOS 14 */
		if (dev->u.disk.nbd_socket && h->os && h->os < VZ_OS(14, 0)) {
			diag_add(d, dev->origin.loc,
				 "an NBD disk needs macOS 14 or later on the "
				 "host (VZNetworkBlockDeviceStorageDevice"
				 "Attachment)");
			return -1;
		}
		if (dev->u.disk.nbd_socket && !h->os)
			p->checks |= VZ_CHECK_OS;
		if (dev->u.disk.iface == VZH_DISK_NVME)
			return VZ_DEV_BLOCK_NVME;
		return dev->u.disk.iface == VZH_DISK_USB ? VZ_DEV_BLOCK_USB :
							   VZ_DEV_BLOCK_VIRTIO;
	case DEV_NET:
		/* VZFileHandleNetworkDeviceAttachment takes datagrams only */
		if (dev->u.net.attach == VZH_NET_SOCKET &&
		    dev->u.net.socket_type == VZH_SOCKET_STREAM) {
			diag_add(d, dev->origin.loc,
				 "Virtualization.framework takes a NIC's "
				 "frames as datagrams only: use type = "
				 "\"dgram\" with a datagram server (gvproxy, "
				 "socket_vmnet, vfkit's convention)");
			return -1;
		}
		return VZ_DEV_NET_NAT;
	case DEV_GRAPHICS:
		return mac ? VZ_DEV_GFX_MAC : VZ_DEV_GFX_VIRTIO;
	case DEV_KEYBOARD:
		if (!mac)
			return VZ_DEV_KBD_USB;
		/* the Mac keyboard (globe key, shortcuts) came with 14 */
		if (h->os && h->os < VZ_OS(14, 0)) {
			note(p,
			     "%s: the Mac keyboard needs macOS 14 on the host: "
			     "a USB keyboard instead",
			     dev->origin.loc);
			return VZ_DEV_KBD_USB;
		}
		return VZ_DEV_KBD_MAC;
	case DEV_POINTER:
		/* (a trackpad on a Linux guest: refused by the core) */
		return dev->u.pointer.type == VZH_POINTER_TRACKPAD ?
			       VZ_DEV_PTR_TRACKPAD :
			       VZ_DEV_PTR_USB;
	case DEV_SERIAL:
		return VZ_DEV_CONSOLE;
	case DEV_SHARE:
		return VZ_DEV_FS;
	case DEV_ENTROPY:
		return VZ_DEV_ENTROPY;
	case DEV_BALLOON:
		return VZ_DEV_BALLOON;
	case DEV_VSOCK:
		return VZ_DEV_VSOCK;
	case DEV_CHANNEL:
		return VZ_DEV_CHANNEL;
	case DEV_SOUND:
		if (dev->u.sound.record) {
			diag_add(
				d, dev->origin.loc,
				"record (the guest's sound into a WAV file) "
				"is the qemu bridge's: Virtualization.framework "
				"plays it on the host's output (remove "
				"record)");
			return -1;
		}
		return VZ_DEV_SOUND;
	case DEV_CLIPBOARD:
		return VZ_DEV_CLIPBOARD;
	case DEV_ROSETTA:
		rosetta(dev, h, p, d);
		return VZ_DEV_ROSETTA;
	case DEV_USB:
		return VZ_DEV_USB;
	case DEV_HVDEV:
		if (!bridge_foreign_device(dev, "vz", d))
			diag_add(d, dev->origin.loc,
				 "plugin %s emitted a device for the vz "
				 "bridge, which has no structured devices",
				 dev->origin.plugin);
		return -1;
	default:
		break;
	}
	diag_add(d, dev->origin.loc,
		 "the vz bridge has no device of this class");
	return -1;
}

/* a disk image that exists must be RAW with a size in 512-byte sectors */
static void check_image(const struct device *dev, struct diag *d)
{
	struct stat st;

	if (dev->u.disk.path && stat(dev->u.disk.path, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size % 512)
		diag_add(d, dev->origin.loc,
			 "%s: %lld bytes is not a whole number of 512-byte "
			 "sectors (Virtualization.framework takes RAW images "
			 "only)",
			 dev->u.disk.path, (long long)st.st_size);
}

/* the text a device gives the framework (paths, names): UTF-8, else an
   error at its entry */
static void check_text(const char *loc, const char *what, const char *s,
		       struct diag *d)
{
	if (s && !util_utf8(s))
		diag_add(d, loc,
			 "%s is not UTF-8 text, which Virtualization.framework "
			 "needs (it takes paths and names as NSString): rename "
			 "it",
			 what);
}

static void device_texts(const struct device *dev, struct diag *d)
{
	const char *loc = dev->origin.loc;
	uint32_t i;

	switch (dev->cls) {
	case DEV_DISK:
		check_text(loc, "path", dev->u.disk.path, d);
		check_text(loc, "nbd_socket", dev->u.disk.nbd_socket, d);
		check_text(loc, "nbd_export", dev->u.disk.nbd_export, d);
		break;
	case DEV_NET:
		check_text(loc, "socket", dev->u.net.path, d);
		break;
	case DEV_SERIAL:
		check_text(loc, "output", dev->u.serial.path, d);
		break;
	case DEV_SHARE:
		check_text(loc, "tag", dev->u.share.tag, d);
		check_text(loc, "path", dev->u.share.path, d);
		break;
	case DEV_ROSETTA:
		check_text(loc, "tag", dev->u.rosetta.tag, d);
		break;
	case DEV_VSOCK:
		for (i = 0; i < dev->u.vsock.nports; i++)
			check_text(loc, "a port's socket",
				   dev->u.vsock.ports[i].path, d);
		break;
	default:
		break;
	}
}

const char *vz_share_name(const char *path, char *buf, size_t size)
{
	size_t end = strlen(path), start;

	while (end > 0 && path[end - 1] == '/')
		end--;
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	if (end == start || end - start > NAME_MAX || end - start >= size ||
	    (end - start == 1 && path[start] == '.') ||
	    (end - start == 2 && !strncmp(path + start, "..", 2)))
		return NULL;
	memcpy(buf, path + start, end - start);
	buf[end - start] = 0;
	return buf;
}

/* a share whose tag an earlier share has: folded into that one's device
   (VZMultipleDirectoryShare), where the guest sees each folder by its name,
   which each must have and none share; true when folded */
static bool fold_share(const struct device *dev, struct vz_plan *p,
		       struct diag *d)
{
	static const char none[] =
		"share tag \"%s\" has several folders, which the guest sees "
		"by their names: %s has none (share a folder inside it)";
	char name[NAME_MAX + 1], other[NAME_MAX + 1];
	const struct device *o;
	struct vz_dev *first = NULL;
	size_t i;

	for (i = 0; i < p->ndevs && !first; i++)
		if (p->devs[i].kind == VZ_DEV_FS &&
		    !strcmp(p->devs[i].dev->u.share.tag, dev->u.share.tag))
			first = &p->devs[i];
	if (!first)
		return false;
	o = first->dev;
	if (++first->nshared == 2 &&
	    !vz_share_name(o->u.share.path, other, sizeof(other)))
		diag_add(d, o->origin.loc, none, o->u.share.tag,
			 o->u.share.path);
	if (!vz_share_name(dev->u.share.path, name, sizeof(name))) {
		diag_add(d, dev->origin.loc, none, dev->u.share.tag,
			 dev->u.share.path);
		return true;
	}
	for (; o < dev; o++)
		if (o->cls == DEV_SHARE &&
		    !strcmp(o->u.share.tag, dev->u.share.tag) &&
		    vz_share_name(o->u.share.path, other, sizeof(other)) &&
		    !strcmp(name, other)) {
			diag_add(d, dev->origin.loc,
				 "share tag \"%s\" already has a folder named "
				 "\"%s\" (%s, at %s): the guest sees each "
				 "folder of a tag by its name; give one its "
				 "own tag",
				 dev->u.share.tag, name, o->u.share.path,
				 o->origin.loc);
			break;
		}
	return true;
}

static int add_devices(const struct machine *m, const struct vz_host *h,
		       struct vz_plan *p, struct diag *d)
{
	const struct device *dev;
	struct vz_dev *v;
	char have[16];
	size_t i;
	int kind, ret = 0;

	p->devs = xcalloc(m->ndevs ? m->ndevs : 1, sizeof(*p->devs));
	for (i = 0; i < m->ndevs; i++) {
		dev = &m->devs[i];
		kind = dev_kind(dev, m, h, p, d);
		if (kind < 0) {
			ret = -EINVAL;
			continue;
		}
		if (kinds[kind].os && h->os && h->os < kinds[kind].os) {
			os_name(h->os, have);
			diag_add(d, dev->origin.loc,
				 "%s needs macOS %u or later on the host (this "
				 "Mac runs %s)%s",
				 kinds[kind].cls, kinds[kind].os / 100, have,
				 kind == VZ_DEV_BLOCK_NVME ?
					 ": use interface = \"virtio\"" :
					 "");
			ret = -EINVAL;
			continue;
		}
		if (kinds[kind].os && !h->os)
			p->checks |= VZ_CHECK_OS;
		device_texts(dev, d);
		if (dev->cls == DEV_SHARE && fold_share(dev, p, d))
			continue;
		v = &p->devs[p->ndevs++];
		v->kind = kind;
		v->dev = dev;
		if (dev->cls == DEV_DISK) {
			v->caching = caching[dev->u.disk.cache];
			v->sync = syncs[dev->u.disk.sync];
			check_image(dev, d);
		}
		if (dev->cls == DEV_SHARE) {
			v->automount = !strcmp(dev->u.share.tag, AUTOMOUNT_TAG);
			v->nshared = 1;
		}
		v->usb_too = kind == VZ_DEV_KBD_MAC ||
			     kind == VZ_DEV_PTR_TRACKPAD;
		if (dev->cls == DEV_GRAPHICS && dev->u.graphics.display)
			p->window = true;
	}
	return ret;
}

/* CPU count and memory within this Mac's range: said, and adjusted */
static void fit_limits(const struct machine *m, const struct vz_host *h,
		       struct vz_plan *p)
{
	char want[32], lim[32];
	uint64_t memory;
	unsigned cpus;

	/* (memory is a whole number of MiB, as memorySize must be: the core
	   checked) */
	p->cpus = m->cpus;
	p->memory = m->memory;
	/* a macOS guest without its own figures takes what its restore
	   image needs, as vzhost install recorded */
	if (m->guest == VZH_GUEST_MACOS &&
	    (!m->cpus_given || !m->memory_given) &&
	    vz_bundle_read_req(m->macos_bundle, &cpus, &memory) == 0) {
		p->cpus = m->cpus_given ? m->cpus : cpus;
		p->memory = m->memory_given ? m->memory : memory;
	}
	if (!h->cpu_max || !h->mem_max) {
		p->checks |= VZ_CHECK_LIMITS;
		return;
	}
	if (p->cpus < h->cpu_min || p->cpus > h->cpu_max) {
		unsigned want_cpus = p->cpus;

		p->cpus = p->cpus < h->cpu_min ? h->cpu_min : h->cpu_max;
		note(p,
		     "%s: cpus = %u is outside this Mac's range %u-%u: %u "
		     "used",
		     m->loc[ML_CPUS], want_cpus, h->cpu_min, h->cpu_max,
		     p->cpus);
	}
	if (p->memory < h->mem_min || p->memory > h->mem_max) {
		util_format_size(p->memory, want, sizeof(want));
		p->memory = p->memory < h->mem_min ? h->mem_min : h->mem_max;
		util_format_size(p->memory, lim, sizeof(lim));
		note(p, "%s: memory = %s is outside this Mac's range: %s used",
		     m->loc[ML_MEMORY], want, lim);
	}
}

static void platform(const struct machine *m, const struct vz_host *h,
		     struct vz_plan *p, struct diag *d)
{
	if (m->guest == VZH_GUEST_MACOS) {
		check_text(m->loc[ML_MACOS], "bundle", m->macos_bundle, d);
		p->platform = VZ_PLATFORM_MAC;
		p->boot = VZ_BOOT_MACOS;
		p->hw_model = util_path_join(m->macos_bundle, "HardwareModel");
		p->machine_id =
			util_path_join(m->macos_bundle, "MachineIdentifier");
		p->aux_storage =
			util_path_join(m->macos_bundle, "AuxiliaryStorage");
		p->recovery = m->recovery;
		p->checks |= VZ_CHECK_HW_MODEL;
		return;
	}
	p->platform = VZ_PLATFORM_GENERIC;
	p->boot = m->boot.efi ? VZ_BOOT_EFI : VZ_BOOT_LINUX;
	/* a saved state restores only into the machine it was saved from:
	   its identifier is kept, as a macOS guest's is in its bundle */
	if (h->state_dir)
		p->machine_id =
			xasprintf("%s/%s.machine-id", h->state_dir, m->name);
	check_text(m->loc[ML_BOOT], "kernel", m->boot.kernel, d);
	check_text(m->loc[ML_BOOT], "initrd", m->boot.initrd, d);
	check_text(m->loc[ML_BOOT], "cmdline", m->boot.cmdline, d);
	check_text(m->loc[ML_BOOT], "efi_vars", m->boot.efi_vars, d);
	if (m->boot.efi)
		p->efi_vars = xstrdup(m->boot.efi_vars);
	p->nested = m->nested;
	if (!m->nested)
		return;
	if (h->nested < 0)
		p->checks |= VZ_CHECK_NESTED;
	else if (!h->nested)
		diag_add(d, m->loc[ML_NESTED],
			 "nested virtualization needs an M3 or later Mac with "
			 "macOS 15 or later, and this Mac cannot "
			 "(VZGenericPlatformConfiguration."
			 "isNestedVirtualizationSupported is false; it may "
			 "also be disabled by policy): remove nested = true, "
			 "or run this VM with host.bridge = \"qemu\" on a "
			 "host whose KVM allows nesting");
}

int vz_plan_make(const struct machine *m, const struct vz_host *h,
		 struct vz_plan *p, struct diag *d)
{
	size_t errs = d->n;

	memset(p, 0, sizeof(*p));
	p->checks = VZ_CHECK_VALIDATE;
	platform(m, h, p, d);
	fit_limits(m, h, p);
	add_devices(m, h, p, d);
	if (m->on_host_stop == HOST_STOP_SAVE)
		p->checks |= VZ_CHECK_SAVE;
	return d->n > errs ? -EINVAL : 0;
}

void vz_plan_free(struct vz_plan *p)
{
	size_t i;

	free(p->hw_model);
	free(p->machine_id);
	free(p->aux_storage);
	free(p->efi_vars);
	free(p->devs);
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	memset(p, 0, sizeof(*p));
}

bool vz_plan_can_save(const struct machine *m, const struct vz_host *h,
		      char **why)
{
	size_t i;

	*why = NULL;
	if (h->os && h->os < VZ_OS(14, 0)) {
		*why = xstrdup("saving a VM's state needs macOS 14 or later "
			       "on the host");
		return false;
	}
	/* the framework's validateSaveRestoreSupportWithError: refuses these;
	   said at --check rather than at the host's shutdown */
	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].cls == DEV_SERIAL ||
		    m->devs[i].cls == DEV_SHARE ||
		    m->devs[i].cls == DEV_ROSETTA ||
		    m->devs[i].cls == DEV_CHANNEL ||
		    m->devs[i].cls == DEV_CLIPBOARD ||
		    m->devs[i].cls == DEV_SOUND) {
			/* (a channel's or the clipboard's port: a serial
			   attachment too; Rosetta: a shared directory; host
			   audio streams, which tart drops to suspend) */
			*why = xasprintf(
				"Virtualization.framework cannot save a VM "
				"with a %s (%s)",
				m->devs[i].cls == DEV_SERIAL ?
					"serial console" :
				m->devs[i].cls == DEV_SHARE ||
						m->devs[i].cls == DEV_ROSETTA ?
					"shared directory" :
				m->devs[i].cls == DEV_CLIPBOARD ?
					"clipboard (its SPICE agent port)" :
				m->devs[i].cls == DEV_SOUND ?
					"sound device (host audio streams)" :
					"channel",
				m->devs[i].origin.loc);
			return false;
		}
	return true;
}

static const char *const check_words[] = {
	"the configuration as a whole (validateWithError:)",
	"that this Mac supports the bundle's hardware model",
	"that this Mac offers nested virtualization (an M3 or later with "
	"macOS 15)",
	"that the framework can save this VM "
	"(validateSaveRestoreSupportWithError:)",
	"CPU count and memory within this Mac's range",
	"devices that need a later macOS than 13",
	"that Rosetta for Linux is installed (an Apple silicon Mac)",
};

static void print_dev(const struct vz_dev *v, const struct machine *m,
		      FILE *out)
{
	const union device_desc *u = &v->dev->u;
	static const char *const cache_words[] = { "automatic", "uncached",
						   "cached" };
	static const char *const sync_words[] = { "", "full", "fsync", "none" };
	char mac[18], name[NAME_MAX + 1];
	const struct device *o;

	fprintf(out, "  %s", kinds[v->kind].cls);
	switch (v->dev->cls) {
	case DEV_DISK:
		if (u->disk.nbd_socket) {
			fprintf(out,
				" + VZNetworkBlockDeviceStorageDeviceAttachment "
				"nbd+unix:///%s?socket=%s%s",
				u->disk.nbd_export ? u->disk.nbd_export : "",
				u->disk.nbd_socket,
				u->disk.read_only ? " read-only" : "");
			break;
		}
		fprintf(out,
			" + VZDiskImageStorageDeviceAttachment %s%s%s "
			"caching=%s sync=%s",
			u->disk.ephemeral ? "an APFS clone of " : "",
			u->disk.path, u->disk.read_only ? " read-only" : "",
			cache_words[v->caching], sync_words[v->sync]);
		break;
	case DEV_NET:
		util_format_mac(u->net.mac, mac);
		if (u->net.attach == VZH_NET_NAT)
			fprintf(out, " + VZNATNetworkDeviceAttachment %s", mac);
		else if (u->net.attach == VZH_NET_SOCKET)
			fprintf(out,
				" + VZFileHandleNetworkDeviceAttachment %s, a "
				"datagram socket connected to %s",
				mac, u->net.path);
		else
			fprintf(out,
				" + VZFileHandleNetworkDeviceAttachment %s, "
				"served by plugin %s",
				mac, v->dev->origin.plugin);
		break;
	case DEV_GRAPHICS:
		fprintf(out, " %ux%u", u->graphics.width, u->graphics.height);
		if (v->kind == VZ_DEV_GFX_MAC)
			fprintf(out, " @ %u ppi", u->graphics.ppi);
		fprintf(out,
			u->graphics.display ? ", in a window" : ", headless");
		break;
	case DEV_SERIAL:
		fprintf(out, " to %s%s%s", serial_names[u->serial.output],
			u->serial.path ? " " : "",
			u->serial.path ? u->serial.path : "");
		break;
	case DEV_SHARE:
		if (v->nshared > 1) {
			fprintf(out, " + VZMultipleDirectoryShare");
			for (o = v->dev; o < m->devs + m->ndevs; o++)
				if (o->cls == DEV_SHARE &&
				    !strcmp(o->u.share.tag, u->share.tag))
					fprintf(out, " %s: %s%s,",
						vz_share_name(o->u.share.path, name, sizeof(name)) ?:
							"?",
						o->u.share.path,
						o->u.share.read_only ?
							" read-only" :
							"");
		} else {
			fprintf(out, " + VZSingleDirectoryShare %s%s,",
				u->share.path,
				u->share.read_only ? " read-only" : "");
		}
		fprintf(out, " tag %s",
			v->automount ? "macOSGuestAutomountTag" : u->share.tag);
		break;
	case DEV_VSOCK:
		for (uint32_t i = 0; i < u->vsock.nports; i++) {
			const struct vzh_vsock_port *pt = &u->vsock.ports[i];

			if (pt->dir == VZH_VSOCK_LISTEN)
				fprintf(out,
					"\n    %s -> guest port %u "
					"(connectToPort:)",
					pt->path, pt->port);
			else
				fprintf(out,
					"\n    guest port %u -> %s "
					"(VZVirtioSocketListener)",
					pt->port, pt->path);
		}
		break;
	case DEV_CHANNEL:
		fprintf(out,
			" \"%s\" + VZFileHandleSerialPortAttachment, served "
			"by plugin %s",
			u->channel.name, v->dev->origin.plugin);
		break;
	case DEV_SOUND:
		if (u->sound.output)
			fprintf(out,
				" + VZVirtioSoundDeviceOutputStreamConfiguration "
				"to VZHostAudioOutputStreamSink");
		if (u->sound.input)
			fprintf(out,
				" + VZVirtioSoundDeviceInputStreamConfiguration "
				"from VZHostAudioInputStreamSource (macOS asks "
				"to allow the microphone)");
		break;
	case DEV_CLIPBOARD:
		fprintf(out,
			" \"%s\" (spiceAgentPortName) + "
			"VZSpiceAgentPortAttachment sharesClipboard",
			VZH_CLIPBOARD_PORT);
		break;
	case DEV_ROSETTA:
		fprintf(out, " + VZLinuxRosettaDirectoryShare, tag %s",
			u->rosetta.tag);
		break;
	case DEV_USB:
		fprintf(out, ", for disks plugged in with ctl usb attach");
		break;
	default:
		break;
	}
	if (v->usb_too)
		fprintf(out, ", and %s for guests before macOS 13",
			v->kind == VZ_DEV_KBD_MAC ? kinds[VZ_DEV_KBD_USB].cls :
						    kinds[VZ_DEV_PTR_USB].cls);
	fputc('\n', out);
}

void vz_plan_print(const struct vz_plan *p, const struct machine *m,
		   const struct vz_host *h, FILE *out)
{
	char mem[32];
	size_t i, bit;

	util_format_size(p->memory, mem, sizeof(mem));
	fprintf(out, "vm %s on Virtualization.framework:\n", m->name);
	if (p->platform == VZ_PLATFORM_MAC)
		fprintf(out,
			"  VZMacPlatformConfiguration from %s (HardwareModel, "
			"MachineIdentifier, AuxiliaryStorage), "
			"VZMacOSBootLoader%s\n",
			m->macos_bundle,
			p->recovery ? ", started in macOS Recovery" : "");
	else
		fprintf(out,
			"  VZGenericPlatformConfiguration%s, its "
			"VZGenericMachineIdentifier kept in %s%s%s, %s\n",
			p->nested ? " with nestedVirtualizationEnabled" : "",
			p->machine_id ? p->machine_id :
					"the state directory as ",
			p->machine_id ? "" : m->name,
			p->machine_id ? "" : ".machine-id",
			p->boot == VZ_BOOT_EFI ?
				"VZEFIBootLoader with its variable store" :
				"VZLinuxBootLoader");
	fprintf(out, "  CPUCount %u, memorySize %s\n", p->cpus, mem);
	for (i = 0; i < p->ndevs; i++)
		print_dev(&p->devs[i], m, out);
	for (i = 0; i < p->nnotes; i++)
		fprintf(out, "  note: %s\n", p->notes[i]);
	if (h->os)
		return;
	fprintf(out, "  only a Mac can verify:\n");
	for (bit = 0; bit < ARRAY_SIZE(check_words); bit++)
		if (p->checks & (1u << bit))
			fprintf(out, "    - %s\n", check_words[bit]);
}

int vz_describe(const struct vz_host *h, const struct machine *m, FILE *out,
		struct diag *d)
{
	struct vz_plan p;
	int ret = vz_plan_make(m, h, &p, d);

	if (ret == 0 && out)
		vz_plan_print(&p, m, h, out);
	vz_plan_free(&p);
	return ret;
}
