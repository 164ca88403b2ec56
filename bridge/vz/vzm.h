/* vzm.h: what the Objective-C files of the vz bridge share (macOS only, ARC). */
#ifndef VZH_VZM_H
#define VZH_VZM_H

#import <Foundation/Foundation.h>
#import <Virtualization/Virtualization.h>

#include "plan.h"
#include "vz.h"

/* the host side of a VM's serial consoles, made while configuring */
struct vzm_io {
	bool dry; /* --check: nothing opened or created for good */
	char scratch[64]; /* --check: a variable store's place, removed after */
	int console_fd; /* read end of the first stdio console, or -1 */
	int console_in_fd; /* write end of its input, or -1 */
	char ptys[BRIDGE_PTYS_MAX][64]; /* the framework holds the masters */
	int ptys_slave[BRIDGE_PTYS_MAX]; /* ours, raw, held while it runs */
	size_t nptys;
	/* the VM's run directory (ephemeral disks' clones), or -1 / NULL */
	int state_fd;
	char *_Nullable run_name, *_Nullable run_dir;
	/* where NBD disks' delegates tell the core (bridge_note); not dry only */
	int event_fd;
	unsigned vm;
	/* their VZHAlive (config.m), retained; marked gone by vzm_io_close */
	void *_Nullable alive;
};

NS_ASSUME_NONNULL_BEGIN

/* the plan as a configuration, validated (validateWithError:); nil with
   *why when the framework refuses it */
VZVirtualMachineConfiguration *_Nullable vzm_configuration(
	const struct vz_plan *p, const struct machine *m, struct vzm_io *io,
	NSString *_Nullable *_Nonnull why);
/* a NIC's attachment: NAT, or a file handle on a copy of the core's socket
   (dev->fd); nil when it cannot be made */
VZNetworkDeviceAttachment *_Nullable vzm_net_attachment(
	const struct device *dev, bool dry);
/* a file's URL from its path */
NSURL *vzm_file_url(const char *path);
/* the descriptors of io (the VM is gone, or was never made) */
void vzm_io_close(struct vzm_io *io);
/* a file's data on the disk itself (F_FULLFSYNC): 0 or -1 with errno */
int vzm_sync(int fd);
/* the bridge's host limits, from the framework */
void vzm_host(struct vz_host *h);

/* vm.m: this Mac's limits as the bridge read them at its probe */
const struct vz_host *vzm_bridge_host(struct bridge *b);
/* "what (VZErrorDomain 6): the framework's words", classified into cls */
NSString *vzm_error_text(NSError *e, struct vz_error_class *cls);

/* install.m: the bridge's install op */
int vzm_install(struct bridge *b, const struct machine *m, const char *ipsw,
		struct diag *d);

/* window.m: a window showing vm (main thread only), its display's pixels in
   points (winsize.c); closing it tells the core (event_fd, the VM's index
   and its graphics device dev: BRIDGE_NOTE_WINDOW_CLOSED); and the bridge's
   run_ui op */
void vzm_window_open(VZVirtualMachine *vm, unsigned width, unsigned height,
		     NSString *title, int event_fd, unsigned index,
		     unsigned dev);
void vzm_window_close(VZVirtualMachine *vm);
int vzm_run_ui(int (*body)(void *), void *arg);

NS_ASSUME_NONNULL_END

#endif
