/* vz.h: the Virtualization.framework bridge's plain-C parts: decisions the Objective-C only carries out. */
#ifndef VZH_VZ_H
#define VZH_VZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bridge.h"

#define VZ_ERROR_DOMAIN "VZErrorDomain"

/* VZVirtualMachineState's value -> vzhost's state (unknown: error) */
enum vzh_state vz_state(long vz);

enum vz_err_kind {
	VZ_ERR_FAILED, /* the operation failed; the VM may be gone */
	VZ_ERR_START, /* the VM cannot start as configured */
	VZ_ERR_REFUSED, /* not in this state: a refusal, the VM unchanged */
	VZ_ERR_LIMIT, /* the host's VM limit (code 6): the slot classifier */
	VZ_ERR_SAVE, /* a save failed: the VM carries on */
	VZ_ERR_RESTORE, /* a restore failed: the saved state is kept */
};

struct vz_error_class {
	enum vz_err_kind kind;
	const char *what; /* for the user; NULL: say the domain and code */
};

/* an NSError's domain and code -> what it means (by number, never by its
   localized text) */
void vz_error(const char *domain, long code, struct vz_error_class *out);
/* the reason of the stop an error of this kind ends in */
enum vzh_reason vz_error_reason(enum vz_err_kind kind, bool starting);

/* macOS's DHCP server's leases, where NAT guests get their address */
#define VZ_LEASES "/var/db/dhcpd_leases"

/* the address of the latest lease of mac in the text of a lease database
   (ip: at least 46 bytes): 0, or -ENOENT */
int vz_lease_find(const char *text, size_t len, const uint8_t mac[6], char *ip,
		  size_t iplen);
/* the same from the file at path: 0, -ENOENT, or -errno of reading it */
int vz_lease_lookup(const char *path, const uint8_t mac[6], char *ip,
		    size_t iplen);

/* the VZ guests alive host-wide (*out malloc'd): 0 or -errno
   (procs-darwin.c: macOS only) */
int vz_alive_procs(struct hv_proc **out, size_t *n);

#endif
