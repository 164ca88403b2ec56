/* probe.c: is QEMU usable here (binary, accelerator, helpers), and can it realise a machine. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/log.h"
#include "../../core/util.h"
#include "qemu.h"

static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save, *full = NULL;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	copy = xstrdup(path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		full = xasprintf("%s/%s", dir, name);
		if (access(full, X_OK) == 0)
			break;
		free(full);
		full = NULL;
	}
	free(copy);
	return full;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static const char *first_existing(const char *const *paths)
{
	for (; *paths; paths++)
		if (exists(*paths))
			return *paths;
	return NULL;
}

const char *qemu_kvm_verdict(int open_errno, bool intel, bool amd, bool pvm)
{
	if (open_errno)
		return open_errno == ENOENT ? "there is no /dev/kvm" :
					      "/dev/kvm cannot be opened";
	if (intel || amd)
		return NULL;
	if (pvm)
		return "/dev/kvm is backed by kvm_pvm, which boots only PVM-built "
		       "guest kernels";
	return "/dev/kvm is backed by neither kvm_intel nor kvm_amd";
}

/* KVM only with the vendor module: kvm_pvm boots PVM-built kernels only */
static const char *kvm_unusable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), err = fd < 0 ? errno : 0;

	if (fd >= 0)
		close(fd);
	return qemu_kvm_verdict(err, exists("/sys/module/kvm_intel"),
				exists("/sys/module/kvm_amd"),
				exists("/sys/module/kvm_pvm"));
}

int qemu_probe(const struct bridge_env *env, struct bridge **out,
	       struct diag *d)
{
	static const char *const codes[] = { "/usr/share/OVMF/OVMF_CODE.fd",
					     "/usr/share/qemu/OVMF.fd", NULL };
	static const char *const vars[] = { "/usr/share/OVMF/OVMF_VARS.fd",
					    NULL };
	static const char *const fsds[] = { "/usr/lib/qemu/virtiofsd",
					    "/usr/libexec/virtiofsd", NULL };
	const char *arch = qemu_arch(), *why, *accel, *fsd;
	struct bridge *b;
	char *name;
	int fd;

	b = xcalloc(1, sizeof(*b));
	b->env = *env;
	name = bridge_setting(env, "qemu") ?
		       xstrdup(bridge_setting(env, "qemu")) :
		       xasprintf("qemu-system-%s", arch ? arch : "x86_64");
	b->binary = find_in_path(name);
	if (!b->binary) {
		diag_add(d, NULL,
			 "%s not found: install it (Debian: apt-get install "
			 "qemu-system-%s) or set host.qemu",
			 name,
			 arch && !strcmp(arch, "aarch64") ? "arm" : "x86");
		free(name);
		free(b);
		return -ENOENT;
	}
	free(name);
	why = kvm_unusable();
	accel = bridge_setting(env, "accel");
	if (accel && !strcmp(accel, "kvm")) {
		if (why) {
			diag_add(d, NULL, "host.accel = \"kvm\": %s", why);
			goto unavailable;
		}
		b->accel = xstrdup("kvm");
	} else if (accel && !strcmp(accel, "hvf")) {
		diag_add(d, NULL,
			 "host.accel = \"hvf\": hvf exists on macOS only");
		goto unavailable;
	} else if (accel && !strcmp(accel, "tcg")) {
		b->accel = xstrdup("tcg");
	} else {
		b->accel = xstrdup(why ? "tcg" : "kvm");
		if (why && env->event_fd >= 0) /* running, not --check */
			log_msg(LOG_NOTICE, "qemu",
				"using TCG (software emulation): %s", why);
	}
	fd = open("/dev/vhost-vsock", O_RDWR | O_CLOEXEC);
	b->vsock = fd >= 0;
	if (fd >= 0)
		close(fd);
	fsd = bridge_setting(env, "virtiofsd");
	b->virtiofsd = xstrdup(fsd ? fsd : first_existing(fsds));
	b->ovmf_code = xstrdup(first_existing(codes));
	b->ovmf_vars = xstrdup(first_existing(vars));
	fd = open("/sys/module/kvm_intel/parameters/nested",
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/sys/module/kvm_amd/parameters/nested",
			  O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char c = 0;

		b->kvm_nested = read(fd, &c, 1) == 1 && (c == 'Y' || c == '1');
		close(fd);
	}
	*out = b;
	return 0;
unavailable:
	free(b->binary);
	free(b);
	return -ENODEV;
}

void qemu_free(struct bridge *b)
{
	if (!b)
		return;
	free(b->binary);
	free(b->accel);
	free(b->virtiofsd);
	free(b->ovmf_code);
	free(b->ovmf_vars);
	free(b);
}

/* a sound device for QEMU's ALSA (Core Audio on a Mac always has one) */
static bool qemu_host_sound(void)
{
#ifdef __APPLE__
	return true;
#else
	return access("/dev/snd", F_OK) == 0;
#endif
}

/* one folder per tag: a virtiofsd serves one */
static void share_tag_once(const struct machine *m, const struct device *dv,
			   struct diag *d)
{
	const struct device *o;

