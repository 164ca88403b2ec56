/* vzhost plugin SDK: the only header a vzhost plugin includes (C99). */
#ifndef VZHOST_PLUGIN_H
#define VZHOST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Versioning: a plugin records the ABI it was built for.  The core loads it when
 * the major numbers match and the plugin's minor is not newer than the core's.
 * Minor releases only append fields to the end of the structs below; every
 * struct a plugin fills or reads starts with its own size so both sides can tell
 * which fields the other knows.
 */
#define VZH_ABI_MAJOR 1
#define VZH_ABI_MINOR 4
#define VZH_ABI_VERSION ((VZH_ABI_MAJOR << 16) | VZH_ABI_MINOR)
#define VZH_PLUGIN_MAGIC 0x505a4856u /* "VHZP" little-endian */
#define VZH_PLUGIN_SYMBOL "vzh_plugin_descriptor"

struct vzh_api;
struct vzh_host; /* opaque: this plugin's handle on the core */
struct vzh_node; /* opaque: one configuration setting */
struct vzh_device; /* opaque: the device entry being contributed */

/* The one symbol a plugin exports, made by VZH_PLUGIN_DEFINE. */
struct vzh_plugin {
	uint32_t magic; /* VZH_PLUGIN_MAGIC */
	uint32_t abi; /* VZH_ABI_VERSION the plugin was built with */
	uint32_t struct_size; /* sizeof(struct vzh_plugin) at build time */
	uint32_t reserved0;
	const char *name; /* equals the file stem: "disk" for disk.so */
	const char *version; /* the plugin's own version, free form */
	const char *summary; /* one line */
	const char *license; /* SPDX identifier */
	/*
	 * Called once, after the descriptor was checked.  settings is the
	 * plugins.<name> group of the config, or NULL.  Register device kinds and
	 * subscriptions here and nowhere else.  Store private state in *state; it
	 * is handed back to every callback.  Return 0 or -errno with a message
	 * set through api->set_error().
	 */
	int (*init)(const struct vzh_api *api, struct vzh_host *host,
		    const struct vzh_node *settings, void **state);
	/* Called once when the host is torn down, or right after init when the
	   core refuses the plugin anyway (a kind taken or invalid); never when
	   init failed.  May be NULL. */
	void (*fini)(void *state);
	/* ABI 1.1: every key its plugins.<name> group may hold, NULL-terminated
	   (any other is refused at its file:line with "did you mean"); NULL:
	   not declared (a 1.0 plugin), the group is not checked */
	const char *const *settings_keys;
	void *reserved[7];
};

#if defined(__GNUC__) || defined(__clang__)
#define VZH_EXPORT __attribute__((visibility("default")))
#else
#define VZH_EXPORT
#endif

/* the descriptor; VZH_PLUGIN_DEFINE_SETTINGS (ABI 1.1) also declares the
   keys of the plugin's plugins.<name> group (keys_: NULL-terminated) */
#define VZH_PLUGIN_DEFINE_SETTINGS(name_, version_, summary_, license_, keys_, \
				   init_, fini_)                               \
	VZH_EXPORT extern const struct vzh_plugin vzh_plugin_descriptor;       \
	VZH_EXPORT const struct vzh_plugin vzh_plugin_descriptor = {           \
		VZH_PLUGIN_MAGIC,                                              \
		VZH_ABI_VERSION,                                               \
		sizeof(struct vzh_plugin),                                     \
		0,                                                             \
		name_,                                                         \
		version_,                                                      \
		summary_,                                                      \
		license_,                                                      \
		init_,                                                         \
		fini_,                                                         \
		keys_,                                                         \
		{ 0 }                                                          \
	}

#define VZH_PLUGIN_DEFINE(name_, version_, summary_, license_, init_, fini_)  \
	VZH_PLUGIN_DEFINE_SETTINGS(name_, version_, summary_, license_, NULL, \
				   init_, fini_)

/* ---- Device classes: what a plugin may add to a machine ---------------- */

enum vzh_guest { VZH_GUEST_LINUX = 0, VZH_GUEST_MACOS = 1 };

