/* vm.m: the vz bridge on macOS: each VM a VZVirtualMachine on its own serial queue; every outcome reaches the core as an event. */
#import "vzm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/log.h"
#include "../../core/state.h"
#include "../../core/statedir.h"
#include "../../core/util.h"
#include "../fwd.h"
#include "ports.h"
#include "vz.h"

#define LEASE_EVERY_MS 2000 /* a NAT guest's address, until it has one */

struct bridge {
	struct bridge_env env;
	struct vz_host host;
};

static void *state_context = &state_context; /* our KVO registration */

/*
 * One VM's side that lives on its queue: the framework's objects, the
 * delegate (the VM holds it weakly: this object is it, and the bridge holds
 * this object), and what the core thread may read without the queue (the
 * atomics).  Every method below runs on the queue.
 */
@interface VZHMachine : NSObject <VZVirtualMachineDelegate, VZVirtioSocketListenerDelegate> {
@public
	dispatch_queue_t _queue;
	VZVirtualMachine *_vm;
	VZVirtualMachineConfiguration *_config;
	int _eventFd;
	unsigned _index;
	_Atomic unsigned _can; /* enum bridge_can, read on the queue */
	_Atomic int _state; /* the last state told to the core */
	_Atomic bool _gone; /* destroyed: the core hears no more */
	int _pending; /* the state an operation under way will report, or -1 */
	bool _stopRequested; /* the guest was asked: its stop is the host's */
	bool _stopWanted; /* a force stop waits for an operation to end */
	bool _killing; /* stopWithCompletionHandler: under way */
	bool _stopTold; /* stopped was said: never twice */
	bool _saving, _saved, _wasRunning;
	bool _window; /* shown in a window (display = "window") */
	NSString *_savePath;
	/* vsock ports (ports.c on the loop): the handoff pipe's write end,
	   and the guest ports whose connections go to the host */
	int _handFd;
	uint32_t _connectPorts[VZH_VSOCK_PORTS_MAX]; /* by mapping; */
	bool _isConnect[VZH_VSOCK_PORTS_MAX];
	uint32_t _nports;
	NSMutableArray<VZVirtioSocketListener *> *_listeners;
	/* USB disks plugged in while it runs, by slot (macOS 15) */
	id _usbDevs[BRIDGE_USB_SLOTS];
	/* the NICs in networkDevices' order (netdrop.c), its own */
	struct vz_nic *_nics;
	size_t _nnics;
}
@end

struct bvm {
	struct bridge *b;
	const struct machine *m;
	unsigned index;
	void *obj; /* VZHMachine, retained by this struct */
	struct vz_plan plan;
	struct vzm_io io;
	struct vz_ports ports;
	struct fwd *fwd; /* NAT forwards, relayed to the guest's address */
	char out[4096]; /* console bytes, until a whole line */
	size_t outlen;
	const uint8_t *mac; /* the first NAT device's, or NULL */
	char address[46];
	long long lease_at; /* ms: next look at the lease database */
};

static NSString *text(const char *s)
{
	return (NSString *_Nonnull)[NSString stringWithUTF8String:s];
}

NSString *vzm_error_text(NSError *e, struct vz_error_class *cls)
{
	vz_error(e.domain.UTF8String, (long)e.code, cls);
	return [NSString stringWithFormat:@"%s (%@ %ld): %@", cls->what ? cls->what : "error",
					  e.domain, (long)e.code, e.localizedDescription];
}

@implementation VZHMachine

- (void)emit:(enum vzh_state)st reason:(enum vzh_reason)why error:(int)err detail:(NSString *)detail
{
	if (atomic_load(&_gone) || (st == VZH_STATE_STOPPED && _stopTold))
		return;
	_stopTold |= st == VZH_STATE_STOPPED;
	atomic_store(&_state, (int)st);
	bridge_emit(_eventFd, _index, st, why, err, "%s", detail ? detail.UTF8String : "");
}

/* what the framework would take now, for ctl status and the ops' first check */
- (void)refresh
{
	unsigned can = 0;

	if (!_vm) {
		atomic_store(&_can, 0);
		return;
	}
	if (_vm.canStart)
		can |= BRIDGE_CAN_START;
	if (_vm.canPause)
		can |= BRIDGE_CAN_PAUSE;
	if (_vm.canResume)
		can |= BRIDGE_CAN_RESUME;
	if (_vm.canRequestStop && !_stopRequested)
		can |= BRIDGE_CAN_REQUEST_STOP;
	if (_vm.canStop)
		can |= BRIDGE_CAN_STOP;
	atomic_store(&_can, can);
}

- (enum vzh_state)now
{
	return vz_state((long)_vm.state);
}

/* a request the framework does not take in this state: said, nothing changes */
- (void)refuse:(const char *)what
{
	enum vzh_state st = [self now];

	[self emit:st
		reason:VZH_REASON_NONE
		 error:-EINVAL
		detail:[NSString stringWithFormat:@"%s refused: the VM cannot %s while %s", what, what,
						  state_names[st]]];
}

/* a start or restore the framework refused: over, for the reason its code
   says (code 6 goes to the slot classifier: reason limit-exceeded) */
- (void)startFailed:(NSError *)e
{
	struct vz_error_class cls;
	NSString *why = vzm_error_text(e, &cls);
	enum vzh_reason r = vz_error_reason(cls.kind, true);

	_pending = -1;
	[self emit:VZH_STATE_STOPPED
		reason:r == VZH_REASON_NONE ? VZH_REASON_START_FAILED : r
		 error:-EIO
		detail:why];
}

