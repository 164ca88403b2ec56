/* machine.h: the neutral machine model, the contract between plugins and bridges. */
#ifndef VZH_MACHINE_H
#define VZH_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sdk/vzhost/plugin.h"

enum dev_class {
	DEV_DISK,
	DEV_NET,
	DEV_GRAPHICS,
	DEV_KEYBOARD,
	DEV_POINTER,
	DEV_SERIAL,
	DEV_SHARE,
	DEV_ENTROPY,
	DEV_BALLOON,
	DEV_VSOCK,
	DEV_HVDEV,
	DEV_CHANNEL,
	DEV_SOUND, /* ABI 1.4 */
	DEV_CLIPBOARD,
	DEV_ROSETTA,
	DEV_USB,
	DEV_CLASS_COUNT
};

/* Where a device came from, for every later error message. */
struct origin {
	char *loc; /* "file:line: vms[0].devices[2]" */
	char *kind; /* the entry's kind */
	char *plugin; /* the plugin that emitted it */
};

/* what a plugin emits, one member per class */
union device_desc {
	struct vzh_disk disk;
	struct vzh_net net;
	struct vzh_graphics graphics;
	struct vzh_keyboard keyboard;
	struct vzh_pointer pointer;
	struct vzh_serial serial;
	struct vzh_share share;
	struct vzh_simple simple;
	struct vzh_vsock vsock; /* ports malloc'd, with their paths */
	struct vzh_hvdev hvdev; /* props malloc'd, with their strings */
	struct vzh_channel channel;
	struct vzh_sound sound;
	struct vzh_rosetta rosetta;
};

struct device {
	enum dev_class cls;
	struct origin origin;
	union device_desc u;
	void *owner; /* the struct plugin that emitted it (core only) */
	/* this run's socket for the hypervisor (core/backend.c), -1: none;
	   and the plugin's end of a backend's pair */
	int fd, peer_fd;
};

enum policy { POLICY_STOP, POLICY_RESTART };
/* a VM that misses its ready timeout: logged and left, or restarted (under
   the restart policy's limits), or stopped */
enum not_ready { NOT_READY_LOG, NOT_READY_RESTART, NOT_READY_STOP };

/* when the guest counts as ready (the `ready` group): a console line
   matching a pattern, or a server answering on a forwarded TCP port (a
   NAT accepts for its guest: a connection alone says nothing) */
struct ready_check {
	char *console; /* an extended regular expression, or NULL */
	unsigned port; /* a TCP forward's host port of this VM, or 0 */
	char *send; /* sent on a connection to port; NULL: the server must
		       speak first (an SSH banner) */
	char *port_addr; /* ... and the address it listens on */
	unsigned timeout; /* seconds from the start */
	enum not_ready on_not_ready;
	char *loc; /* "file:line: vms[i].ready", NULL: no check */
};
enum host_stop { HOST_STOP_SHUTDOWN, HOST_STOP_SAVE };
/* when what is typed (vzhost's standard input, ctl console) reaches the
   guest: after its console's first output since the VM started, once it is
   ready, or at once (a UART drops what comes before the guest opens it) */
enum input_after { INPUT_AFTER_OUTPUT, INPUT_AFTER_READY, INPUT_AFTER_START };

struct boot {
	char *kernel, *initrd, *cmdline; /* Linux kernel boot */
	bool efi; /* EFI boot instead */
	char *efi_vars; /* EFI variable store */
};

/* "file:line: path" of the settings later checks point at */
enum machine_loc {
	ML_VM,
	ML_NAME,
	ML_GUEST,
	ML_NESTED,
	ML_CPUS,
	ML_MEMORY,
	ML_BOOT,
	ML_MACOS,
	ML_COUNT
};

struct machine {
	char *name;
	enum vzh_guest guest;
	unsigned cpus;
	uint64_t memory; /* bytes */
	/* set in the config: macOS guests otherwise take what their restore
	   image needs (vzhost install records it in the bundle) */
	bool cpus_given, memory_given;
	bool nested;
	struct boot boot;
	char *macos_bundle;
	bool recovery; /* macOS guests: start in macOS Recovery */
	enum policy on_poweroff, on_crash;
	unsigned stop_timeout; /* seconds */
	enum host_stop on_host_stop;
	struct ready_check ready;
	enum input_after input_after;
	struct device *devs;
	size_t ndevs, capdevs;
	char *loc[ML_COUNT];
	/* its vms[] entry (a config_setting_t of the host's loaded config),
	   for the plugins' validators */
	const void *node;
};

extern const char *const dev_class_names[DEV_CLASS_COUNT];
extern const char *const guest_names[];
extern const char *const policy_names[];
extern const char *const not_ready_names[];
extern const char *const input_after_names[];
extern const char *const host_stop_names[];
extern const char *const disk_cache_names[];
extern const char *const disk_sync_names[];
extern const char *const disk_iface_names[];
extern const char *const pointer_names[];
extern const char *const serial_names[];
extern const char *const net_attach_names[];
extern const char *const socket_type_names[];
extern const char *const display_names[];

/* "127.0.0.1:2222->22/tcp" (an IPv6 address in brackets), as docker ps
   shows a port */
void machine_format_forward(const struct vzh_forward *f, char *buf, size_t len);

/* m has a serial console on vzhost's standard input and output */
bool machine_stdio_console(const struct machine *m);
/* the device's backend (a plugin serves its far end), or NULL */
const struct vzh_backend *machine_backend(const struct device *d);

/* the size of the SDK struct of a class, as this core knows it */
size_t machine_class_size(enum dev_class cls);
/* appends a device (strings copied); returns it */
struct device *machine_add_device(struct machine *m, enum dev_class cls,
				  const void *desc, size_t desc_size,
				  const struct origin *origin);
/* drops devices from index n on (a refused contribution) */
void machine_truncate(struct machine *m, size_t n);
size_t machine_count(const struct machine *m, enum dev_class cls);
/* the machine's first device of class cls, or NULL */
const struct device *machine_first(const struct machine *m, enum dev_class cls);
void machine_free(struct machine *m);

#endif