enum vzh_disk_cache {
	VZH_CACHE_AUTOMATIC = 0,
	VZH_CACHE_CACHED = 1,
	VZH_CACHE_UNCACHED = 2
};
enum vzh_disk_sync { VZH_SYNC_FULL = 0, VZH_SYNC_FSYNC = 1, VZH_SYNC_NONE = 2 };
enum vzh_disk_iface {
	VZH_DISK_VIRTIO = 0,
	VZH_DISK_NVME = 1,
	VZH_DISK_USB = 2
};

struct vzh_disk {
	uint32_t struct_size;
	uint32_t read_only; /* 0 or 1 */
	const char *path; /* absolute; the core copies it (NULL with nbd) */
	uint64_t size; /* bytes of a sparse image created at start when
			       the file is missing; 0: the file must exist */
	uint32_t cache; /* enum vzh_disk_cache */
	uint32_t sync; /* enum vzh_disk_sync */
	uint32_t iface; /* enum vzh_disk_iface */
	/* ABI 1.1: 1: the guest writes, every write is thrown away at stop;
	   the image itself is only read (reserved0 in 1.0) */
	uint32_t ephemeral;
	/* ABI 1.1: the data comes from an NBD server listening on this unix
	   socket (absolute, under 104 bytes) instead of path (NULL) */
	const char *nbd_socket;
	const char *nbd_export; /* its export's name; NULL: the default */
};

/*
 * ABI 1.1: the far end of a device served by the plugin itself.  At every
 * start of the VM the core makes a connected socket pair, keeps one end for
 * the hypervisor and hands the other to open(); when the VM has stopped (or
 * its start was abandoned after open), close().  Both run on the core's
 * loop; watch fd there (api->watch) and never block.
 */
struct vzh_backend {
	uint32_t struct_size;
	uint32_t reserved0;
	/* fd: the plugin's end, non-blocking and close-on-exec, its own until
	   close(); 0, or -errno with api->set_error(): the start is abandoned */
	int (*open)(void *data, const char *vm, int fd);
	/* the hypervisor's end is gone: remove fd's watches and close it */
	void (*close)(void *data, const char *vm, int fd);
	void *data; /* handed back; valid until the plugin's fini() */
};

enum vzh_net_attach {
	VZH_NET_NAT = 0,
	/* ABI 1.1: frames to a server listening on a unix socket (path,
	   socket_type): gvproxy, vfkit's and socket_vmnet's convention, passt */
	VZH_NET_SOCKET = 1,
	/* ABI 1.1: frames to the plugin (backend): a SOCK_DGRAM pair, one
	   Ethernet frame per datagram */
	VZH_NET_BACKEND = 2
};

enum vzh_socket_type {
	VZH_SOCKET_DGRAM = 0, /* one frame per datagram */
	/* a stream, each frame after its length (4 bytes, big-endian): QEMU's
	   and passt's framing */
	VZH_SOCKET_STREAM = 1
};

/*
 * ABI 1.2: a host port that reaches a NAT guest's port.  QEMU realises it
 * with user-mode NAT's host forwards; on Virtualization.framework, where the
 * NAT guest has an address of its own, vzhost relays it on its loop.
 */
enum vzh_proto { VZH_PROTO_TCP = 0, VZH_PROTO_UDP = 1 };

#define VZH_FORWARDS_MAX 16

struct vzh_forward {
	uint32_t proto; /* enum vzh_proto */
	uint16_t host_port, guest_port; /* 1..65535 */
	/* a numeric IPv4 or IPv6 address the host listens on; NULL:
	   127.0.0.1 (this host only) */
	const char *host_addr;
};

struct vzh_net {
	uint32_t struct_size;
	uint32_t attach; /* enum vzh_net_attach */
	uint8_t mac[6]; /* unicast; the core checks it is unique */
	uint8_t reserved0[2];
	/* ABI 1.1 */
	uint32_t socket_type; /* VZH_NET_SOCKET: enum vzh_socket_type */
	uint32_t reserved1;
	const char *path; /* VZH_NET_SOCKET: absolute, under 104 bytes */
	struct vzh_backend backend; /* VZH_NET_BACKEND */
	/* ABI 1.2: VZH_NET_NAT only; the core copies them */
	uint32_t nforwards;
	uint32_t reserved2;
	const struct vzh_forward *forwards;
};

enum vzh_display { VZH_DISPLAY_HEADLESS = 0, VZH_DISPLAY_WINDOW = 1 };