/* an operation on a VM that ran failed: where the VM is now says what it
   means; a VM still up carries on */
- (void)opFailed:(NSError *)e
{
	struct vz_error_class cls;
	NSString *why = vzm_error_text(e, &cls);
	enum vzh_state st = [self now];

	_pending = -1;
	if (st != VZH_STATE_STOPPED && st != VZH_STATE_ERROR) {
		[self emit:st
			reason:VZH_REASON_NONE
			 error:cls.kind == VZ_ERR_REFUSED ? -EINVAL : -EIO
			detail:why];
		[self settle];
		return;
	}
	[self emit:VZH_STATE_ERROR reason:VZH_REASON_CRASHED error:-EIO detail:why];
	[self emit:VZH_STATE_STOPPED reason:VZH_REASON_CRASHED error:-EIO detail:why];
}

/* an operation ended: a force stop that waited for it goes ahead */
- (void)settle
{
	if (_stopWanted && !_killing)
		[self stop];
}

- (void)observeValueForKeyPath:(NSString *)keyPath
		      ofObject:(id)object
			change:(NSDictionary<NSKeyValueChangeKey, id> *)change
		       context:(void *)context
{
	enum vzh_state st;

	if (context != state_context) {
		[super observeValueForKeyPath:keyPath ofObject:object change:change context:context];
		return;
	}
	[self refresh];
	/* stops are told by the delegate and the completion handlers, which
	   know why; states an operation under way will report, by it */
	st = [self now];
	if (st == VZH_STATE_STOPPED || st == VZH_STATE_ERROR || (int)st == _pending ||
	    (int)st == atomic_load(&_state))
		return;
	[self emit:st reason:VZH_REASON_NONE error:0 detail:nil];
}

- (void)guestDidStopVirtualMachine:(VZVirtualMachine *)virtualMachine
{
	(void)virtualMachine;
	[self refresh];
	[self emit:VZH_STATE_STOPPED
		reason:_stopRequested ? VZH_REASON_HOST_REQUEST : VZH_REASON_GUEST_SHUTDOWN
		 error:0
		detail:nil];
}

- (void)virtualMachine:(VZVirtualMachine *)virtualMachine didStopWithError:(NSError *)error
{
	struct vz_error_class cls;
	NSString *why = vzm_error_text(error, &cls);

	(void)virtualMachine;
	[self refresh];
	_pending = -1;
	[self emit:VZH_STATE_ERROR reason:VZH_REASON_CRASHED error:-EIO detail:why];
	[self emit:VZH_STATE_STOPPED reason:VZH_REASON_CRASHED error:-EIO detail:why];
}

/* the header: the device's attachment is nil now, the guest offline; it
   gets a new one (netdrop.c says when), and the core is told both */
- (void)virtualMachine:(VZVirtualMachine *)virtualMachine
		     networkDevice:(VZNetworkDevice *)networkDevice
	attachmentWasDisconnectedWithError:(NSError *)error
{
	NSUInteger k = [virtualMachine.networkDevices indexOfObjectIdenticalTo:networkDevice];
	struct vz_error_class cls;
	NSString *why = vzm_error_text(error, &cls);
	struct vz_nic *nic;
	long long delay;

	if (atomic_load(&_gone))
		return;
	if (k == NSNotFound || k >= _nnics) { /* (said, if not ours to mend) */
		bridge_note(_eventFd, _index, BRIDGE_NOTE_NET_DOWN, UINT16_MAX, "%s",
			    why.UTF8String);
		return;
	}
	nic = &_nics[k];
	delay = vz_netdrop(nic, util_now_ms());
	bridge_note(_eventFd, _index, BRIDGE_NOTE_NET_DOWN, nic->index, "%s%s", why.UTF8String,
		    delay < 0 ? ": it dropped 5 times within a minute, left without one" : "");
	if (delay < 0)
		return;
	dispatch_after(dispatch_time(DISPATCH_TIME_NOW, (int64_t)delay * (int64_t)NSEC_PER_MSEC), _queue,
		       ^{
			       [self reattach:networkDevice nic:nic];
		       });
}

- (void)reattach:(VZNetworkDevice *)d nic:(struct vz_nic *)nic
{
	enum vzh_state st = [self now];
	VZNetworkDeviceAttachment *a;

	/* (gone, stopped meanwhile, or given one by the framework itself) */
	if (atomic_load(&_gone) || st == VZH_STATE_STOPPED || st == VZH_STATE_ERROR ||
	    d.attachment)
		return;
	if (!(a = vzm_net_attachment(nic->dev, false))) {
		bridge_note(_eventFd, _index, BRIDGE_NOTE_NET_DOWN, nic->index,
			    "no new attachment: %s", strerror(errno));
		return;
	}
	/* (a failure calls the delegate again: counted as a drop) */
	d.attachment = a;
	bridge_note(_eventFd, _index, BRIDGE_NOTE_NET_BACK, nic->index, "a new %s attachment",
		    nic->dev->u.net.attach == VZH_NET_NAT ? "NAT" : "file-handle");
}

- (void)create:(VZVirtualMachineConfiguration *)config
{
	_config = config;
	_vm = [[VZVirtualMachine alloc] initWithConfiguration:config queue:_queue];
	_vm.delegate = self;
	[_vm addObserver:self
	      forKeyPath:@"state"
		 options:NSKeyValueObservingOptionNew
		 context:state_context];
	[self listen];
	[self refresh];
}

