/* qemu.h: the QEMU bridge's private types, shared by its files. */
#ifndef VZH_QEMU_H
#define VZH_QEMU_H

#include <stdbool.h>
#include <sys/types.h>

#include "../bridge.h"
#include "qmp.h"

struct bridge {
	struct bridge_env env;
	char *binary; /* qemu-system-<arch> */
	char *accel; /* "kvm" or "tcg" */
	char *virtiofsd; /* NULL when not installed */
	char *ovmf_code, *ovmf_vars; /* NULL when OVMF is not installed */
	bool vsock; /* /dev/vhost-vsock usable */
	bool kvm_nested;
};

/* One VM: its QEMU process, channels and where it is in its lifecycle. */
/* a slot of the guest's USB controller (usb.c) */
struct qusb {
	struct bvm *vm;
	unsigned slot;
	char *path; /* the image plugged in, or being plugged in */
	bool detaching; /* device_del asked, DEVICE_DELETED not seen */
	long long until; /* ms: ... by then, or the pull is said to fail */
};

struct bvm {
	struct bridge *b;
	const struct machine *m;
	unsigned index;
	enum vzh_state state;
	pid_t pid;
	int out_fd, err_fd;
	int in_fd; /* the stdio console's input (QEMU's stdin), or -1 */
	struct qmp qmp;
	char *run_dir, *efi_vars;
	char *run_name; /* run_dir inside the state directory */
	char *scratch; /* ephemeral overlays' private directory on disk, when
			  run_dir is in memory (NULL: run_dir) */
	pid_t *fsd; /* virtiofsd per share */
	size_t nfsd;
	char out[4096], err[4096];
	char last_err[480]; /* QEMU's last line on stderr, already logged */
	size_t outlen, errlen;
	bool stop_requested; /* system_powerdown sent */
	bool quitting; /* `quit` sent */
	bool shutdown_seen; /* SHUTDOWN event: QEMU will exit on purpose */
	bool saving, restoring, paused_for_save;
	bool resume_after_save; /* it ran before the save: it runs again if the
				   save fails */
	char *save_path; /* where the state goes, once complete */
	char *save_tmp; /* where it is written meanwhile, beside it */
	int save_fd; /* our descriptor of save_tmp, to sync it */
	/* the save's progress, from QEMU's migration status (query-migrate
	   every SAVE_PROGRESS_MS): bytes sent of the total, 0: not known */
	uint64_t save_done, save_total;
	long long progress_at; /* ms: the next query, 0: none */
	bool progress_asked; /* a query is under way */
	int restore_fd; /* the saved state, until QEMU has it */
	long long kill_at; /* ms, 0: none */
	long long last_reset; /* ms */
	char guest_reason[32];
	char ptys[BRIDGE_PTYS_MAX][64]; /* QEMU's names, from query-chardev */
	size_t nptys;
	struct qusb usb[BRIDGE_USB_SLOTS];
};

extern const struct bridge_ops qemu_bridge;

struct argv {
	char **v;
	size_t n, cap;
};

struct launch {
	int qmp_fd; /* the child's number of the QMP socket */
	const char *incoming; /* "defer" to restore, or NULL */
	const char *efi_vars; /* the VM's own copy */
	const char *run_dir; /* private, for virtiofsd sockets */
	unsigned vsock_cid;
};

void argv_add(struct argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void argv_free(struct argv *a);
int qemu_probe(const struct bridge_env *env, struct bridge **out,
	       struct diag *d);
int qemu_validate(struct bridge *b, const struct machine *m, struct diag *d);
/* a plugin's parts (struct vzh_hvdev) of m: groups, ids, references (parts.c) */
void qemu_parts_check(const struct machine *m, struct diag *d);
/* the types and properties of m's parts against what this host's QEMU has
   (caps.c: asked once, cached by the binary's path, size and mtime) */
void qemu_caps_check(const struct bridge *b, const struct machine *m,
		     struct diag *d);
/* an id vzhost's own options use (argv.c) */
bool qemu_id_reserved(const char *id);
/* usb.c: the bridge's usb op; a DEVICE_DELETED event's device id */
int qemu_usb(struct bvm *vm, unsigned slot, const char *path);
void qemu_usb_deleted(struct bvm *vm, const char *id);
/* the earliest deadline of a pull under way (ms), 0: none; and its end */
long long qemu_usb_deadline(const struct bvm *vm);
void qemu_usb_overdue(struct bvm *vm);
void qemu_free(struct bridge *b);
/* why KVM cannot run ordinary guests, or NULL: the facts of /dev/kvm's open
   (0 or errno) and which kvm modules are loaded */
const char *qemu_kvm_verdict(int open_errno, bool intel, bool amd, bool pvm);

/* console output and QEMU's messages (io.c) */
void qemu_pass_output(struct bvm *vm, bool flush);
void qemu_collect_stderr(struct bvm *vm);
void qemu_log_stderr(struct bvm *vm, bool flush);

/* the whole command line for m */
void qemu_build_argv(const struct bridge *b, const struct machine *m,
		     const struct launch *l, struct argv *a);
/* the virtiofsd command line for one share, serving the listening socket
   it gets as descriptor fd */
void virtiofsd_argv(const char *binary, int fd, const char *source,
		    struct argv *a);
/* QEMU's name for a host architecture, or NULL */
const char *qemu_arch(void);

#endif