struct vzh_graphics {
	uint32_t struct_size;
	uint32_t width, height; /* pixels */
	uint32_t ppi; /* pixels per inch */
	/* ABI 1.1: enum vzh_display (a 1.0 plugin's display is headless) */
	uint32_t display;
};

struct vzh_keyboard {
	uint32_t struct_size;
	uint32_t reserved0;
};

enum vzh_pointer_type { VZH_POINTER_TABLET = 0, VZH_POINTER_TRACKPAD = 1 };

struct vzh_pointer {
	uint32_t struct_size;
	uint32_t type; /* enum vzh_pointer_type */
};

enum vzh_serial_output {
	VZH_SERIAL_STDIO = 0,
	VZH_SERIAL_NONE = 1,
	VZH_SERIAL_PTY = 2,
	VZH_SERIAL_FILE = 3,
	/* ABI 1.1: the console's bytes to the plugin (backend): a
	   SOCK_STREAM pair */
	VZH_SERIAL_BACKEND = 4
};

struct vzh_serial {
	uint32_t struct_size;
	uint32_t output; /* enum vzh_serial_output */
	const char *path; /* absolute, for VZH_SERIAL_FILE; else NULL */
	struct vzh_backend backend; /* ABI 1.1: VZH_SERIAL_BACKEND */
};

#define VZH_SHARE_TAG_MAX 35 /* bytes; virtio-fs tags are shorter than 36 */

struct vzh_share {
	uint32_t struct_size;
	uint32_t read_only;
	const char *tag; /* what the guest mounts */
	const char *path; /* absolute host directory */
};

/* entropy and balloon carry no settings */
struct vzh_simple {
	uint32_t struct_size;
	uint32_t reserved0;
};

/*
 * ABI 1.1: a guest's vsock port reached from the host through a unix socket
 * (on Virtualization.framework vsock is reachable only through the
 * framework, so the host side is a socket path vzhost serves).
 */
enum vzh_vsock_dir {
	/* vzhost listens on path; each connection goes to the guest's port */
	VZH_VSOCK_LISTEN = 0,
	/* the guest connects to port; vzhost connects each to path */
	VZH_VSOCK_CONNECT = 1
};

#define VZH_VSOCK_PORTS_MAX 16

struct vzh_vsock_port {
	uint32_t port; /* the guest's vsock port */
	uint32_t dir; /* enum vzh_vsock_dir */
	const char *path; /* absolute unix socket path, under 104 bytes */
};

struct vzh_vsock {
	uint32_t struct_size; /* a 1.0 plugin's is 8: no mappings */
	uint32_t nports; /* ABI 1.1 (reserved0, zero, in 1.0) */
	const struct vzh_vsock_port *ports; /* ABI 1.1; the core copies them */
};

/*
 * ABI 1.3: a channel, a named byte stream between the guest and the host (a
 * guest agent, a clipboard bridge, a metrics feed).  The guest opens
 * /dev/virtio-ports/NAME: on QEMU a virtserialport, on Virtualization.framework
 * (macOS 13 and later) a port of a virtio console device.  The plugin has the
 * host's end through backend, a SOCK_STREAM pair: what the guest writes
 * arrives there, what the plugin writes reaches the guest.  Bytes, not
 * messages; while the plugin does not read, the guest's writes wait.
 */
#define VZH_CHANNEL_NAME_MAX 63 /* bytes of a-z A-Z 0-9 . _ - */
#define VZH_CHANNELS_MAX 16 /* a VM's, from every plugin */

struct vzh_channel {
	uint32_t struct_size;
	uint32_t reserved0;
	const char *name; /* "org.qemu.guest_agent.0": one of a VM's */
	struct vzh_backend backend;
};

/*
 * ABI 1.4: a sound card.  Virtualization.framework: a virtio sound device
 * with a stream to the host's output and, with input, one from its default
 * input (macOS asks the user to allow the microphone).  QEMU: intel-hda with
 * hda-output (hda-duplex with input) on an -audiodev.
 */
struct vzh_sound {
	uint32_t struct_size;
	uint32_t output; /* 1: the guest's sound plays on the host */
	uint32_t input; /* 1: the host's default input reaches the guest */
	uint32_t reserved0;
	/* the guest's output into this WAV file (absolute) instead of the
	   host's speakers: QEMU only; NULL: none */
	const char *record;
};

