/* runner.h: the state of a running host, shared by the loop, events, hooks, control and locks. */
#ifndef VZH_RUNNER_H
#define VZH_RUNNER_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "../bridge/bridge.h"
#include "fd.h"
#include "host.h"
#include "ready.h"
#include "restart.h"
#include "slots.h"

struct ctl_client;
struct stat;
struct hook_job;
struct runner;
struct vmrun;

/* What control clients may ask of a VM: the loop's (run.c, run_actions),
   reached through r->act so that the control socket depends on nothing
   above it.  Each returns with the bridge's events taken: the VM's state is
   the one the request led to.  0 or -errno; save: -ENOTSUP with *why when
   the bridge cannot save this VM */
struct runner_actions {
	int (*stop)(struct runner *r, struct vmrun *v, bool force,
		    const char *word);
	int (*pause)(struct runner *r, struct vmrun *v);
	int (*resume)(struct runner *r, struct vmrun *v);
	int (*save)(struct runner *r, struct vmrun *v, const char *path,
		    char **why);
	/* a VM stopped by save continues from path: its start chain, then
	   the hypervisor's restore, then it runs (events) */
	int (*restore)(struct runner *r, struct vmrun *v, const char *path,
		       char **why);
	/* v missed its ready timeout: what on_not_ready says */
	void (*not_ready)(struct runner *r, struct vmrun *v);
	/* a plugin's (api->vm_request): forced off, then started again by
	   the restart policy; the reset button (a bridge without one: forced
	   off and started at once, not counted); a VM kept after a save
	   (restored from it) or waiting to restart, started now */
	int (*restart)(struct runner *r, struct vmrun *v, const char *word);
	int (*reset)(struct runner *r, struct vmrun *v, const char *word);
	int (*start)(struct runner *r, struct vmrun *v, char **why);
	/* the bridge's usb op (bridge.h): path NULL pulls the slot's disk */
	int (*usb)(struct runner *r, struct vmrun *v, unsigned slot,
		   const char *path);
};

/* a slot of a VM's USB controller (ctl VM usb) */
struct usb_slot {
	char *path; /* the disk in it, or the one being plugged in; NULL */
	bool busy; /* asked of the bridge, its note not come yet */
	bool in; /* the guest has it */
	int lock; /* its image's lock (lock_usb), -1: none */
	dev_t dev; /* the image, whatever path named it */
	ino_t ino;
};

struct vmrun {
	struct machine *m;
	unsigned index;
	struct bvm *bvm;
	enum vzh_state state;
	bool done; /* stopped for good: no restart coming */
	bool failed; /* the exit status will say 1 */
	bool stopping; /* a stop chain is under way */
	long long force_at; /* ms: the stop chain's deadline, 0: none */
	long long restart_at; /* ms: a restart is due, 0: none */
	struct restart_log restart;
	long long since; /* ms (CLOCK_REALTIME) of the last start */
	int listen_fd; /* control socket */
	char *sock_path;
	struct fd_ident sock_id; /* which file at sock_path is ours */
	char *state_file; /* on_host_stop = "save" */
	bool restoring; /* starting from state_file, not yet restored */
	char *saved_to; /* stopped by ctl save to this file: kept for a
			   restore (not done) */
	char *restore_from; /* restoring from this file (ctl restore) */
	bool saving; /* a save is under way */
	bool host_stop_save; /* ... the one on_host_stop asked for */
	int *locks; /* disk lock descriptors */
	size_t nlocks;
	struct slot slot; /* its ledger record, kept across restarts */
	long long slot_until; /* ms: waiting for a slot until then, 0: not */
	long long slot_retry_at; /* ms: the next look at the ledger, 0: none */
	long long ledger_busy_since; /* ms: others' starts in the way since */
	bool limited; /* refused a slot: exit status 75 */
	struct hook_job *jobs; /* hook scripts queued, in order */
	bool vetoing; /* the scripts of a veto point run ... */
	enum vzh_event veto_point; /* ... this one (prepare, start) */
	bool veto_done; /* ... they are over */
	char *veto_why; /* ... and one said no: why */
	uint64_t seq; /* events so far */
	struct ctl_client *console_writer; /* who types into its console */
	struct ready_run rdy; /* its ready check (ready.c) */
	bool restart_asked; /* stopped to start again (on_not_ready = "restart",
			       a plugin's restart) */
	bool reset_asked; /* ... at once, not counted (a plugin's reset) */
	bool resetting; /* the start due is a reset's */
	unsigned restarts; /* restarts since vzhost started (ctl status) */
	/* NICs whose attachment dropped, were given a new one (since vzhost
	   started), and are without one now (this run) */
	unsigned net_drops, net_reattached, net_down;
	struct usb_slot usb[BRIDGE_USB_SLOTS];
	/* the word of the last stop asked with one (a plugin's: "unresponsive"),
	   kept until a stop without one; worded: the stop under way is it */
	char stop_reason[VZH_REASON_WORD_MAX + 1];
	bool worded;
	bool ready_at_save; /* its last save was of a ready guest */
	char *typed; /* what a console client typed and left before the guest
			could take it: the guest gets it (ctl.c) */
	size_t ntyped;
	bool console_spoke; /* its console said something since it started
			       (or the guest reset): typing reaches it (for
			       input_after = "output") */
};

struct runner {
	struct host *h;
	const struct bridge_ops *ops;
	const struct runner_actions *act;
	struct bridge *b;
	struct vmrun *vms;
	int ev[2];
	int sigfd; /* the self-pipe (core/sig.h) */
	int state_fd; /* the state directory, checked (core/statedir.h) */
	int locks_fd; /* its locks/ */
	int slots_fd; /* its slots/: the slot ledger (core/slots.h) */
	char boot[64]; /* this boot's id: what the ledger learnt holds */
	unsigned interrupts;
	char **hooks; /* hook scripts, in name order */
	size_t nhooks;
	struct ctl_client *clients;
	char *config; /* absolute path of the config */
	int status;
	bool ready_said; /* READY=1 sent to the service manager */
	unsigned running_said; /* the VMs running its STATUS= last said */
};

