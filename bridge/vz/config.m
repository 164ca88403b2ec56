/* config.m: a vz plan as a VZVirtualMachineConfiguration: objects only, every decision was made in plan.c. */
#import "vzm.h"

#include <errno.h>
#include <fcntl.h>
#include <objc/runtime.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/clonefile.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "../../core/fd.h"
#include "../../core/statedir.h"
#include "../../core/util.h"

/* from the path's bytes, whatever they are: an NSString of bytes that are
   not UTF-8 would be nil, and fileURLWithPath: raises on nil */
NSURL *vzm_file_url(const char *path)
{
	return [NSURL fileURLWithFileSystemRepresentation:path isDirectory:NO relativeToURL:nil];
}

int vzm_sync(int fd)
{
	/* fsync leaves data in the drive's cache on macOS; F_FULLFSYNC does
	   not (where the file system cannot, fsync is what there is) */
	if (fcntl(fd, F_FULLFSYNC) == 0)
		return 0;
	return fsync(fd);
}

void vzm_host(struct vz_host *h)
{
	NSOperatingSystemVersion v = NSProcessInfo.processInfo.operatingSystemVersion;

	memset(h, 0, sizeof(*h));
	h->os = VZ_OS((unsigned)v.majorVersion, (unsigned)v.minorVersion);
	h->cpu_min = (unsigned)VZVirtualMachineConfiguration.minimumAllowedCPUCount;
	h->cpu_max = (unsigned)VZVirtualMachineConfiguration.maximumAllowedCPUCount;
	h->mem_min = VZVirtualMachineConfiguration.minimumAllowedMemorySize;
	h->mem_max = VZVirtualMachineConfiguration.maximumAllowedMemorySize;
	h->nested = 0;
	if (@available(macOS 15.0, *))
		h->nested = VZGenericPlatformConfiguration.isNestedVirtualizationSupported;
	h->rosetta = VZ_ROSETTA_UNSUPPORTED;
#if defined(__arm64__)
	switch (VZLinuxRosettaDirectoryShare.availability) {
	case VZLinuxRosettaAvailabilityInstalled:
		h->rosetta = VZ_ROSETTA_INSTALLED;
		break;
	case VZLinuxRosettaAvailabilityNotInstalled:
		h->rosetta = VZ_ROSETTA_NOT_INSTALLED;
		break;
	default:
		break;
	}
#endif
}

/* the bundle's identity, restored unchanged on every boot */
static VZPlatformConfiguration *mac_platform(const struct vz_plan *p, bool dry, NSString **why)
{
	VZMacPlatformConfiguration *mac = [[VZMacPlatformConfiguration alloc] init];
	NSData *hw = [[NSData alloc] initWithContentsOfURL:vzm_file_url(p->hw_model)];
	NSData *id = [[NSData alloc] initWithContentsOfURL:vzm_file_url(p->machine_id)];

	/* removed to give a copied bundle its own identity (validate.c says
	   so): a new one, kept from now on */
	if (!id && access(p->hw_model, F_OK) == 0 && access(p->machine_id, F_OK) != 0) {
		id = [[VZMacMachineIdentifier alloc] init].dataRepresentation;
		if (!dry && ![id writeToURL:vzm_file_url(p->machine_id) atomically:YES]) {
			*why = [NSString stringWithFormat:@"cannot write %s", p->machine_id];
			return nil;
		}
	}
	VZMacHardwareModel *model = hw ? [[VZMacHardwareModel alloc] initWithDataRepresentation:hw] : nil;
	VZMacMachineIdentifier *ident =
		id ? [[VZMacMachineIdentifier alloc] initWithDataRepresentation:id] : nil;

	if (!model || !ident) {
		*why = [NSString stringWithFormat:@"%s or %s is missing or damaged: create the "
						  @"guest with vzhost install",
						  p->hw_model, p->machine_id];
		return nil;
	}
	if (!model.supported) {
		*why = @"this Mac does not support the guest's hardware model "
		       @"(a newer macOS guest than this host can run)";
		return nil;
	}
	mac.hardwareModel = model;
	mac.machineIdentifier = ident;
	mac.auxiliaryStorage = [[VZMacAuxiliaryStorage alloc] initWithURL:vzm_file_url(p->aux_storage)];
	return mac;
}