/*
 * ABI 1.4: Rosetta for a Linux guest on Apple silicon: Apple's translator of
 * x86-64 Linux binaries, a virtio-fs share under tag that the guest mounts
 * and registers with binfmt_misc.  Virtualization.framework only.
 */
struct vzh_rosetta {
	uint32_t struct_size;
	uint32_t reserved0;
	const char *tag; /* what the guest mounts: VZH_SHARE_TAG_MAX bytes */
};

/* ABI 1.4: the SPICE agent's port the guest's spice-vdagent opens */
#define VZH_CLIPBOARD_PORT "com.redhat.spice.0"

/*
 * ABI 1.1: hardware only one hypervisor has, for the bridge it names (other
 * bridges refuse the VM at validation).  Never a command-line string: the
 * bridge writes the option itself and escapes every value.  QEMU: group
 * "device" (-device DRIVER,props), "object" (-object DRIVER,props) or
 * "action" (-action props, driver NULL).
 */
enum vzh_prop_type { VZH_PROP_STRING = 0, VZH_PROP_INT = 1, VZH_PROP_BOOL = 2 };

struct vzh_prop {
	const char *name;
	uint32_t type; /* enum vzh_prop_type */
	uint32_t reserved0;
	const char *str; /* VZH_PROP_STRING */
	int64_t num; /* VZH_PROP_INT; VZH_PROP_BOOL: 0 or 1 */
};

#define VZH_PROPS_MAX 32

struct vzh_hvdev {
	uint32_t struct_size;
	uint32_t nprops;
	const char *bridge; /* "qemu" */
	const char *group; /* the bridge's kind of option: "device" */
	const char *driver; /* "i6300esb"; NULL where the group has none */
	const struct vzh_prop *props; /* the core copies them */
};

/* ---- Device kinds: how a plugin turns a config entry into devices ------ */

/*
 * One entry of vms[].devices whose `kind` this plugin owns.  contribute() reads
 * the entry's settings with the getters below (reporting every problem with
 * api->error()), then emits zero or more devices of the known classes.  It
 * returns 0, or -errno when the entry is unusable; the core then drops what the
 * call emitted.  Nothing may be created on disk here: --check and --print run it.
 */
/* ABI 1.1: what a kind declares of itself (vzh_kind.flags) */
enum vzh_kind_flags {
	/* an entry may emit no device (else that is an error at its line) */
	VZH_KIND_MAY_EMIT_NOTHING = 1 << 0,
};

struct vzh_kind {
	uint32_t struct_size;
	uint32_t flags; /* ABI 1.1: enum vzh_kind_flags (reserved0 in 1.0) */
	/* bare names ("disk") are vzhost's built-in plugins'; everyone else
	   registers "vendor.thing" */
	const char *name;
	/* every key the entry may hold besides `kind`, NULL-terminated; the
	   core rejects any other key before contribute() runs */
	const char *const *keys;
	int (*contribute)(void *state, struct vzh_device *dev);
};

/* ---- Lifecycle ---------------------------------------------------------- */

/* Virtualization.framework's states. */
enum vzh_state {
	VZH_STATE_STOPPED = 0,
	VZH_STATE_STARTING,
	VZH_STATE_RUNNING,
	VZH_STATE_PAUSING,
	VZH_STATE_PAUSED,
	VZH_STATE_RESUMING,
	VZH_STATE_STOPPING,
	VZH_STATE_SAVING,
	VZH_STATE_RESTORING,
	VZH_STATE_ERROR,
	VZH_STATE_COUNT
};

enum vzh_reason {
	VZH_REASON_NONE = 0,
	VZH_REASON_HOST_REQUEST,
	VZH_REASON_GUEST_SHUTDOWN,
	VZH_REASON_GUEST_REBOOT,
	VZH_REASON_HOST_KILL,
	VZH_REASON_CRASHED,
	VZH_REASON_START_FAILED,
	VZH_REASON_SAVED,
	VZH_REASON_RESTORED,
	VZH_REASON_LIMIT_EXCEEDED,
	VZH_REASON_SIGNAL,
	VZH_REASON_COUNT
};

