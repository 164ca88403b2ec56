/* bridge.h: the contract between the core and a hypervisor bridge (qemu, vz). */
#ifndef VZH_BRIDGE_H
#define VZH_BRIDGE_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/diag.h"
#include "../core/machine.h"

/*
 * A bridge sees machines, never libconfig or a plugin: besides this header it
 * includes only the small core headers below (`make lint` checks), which
 * pull in nothing else: log.h, util.h (allocation, clocks), fd.h, os.h,
 * proc.h (children), statedir.h (files in the state directory), console.h
 * (the guest's console on vzhost's standard output), state.h (the names of
 * states and reasons), hostport.h (a forward's host port).  It reports every state
 * change as a struct bridge_event written to the core's event pipe, from
 * whatever thread or queue it runs on, so the core stays single-threaded around
 * poll().  Operations are requests: their outcome arrives as events.
 */
struct bridge_event {
	uint32_t vm; /* the index the VM was created with */
	uint32_t state; /* enum vzh_state, after the transition */
	uint32_t reason; /* enum vzh_reason */
	int32_t error; /* 0, or -errno behind an error state */
	/* enum bridge_note: no transition but what befell one of the VM's
	   devices (its index in machine.devs); state and reason unused */
	uint16_t note, device;
	/* for the log: "qemu exited with status 1"; the whole event stays
	   under 512 bytes, the smallest PIPE_BUF (macOS) */
	char detail[480];
};

/* what befalls a device of a running VM: no change of state, but said to
   the log, to `ctl events` and counted in `ctl status` */
enum bridge_note {
	BRIDGE_NOTE_NONE = 0, /* a transition */
	BRIDGE_NOTE_NET_DOWN, /* a NIC lost its attachment (detail: why) */
	BRIDGE_NOTE_NET_BACK, /* the bridge gave it a new one */
	BRIDGE_NOTE_NBD_UP, /* an NBD disk's client (re)connected */
	BRIDGE_NOTE_NBD_FAILED, /* ... gave up: the disk is dead (detail) */
	/* the user closed a display's window: the core stops the VM (the
	   graceful chain), as ctl stop does */
	BRIDGE_NOTE_WINDOW_CLOSED,
	/* the outcome of a usb op on one of its slots (the note's device is
	   the slot): the disk is in (detail: its path), out, or the op
	   failed (detail: why; the slot is as it was) */
	BRIDGE_NOTE_USB_ATTACHED,
	BRIDGE_NOTE_USB_DETACHED,
	BRIDGE_NOTE_USB_FAILED,
};

/* disks a VM's USB controller takes while it runs (ctl VM usb attach) */
#define BRIDGE_USB_SLOTS 8

/* a note whose device is a slot of the VM's USB controller */
static inline bool bridge_note_usb(enum bridge_note n)
{
	return n >= BRIDGE_NOTE_USB_ATTACHED && n <= BRIDGE_NOTE_USB_FAILED;
}

/*
 * A setting of the host group that belongs to a bridge (host.qemu,
 * host.accel): the core checks its form from this description and hands the
 * value over; what it means is the bridge's to check.
 */
enum bridge_key_kind {
	BRIDGE_KEY_ENUM, /* one of values; the first is the default */
	BRIDGE_KEY_PATH, /* a file, relative to the config file's directory */
	BRIDGE_KEY_PROGRAM, /* a bare name (looked up in PATH) or a path */
};

struct bridge_key {
	const char *name;
	enum bridge_key_kind kind;
	const char *const *values; /* BRIDGE_KEY_ENUM, NULL-terminated */
};

/* A bridge setting's value: given, its default, or NULL */
struct bridge_setting {
	const char *name;
	const char *value;
};

/* What the host hands a bridge; fixed for the bridge's life. */
struct bridge_env {
	const char *state_dir; /* ours, 0700, exists */
	int state_fd; /* the same, open (core/statedir.h works inside it) */
	int event_fd; /* write end of the core's event pipe */
	bool several; /* more than one VM: prefix console lines */
	const struct bridge_setting *settings; /* this bridge's keys */
	size_t nsettings;
};

/* A hypervisor VM alive on this host, whoever started it: what the VM-limit
   diagnosis counts (VZ: a com.apple.Virtualization.VirtualMachine process) */
struct hv_proc {
	int pid;
	int owner_pid; /* the app it runs for, 0: unknown */
	char owner[48]; /* its name: "vzhost", "UTM", "tart" */
};

/* what the hypervisor would take now (VZ: canStart, canPause, ...) */
enum bridge_can {
	BRIDGE_CAN_START = 1 << 0,
	BRIDGE_CAN_PAUSE = 1 << 1,
	BRIDGE_CAN_RESUME = 1 << 2,
	BRIDGE_CAN_REQUEST_STOP = 1 << 3,
	BRIDGE_CAN_STOP = 1 << 4,
};

#define BRIDGE_PTYS_MAX 4

/* what `ctl VM status` shows of a VM, from the bridge's own knowledge */
struct bridge_info {
	unsigned can; /* enum bridge_can */
	char address[46]; /* the guest's NAT address; "": not known (yet) */
	/* serial consoles on a pseudo-terminal: their paths, in device order */
	char ptys[BRIDGE_PTYS_MAX][64];
	size_t nptys;
	/* a save under way: bytes written of the total (the hypervisor's
	   migration status); 0: none, or not known */
	uint64_t save_done, save_total;
};