/* the machine's identity, kept across starts: a saved state restores only
   into the machine it was saved from; a new one the first time (or when the
   file is not one), written unless this is a --check */
static VZPlatformConfiguration *generic_platform(const struct vz_plan *p, bool dry, NSString **why)
{
	VZGenericPlatformConfiguration *g = [[VZGenericPlatformConfiguration alloc] init];
	NSData *data = p->machine_id ? [[NSData alloc] initWithContentsOfURL:vzm_file_url(p->machine_id)] : nil;
	VZGenericMachineIdentifier *ident =
		data ? [[VZGenericMachineIdentifier alloc] initWithDataRepresentation:data] : nil;

	if (!ident) {
		ident = [[VZGenericMachineIdentifier alloc] init];
		if (p->machine_id && !dry &&
		    ![ident.dataRepresentation writeToURL:vzm_file_url(p->machine_id) atomically:YES]) {
			*why = [NSString stringWithFormat:@"cannot write %s", p->machine_id];
			return nil;
		}
	}
	g.machineIdentifier = ident;
	if (p->nested) {
		if (@available(macOS 15.0, *))
			g.nestedVirtualizationEnabled = YES;
	}
	return g;
}

/* --check's EFI variable store: in a private directory, removed after */
static const char *scratch(struct vzm_io *io)
{
	snprintf(io->scratch, sizeof(io->scratch), "/tmp/vzhost-check.XXXXXX");
	if (!mkdtemp(io->scratch))
		return "/nonexistent/vzhost-check/vars";
	strcat(io->scratch, "/vars");
	return io->scratch;
}

static VZBootLoader *boot_loader(const struct vz_plan *p, const struct machine *m,
				 struct vzm_io *io, NSString **why)
{
	VZLinuxBootLoader *linux_boot;
	VZEFIBootLoader *efi;
	NSError *err = nil;

	switch (p->boot) {
	case VZ_BOOT_MACOS:
		return [[VZMacOSBootLoader alloc] init];
	case VZ_BOOT_LINUX:
		linux_boot = [[VZLinuxBootLoader alloc] initWithKernelURL:vzm_file_url(m->boot.kernel)];
		if (m->boot.initrd)
			linux_boot.initialRamdiskURL = vzm_file_url(m->boot.initrd);
		if (m->boot.cmdline)
			linux_boot.commandLine =
				(NSString *_Nonnull)[NSString stringWithUTF8String:m->boot.cmdline];
		return linux_boot;
	case VZ_BOOT_EFI:
		efi = [[VZEFIBootLoader alloc] init];
		if (access(p->efi_vars, F_OK) == 0)
			efi.variableStore = [[VZEFIVariableStore alloc] initWithURL:vzm_file_url(p->efi_vars)];
		else if (!io->dry)
			efi.variableStore = [[VZEFIVariableStore alloc]
				initCreatingVariableStoreAtURL:vzm_file_url(p->efi_vars)
						       options:0
							 error:&err];
		else /* --check: a store of its own, removed after */
			efi.variableStore = [[VZEFIVariableStore alloc]
				initCreatingVariableStoreAtURL:vzm_file_url(scratch(io))
						       options:0
							 error:&err];
		if (!efi.variableStore) {
			*why = err.localizedDescription;
			return nil;
		}
		return efi;
	}
	return nil;
}

/* nbd+unix:///EXPORT?socket=PATH, escaped by NSURLComponents */
static NSURL *nbd_url(const struct vzh_disk *d)
{
	NSURLComponents *c = [[NSURLComponents alloc] init];

	c.scheme = @"nbd+unix";
	c.host = @"";
	c.path = [NSString stringWithFormat:@"/%@", [NSString stringWithUTF8String:d->nbd_export ? d->nbd_export : ""]];
	c.queryItems = @[ [NSURLQueryItem
		queryItemWithName:@"socket"
			    value:[NSString stringWithUTF8String:d->nbd_socket]] ];
	return (NSURL *_Nonnull)c.URL;
}

/* an ephemeral disk's image for this run: an APFS clone (copy on write,
   made in no time) in the run directory, gone with it */
