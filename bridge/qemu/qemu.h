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
/* the whole command line for m */
void qemu_build_argv(const struct bridge *b, const struct machine *m,
		     const struct launch *l, struct argv *a);
/* QEMU's name for a host architecture, or NULL */
const char *qemu_arch(void);

#endif
