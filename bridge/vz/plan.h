/* plan.h: everything the vz bridge asks of Virtualization.framework for one machine, decided in plain C. */
#ifndef VZH_VZ_PLAN_H
#define VZH_VZ_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../bridge.h"

/* a macOS version as one number: VZ_OS(14, 2) */
#define VZ_OS(major, minor) ((major)*100u + (minor))
#define VZ_OS_MIN VZ_OS(13, 0) /* what vzhost is built for */

/* Rosetta for Linux on this Mac (VZLinuxRosettaDirectoryShare.availability,
   plus what only a Mac knows) */
enum vz_rosetta {
	VZ_ROSETTA_UNKNOWN = 0, /* off a Mac */
	VZ_ROSETTA_UNSUPPORTED, /* an Intel Mac */
	VZ_ROSETTA_NOT_INSTALLED,
	VZ_ROSETTA_INSTALLED
};

/* What this Mac allows, from the framework (vm.m's probe).  Zero (nested:
   -1) means not known: --check where Virtualization.framework is absent,
   when only a Mac can tell. */
struct vz_host {
	unsigned os; /* NSProcessInfo.operatingSystemVersion */
	unsigned cpu_min, cpu_max; /* VZVirtualMachineConfiguration.*CPUCount */
	uint64_t mem_min, mem_max; /* ... *MemorySize, bytes */
	int nested; /* VZGenericPlatformConfiguration
		       .isNestedVirtualizationSupported */
	/* where a Linux guest's machine identifier is kept (the bridge's
	   state directory); NULL: not known (a --check off a Mac) */
	const char *state_dir;
	enum vz_rosetta rosetta;
};

enum vz_platform { VZ_PLATFORM_MAC, VZ_PLATFORM_GENERIC };
enum vz_boot { VZ_BOOT_MACOS, VZ_BOOT_LINUX, VZ_BOOT_EFI };

/* one VZ configuration object each */
enum vz_dev_kind {
	VZ_DEV_BLOCK_VIRTIO, /* VZVirtioBlockDeviceConfiguration */
	VZ_DEV_BLOCK_NVME, /* VZNVMExpressControllerDeviceConfiguration (14) */
	VZ_DEV_BLOCK_USB, /* VZUSBMassStorageDeviceConfiguration (13) */
	VZ_DEV_NET_NAT, /* VZVirtioNetworkDeviceConfiguration + NAT */
	VZ_DEV_GFX_MAC, /* VZMacGraphicsDeviceConfiguration, one display */
	VZ_DEV_GFX_VIRTIO, /* VZVirtioGraphicsDeviceConfiguration (13) */
	VZ_DEV_KBD_USB, /* VZUSBKeyboardConfiguration */
	VZ_DEV_KBD_MAC, /* VZMacKeyboardConfiguration (14) */
	VZ_DEV_PTR_USB, /* VZUSBScreenCoordinatePointingDeviceConfiguration */
	VZ_DEV_PTR_TRACKPAD, /* VZMacTrackpadConfiguration (13) */
	VZ_DEV_CONSOLE, /* VZVirtioConsoleDeviceSerialPortConfiguration */
	VZ_DEV_FS, /* VZVirtioFileSystemDeviceConfiguration */
	VZ_DEV_ENTROPY, /* VZVirtioEntropyDeviceConfiguration */
	VZ_DEV_BALLOON, /* VZVirtioTraditionalMemoryBalloonDeviceConfiguration */
	VZ_DEV_VSOCK, /* VZVirtioSocketDeviceConfiguration */
	/* a port of the one VZVirtioConsoleDeviceConfiguration (13) */
	VZ_DEV_CHANNEL,
	VZ_DEV_SOUND, /* VZVirtioSoundDeviceConfiguration */
	/* a port of the console device with a VZSpiceAgentPortAttachment (13) */
	VZ_DEV_CLIPBOARD,
	/* VZVirtioFileSystemDeviceConfiguration + VZLinuxRosettaDirectoryShare
	   (13, Apple silicon) */
	VZ_DEV_ROSETTA,
	VZ_DEV_USB, /* VZXHCIControllerConfiguration (15) */
	VZ_DEV_KIND_COUNT
};

/* VZDiskImageCachingMode and VZDiskImageSynchronizationMode, as numbered in
   the SDK */
enum {
	VZ_CACHING_AUTOMATIC = 0,
	VZ_CACHING_UNCACHED = 1,
	VZ_CACHING_CACHED = 2
};
enum { VZ_SYNC_FULL = 1, VZ_SYNC_FSYNC = 2, VZ_SYNC_NONE = 3 };

struct vz_dev {
	enum vz_dev_kind kind;
	const struct device *dev; /* the model's device: settings, origin */
	long caching, sync; /* disks: the SDK's values */
	bool automount; /* a share under macOSGuestAutomountTag */
	/* a Mac keyboard or trackpad, which only macOS 13 and later guests
	   know: a USB keyboard or pointer beside it, as Apple advises */
	bool usb_too;
	/* a share: the folders under its tag, this one first (the model's
	   later shares of the tag are folded into it); more than one: a
	   VZMultipleDirectoryShare, each folder by vz_share_name */
	unsigned nshared;
};