static const char *clone_image(const struct vz_dev *v, struct vzm_io *io, char *buf, size_t len,
			       NSString **why)
{
	const char *src = v->dev->u.disk.path;

	if (io->dry || !io->run_dir)
		return src;
	snprintf(buf, len, "%s/disk%p.img", io->run_dir, (const void *)v);
	if (clonefile(src, buf, 0) < 0) {
		*why = [NSString stringWithFormat:@"%s: cannot clone it for an ephemeral disk (the image "
						  @"and the state directory must be on one APFS volume): %s",
						  src, strerror(errno)];
		return NULL;
	}
	return buf;
}

/* what may outlive its VM's run (an NBD disk's delegate, held by the
   framework's objects) asks this before it speaks: a late word of a run
   that is over is not the next run's (vzm_io_close marks it) */
@interface VZHAlive : NSObject {
@public
	_Atomic bool _gone;
}
@end

@implementation VZHAlive
@end

/* an NBD disk's delegate: its client's connections and its failure, told
   to the core; the attachment keeps it (the property is weak) */
API_AVAILABLE(macos(14.0))
@interface VZHNBDWatch : NSObject <VZNetworkBlockDeviceStorageDeviceAttachmentDelegate> {
@public
	int _fd;
	unsigned _vm, _dev;
	VZHAlive *_alive;
}
@end

@implementation VZHNBDWatch
- (void)attachmentWasConnected:(VZNetworkBlockDeviceStorageDeviceAttachment *)attachment
{
	if (!atomic_load(&_alive->_gone))
		bridge_note(_fd, _vm, BRIDGE_NOTE_NBD_UP, _dev, "%s",
			    attachment.URL.absoluteString.UTF8String);
}

- (void)attachment:(VZNetworkBlockDeviceStorageDeviceAttachment *)attachment
	didEncounterError:(NSError *)error
{
	struct vz_error_class cls;

	(void)attachment;
	if (!atomic_load(&_alive->_gone))
		bridge_note(_fd, _vm, BRIDGE_NOTE_NBD_FAILED, _dev, "%s",
			    vzm_error_text(error, &cls).UTF8String);
}
@end

static void *watch_key = &watch_key; /* the attachment's VZHNBDWatch */

static VZStorageDeviceConfiguration *disk(const struct vz_dev *v, const struct machine *m,
					  struct vzm_io *io, NSString **why)
{
	const struct vzh_disk *d = &v->dev->u.disk;
	NSError *err = nil;
	VZStorageDeviceAttachment *a = nil;
	const char *path = d->path;
	char clone[PATH_MAX];

	if (d->nbd_socket) {
		if (@available(macOS 14.0, *))
			a = [[VZNetworkBlockDeviceStorageDeviceAttachment alloc]
				    initWithURL:nbd_url(d)
					timeout:5.0
				 forcedReadOnly:d->read_only != 0
			    synchronizationMode:VZDiskSynchronizationModeFull
					  error:&err];
		if (@available(macOS 14.0, *))
			if (a && !io->dry) {
				VZHNBDWatch *w = [[VZHNBDWatch alloc] init];

				w->_fd = io->event_fd;
				w->_vm = io->vm;
				w->_dev = (unsigned)(v->dev - m->devs);
				if (!io->alive)
					io->alive = (__bridge_retained void *)[[VZHAlive alloc] init];
				w->_alive = (__bridge VZHAlive *)io->alive;
				objc_setAssociatedObject(a, watch_key, w,
							 OBJC_ASSOCIATION_RETAIN_NONATOMIC);
				((VZNetworkBlockDeviceStorageDeviceAttachment *)a).delegate = w;
			}
	} else if ((path = d->ephemeral ? clone_image(v, io, clone, sizeof(clone), why) : d->path)) {
		a = [[VZDiskImageStorageDeviceAttachment alloc]
			    initWithURL:vzm_file_url(path)
			       readOnly:d->read_only != 0
			    cachingMode:(VZDiskImageCachingMode)v->caching
		    synchronizationMode:(VZDiskImageSynchronizationMode)v->sync
				  error:&err];
	}
	if (!a) {
		if (!*why)
			*why = [NSString stringWithFormat:@"%s: %@", d->path ? d->path : d->nbd_socket,
							  err.localizedDescription];
		return nil;
	}
	if (v->kind == VZ_DEV_BLOCK_NVME) {
		if (@available(macOS 14.0, *))
			return [[VZNVMExpressControllerDeviceConfiguration alloc] initWithAttachment:a];
		return nil; /* (plan.c refused it below 14) */
	}
	if (v->kind == VZ_DEV_BLOCK_USB)
		return [[VZUSBMassStorageDeviceConfiguration alloc] initWithAttachment:a];
	return [[VZVirtioBlockDeviceConfiguration alloc] initWithAttachment:a];
}

