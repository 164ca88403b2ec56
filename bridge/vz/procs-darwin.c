/* procs-darwin.c: the Virtualization.framework VMs alive on this Mac, whatever tool started them (libproc), for the VM-limit diagnosis. */
#include <errno.h>
#include <libproc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/proc_info.h>

#include "../bridge.h"
#include "vz.h"

/* every VZ guest runs in its own service process of this name */
#define VZ_SERVICE "com.apple.Virtualization.VirtualMachine"

int vz_alive_procs(struct hv_proc **out, size_t *n)
{
	int cap = proc_listallpids(NULL, 0), got, i;
	struct proc_bsdinfo bi;
	char name[2 * MAXCOMLEN + 1];
	pid_t *pids;

	*out = NULL;
	*n = 0;
	if (cap <= 0)
		return -errno;
	cap += 64; /* room for what starts meanwhile */
	pids = calloc((size_t)cap, sizeof(*pids));
	if (!pids)
		return -ENOMEM;
	got = proc_listallpids(pids, cap * (int)sizeof(*pids));
	*out = calloc((size_t)(got > 0 ? got : 1), sizeof(**out));
	if (got <= 0 || !*out) {
		free(pids);
		free(*out);
		*out = NULL;
		return got <= 0 ? -errno : -ENOMEM;
	}
	for (i = 0; i < got; i++) {
		if (proc_name(pids[i], name, sizeof(name)) <= 0 ||
		    strcmp(name, VZ_SERVICE))
			continue;
		(*out)[*n].pid = pids[i];
		/* launchd starts the service for the app: the app itself is
		   not its parent, so the owner stays unknown here; vzhost's
		   own VMs are told from the ledger's count */
		if (proc_pidinfo(pids[i], PROC_PIDTBSDINFO, 0, &bi,
				 sizeof(bi)) == (int)sizeof(bi) &&
		    bi.pbi_ppid > 1) {
			(*out)[*n].owner_pid = (int)bi.pbi_ppid;
			proc_name((int)bi.pbi_ppid, (*out)[*n].owner,
				  sizeof((*out)[*n].owner));
		}
		(*n)++;
	}
	free(pids);
	return 0;
}