/* the name a folder shows under its share's tag when a tag has several
   (its path's last component) into buf; NULL when it has none that the
   framework takes (the root, ".", "..", longer than NAME_MAX) */
const char *vz_share_name(const char *path, char *buf, size_t size);

/* what only the framework can answer, asked before the VM exists */
enum vz_check {
	VZ_CHECK_VALIDATE = 1 << 0, /* validateWithError: (always) */
	VZ_CHECK_HW_MODEL = 1 << 1, /* the bundle's hardware model .supported */
	VZ_CHECK_NESTED = 1 << 2, /* nested supported on this Mac */
	VZ_CHECK_SAVE = 1 << 3, /* validateSaveRestoreSupportWithError: */
	VZ_CHECK_LIMITS = 1 << 4, /* CPU and memory within this Mac's range */
	VZ_CHECK_OS = 1 << 5, /* devices that need a later macOS */
	VZ_CHECK_ROSETTA = 1 << 6, /* Rosetta for Linux installed */
};

#define VZ_NOTES_MAX 8

struct vz_plan {
	enum vz_platform platform;
	enum vz_boot boot;
	bool nested, recovery, window;
	unsigned cpus;
	uint64_t memory; /* bytes, a multiple of 1 MiB */
	/* the bundle's files (macOS guests), EFI's variable store; malloc'd */
	char *hw_model, *machine_id, *aux_storage, *efi_vars;
	struct vz_dev *devs;
	size_t ndevs;
	unsigned checks; /* enum vz_check */
	/* adjustments made for this Mac, said to the user */
	char *notes[VZ_NOTES_MAX];
	size_t nnotes;
};

/* netdrop.c: a NIC whose attachment dropped (VZVirtualMachineDelegate's
   attachmentWasDisconnectedWithError:) gets a new one, at once and then
   after 1, 2, 4 s; the fifth drop within a minute leaves it without one
   (its other end is gone for good) */
#define VZ_NETDROP_TRIES 4
#define VZ_NETDROP_WINDOW_MS 60000

struct vz_nic {
	const struct device *dev; /* the model's NIC */
	unsigned index; /* its index in machine.devs (the core's notes) */
	long long drops[VZ_NETDROP_TRIES]; /* ms: its drops in the window */
	unsigned ndrops;
};

/* the NICs of plan p (for m) in the framework's order (its networkDevices):
   their count, *out calloc'd (NULL and 0 when out of memory) */
size_t vz_nics(const struct vz_plan *p, const struct machine *m,
	       struct vz_nic **out);
/* nic's attachment dropped at now_ms: the delay (ms) before it gets a new
   one, or -1: left without */
long long vz_netdrop(struct vz_nic *nic, long long now_ms);

/* winsize.c: the window of a display = "window" VM, in points: the
   display's pixels (0: the default) over the screen's scale (2 on Retina),
   shrunk whole to fit max_w x max_h (the screen's visible frame; 0: none) */
#define VZ_WINDOW_DEFAULT_W 1920 /* pixels */
#define VZ_WINDOW_DEFAULT_H 1200
void vz_window_points(unsigned px_w, unsigned px_h, double scale, double max_w,
		      double max_h, double *w, double *h);

/* the plan for m on host h; errors (with the device's origin) into d:
   0, or -EINVAL when m cannot run on this Mac */
int vz_plan_make(const struct machine *m, const struct vz_host *h,
		 struct vz_plan *p, struct diag *d);
void vz_plan_free(struct vz_plan *p);
/* the VZ class of a device of the plan */
const char *vz_dev_class(enum vz_dev_kind kind);
/* --check: the plan in words; h->os 0: also what only a Mac can verify */
void vz_plan_print(const struct vz_plan *p, const struct machine *m,
		   const struct vz_host *h, FILE *out);
/* the bridge's describe op: the plan checked, and printed on out (when
   not NULL) */
int vz_describe(const struct vz_host *h, const struct machine *m, FILE *out,
		struct diag *d);
/* can m be saved (macOS 14; no serial console or share, which the
   framework is known to refuse)?  If not, *why (malloc'd) */
bool vz_plan_can_save(const struct machine *m, const struct vz_host *h,
		      char **why);

/* a bundle vzhost install is filling, or whose install was cut short */
#define VZ_INSTALLING ".installing"
bool vz_bundle_unfinished(const char *bundle);
/* bundle.c: what vzhost install records in a macOS guest's bundle: the
   CPU count and memory its restore image needs (0 or -errno) */
int vz_bundle_read_req(const char *bundle, unsigned *cpus, uint64_t *memory);
int vz_bundle_write_req(const char *bundle, unsigned cpus, uint64_t memory);
/* install: the CPU count and memory to install with, given the image's
   minimums; configured figures below them are errors at their file:line */
int vz_install_fit(const struct machine *m, unsigned min_cpus,
		   uint64_t min_memory, unsigned *cpus, uint64_t *memory,
		   struct diag *d);

#endif