/* a descriptor of the core's (a backend's or a server's socket) for the
   framework, which closes its copy when done; --check: a stand-in pair */
static NSFileHandle *handle(const struct device *dev, bool dry, int type)
{
	int fd = -1, sp[2];

	if (dev->fd >= 0)
		fd = dup(dev->fd);
	else if (dry && socketpair(AF_UNIX, type, 0, sp) == 0) {
		close(sp[1]);
		fd = sp[0];
	}
	if (fd < 0)
		return nil;
	fd_setup(fd, false);
	/* a NIC's frames: VZFileHandleNetworkDeviceAttachment drops them unless
	   its end receives twice what it sends (at worst the system's sizes) */
	if (type == SOCK_DGRAM)
		(void)fd_dgram_buffers(fd);
	return [[NSFileHandle alloc] initWithFileDescriptor:fd closeOnDealloc:YES];
}

VZNetworkDeviceAttachment *vzm_net_attachment(const struct device *dev, bool dry)
{
	NSFileHandle *h;

	if (dev->u.net.attach == VZH_NET_NAT)
		return [[VZNATNetworkDeviceAttachment alloc] init];
	if (!(h = handle(dev, dry, SOCK_DGRAM)))
		return nil;
	return [[VZFileHandleNetworkDeviceAttachment alloc] initWithFileHandle:h];
}

static VZNetworkDeviceConfiguration *nat(const struct vz_dev *v, bool dry)
{
	VZVirtioNetworkDeviceConfiguration *n = [[VZVirtioNetworkDeviceConfiguration alloc] init];
	VZNetworkDeviceAttachment *a = vzm_net_attachment(v->dev, dry);
	char mac[18];

	if (!a)
		return nil;
	util_format_mac(v->dev->u.net.mac, mac);
	n.attachment = a;
	n.MACAddress = (VZMACAddress *_Nonnull)[[VZMACAddress alloc]
		initWithString:(NSString *_Nonnull)[NSString stringWithUTF8String:mac]];
	return n;
}

static VZGraphicsDeviceConfiguration *graphics(const struct vz_dev *v)
{
	const struct vzh_graphics *g = &v->dev->u.graphics;
	VZMacGraphicsDeviceConfiguration *mac;
	VZVirtioGraphicsDeviceConfiguration *virtio;

	if (v->kind == VZ_DEV_GFX_MAC) {
		mac = [[VZMacGraphicsDeviceConfiguration alloc] init];
		mac.displays = @[ [[VZMacGraphicsDisplayConfiguration alloc]
			initWithWidthInPixels:g->width
			       heightInPixels:g->height
				pixelsPerInch:g->ppi] ];
		return mac;
	}
	virtio = [[VZVirtioGraphicsDeviceConfiguration alloc] init];
	virtio.scanouts = @[ [[VZVirtioGraphicsScanoutConfiguration alloc]
		initWithWidthInPixels:g->width
		       heightInPixels:g->height] ];
	return virtio;
}

/* a pseudo-terminal: the framework gets the master, the user its path */
static VZSerialPortAttachment *pty(struct vzm_io *io, NSString **why)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY), slave = -1;
	struct termios t;
	const char *name;

	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 || !(name = ptsname(fd)) ||
	    io->nptys == BRIDGE_PTYS_MAX ||
	    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || tcgetattr(slave, &t) < 0) {
		*why = @"cannot open a pseudo-terminal for a serial console";
		if (fd >= 0)
			close(fd);
		if (slave >= 0)
			close(slave);
		return nil;
	}
	/* raw: the guest's output is not echoed back to it as input, and a
	   user's terminal program coming and going never leaves the master
	   without a slave (EOF/EIO to the framework): we hold one open */
	cfmakeraw(&t);
	tcsetattr(slave, TCSANOW, &t);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	io->ptys_slave[io->nptys] = slave;
	snprintf(io->ptys[io->nptys++], sizeof(io->ptys[0]), "%s", name);
	/* the framework's to close, when it lets go of the attachment: never
	   a number reused under it */
	NSFileHandle *h = [[NSFileHandle alloc] initWithFileDescriptor:fd closeOnDealloc:YES];
	return [[VZFileHandleSerialPortAttachment alloc] initWithFileHandleForReading:h
								 fileHandleForWriting:h];
}