/* Hook points; prepare and start may veto by returning -errno. */
enum vzh_event {
	VZH_EV_PREPARE = 0,
	VZH_EV_START,
	VZH_EV_STARTED,
	VZH_EV_PAUSED,
	VZH_EV_RESUMED,
	VZH_EV_SAVED,
	VZH_EV_RESTORED,
	VZH_EV_STOPPING,
	VZH_EV_STOPPED,
	VZH_EV_RELEASE,
	VZH_EV_ERROR,
	VZH_EV_LIMIT,
	/* ABI 1.2: the VM's ready check passed (state running, reason none) */
	VZH_EV_READY,
	VZH_EV_COUNT
};

struct vzh_event_info {
	uint32_t struct_size;
	uint32_t event; /* enum vzh_event */
	uint32_t state; /* enum vzh_state, after the transition */
	uint32_t prev_state; /* enum vzh_state, before it */
	uint32_t reason; /* enum vzh_reason */
	uint32_t reserved0;
	const char *vm; /* the VM's name */
	uint64_t timestamp_ns; /* CLOCK_REALTIME */
};

typedef int (*vzh_hook_fn)(void *data, const struct vzh_event_info *ev);

/*
 * ABI 1.3: every transition of every VM, in order, as `vzhost ctl VM events`
 * streams it: the hook points above and the transitions that are none (a
 * guest's reboot, running -> running; starting, pausing, resuming, saving,
 * restoring).  Delivered on the loop as it happens, each VM's in order, the
 * last one before vzhost exits included.
 */
struct vzh_transition {
	uint32_t struct_size;
	uint32_t event; /* enum vzh_event; VZH_EV_COUNT: no hook point */
	uint32_t state; /* enum vzh_state, after it */
	uint32_t prev_state; /* enum vzh_state, before it */
	uint32_t reason; /* enum vzh_reason */
	uint32_t reserved0;
	const char *vm;
	uint64_t seq; /* the VM's event number (ctl events' "seq") */
	uint64_t timestamp_ns; /* CLOCK_REALTIME */
	const char *detail; /* what the log adds ("exit 3"), or NULL */
	/* ctl events' line for it (one JSON object, no newline) */
	const char *json;
};

typedef void (*vzh_transition_fn)(void *data, const struct vzh_transition *t);

/* ABI 1.3: a machine as a plugin's validator sees it (api->validator) */
struct vzh_machine {
	uint32_t struct_size;
	uint32_t guest; /* enum vzh_guest */
	const char *name;
	/* its vms[] entry: api->error(node, key, ...) names its file:line,
	   api->get_*(node, key, ...) reads it */
	const struct vzh_node *node;
	uint32_t cpus;
	uint32_t nested; /* 0 or 1 */
	uint64_t memory; /* bytes */
	uint32_t ndevices; /* what every plugin emitted for it */
	uint32_t reserved0;
};

/* every error through api->error(); 0, or -EINVAL when there was one */
typedef int (*vzh_validate_fn)(void *data, const struct vzh_machine *m);

/* ---- The core's loop (ABI 1.1) ----------------------------------------------
 *
 * Every callback of a plugin runs on the core's thread, from its poll() loop,
 * and must return quickly: a plugin that blocks stalls every VM.  The api is
 * not thread-safe.  A plugin with threads of its own hands their results to
 * the loop through a pipe whose read end it watches (api->watch), and calls
 * the api only from the loop's callbacks.
 */
enum vzh_watch_events {
	VZH_WATCH_READ = 1 << 0,
	VZH_WATCH_WRITE = 1 << 1,
	VZH_WATCH_HUP = 1 << 2, /* given to fn only: the peer is gone */
	VZH_WATCH_ERROR = 1 << 3 /* given to fn only */
};

/* ABI 1.1: why vzhost runs (api->mode): a plugin that needs its settings can
   stay quiet while plugins are only listed */
enum vzh_mode {
	VZH_MODE_LIST = 0, /* `vzhost plugins`: names and versions shown */
	VZH_MODE_CHECK = 1, /* --check, --print, install: nothing started */
	VZH_MODE_RUN = 2 /* the VMs start */
};

/* ABI 1.1: what a plugin may ask of a VM (api->vm_action), as the control
   socket can */