struct bridge;
struct bvm;

struct bridge_ops {
	const char *name;
	const struct bridge_key *keys; /* its host settings, {NULL}-ended */
	/* is this hypervisor usable here?  -errno with a message in d (exit 69).
	   A bridge that is never usable on this system (vz on Linux) fails
	   here and may leave the VM operations below NULL */
	int (*probe)(const struct bridge_env *env, struct bridge **out,
		     struct diag *d);
	/* can this bridge realise m?  errors name the device's origin (exit 78) */
	int (*validate)(struct bridge *b, const struct machine *m,
			struct diag *d);
	/* --check: what the bridge will ask of its hypervisor for m, in words
	   on out, its checks into d (exit 78); b is NULL where the hypervisor
	   is absent: then also say what only its host can verify.  May be
	   NULL */
	int (*describe)(struct bridge *b, const struct machine *m, FILE *out,
			struct diag *d);
	/* create the macOS guest m from a restore image (a path, or "latest"),
	   showing progress on stderr; NULL: this bridge cannot */
	int (*install)(struct bridge *b, const struct machine *m,
		       const char *ipsw, struct diag *d);
	int (*create)(struct bridge *b, const struct machine *m, unsigned index,
		      struct bvm **out);
	int (*start)(struct bvm *vm);
	/* ask the guest to stop (ACPI power button) */
	int (*request_stop)(struct bvm *vm);
	/* force: the guest loses what it has not written */
	int (*stop)(struct bvm *vm);
	/* the reset button: the guest boots again in the same VM (a running
	   -> running event, reason host-request, detail "reset"); NULL: the
	   core stops the VM and starts it */
	int (*reset)(struct bvm *vm);
	/* a disk image (raw) plugged into slot of the VM's USB controller,
	   or, path NULL, the slot's disk pulled out; 0: asked (its outcome
	   comes as a note), -errno: refused.  NULL: the bridge cannot */
	int (*usb)(struct bvm *vm, unsigned slot, const char *path);
	int (*pause)(struct bvm *vm);
	int (*resume)(struct bvm *vm);
	/* can m be saved (on_host_stop = "save", ctl save)?  If not, *why says
	   why (caller frees); NULL: always */
	bool (*can_save)(const struct machine *m, char **why);
	/* pause if needed, write the state to path, stop: saving -> stopped */
	int (*save)(struct bvm *vm, const char *path);
	/* start from a saved state: restoring -> paused */
	int (*restore)(struct bvm *vm, const char *path);
	/* what ctl status shows (out zeroed by the caller) */
	void (*info)(struct bvm *vm, struct bridge_info *out);
	/* the descriptor the guest's stdio console reads from (the core
	   writes vzhost's standard input there; non-blocking), or -1: none
	   now.  May be NULL */
	int (*console_in)(struct bvm *vm);
	/* free everything; the VM must be stopped */
	void (*destroy)(struct bvm *vm);
	/* descriptors the core polls for this VM (and a deadline: *timeout_ms is
	   lowered when the bridge must act by then), and the callback when ready */
	int (*pollfds)(struct bvm *vm, struct pollfd *fds, int max,
		       int *timeout_ms);
	void (*dispatch)(struct bvm *vm, const struct pollfd *fds, int n);
	/* the hypervisor VMs alive host-wide (*out malloc'd), for a start the
	   hypervisor refused for its VM limit: such a start ends stopped with
	   reason limit-exceeded (VZ: VZErrorDomain code 6).  NULL: this
	   hypervisor has no host-wide limit */
	int (*alive)(struct bridge *b, struct hv_proc **out, size_t *n);
	/* for VMs shown in a window (display = "window"): run body on another
	   thread while the calling (main) thread serves the windows; body's
	   result.  NULL: this bridge has no windows */
	int (*run_ui)(int (*body)(void *), void *arg);
	void (*free)(struct bridge *b);
};

/* bridge/common.c: what every bridge uses */
/* write one event to env->event_fd (atomic: smaller than PIPE_BUF) */
void bridge_emit(int fd, unsigned vm, enum vzh_state state,
		 enum vzh_reason reason, int error, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* the same for a note (enum bridge_note) on device dev of VM vm */
void bridge_note(int fd, unsigned vm, enum bridge_note note, unsigned dev,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* read what fd has now (non-blocking) into buf[*len..cap) */
void bridge_read_into(int fd, char *buf, size_t cap, size_t *len);
/* what a stdio console's fd has now into buf[*len..cap), kept in VM vm's
   scrollback (console_tap) */
void bridge_console_read(unsigned vm, int fd, char *buf, size_t cap,
			 size_t *len);
/* a stdio console's bytes in buf[0..*len) to vzhost's standard output: all
   of them for a single VM (name NULL); whole lines (all when flush, or when
   buf is full) prefixed "[name] " for several; what is left moves to the
   front */
void bridge_pass_output(const char *name, char *buf, size_t cap, size_t *len,
			bool flush);
/* dv is a structured device for another bridge than this one: said in d at
   its origin, with its plugin (every bridge refuses those) */
bool bridge_foreign_device(const struct device *dv, const char *bridge,
			   struct diag *d);
/* the value of one of the bridge's settings, or NULL */
const char *bridge_setting(const struct bridge_env *env, const char *name);

#endif