/* r's VM of this name, or NULL (r or name NULL too) */
static inline struct vmrun *runner_vm(struct runner *r, const char *name)
{
	size_t i;

	for (i = 0; r && name && i < r->h->nvms; i++)
		if (!strcmp(r->vms[i].m->name, name))
			return &r->vms[i];
	return NULL;
}

/* the event bus (events.c): one transition, to every consumer in order */
void events_transition(struct runner *r, struct vmrun *v, enum vzh_state state,
		       enum vzh_reason reason, const char *detail);
/* a veto point (prepare, start): plugin hooks now, then the scripts queued
   (hooks_veto); 0: passed, 1: the scripts run, or -errno with *why set
   (caller frees) */
int events_veto(struct runner *r, struct vmrun *v, enum vzh_event ev,
		char **why);
/* what befell device dev of v (a bridge's note): no transition, no hook
   point; the log, ctl status's counts, ctl events */
void events_note(struct runner *r, struct vmrun *v, enum bridge_note note,
		 unsigned dev, const char *detail);
/* those counts as ctl status and the hook JSON show them: {"drops": N,
   "reattached": N, "down": N} */
struct json_t;
struct json_t *events_network(const struct vmrun *v);
/* a hook point that is no transition (release, limit) */
void events_point(struct runner *r, struct vmrun *v, enum vzh_event ev,
		  enum vzh_reason reason);
/* the hook point a transition is, or -1 */
int events_hook_point(enum vzh_state prev, enum vzh_state state,
		      enum vzh_reason reason);

/* hook scripts (hooks.c) */
/* the VM as JSON, what a hook script reads on its standard input (malloc'd) */
char *hooks_json(struct runner *r, struct vmrun *v);
int hooks_scan(struct runner *r, struct diag *d);
void hooks_queue(struct runner *r, struct vmrun *v, enum vzh_event ev,
		 enum vzh_state prev, enum vzh_state state,
		 enum vzh_reason reason);
/* queue a veto point's scripts: 0 when there are none, 1 when queued; when
   they are over, v->veto_done, with v->veto_why when one said no */
int hooks_veto(struct runner *r, struct vmrun *v, enum vzh_event ev);
/* v's start is off: its veto scripts are ended, their verdict dropped */
void hooks_cancel(struct vmrun *v);
/* vzhost was told to stop: the scripts running now are ended (their process
   group: SIGTERM, SIGKILL a second later); the ones its stop chain queues
   then run as usual */
void hooks_interrupt(struct runner *r);
int hooks_pollfds(struct runner *r, struct pollfd *fds, int max,
		  int *timeout_ms);
void hooks_dispatch(struct runner *r);
bool hooks_idle(const struct runner *r);
void hooks_free(struct runner *r);

/* the control socket (ctl.c) */
int ctl_listen(struct runner *r, struct vmrun *v, char **why);
void ctl_close(struct runner *r, struct vmrun *v);
/* serve a connected socket as a client of v (tests, fuzzing) */
void ctl_attach(struct runner *r, struct vmrun *v, int fd);
int ctl_pollfds(struct runner *r, struct pollfd *fds, int max);
void ctl_dispatch(struct runner *r, const struct pollfd *fds, int n);
void ctl_broadcast(struct runner *r, struct vmrun *v, const char *line);
/* VM vm's console said s[0..n): to its console clients (a
   console_listener_fn: arg is the runner) */
void ctl_console_output(void *arg, unsigned vm, const char *s, size_t n);
/* v changed state: the clients waiting for a pause or resume get their
   answer when it got there (or failed: error, with detail) */
void ctl_transition(struct runner *r, struct vmrun *v, int error,
		    const char *detail);
/* v's ready check passed (why NULL) or timed out: who waits hears it */
void ctl_ready(struct runner *r, struct vmrun *v, const char *why);
/* a save of v ended: the clients waiting for it get their answer */
void ctl_save_done(struct runner *r, struct vmrun *v, bool ok, const char *why);
/* a bridge's note on USB slot slot: the slot as it is now, and the client
   that asked told */
void ctl_usb_done(struct runner *r, struct vmrun *v, unsigned slot,
		  enum bridge_note note, const char *detail);
/* why v cannot be saved for its USB disks (malloc'd), or NULL: a restore
   builds the machine from its config, without the disks plugged in since,
   and the saved state would not fit it */
char *ctl_usb_no_save(const struct vmrun *v);
/* v stopped: its USB slots are empty, who waits on one is told */
void ctl_usb_gone(struct runner *r, struct vmrun *v);
void ctl_free(struct runner *r);

/* take the bridge's pending events now (run.c) */
void runner_drain(struct runner *r);
extern const struct runner_actions run_actions;

/* disk locks (lock.c): the image paths, before images are created; then
   the images */
int lock_paths(struct runner *r, struct vmrun *v, char **why);
int lock_disks(struct runner *r, struct vmrun *v, char **why);
void unlock_disks(struct runner *r, struct vmrun *v);
/* an image plugged into v's USB controller: opened, a raw image, locked as
   a writable disk (its holder noted); the lock's descriptor with *st, or
   -EBUSY with *why (malloc'd) */
int lock_usb(struct runner *r, struct vmrun *v, const char *path,
	     struct stat *st, char **why);
void unlock_usb(struct runner *r, int fd);

#endif