enum vzh_action {
	VZH_ACTION_REQUEST_STOP = 0, /* the stop chain (forced after
					stop_timeout) */
	VZH_ACTION_STOP = 1, /* forced now: the guest loses what it has not
				written */
	VZH_ACTION_PAUSE = 2,
	VZH_ACTION_RESUME = 3,
	VZH_ACTION_SAVE = 4, /* its state to path, then stopped */
	/* ABI 1.3 (api->vm_request) */
	VZH_ACTION_RESTART = 5, /* forced off now, then started again by the
				   restart policy: counted, its backoff,
				   given up as a crash loop is */
	VZH_ACTION_RESET = 6, /* the reset button: the guest boots again in
				 the same VM (Virtualization.framework,
				 which has none: stopped and started) */
	VZH_ACTION_START = 7 /* a VM kept stopped (after a save: restored
				from it) or waiting to restart: now */
};

/* ABI 1.3: a helper process as api->helper starts it (api->spawn's, and
   flags) */
enum vzh_helper_flags {
	/* it ends by itself when the hypervisor closes its end (swtpm
	   --terminate): an exit as its VM stops is expected, not warned of */
	VZH_HELPER_ENDS_WITH_VM = 1 << 0,
};

struct vzh_helper {
	uint32_t struct_size;
	uint32_t flags; /* enum vzh_helper_flags */
	const char *vm;
	const char *const *argv;
	const char *listen;
};

/* ABI 1.3: an action with the word that says why (api->vm_request) */
#define VZH_REASON_WORD_MAX 32
struct vzh_request {
	uint32_t struct_size;
	uint32_t action; /* enum vzh_action */
	const char *vm;
	const char *path; /* VZH_ACTION_SAVE only */
	/* why a stop, restart or reset is asked: 1 to VZH_REASON_WORD_MAX
	   of a-z, 0-9 and '-' ("unresponsive"), or NULL.  Logged, and kept
	   as the VM's stop_reason (`ctl status`, the hook JSON) until a stop
	   without one; "unresponsive" makes a stop or restart a crash:
	   on_crash decides what follows a stop, and the exit status says
	   not all went well */
	const char *reason;
};

typedef void (*vzh_watch_fn)(void *data, int fd, unsigned events);
typedef void (*vzh_timer_fn)(void *data);

/* ---- The function table handed to init() -------------------------------- */

/* syslog priorities, so plugins need not include <syslog.h> */
enum vzh_log_level {
	VZH_LOG_ERR = 3,
	VZH_LOG_WARNING = 4,
	VZH_LOG_NOTICE = 5,
	VZH_LOG_INFO = 6,
	VZH_LOG_DEBUG = 7
};

#if defined(__GNUC__) || defined(__clang__)
#define VZH_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VZH_PRINTF(a, b)
#endif

/*
 * Config getters: look up `key` in group `n`.  A missing key stores the default
 * and returns 0.  A value of the wrong type or out of range is reported at the
 * setting's file:line and returns -EINVAL; *out then holds the default.
 * Strings and nodes stay valid until the plugin's fini().
 */
struct vzh_api {
	uint32_t struct_size;
	uint32_t abi; /* the core's VZH_ABI_VERSION */

	/* (key NULL: n itself, such as an element of a list from list_elem) */
	int (*get_string)(const struct vzh_node *n, const char *key,
			  const char *def, const char **out);
	int (*get_int64)(const struct vzh_node *n, const char *key, int64_t def,
			 int64_t *out);
	int (*get_bool)(const struct vzh_node *n, const char *key, int def,
			int *out);
	/* "512M", "8G", "1T" (powers of 1024) or a byte count */
	int (*get_size)(const struct vzh_node *n, const char *key, uint64_t def,
			uint64_t *out);
	/* a string resolved against the config file's directory */
	int (*get_path)(const struct vzh_node *n, const char *key,
			const char *def, const char **out);
	/* a string that must be one of names[] (NULL-terminated); stores its
	   index, suggests the nearest name on a typo */
	int (*get_enum)(const struct vzh_node *n, const char *key,
			const char *const *names, int def, int *out);
	/* the group or list `key` of n, or NULL */
	const struct vzh_node *(*child)(const struct vzh_node *n,
					const char *key);
	int (*list_len)(const struct vzh_node *n);
	const struct vzh_node *(*list_elem)(const struct vzh_node *n, int i);
	/* "file:line" of n (or of n.key when key is not NULL and present) */
	const char *(*where)(const struct vzh_node *n, const char *key);
	/* report a configuration error at n.key (or n when key is NULL);
	   every error is shown, not only the first; returns -EINVAL */
	int (*error)(const struct vzh_node *n, const char *key, const char *fmt,
		     ...) VZH_PRINTF(3, 4);