	for (o = m->devs; o < dv; o++)
		if (o->cls == DEV_SHARE &&
		    !strcmp(o->u.share.tag, dv->u.share.tag)) {
			diag_add(d, dv->origin.loc,
				 "share tag \"%s\" is already used at %s: "
				 "QEMU's virtio-fs shares one folder per tag "
				 "(give this one its own tag)",
				 dv->u.share.tag, o->origin.loc);
			return;
		}
}

int qemu_validate(struct bridge *b, const struct machine *m, struct diag *d)
{
	size_t i, stdio = 0, before = d->n;
	const struct device *dv;

	if (m->guest == VZH_GUEST_MACOS)
		diag_add(
			d, m->loc[ML_GUEST],
			"macOS guests need the Virtualization.framework bridge "
			"(macOS on Apple silicon); QEMU cannot run them");
	if (m->nested && strcmp(b->accel, "kvm"))
		diag_add(d, m->loc[ML_NESTED],
			 "nested virtualization needs KVM; this host runs QEMU "
			 "with TCG");
	else if (m->nested && !b->kvm_nested)
		diag_add(d, m->loc[ML_NESTED],
			 "nested virtualization is off in this host's KVM (see "
			 "/sys/module/kvm_*/parameters/nested)");
	if (m->boot.efi && (!b->ovmf_code || !b->ovmf_vars))
		diag_add(d, m->loc[ML_BOOT],
			 "EFI boot needs OVMF (Debian: apt-get install ovmf)");
	for (i = 0; i < m->ndevs; i++) {
		dv = &m->devs[i];
		if (dv->cls == DEV_SHARE)
			share_tag_once(m, dv, d);
		if (dv->cls == DEV_POINTER &&
		    dv->u.pointer.type == VZH_POINTER_TRACKPAD)
			diag_add(
				d, dv->origin.loc,
				"QEMU has no Mac trackpad; use type = \"tablet\"");
		if (dv->cls == DEV_GRAPHICS &&
		    dv->u.graphics.display == VZH_DISPLAY_WINDOW)
			diag_add(d, dv->origin.loc,
				 "the qemu bridge runs its guests headless: "
				 "display = \"window\" is the vz bridge's "
				 "(remove it, or see the guest through a "
				 "serial console)");
		if (dv->cls == DEV_VSOCK && dv->u.vsock.nports)
			diag_add(d, dv->origin.loc,
				 "vsock ports are served by the vz bridge; "
				 "under QEMU the host reaches the guest over "
				 "AF_VSOCK itself (its CID is in the log at "
				 "start; e.g. socat UNIX-LISTEN:PATH,fork "
				 "VSOCK-CONNECT:CID:PORT): remove ports");
		for (size_t k = 0;
		     dv->cls == DEV_NET && k < dv->u.net.nforwards; k++)
			if (strchr(dv->u.net.forwards[k].host_addr, ':'))
				diag_add(d, dv->origin.loc,
					 "forward of host port %u: QEMU 7.2's "
					 "user-mode NAT listens on IPv4 only "
					 "(\"Bad host address\" for %s); use "
					 "127.0.0.1 or 0.0.0.0",
					 dv->u.net.forwards[k].host_port,
					 dv->u.net.forwards[k].host_addr);
		if (dv->cls == DEV_VSOCK && !b->vsock)
			diag_add(d, dv->origin.loc,
				 "vsock needs /dev/vhost-vsock on this host "
				 "(modprobe vhost_vsock)");
		if (dv->cls == DEV_SHARE && !b->virtiofsd)
			diag_add(
				d, dv->origin.loc,
				"shares need virtiofsd (Debian: apt-get install "
				"qemu-system-common, or set host.virtiofsd)");
		else if (dv->cls == DEV_SHARE && access(b->virtiofsd, X_OK))
			diag_add(d, dv->origin.loc,
				 "shares need virtiofsd: %s: %s", b->virtiofsd,
				 strerror(errno));
		if (dv->cls == DEV_SHARE && dv->u.share.read_only)
			diag_add(
				d, dv->origin.loc,
				"QEMU 7.2's virtiofsd cannot export read-only: "
				"set read_only = false or mount it read-only in "
				"the guest");
		if (dv->cls == DEV_ROSETTA)
			diag_add(d, dv->origin.loc,
				 "Rosetta is Apple's and runs only under "
				 "Virtualization.framework on Apple silicon "
				 "(host.bridge = \"vz\"); under QEMU, run "
				 "x86-64 binaries in the guest with "
				 "qemu-user-static and binfmt_misc");
		if (dv->cls == DEV_SOUND && !dv->u.sound.record &&
		    !qemu_host_sound())
			diag_add(d, dv->origin.loc,
				 "this host has no sound device for QEMU's "
				 "ALSA (/dev/snd): set record = \"FILE.wav\" "
				 "for the guest's output, or remove the "
				 "entry");
		if (dv->cls == DEV_SERIAL &&
		    dv->u.serial.output == VZH_SERIAL_STDIO && ++stdio > 1)
			diag_add(
				d, dv->origin.loc,
				"QEMU shows one serial device per VM on stdio; "
				"send this one to a file or a pty");
	}
	qemu_parts_check(m, d);
	if (d->n == before)
		qemu_caps_check(b, m, d);
	return d->n > before ? -EINVAL : 0;
}