static VZSerialPortConfiguration *serial(const struct vz_dev *v, struct vzm_io *io, NSString **why)
{
	const struct vzh_serial *s = &v->dev->u.serial;
	VZVirtioConsoleDeviceSerialPortConfiguration *port =
		[[VZVirtioConsoleDeviceSerialPortConfiguration alloc] init];
	NSFileHandle *null = NSFileHandle.fileHandleWithNullDevice;
	NSFileHandle *in;
	NSError *err = nil;
	int p[2], q[2];

	switch (io->dry && s->output != VZH_SERIAL_BACKEND ? VZH_SERIAL_NONE : s->output) {
	case VZH_SERIAL_BACKEND: { /* both ways through the plugin's pair */
		NSFileHandle *h = handle(v->dev, io->dry, SOCK_STREAM);

		if (h)
			port.attachment = [[VZFileHandleSerialPortAttachment alloc]
				initWithFileHandleForReading:h
					fileHandleForWriting:h];
		break;
	}
	case VZH_SERIAL_STDIO:
		/* the guest's output reaches vzhost's console through a pipe the
		   core polls (the first such console; others are sent nowhere) */
		if (io->console_fd >= 0 || fd_pipe(p, false) < 0 || fd_setup(p[0], true) < 0) {
			port.attachment = [[VZFileHandleSerialPortAttachment alloc]
				initWithFileHandleForReading:null
					fileHandleForWriting:null];
			break;
		}
		io->console_fd = p[0];
		/* and its input from a second pipe the core writes vzhost's
		   standard input to (none: nothing to read, as before) */
		if (fd_pipe(q, false) == 0 && fd_setup(q[1], true) == 0) {
			io->console_in_fd = q[1];
			in = [[NSFileHandle alloc] initWithFileDescriptor:q[0] closeOnDealloc:YES];
		} else {
			in = null;
		}
		port.attachment = [[VZFileHandleSerialPortAttachment alloc]
			initWithFileHandleForReading:in
				fileHandleForWriting:[[NSFileHandle alloc] initWithFileDescriptor:p[1]
										   closeOnDealloc:YES]];
		break;
	case VZH_SERIAL_FILE:
		port.attachment = [[VZFileSerialPortAttachment alloc] initWithURL:vzm_file_url(s->path)
									   append:YES
									    error:&err];
		if (!port.attachment)
			*why = [NSString stringWithFormat:@"%s: %@", s->path, err.localizedDescription];
		break;
	case VZH_SERIAL_PTY:
		port.attachment = pty(io, why);
		break;
	default:
		port.attachment = [[VZFileHandleSerialPortAttachment alloc] initWithFileHandleForReading:null
										    fileHandleForWriting:null];
		break;
	}
	return port.attachment ? port : nil;
}

/* a channel: a named port of the VM's one virtio console device, on the
   core's end of its plugin's pair */
static VZVirtioConsolePortConfiguration *channel(const struct vz_dev *v, bool dry)
{
	VZVirtioConsolePortConfiguration *port = [[VZVirtioConsolePortConfiguration alloc] init];
	NSFileHandle *h = handle(v->dev, dry, SOCK_STREAM);

	if (!h)
		return nil;
	port.name = [NSString stringWithUTF8String:v->dev->u.channel.name];
	port.isConsole = NO;
	port.attachment = [[VZFileHandleSerialPortAttachment alloc] initWithFileHandleForReading:h
									    fileHandleForWriting:h];
	return port;
}