/* ---- vsock ports: connections handed to the loop (ports.c) ---- */

- (VZVirtioSocketDevice *)socketDevice
{
	NSArray<VZSocketDevice *> *all = _vm.socketDevices;

	return all.count ? (VZVirtioSocketDevice *)all[0] : nil;
}

/* a connection for the loop, which keeps the object until its relay ends */
- (void)hand:(VZVirtioSocketConnection *)c slot:(int)slot gen:(uint32_t)gen map:(int)map
{
	struct vz_handoff h = { slot, map, -1, gen, NULL };

	if (c) {
		h.fd = fcntl(c.fileDescriptor, F_DUPFD_CLOEXEC, 0);
		h.conn = (__bridge_retained void *)c;
	}
	if (atomic_load(&_gone) || vz_ports_hand(_handFd, &h) < 0) {
		if (h.fd >= 0)
			close(h.fd);
		if (h.conn)
			[(__bridge_transfer VZVirtioSocketConnection *)h.conn close];
	}
}

- (void)connectPort:(uint32_t)port slot:(int)slot gen:(uint32_t)gen
{
	VZVirtioSocketDevice *dev = [self socketDevice];

	if (!dev) {
		[self hand:nil slot:slot gen:gen map:-1];
		return;
	}
	[dev connectToPort:port
	    completionHandler:^(VZVirtioSocketConnection *c, NSError *e) {
		    (void)e; /* (nobody listens on that port in the guest) */
		    [self hand:c slot:slot gen:gen map:-1];
	    }];
}

/* the guest ports whose connections go to host sockets */
- (void)listen
{
	VZVirtioSocketDevice *dev = [self socketDevice];
	uint32_t i;

	_listeners = [[NSMutableArray alloc] init];
	for (i = 0; dev && i < _nports; i++) {
		if (!_isConnect[i])
			continue;
		VZVirtioSocketListener *l = [[VZVirtioSocketListener alloc] init];

		l.delegate = self;
		[dev setSocketListener:l forPort:_connectPorts[i]];
		[_listeners addObject:l];
	}
}

- (BOOL)listener:(VZVirtioSocketListener *)listener
	shouldAcceptNewConnection:(VZVirtioSocketConnection *)connection
		 fromSocketDevice:(VZVirtioSocketDevice *)socketDevice
{
	uint32_t i;

	(void)listener, (void)socketDevice;
	for (i = 0; i < _nports; i++)
		if (_isConnect[i] && _connectPorts[i] == connection.destinationPort) {
			[self hand:connection slot:-1 gen:0 map:(int)i];
			return YES;
		}
	return NO;
}

