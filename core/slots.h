/* slots.h: the slot ledger: one record per running VM, write-locked by its vzhost, and admission against the host's limits. */
#ifndef VZH_SLOTS_H
#define VZH_SLOTS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* what a VM asks for, and the limits it is admitted under */
struct slot_request {
	const char *vm;
	bool macos; /* counted against macos_slots too */
	const char *bridge;
	const char *config;
	unsigned max_vms; /* 0: no limit */
	unsigned macos_slots; /* 0: not counted (the hypervisor decides) */
	unsigned busy_ms; /* how long this start has been answered -EBUSY */
};

/* a VM's place in the ledger, held while it runs (restarts included) */
struct slot {
	char *name; /* its file name in the ledger; NULL: none held */
	int fd; /* the record, write-locked */
};

/*
 * No ledger-wide lock: req's record is created first, pending, then the
 * live records are counted (one whose write lock is free is stale: removed
 * when it is ours, and said once), and the record is promoted when req fits
 * the limits.  0: admitted (s filled); -EAGAIN: no slot, *why names the
 * limit and every holder (VM, pid, config, since); -EBUSY: other starts
 * compete for the last slot and may yet withdraw: look again after
 * slots_backoff_ms() (from busy_ms = 2 s on, their records count as
 * holders); other -errno with *why.  The caller frees *why.
 */
int slots_admit(int dirfd, const struct slot_request *req, struct slot *s,
		char **why);
/* after -EBUSY, how long to wait before the next look: random, so that
   starts racing for one slot spread out */
unsigned slots_backoff_ms(void);
/* how many of these records (slots_holders') are macOS guests */
size_t slots_macos(json_t *recs);
/* give the slot back (the VM is over for good) */
void slots_release(int dirfd, struct slot *s);
/* the live records (admitted, or still starting) as JSON objects {vm, pid,
   guest, bridge, config, since}, stale ones of ours removed; NULL when the
   ledger cannot be read */
json_t *slots_holders(int dirfd);

/*
 * What the hypervisor taught, kept until the host reboots (boot: the boot's
 * id, os_boot_id), one note per user: slots the host kernel leaked (count,
 * since ms), and a limit higher than assumed (a VM ran beyond it).  0 when
 * none this boot.
 */
void slots_note_leak(int dirfd, unsigned n, const char *boot);
unsigned slots_leaked(int dirfd, const char *boot, long long *since);
void slots_learn(int dirfd, unsigned limit, const char *boot);
unsigned slots_learnt(int dirfd, const char *boot);

#endif