	/* inside init() only; -EPERM elsewhere, -EEXIST for a taken kind */
	int (*register_kind)(struct vzh_host *h, const struct vzh_kind *kind);
	int (*subscribe)(struct vzh_host *h, enum vzh_event ev, int priority,
			 vzh_hook_fn fn, void *data);

	/* inside contribute() only: the entry and the VM it belongs to */
	const struct vzh_node *(*device_node)(const struct vzh_device *d);
	const char *(*device_vm)(const struct vzh_device *d);
	int (*device_index)(const struct vzh_device *d);
	enum vzh_guest (*device_guest)(const struct vzh_device *d);

	/* typed emitters; the core copies the struct and its strings */
	int (*emit_disk)(struct vzh_device *d, const struct vzh_disk *v);
	int (*emit_net)(struct vzh_device *d, const struct vzh_net *v);
	int (*emit_graphics)(struct vzh_device *d,
			     const struct vzh_graphics *v);
	int (*emit_keyboard)(struct vzh_device *d,
			     const struct vzh_keyboard *v);
	int (*emit_pointer)(struct vzh_device *d, const struct vzh_pointer *v);
	int (*emit_serial)(struct vzh_device *d, const struct vzh_serial *v);
	int (*emit_share)(struct vzh_device *d, const struct vzh_share *v);
	int (*emit_entropy)(struct vzh_device *d, const struct vzh_simple *v);
	int (*emit_balloon)(struct vzh_device *d, const struct vzh_simple *v);
	int (*emit_vsock)(struct vzh_device *d, const struct vzh_vsock *v);

	/* prefixed with the plugin's name; level is a syslog priority */
	void (*log)(struct vzh_host *h, int level, const char *fmt, ...)
		VZH_PRINTF(3, 4);
	/* the message shown when the current callback returns an error */
	void (*set_error)(struct vzh_host *h, const char *fmt, ...)
		VZH_PRINTF(2, 3);

	/* ABI 1.1 */
	/* n must be a group holding only keys (NULL-terminated): every other
	   member is an error at its file:line, with "did you mean"; 0 or
	   -EINVAL */
	int (*check_keys)(const struct vzh_node *n, const char *const *keys);
	/* the names logs, hooks and clients use ("running", "guest-shutdown",
	   "started"); NULL for a value this core does not know */
	const char *(*state_name)(enum vzh_state s);
	const char *(*reason_name)(enum vzh_reason r);
	const char *(*event_name)(enum vzh_event e);
	/* the name of the i-th member of group n (list_len counts them,
	   list_elem gives their nodes); NULL past the end or for a list */
	const char *(*member_name)(const struct vzh_node *n, int i);

	/* inside contribute() only */
	int (*emit_hvdev)(struct vzh_device *d, const struct vzh_hvdev *v);

	/* the core's loop (see above): fn(data, fd, events) when fd is ready
	   for events (VZH_WATCH_READ | VZH_WATCH_WRITE); again for the same fd
	   replaces the watch, events 0 removes it; 0 or -errno */
	int (*watch)(struct vzh_host *h, int fd, unsigned events,
		     vzh_watch_fn fn, void *data);
	/* fn(data) after ms milliseconds, then every period_ms (0: once);
	   an id > 0, or -errno */
	int64_t (*timer)(struct vzh_host *h, uint64_t ms, uint64_t period_ms,
			 vzh_timer_fn fn, void *data);
	/* a timer not yet due (or periodic) is dropped; 0 or -ENOENT */
	int (*timer_cancel)(struct vzh_host *h, int64_t id);
	/*
	 * A helper process serving VM vm (an NBD server, a switch), started now:
	 * vm must be starting or running (call it from a backend's open() or a
	 * prepare hook).  argv[0] is a path or a name looked up in PATH.  When
	 * listen is not NULL, the core binds a unix socket there (0600) and
	 * gives it to the helper as descriptor 3 with LISTEN_FDS=1 and
	 * LISTEN_PID (systemd's socket activation: nbdkit, qemu-storage-daemon
	 * with addr.type=fd), so that clients connecting before it is up wait
	 * in the socket's backlog.  Its standard output and error go to
	 * vzhost's log; it is ended (SIGTERM, SIGKILL 2 s later) when the VM
	 * stops and never outlives vzhost; an exit before that is logged.
	 * Returns its pid or -errno (with set_error's message).
	 */
	int (*spawn)(struct vzh_host *h, const char *vm,
		     const char *const *argv, const char *listen);
	/* the VM's private directory for sockets (0700, made at its start and
	   removed at its stop): its path is fixed for this vzhost process (also
	   inside contribute(), and across the VM's restarts), but it names
	   vzhost's pid: a --check or another run has another */
	const char *(*run_dir)(struct vzh_host *h, const char *vm);

