/* netdrop.c: a NIC whose attachment the framework dropped: which device it is, and whether and when it gets a new one. */
#include <stdlib.h>

#include "plan.h"

size_t vz_nics(const struct vz_plan *p, const struct machine *m,
	       struct vz_nic **out)
{
	struct vz_nic *nics = calloc(p->ndevs ? p->ndevs : 1, sizeof(*nics));
	size_t i, n = 0;

	*out = nics;
	if (!nics)
		return 0;
	/* (config.m lists the NICs in the plan's order, and the framework
	   its networkDevices in the configuration's) */
	for (i = 0; i < p->ndevs; i++) {
		if (p->devs[i].kind != VZ_DEV_NET_NAT)
			continue;
		nics[n].dev = p->devs[i].dev;
		nics[n].index = (unsigned)(p->devs[i].dev - m->devs);
		n++;
	}
	return n;
}

long long vz_netdrop(struct vz_nic *nic, long long now_ms)
{
	unsigned i, kept = 0;

	/* the drops of the last window, oldest first */
	for (i = 0; i < nic->ndrops; i++)
		if (now_ms - nic->drops[i] < VZ_NETDROP_WINDOW_MS)
			nic->drops[kept++] = nic->drops[i];
	nic->ndrops = kept;
	if (kept == VZ_NETDROP_TRIES)
		return -1;
	nic->drops[nic->ndrops++] = now_ms;
	return kept ? 1000ll << (kept - 1) : 0;
}
