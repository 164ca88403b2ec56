/* limitdiag.h: why the hypervisor refused a VM for its limit: held by live VMs, or slots the host kernel leaked. */
#ifndef VZH_LIMITDIAG_H
#define VZH_LIMITDIAG_H

#include <jansson.h>
#include <stddef.h>

#include "../bridge/bridge.h"

enum limit_kind {
	LIMIT_HELD, /* the live VMs fill the limit: waiting may help */
	LIMIT_LEAKED, /* fewer live than the limit: only a host restart helps */
};

struct limit_verdict {
	enum limit_kind kind;
	unsigned leaked; /* LIMIT_LEAKED: how many slots */
	char *text; /* one paragraph for the user (caller frees) */
};

/*
 * limit: the VMs the hypervisor allows; ledger: vzhost's records (slots.h,
 * JSON objects); alive: the hypervisor's VMs alive host-wide, whoever started
 * them.  vzhost's own are named from the ledger (an alive VM whose owner pid
 * holds a record), the others by pid and owner.
 */
void limit_classify(unsigned limit, json_t *ledger, const struct hv_proc *alive,
		    size_t nalive, struct limit_verdict *v);

#endif