	/* why vzhost runs: enum vzh_mode (also inside init) */
	int (*mode)(struct vzh_host *h);
	/* what a hook script gets: the VM as the JSON on its standard input
	   (with "address" once the bridge knows it), valid until the
	   callback returns; the config's absolute path (VZHOST_CONFIG); the
	   VM's control socket (VZHOST_CONTROL), NULL when it has none.  NULL
	   for a VM this host does not have */
	const char *(*machine_json)(struct vzh_host *h, const char *vm);
	const char *(*config_path)(struct vzh_host *h);
	const char *(*control_path)(struct vzh_host *h, const char *vm);
	/* ask the core to act on VM vm (a health monitor, say), as `vzhost
	   ctl` would; path for VZH_ACTION_SAVE only.  Carried out on the loop
	   right after the current callback, its outcome logged (and seen by
	   hooks as the events it leads to).  0 (taken), -EPERM (no VMs run:
	   not VZH_MODE_RUN), -ENOENT (no such VM), -EINVAL */
	int (*vm_action)(struct vzh_host *h, const char *vm,
			 enum vzh_action action, const char *path);

	/* ABI 1.3 */
	/* inside init() only: fn checks each machine when it is validated
	   (--check, --print and before any VM starts), after the core's own
	   checks, in load order; an error fails the run as the core's do */
	int (*validator)(struct vzh_host *h, vzh_validate_fn fn, void *data);
	/* inside init() only: fn sees every transition (above) */
	int (*subscribe_all)(struct vzh_host *h, vzh_transition_fn fn,
			     void *data);
	/* the MAC `nat` gives an entry without `mac`: FNV-1a (64 bits) of the
	   VM's name, '/' and the entry's index in vms[].devices as one byte,
	   its six low bytes from the lowest, the first made locally
	   administered and unicast ((b & 0xfc) | 0x02) */
	void (*derive_mac)(const char *vm, int index, uint8_t mac[6]);
	/* vm_action with a reason word, and restart, reset and start (ABI
	   1.3 actions): carried out and answered as vm_action is, -EINVAL
	   for a reason that is not a word */
	int (*vm_request)(struct vzh_host *h, const struct vzh_request *req);
	/* spawn (above), with flags: VZH_HELPER_ENDS_WITH_VM for a helper
	   that exits when the hypervisor closes its end; its pid or -errno */
	int (*helper)(struct vzh_host *h, const struct vzh_helper *spec);
	/* inside contribute() only: a channel (above) */
	int (*emit_channel)(struct vzh_device *d, const struct vzh_channel *v);

	/* ABI 1.4, inside contribute() only */
	/* a sound card (above) */
	int (*emit_sound)(struct vzh_device *d, const struct vzh_sound *v);
	/* the host's clipboard shared with the guest's SPICE agent
	   (spice-vdagent) on port VZH_CLIPBOARD_PORT */
	int (*emit_clipboard)(struct vzh_device *d, const struct vzh_simple *v);
	/* Rosetta (above) */
	int (*emit_rosetta)(struct vzh_device *d, const struct vzh_rosetta *v);
	/* a USB (XHCI) controller: where `vzhost ctl VM usb attach` plugs
	   disks in while the VM runs */
	int (*emit_usb)(struct vzh_device *d, const struct vzh_simple *v);
};

#ifdef __cplusplus
}
#endif
#endif /* VZHOST_PLUGIN_H */