/* the SPICE agent's port: the framework's own agent shares the clipboard */
static VZVirtioConsolePortConfiguration *spice_port(void)
{
	VZVirtioConsolePortConfiguration *port = [[VZVirtioConsolePortConfiguration alloc] init];
	VZSpiceAgentPortAttachment *agent = [[VZSpiceAgentPortAttachment alloc] init];

	agent.sharesClipboard = YES;
	port.name = VZSpiceAgentPortAttachment.spiceAgentPortName;
	port.isConsole = NO; /* (which Apple's header requires of it) */
	port.attachment = agent;
	return port;
}

static VZVirtioSoundDeviceConfiguration *sound(const struct vzh_sound *s)
{
	VZVirtioSoundDeviceConfiguration *snd = [[VZVirtioSoundDeviceConfiguration alloc] init];
	NSMutableArray<VZVirtioSoundDeviceStreamConfiguration *> *streams = [[NSMutableArray alloc] init];

	if (s->output) {
		VZVirtioSoundDeviceOutputStreamConfiguration *out =
			[[VZVirtioSoundDeviceOutputStreamConfiguration alloc] init];

		out.sink = [[VZHostAudioOutputStreamSink alloc] init];
		[streams addObject:out];
	}
	if (s->input) {
		VZVirtioSoundDeviceInputStreamConfiguration *in =
			[[VZVirtioSoundDeviceInputStreamConfiguration alloc] init];

		in.source = [[VZHostAudioInputStreamSource alloc] init];
		[streams addObject:in];
	}
	snd.streams = streams;
	return snd;
}

/* Rosetta under its tag (plan.c saw it installed; the framework says last) */
static VZDirectorySharingDeviceConfiguration *rosetta(const struct vz_dev *v, NSString **why)
{
#if defined(__arm64__)
	VZVirtioFileSystemDeviceConfiguration *fs;
	VZLinuxRosettaDirectoryShare *r;
	NSError *err = nil;
	NSString *tag;

	tag = (NSString *_Nonnull)[NSString stringWithUTF8String:v->dev->u.rosetta.tag];
	/* (initWithTag: raises on a tag it would refuse) */
	if (![VZVirtioFileSystemDeviceConfiguration validateTag:tag error:&err]) {
		*why = [NSString stringWithFormat:@"%s: tag: %@", v->dev->origin.loc,
						  err.localizedDescription];
		return nil;
	}
	r = [[VZLinuxRosettaDirectoryShare alloc] initWithError:&err];
	if (!r) {
		*why = [NSString stringWithFormat:@"%s: Rosetta: %@", v->dev->origin.loc,
						  err ? err.localizedDescription : @"not available"];
		return nil;
	}
	fs = [[VZVirtioFileSystemDeviceConfiguration alloc] initWithTag:tag];
	fs.share = r;
	return fs;
#else
	*why = [NSString stringWithFormat:@"%s: Rosetta for Linux needs Apple silicon", v->dev->origin.loc];
	return nil;
#endif
}

static VZSharedDirectory *folder(const struct vzh_share *s)
{
	return [[VZSharedDirectory alloc] initWithURL:vzm_file_url(s->path)
					     readOnly:s->read_only != 0];
}

/* the folders of v's tag by their names (plan.c checked them; the
   framework's own check last: a name it refuses would raise) */
static VZDirectoryShare *folders(const struct vz_dev *v, const struct machine *m, NSString **why)
{
	NSMutableDictionary<NSString *, VZSharedDirectory *> *dirs =
		[[NSMutableDictionary alloc] init];
	char buf[NAME_MAX + 1];
	const struct device *o;
	NSString *name;
	NSError *err = nil;

	for (o = v->dev; o < m->devs + m->ndevs; o++) {
		if (o->cls != DEV_SHARE || strcmp(o->u.share.tag, v->dev->u.share.tag))
			continue;
		name = vz_share_name(o->u.share.path, buf, sizeof(buf)) ?
			       [NSString stringWithUTF8String:buf] :
			       nil;
		if (!name || ![VZMultipleDirectoryShare validateName:(NSString *_Nonnull)name
							       error:&err]) {
			*why = [NSString stringWithFormat:@"%s: not a name for a shared folder: %@",
							  o->origin.loc,
							  err ? err.localizedDescription : @"none"];
			return nil;
		}
		dirs[(NSString *_Nonnull)name] = folder(&o->u.share);
	}
	return [[VZMultipleDirectoryShare alloc] initWithDirectories:dirs];
}