- (void)started:(NSError *_Nullable)e
{
	[self refresh];
	if (e) {
		[self startFailed:(NSError *_Nonnull)e];
		return;
	}
	_pending = -1;
	[self emit:VZH_STATE_RUNNING reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
	[self settle];
}

- (void)start:(bool)recovery
{
	if (!_vm.canStart) {
		[self emit:VZH_STATE_STOPPED
			reason:VZH_REASON_START_FAILED
			 error:-EINVAL
			detail:@"the framework cannot start this VM now (canStart is NO)"];
		return;
	}
	_pending = VZH_STATE_RUNNING;
	[self emit:VZH_STATE_STARTING reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
	if (recovery) {
		VZMacOSVirtualMachineStartOptions *o = [[VZMacOSVirtualMachineStartOptions alloc] init];

		o.startUpFromMacOSRecovery = YES;
		[_vm startWithOptions:o
		    completionHandler:^(NSError *e) {
			    [self started:e];
		    }];
		return;
	}
	[_vm startWithCompletionHandler:^(NSError *e) {
		[self started:e];
	}];
}

- (void)requestStop
{
	NSError *e = nil;

	if (!_vm.canRequestStop) {
		[self refuse:"request_stop"];
		return;
	}
	if (![_vm requestStopWithError:&e]) {
		[self opFailed:(NSError *_Nonnull)e];
		return;
	}
	_stopRequested = true;
	[self refresh];
	[self emit:VZH_STATE_STOPPING reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
}

- (void)stop
{
	if (_killing)
		return;
	if (!_vm.canStop) {
		if ([self now] == VZH_STATE_STOPPED)
			[self emit:VZH_STATE_STOPPED reason:VZH_REASON_HOST_KILL error:0 detail:nil];
		else /* starting, pausing, saving...: once that is over (settle) */
			_stopWanted = true;
		return;
	}
	_killing = true;
	_stopWanted = false;
	_pending = VZH_STATE_STOPPED;
	/* (after a save, saving -> stopped: nothing is killed) */
	if (!_saved)
		[self emit:VZH_STATE_STOPPING reason:VZH_REASON_HOST_KILL error:0 detail:nil];
	[_vm stopWithCompletionHandler:^(NSError *e) {
		[self refresh];
		self->_killing = false;
		self->_pending = -1;
		if (e)
			[self opFailed:(NSError *_Nonnull)e];
		else
			[self emit:VZH_STATE_STOPPED
				reason:self->_saved ? VZH_REASON_SAVED : VZH_REASON_HOST_KILL
				 error:0
				detail:nil];
	}];
}

- (void)usbNote:(enum bridge_note)n slot:(unsigned)slot text:(NSString *)s
{
	if (!atomic_load(&_gone))
		bridge_note(_eventFd, _index, n, slot, "%s", s.UTF8String);
}

/* a raw image into slot of the VM's XHCI controller, or (path nil) out */
- (void)usb:(unsigned)slot path:(NSString *)path
{
	if (@available(macOS 15.0, *)) {
		VZUSBController *ctl = _vm.usbControllers.firstObject;
		VZUSBMassStorageDevice *dev;
		VZDiskImageStorageDeviceAttachment *a;
		NSError *err = nil;

		if (!ctl) {
			[self usbNote:BRIDGE_NOTE_USB_FAILED slot:slot text:@"the VM has no USB controller"];
			return;
		}
		id<VZUSBDevice> had = _usbDevs[slot];

		/* (the core asks only of a slot in its state; a nil device or
		   a second one in a slot would still be the framework's
		   exception, or a disk nothing can pull out) */
		if (!path == !had) {
			[self usbNote:BRIDGE_NOTE_USB_FAILED
				 slot:slot
				 text:had ? @"the slot is taken" : @"the slot is empty"];
			return;
		}
		if (!path) {
			[ctl detachDevice:had
				completionHandler:^(NSError *e) {
					if (!e)
						self->_usbDevs[slot] = nil;
					[self usbNote:e ? BRIDGE_NOTE_USB_FAILED : BRIDGE_NOTE_USB_DETACHED
						 slot:slot
						 text:e ? vzm_error_text(e, &(struct vz_error_class){ 0 }) : @""];
				}];
			return;
		}
		/* (a disk of the config's defaults: cached + fsync, what VZ
		   hosts settled on after Linux guests' file systems broke) */
		a = [[VZDiskImageStorageDeviceAttachment alloc]
			    initWithURL:vzm_file_url(path.UTF8String)
			       readOnly:NO
			    cachingMode:(VZDiskImageCachingMode)VZ_CACHING_CACHED
		    synchronizationMode:(VZDiskImageSynchronizationMode)VZ_SYNC_FSYNC
				  error:&err];
		if (!a) {
			[self usbNote:BRIDGE_NOTE_USB_FAILED
				 slot:slot
				 text:err ? err.localizedDescription : @"the image cannot be opened"];
			return;
		}
		dev = [[VZUSBMassStorageDevice alloc]
			initWithConfiguration:[[VZUSBMassStorageDeviceConfiguration alloc] initWithAttachment:a]];
		[ctl attachDevice:dev
			completionHandler:^(NSError *e) {
				if (!e)
					self->_usbDevs[slot] = dev;
				[self usbNote:e ? BRIDGE_NOTE_USB_FAILED : BRIDGE_NOTE_USB_ATTACHED
					 slot:slot
					 text:e ? vzm_error_text(e, &(struct vz_error_class){ 0 }) : path];
			}];
	} else {
		[self usbNote:BRIDGE_NOTE_USB_FAILED slot:slot text:@"plugging in a USB disk needs macOS 15"];
	}
}

- (void)pause
{
	if (!_vm.canPause) {
		[self refuse:"pause"];
		return;
	}
	_pending = VZH_STATE_PAUSED;
	[self emit:VZH_STATE_PAUSING reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
	[_vm pauseWithCompletionHandler:^(NSError *e) {
		[self refresh];
		if (e && self->_saving) { /* still running: the save is off */
			struct vz_error_class cls;

			self->_wasRunning = false;
			[self saveFailed:vzm_error_text((NSError *_Nonnull)e, &cls)];
			return;
		}
		if (e) {
			[self opFailed:(NSError *_Nonnull)e];
			return;
		}
		self->_pending = -1;
		[self emit:VZH_STATE_PAUSED reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
		if (self->_saving && !self->_stopWanted)
			[self saveNow];
		else if (self->_saving)
			[self saveFailed:@"stopped before it was saved"];
		else
			[self settle];
	}];
}

- (void)resume
{
	if (!_vm.canResume) {
		[self refuse:"resume"];
		return;
	}
	_pending = VZH_STATE_RUNNING;
	[self emit:VZH_STATE_RESUMING reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
	[_vm resumeWithCompletionHandler:^(NSError *e) {
		[self refresh];
		if (e) {
			[self opFailed:(NSError *_Nonnull)e];
			return;
		}
		self->_pending = -1;
		[self emit:VZH_STATE_RUNNING reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
		[self settle];
	}];
}

/* ---- save and restore (macOS 14) ---- */

/* beside the final file, which it replaces only once complete and on disk */
- (NSString *)partialPath
{
	const char *path = _savePath.UTF8String, *base = strrchr(path, '/');
	char *dir = util_dirname(path);
	NSString *p = [NSString stringWithFormat:@"%s/.%s.partial", dir, base ? base + 1 : path];

	free(dir);
	return p;
}

/* a save that did not happen: nothing half-written stays; a VM the save
   paused runs again */
- (void)saveFailed:(NSString *)why
{
	unlink([self partialPath].UTF8String);
	_saving = false;
	_pending = -1;
	[self emit:[self now] reason:VZH_REASON_NONE error:-EIO detail:why];
	if (_wasRunning && !_stopWanted) {
		_wasRunning = false;
		[self resume];
		return;
	}
	_wasRunning = false;
	[self settle];
}

- (void)saveNow
{
	NSString *tmp = [self partialPath];

	unlink(tmp.UTF8String); /* the framework writes a new file */
	_pending = VZH_STATE_PAUSED; /* (it passes through paused: not said) */
	if (@available(macOS 14.0, *)) {
		[self emit:VZH_STATE_SAVING reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
		[_vm saveMachineStateToURL:[NSURL fileURLWithPath:tmp]
			 completionHandler:^(NSError *e) {
				 [self saved:e partial:tmp];
			 }];
	}
}

- (void)saved:(NSError *_Nullable)e partial:(NSString *)tmp
{
	struct vz_error_class cls;
	char *dir;
	int fd, ret = 0;

	if (e) {
		[self saveFailed:vzm_error_text((NSError *_Nonnull)e, &cls)];
		return;
	}
	fd = open(tmp.UTF8String, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || vzm_sync(fd) < 0 || rename(tmp.UTF8String, _savePath.UTF8String) < 0)
		ret = errno;
	if (fd >= 0)
		close(fd);
	if (ret) {
		[self saveFailed:[NSString stringWithFormat:@"%@: %s", _savePath, strerror(ret)]];
		return;
	}
	dir = util_dirname(_savePath.UTF8String);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		vzm_sync(fd); /* the rename itself */
		close(fd);
	}
	free(dir);
	/* the framework leaves the VM paused: the contract is saving -> stopped */
	_saved = true;
	[self stop];
}

- (void)save:(NSString *)path
{
	NSError *e = nil;
	enum vzh_state st = [self now];

	if (@available(macOS 14.0, *)) {
		if (![_config validateSaveRestoreSupportWithError:&e]) {
			[self emit:st
				reason:VZH_REASON_NONE
				 error:-ENOTSUP
				detail:[NSString stringWithFormat:@"this VM cannot be saved: %@",
								  e.localizedDescription]];
			return;
		}
	} else {
		[self emit:st reason:VZH_REASON_NONE error:-ENOTSUP detail:@"saving needs macOS 14"];
		return;
	}
	if (st != VZH_STATE_RUNNING && st != VZH_STATE_PAUSED) {
		[self refuse:"save"];
		return;
	}
	if (st == VZH_STATE_RUNNING && !_vm.canPause) {
		[self refuse:"save"];
		return;
	}
	_savePath = path;
	_saving = true;
	_wasRunning = st == VZH_STATE_RUNNING;
	if (_wasRunning)
		[self pause]; /* the framework saves paused VMs only */
	else
		[self saveNow];
}

- (void)restore:(NSString *)path
{
	NSError *e = nil;

	if (@available(macOS 14.0, *)) {
		if (![_config validateSaveRestoreSupportWithError:&e]) {
			[self emit:VZH_STATE_STOPPED
				reason:VZH_REASON_START_FAILED
				 error:-ENOTSUP
				detail:[NSString stringWithFormat:@"this VM cannot be restored: %@",
								  e.localizedDescription]];
			return;
		}
		_pending = VZH_STATE_PAUSED;
		[self emit:VZH_STATE_RESTORING reason:VZH_REASON_HOST_REQUEST error:0 detail:nil];
		[_vm restoreMachineStateFromURL:[NSURL fileURLWithPath:path]
			      completionHandler:^(NSError *err) {
				      [self refresh];
				      if (err) {
					      [self startFailed:(NSError *_Nonnull)err];
					      return;
				      }
				      self->_pending = -1;
				      [self emit:VZH_STATE_PAUSED
					      reason:VZH_REASON_RESTORED
					       error:0
					      detail:nil];
				      [self settle];
			      }];
		return;
	}
	[self emit:VZH_STATE_STOPPED
		reason:VZH_REASON_START_FAILED
		 error:-ENOTSUP
		detail:@"restoring needs macOS 14"];
}

/* the core is done with this VM: nothing of it stays */
- (void)dealloc
{
	free(_nics); /* (a re-attach still queued holds self, so not before it) */
}

- (void)teardown
{
	VZVirtioSocketDevice *dev = [self socketDevice];

	for (uint32_t i = 0; dev && i < _nports; i++)
		if (_isConnect[i])
			[dev removeSocketListenerForPort:_connectPorts[i]];
	_listeners = nil;
	if (_handFd >= 0)
		close(_handFd);
	_handFd = -1;
	if (_vm) {
		[_vm removeObserver:self forKeyPath:@"state" context:state_context];
		_vm.delegate = nil;
	}
	if (_vm && _window) {
		VZVirtualMachine *v = _vm;
		dispatch_queue_t q = _queue;

		/* its window closed on the main thread; the VM released back
		   on its queue, where it lived */
		dispatch_async(dispatch_get_main_queue(), ^{
			vzm_window_close(v);
			dispatch_async(q, ^{
				(void)v;
			});
		});
	}
	for (unsigned i = 0; i < BRIDGE_USB_SLOTS; i++)
		_usbDevs[i] = nil; /* (released here, on the queue) */
	_vm = nil;
	_config = nil;
}

@end

/* ---- the bridge's operations, on the core's thread ---- */

static VZHMachine *obj(struct bvm *vm)
{
	return (__bridge VZHMachine *)vm->obj;
}

/* the framework's answer as last read on the queue; it is asked again there */
static int can(struct bvm *vm, enum bridge_can what, const char *op)
{
	enum vzh_state st = (enum vzh_state)atomic_load(&obj(vm)->_state);

	if (atomic_load(&obj(vm)->_can) & what)
		return 0;
	log_msg(LOG_NOTICE, vm->m->name, "%s refused: the VM cannot %s while %s", op, op,
		state_names[st]);
	return -EINVAL;
}

#define ON_QUEUE(vm, body)                                \
	do {                                              \
		VZHMachine *o_ = obj(vm);                 \
		dispatch_async(o_->_queue, ^{             \
			VZHMachine *o = o_;               \
			body;                             \
		});                                       \
	} while (0)

/* ports.c's requests, carried to the VM's queue */
static void ask_guest(void *ctx, int slot, uint32_t gen, uint32_t port)
{
	VZHMachine *o = (__bridge VZHMachine *)ctx;

	dispatch_async(o->_queue, ^{
		[o connectPort:port slot:slot gen:gen];
	});
}

static void let_go(void *ctx, void *conn)
{
	VZHMachine *o = (__bridge VZHMachine *)ctx;
	VZVirtioSocketConnection *c = (__bridge_transfer VZVirtioSocketConnection *)conn;

	dispatch_async(o->_queue, ^{
		[c close];
	});
}

static int vz_start(struct bvm *vm)
{
	bool recovery = vm->plan.recovery;

	ON_QUEUE(vm, [o start:recovery]);
	return 0;
}

static int vz_request_stop(struct bvm *vm)
{
	int ret = can(vm, BRIDGE_CAN_REQUEST_STOP, "request_stop");

	if (!ret)
		ON_QUEUE(vm, [o requestStop]);
	return ret;
}

static int vz_stop(struct bvm *vm)
{
	ON_QUEUE(vm, [o stop]);
	return 0;
}

static int vz_usb(struct bvm *vm, unsigned slot, const char *path)
{
	@autoreleasepool {
		NSString *p = path && util_utf8(path) ? text(path) : nil;

		if (slot >= BRIDGE_USB_SLOTS || (path && !p) ||
		    atomic_load(&obj(vm)->_state) != VZH_STATE_RUNNING)
			return -EINVAL;
		ON_QUEUE(vm, [o usb:slot path:p]);
		return 0;
	}
}

static int vz_pause(struct bvm *vm)
{
	int ret = can(vm, BRIDGE_CAN_PAUSE, "pause");

	if (!ret)
		ON_QUEUE(vm, [o pause]);
	return ret;
}

static int vz_resume(struct bvm *vm)
{
	int ret = can(vm, BRIDGE_CAN_RESUME, "resume");

	if (!ret)
		ON_QUEUE(vm, [o resume]);
	return ret;
}

static int vz_save_body(struct bvm *vm, const char *path)
{
	NSString *p = text(path);
	enum vzh_state st = (enum vzh_state)atomic_load(&obj(vm)->_state);

	if (st != VZH_STATE_RUNNING && st != VZH_STATE_PAUSED)
		return -EINVAL;
	ON_QUEUE(vm, [o save:p]);
	return 0;
}

static int vz_restore_body(struct bvm *vm, const char *path)
{
	NSString *p = text(path);

	ON_QUEUE(vm, [o restore:p]);
	return 0;
}

const struct vz_host *vzm_bridge_host(struct bridge *b)
{
	return &b->host;
}

/* the VM's object and queue; the VM made on its queue, as every call on it
   is, and its window (AppKit) on the main thread */
static void spawn(struct bvm *vm, VZVirtualMachineConfiguration *config)
{
	VZHMachine *o = [[VZHMachine alloc] init];
	NSString *title = text(vm->m->name);
	bool window = vm->plan.window;
	unsigned w = 0, h = 0, gfx = 0, index = vm->index;
	int events = vm->b->env.event_fd;
	size_t i;

	for (i = 0; i < vm->plan.ndevs; i++)
		if (vm->plan.devs[i].kind == VZ_DEV_GFX_MAC ||
		    vm->plan.devs[i].kind == VZ_DEV_GFX_VIRTIO) {
			w = vm->plan.devs[i].dev->u.graphics.width;
			h = vm->plan.devs[i].dev->u.graphics.height;
			gfx = (unsigned)(vm->plan.devs[i].dev - vm->m->devs);
		}
	o->_queue = dispatch_queue_create(vm->m->name, DISPATCH_QUEUE_SERIAL);
	o->_eventFd = vm->b->env.event_fd;
	o->_index = vm->index;
	o->_pending = -1;
	o->_window = window;
	o->_handFd = vm->ports.hand[1];
	if (vm->ports.v)
		for (i = 0; i < vm->ports.v->nports; i++) {
			o->_connectPorts[i] = vm->ports.v->ports[i].port;
			o->_isConnect[i] = vm->ports.v->ports[i].dir == VZH_VSOCK_CONNECT;
		}
	o->_nports = vm->ports.v ? vm->ports.v->nports : 0;
	o->_nnics = vz_nics(&vm->plan, vm->m, &o->_nics);
	vm->ports.connect = ask_guest;
	vm->ports.release = let_go;
	vm->ports.ctx = (__bridge void *)o;
	atomic_store(&o->_state, VZH_STATE_STOPPED);
	atomic_store(&o->_can, BRIDGE_CAN_START);
	vm->obj = (__bridge_retained void *)o;
	dispatch_async(o->_queue, ^{
		[o create:config];
		if (!window)
			return;
		VZVirtualMachine *v = o->_vm;
		dispatch_async(dispatch_get_main_queue(), ^{
			vzm_window_open(v, w, h, title, events, index, gfx);
		});
	});
}

static int vz_create_body(struct bridge *b, const struct machine *m, unsigned index, struct bvm **out)
{
	struct bvm *vm = xcalloc(1, sizeof(*vm));
	struct diag d = { 0 };
	VZVirtualMachineConfiguration *config = nil;
	const struct vzh_vsock *vsock = NULL;
	NSString *why = nil;
	char *err = NULL;
	size_t i;
	int ret = -EINVAL;

	vm->b = b;
	vm->m = m;
	vm->index = index;
	vm->io.console_fd = vm->io.console_in_fd = vm->ports.hand[0] = vm->ports.hand[1] =
		vm->ports.spare = -1;
	if (m->guest == VZH_GUEST_MACOS && vz_bundle_unfinished(m->macos_bundle)) {
		log_msg(LOG_ERR, m->name,
			"the install into %s did not finish: run vzhost install again",
			m->macos_bundle);
		goto out;
	}
	if (vz_plan_make(m, &b->host, &vm->plan, &d) < 0) {
		for (i = 0; i < d.n; i++)
			log_msg(LOG_ERR, m->name, "%s", d.msgs[i]);
		goto out;
	}
	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].cls == DEV_VSOCK)
			vsock = &m->devs[i].u.vsock;
	if (vz_ports_open(&vm->ports, vsock, m->name, &err) < 0) {
		log_msg(LOG_ERR, m->name, "%s", err);
		free(err);
		goto out;
	}
	/* the NAT guest has an address of its own: its forwards are relayed
	   there once the lease says it (fwd_target) */
	if (fwd_open(m, &vm->fwd, &err) < 0) {
		log_msg(LOG_ERR, m->name, "%s", err);
		free(err);
		goto out;
	}
	/* ephemeral disks' clones live in a run directory of the VM's */
	vm->io.state_fd = b->env.state_fd;
	vm->io.event_fd = b->env.event_fd;
	vm->io.vm = index;
	for (i = 0; i < m->ndevs && !vm->io.run_name; i++)
		if (m->devs[i].cls == DEV_DISK && m->devs[i].u.disk.ephemeral &&
		    !(vm->io.run_name = statedir_rundir(b->env.state_fd, m->name, "run", &err))) {
			log_msg(LOG_ERR, m->name, "%s", err);
			free(err);
			goto out;
		}
	if (vm->io.run_name)
		vm->io.run_dir = xasprintf("%s/%s", b->env.state_dir, vm->io.run_name);
	config = vzm_configuration(&vm->plan, m, &vm->io, &why);
	if (!config) {
		log_msg(LOG_ERR, m->name, "Virtualization.framework refused the configuration: %s",
			why.UTF8String);
		goto out;
	}
	for (i = 0; i < m->ndevs && !vm->mac; i++)
		if (m->devs[i].cls == DEV_NET)
			vm->mac = m->devs[i].u.net.mac;
	spawn(vm, config);
	ret = 0;
out:
	diag_free(&d);
	if (ret) {
		fwd_close(vm->fwd);
		vz_ports_close(&vm->ports);
		if (vm->ports.hand[1] >= 0)
			close(vm->ports.hand[1]);
		vz_plan_free(&vm->plan);
		free(vm);
		vm = NULL;
	}
	*out = vm;
	return ret;
}

static void vz_destroy_body(struct bvm *vm)
{
	VZHMachine *o;

	if (!vm)
		return;
	fwd_close(vm->fwd);
	vz_ports_close(&vm->ports); /* (its releases queued before teardown) */
	o = (__bridge_transfer VZHMachine *)vm->obj;
	atomic_store(&o->_gone, true);
	/* released on its queue, after what is queued there (completions of
	   ours, which never block), and before the core can make its
	   successor: a restart never overlaps the VM it replaces */
	dispatch_sync(o->_queue, ^{
		[o teardown];
	});
	vzm_io_close(&vm->io);
	vz_plan_free(&vm->plan);
	free(vm);
}

static int vz_console_in(struct bvm *vm)
{
	return vm->io.console_in_fd;
}

static void vz_info(struct bvm *vm, struct bridge_info *out)
{
	out->can = atomic_load(&obj(vm)->_can);
	memcpy(out->address, vm->address, sizeof(out->address));
	memcpy(out->ptys, vm->io.ptys, sizeof(out->ptys));
	out->nptys = vm->io.nptys;
}

static bool wants_lease(struct bvm *vm)
{
	return vm->mac && !vm->address[0] &&
	       atomic_load(&obj(vm)->_state) == VZH_STATE_RUNNING;
}

static int vz_pollfds(struct bvm *vm, struct pollfd *fds, int max, int *timeout_ms)
{
	int n = 0;

	if (vm->io.console_fd >= 0 && max > 0)
		fds[n++] = (struct pollfd){ .fd = vm->io.console_fd, .events = POLLIN };
	n += vz_ports_pollfds(&vm->ports, atomic_load(&obj(vm)->_state) == VZH_STATE_RUNNING,
			      fds + n, max - n, timeout_ms);
	if (vm->fwd)
		n += fwd_pollfds(vm->fwd, fds + n, max - n, timeout_ms);
	if (wants_lease(vm))
		util_lower_timeout(timeout_ms, vm->lease_at - util_now_ms());

	return n;
}

static void vz_dispatch(struct bvm *vm, const struct pollfd *fds, int n)
{
	const char *name = vm->b->env.several ? vm->m->name : NULL;
	int i;

	for (i = 0; i < n; i++) {
		if (fds[i].fd != vm->io.console_fd || !fds[i].revents)
			continue;
		bridge_console_read(vm->index, vm->io.console_fd, vm->out, sizeof(vm->out), &vm->outlen);
		bridge_pass_output(name, vm->out, sizeof(vm->out), &vm->outlen, false);
		if (fds[i].revents & (POLLHUP | POLLERR) && !(fds[i].revents & POLLIN)) {
			bridge_pass_output(name, vm->out, sizeof(vm->out), &vm->outlen, true);
			close(vm->io.console_fd); /* the framework let go of it */
			vm->io.console_fd = -1;
		}
	}
	vz_ports_dispatch(&vm->ports, fds, n);
	if (vm->fwd)
		fwd_dispatch(vm->fwd, fds, n);
	if (wants_lease(vm) && util_now_ms() >= vm->lease_at) {
		vm->lease_at = util_now_ms() + LEASE_EVERY_MS;
		if (vz_lease_lookup(VZ_LEASES, vm->mac, vm->address, sizeof(vm->address)) == 0) {
			log_msg(LOG_INFO, vm->m->name, "its NAT address is %s", vm->address);
			if (vm->fwd)
				fwd_target(vm->fwd, vm->address);
		}
	}
}

static int vz_probe_body(const struct bridge_env *env, struct bridge **out, struct diag *d)
{
	struct bridge *b;

	*out = NULL;
	if (!VZVirtualMachine.isSupported) {
		diag_add(d, NULL,
			 "host.bridge = \"vz\": this Mac cannot run virtual machines "
			 "(VZVirtualMachine.isSupported is NO: a Mac with Apple silicon is "
			 "needed, not inside a VM)");
		return -ENODEV;
	}
	b = xcalloc(1, sizeof(*b));
	b->env = *env;
	vzm_host(&b->host);
	b->host.state_dir = b->env.state_dir;
	if (b->host.os < VZ_OS_MIN) {
		diag_add(d, NULL, "host.bridge = \"vz\": vzhost needs macOS 13 or later");
		free(b);
		return -ENODEV;
	}
	*out = b;
	return 0;
}

static int vz_validate(struct bridge *b, const struct machine *m, struct diag *d)
{
	struct vz_plan p;
	int ret = vz_plan_make(m, &b->host, &p, d);

	vz_plan_free(&p);
	return ret;
}

/* --check on the Mac: the plan, and the framework's own verdict on it */
static int vz_describe_op_body(struct bridge *b, const struct machine *m, FILE *out, struct diag *d)
{
	struct vzm_io io = { .dry = true };
	struct vz_host unknown = { .nested = -1 };
	VZVirtualMachineConfiguration *c;
	NSString *why = nil;
	NSError *e = nil;
	struct vz_plan p;
	int ret;

	ret = vz_describe(b ? &b->host : &unknown, m, out, d);
	if (ret < 0 || !b || vz_plan_make(m, &b->host, &p, d) < 0)
		return ret;
	c = vzm_configuration(&p, m, &io, &why);
	if (!c) {
		diag_add(d, m->loc[ML_VM], "Virtualization.framework refuses this VM: %s",
			 why.UTF8String);
		ret = -EINVAL;
	} else if (out && m->on_host_stop == HOST_STOP_SAVE) {
		if (@available(macOS 14.0, *)) {
			if (![c validateSaveRestoreSupportWithError:&e])
				fprintf(out, "    cannot be saved: %s\n", e.localizedDescription.UTF8String);
		}
	}
	vz_plan_free(&p);
	return ret;
}

static bool vz_can_save_body(const struct machine *m, char **why)
{
	struct vz_host h;

	vzm_host(&h);
	return vz_plan_can_save(m, &h, why);
}

static int vz_alive(struct bridge *b, struct hv_proc **out, size_t *n)
{
	(void)b;
	return vz_alive_procs(out, n);
}

static void vz_free(struct bridge *b)
{
	free(b);
}

/* the ops the core calls on its thread: Foundation's autoreleased objects
   are freed after each (no pool of its own there) */
static int vz_save(struct bvm *vm, const char *path)
{
	@autoreleasepool {
		return vz_save_body(vm, path);
	}
}

static int vz_restore(struct bvm *vm, const char *path)
{
	@autoreleasepool {
		return vz_restore_body(vm, path);
	}
}

static int vz_create(struct bridge *b, const struct machine *m, unsigned index, struct bvm **out)
{
	@autoreleasepool {
		return vz_create_body(b, m, index, out);
	}
}

static void vz_destroy(struct bvm *vm)
{
	@autoreleasepool {
		vz_destroy_body(vm);
	}
}

static int vz_probe(const struct bridge_env *env, struct bridge **out, struct diag *d)
{
	@autoreleasepool {
		return vz_probe_body(env, out, d);
	}
}

static int vz_describe_op(struct bridge *b, const struct machine *m, FILE *out, struct diag *d)
{
	@autoreleasepool {
		return vz_describe_op_body(b, m, out, d);
	}
}

static bool vz_can_save(const struct machine *m, char **why)
{
	@autoreleasepool {
		return vz_can_save_body(m, why);
	}
}

const struct bridge_ops vz_bridge = {
	.name = "vz",
	.probe = vz_probe,
	.validate = vz_validate,
	.describe = vz_describe_op,
	.install = vzm_install,
	.create = vz_create,
	.start = vz_start,
	.request_stop = vz_request_stop,
	.stop = vz_stop,
	.pause = vz_pause,
	.usb = vz_usb,
	.resume = vz_resume,
	.can_save = vz_can_save,
	.save = vz_save,
	.restore = vz_restore,
	.info = vz_info,
	.console_in = vz_console_in,
	.destroy = vz_destroy,
	.pollfds = vz_pollfds,
	.dispatch = vz_dispatch,
	.alive = vz_alive,
	.run_ui = vzm_run_ui,
	.free = vz_free,
};