static VZDirectorySharingDeviceConfiguration *share(const struct vz_dev *v, const struct machine *m,
						    NSString **why)
{
	const struct vzh_share *s = &v->dev->u.share;
	NSString *tag = (NSString *_Nonnull)[NSString stringWithUTF8String:s->tag];
	VZVirtioFileSystemDeviceConfiguration *fs;
	VZDirectoryShare *dirs;

	/* the framework's own constant, not our copy of its value */
	if (v->automount)
		tag = VZVirtioFileSystemDeviceConfiguration.macOSGuestAutomountTag;
	dirs = v->nshared > 1 ? folders(v, m, why) :
				[[VZSingleDirectoryShare alloc] initWithDirectory:folder(s)];
	if (!dirs)
		return nil;
	fs = [[VZVirtioFileSystemDeviceConfiguration alloc] initWithTag:tag];
	fs.share = dirs;
	return fs;
}

static VZVirtualMachineConfiguration *configure(const struct vz_plan *p, const struct machine *m,
						struct vzm_io *io, NSString **why)
{
	VZVirtualMachineConfiguration *c = [[VZVirtualMachineConfiguration alloc] init];
	NSMutableArray *disks = [[NSMutableArray alloc] init], *nets = [[NSMutableArray alloc] init],
		       *gfx = [[NSMutableArray alloc] init], *kbd = [[NSMutableArray alloc] init],
		       *ptr = [[NSMutableArray alloc] init], *ser = [[NSMutableArray alloc] init],
		       *fs = [[NSMutableArray alloc] init], *rng = [[NSMutableArray alloc] init],
		       *balloon = [[NSMutableArray alloc] init], *vsock = [[NSMutableArray alloc] init],
		       *audio = [[NSMutableArray alloc] init], *usbc = [[NSMutableArray alloc] init];
	VZVirtioConsoleDeviceConfiguration *console = nil;
	uint32_t nports = 0;
	NSMutableArray *to;
	NSError *err = nil;
	VZPlatformConfiguration *platform;
	VZBootLoader *boot;
	id obj;
	size_t i;

	c.CPUCount = p->cpus;
	c.memorySize = p->memory;
	platform = p->platform == VZ_PLATFORM_MAC ? mac_platform(p, io->dry, why) :
						    generic_platform(p, io->dry, why);
	boot = platform ? boot_loader(p, m, io, why) : nil;
	if (!boot)
		return nil;
	c.platform = (VZPlatformConfiguration *_Nonnull)platform;
	c.bootLoader = boot;
	for (i = 0; i < p->ndevs; i++) {
		const struct vz_dev *v = &p->devs[i];
		bool usb = false;

		switch (v->kind) {
		case VZ_DEV_BLOCK_VIRTIO:
		case VZ_DEV_BLOCK_NVME:
		case VZ_DEV_BLOCK_USB:
			/* (--check: an image created at start is not there yet) */
			if (io->dry && v->dev->u.disk.size && access(v->dev->u.disk.path, F_OK))
				continue;
			to = disks, obj = disk(v, m, io, why);
			break;
		case VZ_DEV_NET_NAT:
			to = nets, obj = nat(v, io->dry);
			break;
		case VZ_DEV_GFX_MAC:
		case VZ_DEV_GFX_VIRTIO:
			to = gfx, obj = graphics(v);
			break;
		case VZ_DEV_KBD_MAC:
			to = kbd;
			if (@available(macOS 14.0, *)) {
				obj = [[VZMacKeyboardConfiguration alloc] init];
			} else {
				obj = [[VZUSBKeyboardConfiguration alloc] init];
				usb = true; /* (the USB one already) */
			}
			break;
		case VZ_DEV_KBD_USB:
			to = kbd, obj = [[VZUSBKeyboardConfiguration alloc] init];
			break;
		case VZ_DEV_PTR_TRACKPAD:
			to = ptr, obj = [[VZMacTrackpadConfiguration alloc] init];
			break;
		case VZ_DEV_PTR_USB:
			to = ptr, obj = [[VZUSBScreenCoordinatePointingDeviceConfiguration alloc] init];
			break;
		case VZ_DEV_CONSOLE:
			to = ser, obj = serial(v, io, why);
			break;
		case VZ_DEV_FS:
			to = fs, obj = share(v, m, why);
			break;
		case VZ_DEV_ENTROPY:
			to = rng, obj = [[VZVirtioEntropyDeviceConfiguration alloc] init];
			break;
		case VZ_DEV_BALLOON:
			to = balloon;
			obj = [[VZVirtioTraditionalMemoryBalloonDeviceConfiguration alloc] init];
			break;
		case VZ_DEV_VSOCK:
			to = vsock, obj = [[VZVirtioSocketDeviceConfiguration alloc] init];
			break;
		case VZ_DEV_CHANNEL:
		case VZ_DEV_CLIPBOARD:
			to = nil, obj = v->kind == VZ_DEV_CLIPBOARD ? spice_port() : channel(v, io->dry);
			if (obj) {
				if (!console)
					console = [[VZVirtioConsoleDeviceConfiguration alloc] init];
				console.ports[nports++] = obj;
			}
			break;
		case VZ_DEV_SOUND:
			to = audio, obj = sound(&v->dev->u.sound);
			break;
		case VZ_DEV_ROSETTA:
			to = fs, obj = rosetta(v, why);
			break;
		case VZ_DEV_USB:
			/* (plan.c refused it before macOS 15) */
			if (@available(macOS 15.0, *))
				to = usbc, obj = [[VZXHCIControllerConfiguration alloc] init];
			else
				to = nil, obj = nil;
			break;
		default:
			to = nil, obj = nil;
			break;
		}
		if (!obj) {
			if (!*why)
				*why = [NSString stringWithFormat:@"%s: cannot be configured",
								  v->dev->origin.loc];
			return nil;
		}
		if (to)
			[to addObject:obj];
		/* a guest before macOS 13 knows the USB keyboard and pointer
		   only: one beside the Mac's, after it */
		if (v->usb_too && v->kind == VZ_DEV_KBD_MAC && !usb)
			[kbd addObject:[[VZUSBKeyboardConfiguration alloc] init]];
		else if (v->usb_too && v->kind == VZ_DEV_PTR_TRACKPAD)
			[ptr addObject:[[VZUSBScreenCoordinatePointingDeviceConfiguration alloc] init]];
	}
	c.storageDevices = disks;
	c.networkDevices = nets;
	c.graphicsDevices = gfx;
	c.keyboards = kbd;
	c.pointingDevices = ptr;
	c.serialPorts = ser;
	c.directorySharingDevices = fs;
	c.entropyDevices = rng;
	c.memoryBalloonDevices = balloon;
	c.socketDevices = vsock;
	if (console)
		c.consoleDevices = @[ console ];
	c.audioDevices = audio;
	if (@available(macOS 15.0, *))
		c.usbControllers = usbc;
	if (![c validateWithError:&err]) {
		*why = err.localizedDescription;
		return nil;
	}
	return c;
}

VZVirtualMachineConfiguration *vzm_configuration(const struct vz_plan *p, const struct machine *m,
						 struct vzm_io *io, NSString **why)
{
	VZVirtualMachineConfiguration *c;

	io->console_fd = io->console_in_fd = -1;
	io->nptys = 0;
	io->scratch[0] = 0;
	*why = nil;
	c = configure(p, m, io, why);
	if (io->scratch[0]) {
		unlink(io->scratch);
		*strrchr(io->scratch, '/') = 0;
		rmdir(io->scratch);
	}
	if (!c)
		vzm_io_close(io);
	return c;
}

void vzm_io_close(struct vzm_io *io)
{
	size_t i;

	if (io->console_fd >= 0)
		close(io->console_fd);
	if (io->console_in_fd >= 0)
		close(io->console_in_fd);
	io->console_fd = io->console_in_fd = -1;
	if (io->run_name && io->state_fd >= 0)
		statedir_rmrun(io->state_fd, io->run_name);
	free(io->run_name);
	free(io->run_dir);
	io->run_name = io->run_dir = NULL;
	for (i = 0; i < io->nptys; i++)
		close(io->ptys_slave[i]);
	io->nptys = 0;
	if (io->alive) {
		VZHAlive *a = (__bridge_transfer VZHAlive *)io->alive;

		atomic_store(&a->_gone, true);
		io->alive = NULL;
	}
}
