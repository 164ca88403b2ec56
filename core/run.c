/* run.c: running the machines: start sequence, stop chain, restarts, signals, the poll loop. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "backend.h"
#include "bridges.h"
#include "console.h"
#include "fd.h"
#include "hostport.h"
#include "input.h"
#include "limitdiag.h"
#include "log.h"
#include "notify.h"
#include "os.h"
#include "ploop.h"
#include "proc.h"
#include "restart.h"
#include "runapi.h"
#include "statedir.h"
#include "runner.h"
#include "sig.h"
#include "state.h"
#include "util.h"

#define MAX_POLL 1024
#define FD_WANTED 4096 /* the soft descriptor limit raised to (at most) */
#define SLOT_RECHECK_MS 1000 /* waiting for a slot: a look at the ledger */
#define LEDGER_BUSY_MS 10000 /* others' starts in the way: at most this long */

static void fill_env(struct host *h, const struct bridge_ops *ops,
		     struct bridge_env *env, int state_fd, int event_fd)
{
	const struct host_settings *hs = &h->set;
	size_t i;

	memset(env, 0, sizeof(*env));
	env->state_dir = hs->state_dir;
	env->state_fd = state_fd;
	env->event_fd = event_fd;
	env->several = h->nvms > 1;
	/* its own settings: one run of the table's order */
	for (i = 0; i < hs->nbridge_settings; i++) {
		if (strcmp(hs->bridge_owners[i], ops->name))
			continue;
		if (!env->settings)
			env->settings = &hs->bridge_settings[i];
		env->nsettings++;
	}
}

void run_bridge_env(struct host *h, const struct bridge_ops *ops,
		    struct bridge_env *env)
{
	fill_env(h, ops, env, -1, -1);
}

/* on_host_stop = "save" that the bridge cannot honour: said before it
   matters */
static void check_savable(const struct bridge_ops *ops, const struct machine *m)
{
	char *why = NULL;

	if (m->on_host_stop == HOST_STOP_SAVE && ops->can_save &&
	    !ops->can_save(m, &why))
		log_msg(LOG_WARNING, m->name,
			"on_host_stop = \"save\": %s: it will be shut down "
			"at host stop instead",
			why);
	free(why);
}

int run_check_bridge(struct host *h, bool strict, FILE *out)
{
	const struct bridge_ops *ops;
	struct bridge_env env;
	struct bridge *b = NULL;
	struct diag probe = { 0 };
	size_t i;
	int ret = 0;

	ops = bridges_pick(h->set.bridge, &probe);
	if (ops)
		fill_env(h, ops, &env, -1, -1);
	if (ops && ops->probe(&env, &b, &probe) == 0) {
		for (i = 0; i < h->nvms; i++) {
			if (ops->validate(b, &h->vms[i], &h->diag) < 0)
				ret = -EINVAL;
			else if (out && ops->describe)
				ops->describe(b, &h->vms[i], out, &h->diag);
			check_savable(ops, &h->vms[i]);
		}
		ops->free(b);
	} else if (strict) {
		diag_print(&probe, stderr);
		ret = -ENODEV;
	} else {
		for (i = 0; i < probe.n; i++)
			log_msg(LOG_WARNING, NULL,
				"not checked against a hypervisor: %s",
				probe.msgs[i]);
		/* what can be told without it, and what cannot */
		for (i = 0; ops && ops->describe && i < h->nvms; i++)
			if (ops->describe(NULL, &h->vms[i], out, &h->diag) < 0)
				ret = -EINVAL;
	}
	diag_free(&probe);
	return ret;
}

/* a disk with a size that does not exist yet: a sparse image, now */
static int prepare_disks(struct machine *m, char **why)
{
	char buf[32];
	size_t i;
	int fd;

	for (i = 0; i < m->ndevs; i++) {
		const struct vzh_disk *d = &m->devs[i].u.disk;

		if (m->devs[i].cls != DEV_DISK || !d->size ||
		    access(d->path, F_OK) == 0)
			continue;
		fd = open(d->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0600);
		if (fd < 0 || ftruncate(fd, (off_t)d->size) < 0) {
			*why = xasprintf("cannot create %s: %s", d->path,
					 strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(d->path);
			}
			return -EIO;
		}
		close(fd);
		util_format_size(d->size, buf, sizeof(buf));
		log_msg(LOG_INFO, m->name, "created %s (%s, sparse)", d->path,
			buf);
	}
	return 0;
}

/* the VM is over for good: nothing of it stays behind */
static void finish(struct runner *r, struct vmrun *v, bool failed)
{
	v->done = true;
	v->failed |= failed;
	v->restart_at = v->slot_retry_at = 0;
	/* held across restarts: given back only now */
	slots_release(r->slots_fd, &v->slot);
	ctl_close(r, v);
}

static void release(struct runner *r, struct vmrun *v)
{
	if (v->bvm) {
		r->ops->destroy(v->bvm);
		v->bvm = NULL;
	}
	backend_close(r, v);
	unlock_disks(r, v);
	events_point(r, v, VZH_EV_RELEASE, VZH_REASON_NONE);
}

/* a VM stopped by ctl save, or whose restore from there did not happen:
   kept, stopped, for `ctl VM restore` (not while vzhost stops) */
static bool keep_saved(struct runner *r, struct vmrun *v)
{
	if (!v->saved_to || r->interrupts)
		return false;
	v->restoring = false;
	free(v->restore_from);
	v->restore_from = NULL;
	slots_release(r->slots_fd, &v->slot); /* not running */
	log_msg(LOG_NOTICE, v->m->name,
		"saved to %s: `vzhost ctl %s restore %s` continues it; `ctl %s "
		"stop` lets it go",
		v->saved_to, v->m->name, v->saved_to, v->m->name);
	return true;
}

/* a start that did not happen: say why, leave nothing allocated */
static void abandon(struct runner *r, struct vmrun *v, char *why)
{
	log_msg(LOG_ERR, v->m->name, "start abandoned: %s", why);
	if (v->bvm || v->nlocks)
		release(r, v);
	else
		backend_close(r, v);
	v->state = VZH_STATE_STOPPED;
	/* a restore of a kept VM: it stays kept, and who asked hears why */
	if (v->restore_from && keep_saved(r, v))
		ctl_transition(r, v, -ECANCELED, why);
	else
		finish(r, v, true);
	free(why);
}

/* NAME.state.ready beside the host-stop save: the guest was ready when
   saved (the next vzhost restores it ready); on, or removed */
static void ready_mark(struct runner *r, struct vmrun *v, bool on)
{
	char *name = xasprintf("%s.state.ready", v->m->name);
	int fd;

	if (!on)
		unlinkat(r->state_fd, name, 0);
	else if ((fd = openat(r->state_fd, name,
			      O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			      0600)) >= 0)
		close(fd);
	free(name);
}

static bool ready_marked(struct runner *r, struct vmrun *v)
{
	char *name = xasprintf("%s.state.ready", v->m->name);
	struct stat st;
	bool yes = fstatat(r->state_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		   S_ISREG(st.st_mode) && st.st_uid == geteuid();

	free(name);
	return yes;
}

/* a state saved at the last host stop: 1 when there is one to restore, 0,

   or -errno with *why (a file that is not ours to read is not booted past) */
static int saved_state(struct runner *r, struct vmrun *v, char **why)
{
	char *name;
	int fd;

	if (!v->state_file)
		return 0;
	name = xasprintf("%s.state", v->m->name);
	fd = statedir_read(r->state_fd, name, v->state_file, why);
	free(name);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	close(fd);
	return 1;
}

static void veto(struct runner *r, struct vmrun *v, enum vzh_event ev);

/* the veto point ev passed: the next step of the start */
static void proceed(struct runner *r, struct vmrun *v, enum vzh_event ev)
{
	char *why = NULL;
	int ret;

	if (ev == VZH_EV_PREPARE) {
		if ((ret = lock_paths(r, v, &why)) < 0 ||
		    (ret = prepare_disks(v->m, &why)) < 0 ||
		    (ret = lock_disks(r, v, &why)) < 0 ||
		    (ret = hostport_check(v->m, &why)) < 0 ||
		    (ret = backend_open(r, v, &why)) < 0) {
			abandon(r, v, why);
			return;
		}
		ret = r->ops->create(r->b, v->m, v->index, &v->bvm);
		if (ret < 0)
			abandon(r, v, xasprintf("%s", strerror(-ret)));
		else
			veto(r, v, VZH_EV_START);
		return;
	}
	v->since = util_wall_ms();
	/* saved at the last host stop, or by ctl save: continue from there,
	   once */
	if (v->restoring)
		r->ops->restore(v->bvm, v->restore_from ? v->restore_from :
							  v->state_file);
	else
		r->ops->start(v->bvm);
}

/* plugin hooks say now; scripts when they are over (veto_over): the loop
   serves everything else meanwhile */
static void veto(struct runner *r, struct vmrun *v, enum vzh_event ev)
{
	char *why = NULL;
	int ret = events_veto(r, v, ev, &why);

	if (ret < 0) {
		abandon(r, v, why);
	} else if (ret == 0) {
		proceed(r, v, ev);
	} else {
		v->vetoing = true;
		v->veto_point = ev;
	}
}

/* a veto point's scripts are over */
static void veto_over(struct runner *r, struct vmrun *v)
{
	char *why = v->veto_why;

	v->vetoing = false;
	v->veto_done = false;
	v->veto_why = NULL;
	if (why)
		abandon(r, v, why);
	else
		proceed(r, v, v->veto_point);
}

static void refused(struct runner *r, struct vmrun *v, const char *why);

/* macOS guests at once: host.macos_slots, or more when the hypervisor ran
   more this boot (0: not counted) */
static unsigned macos_limit(struct runner *r)
{
	unsigned set = r->h->set.macos_slots,
		 learnt = slots_learnt(r->slots_fd, r->boot);

	return set && learnt > set ? learnt : set;
}

/* the hypervisor VMs alive host-wide into *n; false when it cannot tell */
static bool alive_vms(struct runner *r, struct hv_proc **alive, size_t *n)
{
	*alive = NULL;
	*n = 0;
	if (r->ops->alive && r->ops->alive(r->b, alive, n) == 0)
		return true;
	free(*alive);
	*alive = NULL;
	*n = 0;
	return false;
}

/* the ledger's Linux guests: the hypervisor counts them too (whether its
   limit does is not documented), host.macos_slots does not */
static size_t ledger_linux(struct runner *r)
{
	json_t *ledger = slots_holders(r->slots_fd);
	size_t n = json_array_size(ledger) - slots_macos(ledger);

	json_decref(ledger);
	return n;
}

/* a macOS guest runs beyond the limit assumed: the real one is higher */
static void learn_limit(struct runner *r, struct vmrun *v)
{
	struct hv_proc *alive;
	unsigned limit = macos_limit(r);
	size_t n = 0, linux_vms;

	if (v->m->guest != VZH_GUEST_MACOS || !limit ||
	    !alive_vms(r, &alive, &n))
		return;
	free(alive);
	/* only macOS guests teach the macOS limit: ours running Linux are
	   not counted (other tools' cannot be told apart) */
	linux_vms = ledger_linux(r);
	n = n > linux_vms ? n - linux_vms : 0;
	if (n <= limit)
		return;
	log_msg(LOG_NOTICE, v->m->name,
		"%zu hypervisor VMs run although host.macos_slots assumed %u: "
		"this host allows more, counted as %zu until it restarts",
		n, limit, n);
	slots_learn(r->slots_fd, (unsigned)n, r->boot);
}

/* no slot now: with wait_for_slot, wait (said once, a look a second) until
   its deadline; true while waiting */
static bool wait_slot(struct runner *r, struct vmrun *v, const char *why)
{
	unsigned wait = r->h->set.wait_for_slot;
	long long now = util_now_ms();

	if (!wait)
		return false;
	if (!v->slot_until) {
		v->slot_until = now + wait * 1000ll;
		log_msg(LOG_NOTICE, v->m->name,
			"waiting up to %u s for a slot: %s", wait, why);
	}
	if (now >= v->slot_until)
		return false;
	v->slot_retry_at = now + SLOT_RECHECK_MS;
	return true;
}

/*
 * A slot in the ledger before anything of the start happens (hooks, disks,
 * the hypervisor): true when v has one.  Otherwise it waits (wait_for_slot,
 * a look at the ledger a second) or is refused: the limit hook point, and
 * the run ends with 75.
 */
static bool admitted(struct runner *r, struct vmrun *v)
{
	const struct host_settings *hs = &r->h->set;
	long long now = util_now_ms();
	struct slot_request req = {
		.vm = v->m->name,
		.macos = v->m->guest == VZH_GUEST_MACOS,
		.bridge = r->ops->name,
		.config = r->config,
		.max_vms = hs->max_vms,
		.macos_slots = macos_limit(r),
		.busy_ms = v->ledger_busy_since ?
				   (unsigned)(now - v->ledger_busy_since) :
				   0,
	};
	char *why = NULL;
	int ret;

	if (v->slot.name) /* kept across a restart */
		return true;
	ret = slots_admit(r->slots_fd, &req, &v->slot, &why);
	if (ret == 0) {
		if (v->slot_until)
			log_msg(LOG_NOTICE, v->m->name, "a slot is free now");
		v->slot_until = v->ledger_busy_since = 0;
		return true;
	}
	/* other starts compete for the last slot and may withdraw: look
	   again after a random pause (racing starts spread out), never for
	   ever (from 2 s on they count as holders: -EAGAIN) */
	if (ret == -EBUSY) {
		if (!v->ledger_busy_since)
			v->ledger_busy_since = now;
		if (now - v->ledger_busy_since < LEDGER_BUSY_MS) {
			v->slot_retry_at = now + slots_backoff_ms();
			free(why);
			return false;
		}
		v->ledger_busy_since = 0;
		abandon(r, v,
			xasprintf("%s (still after %d s)", why,
				  LEDGER_BUSY_MS / 1000));
		free(why);
		return false;
	}
	v->ledger_busy_since = 0;
	if (ret == -EAGAIN && wait_slot(r, v, why)) {
		free(why);
		return false;
	}
	if (ret != -EAGAIN) {
		abandon(r, v, why);
		return false;
	}
	refused(r, v, why);
	free(why);
	return false;
}

/* no slot, in time or at all: the limit hook point, and the run ends 75 */
static void refused(struct runner *r, struct vmrun *v, const char *why)
{
	log_msg(LOG_ERR, v->m->name, "no slot for this VM%s: %s",
		v->slot_until ? " in time" : "", why);
	v->slot_until = 0;
	v->limited = true;
	events_point(r, v, VZH_EV_LIMIT, VZH_REASON_LIMIT_EXCEEDED);
	finish(r, v, true);
}

static void start_vm(struct runner *r, struct vmrun *v)
{
	char *why = NULL;
	int ret;

	v->stopping = false;
	v->force_at = v->restart_at = 0;
	if ((ret = ctl_listen(r, v, &why)) < 0 ||
	    (ret = saved_state(r, v, &why)) < 0) {
		abandon(r, v, why);
		return;
	}
	v->restoring = ret == 1;
	v->ready_at_save = v->restoring && ready_marked(r, v);
	if (admitted(r, v))
		veto(r, v, VZH_EV_PREPARE);
}

/* a restart is wanted: schedule it, or give up on a loop */
static bool schedule_restart(struct vmrun *v)
{
	unsigned recent,
		wait = restart_next(&v->restart, util_now_ms(), &recent);

	if (!wait) {
		log_msg(LOG_ERR, v->m->name,
			"giving up: %u restarts within %d s; the VM stays "
			"stopped",
			recent, RESTART_WINDOW_MS / 1000);
		return false;
	}
	v->restart_at = util_now_ms() + wait * 1000ll;
	log_msg(LOG_NOTICE, v->m->name, "restarting in %u s (policy restart)",
		wait);
	return true;
}

/*
 * The hypervisor refused the start for its VM limit (VZ's code 6): held by
 * live VMs (whoever started them: waiting may help), or slots the host
 * kernel leaked (only a host restart helps: said at once, and noted).
 */
static void hv_refused(struct runner *r, struct vmrun *v)
{
	struct hv_proc *alive;
	struct limit_verdict vd;
	json_t *ledger;
	bool known;
	size_t n;

	/* a stop asked meanwhile is a stop, not a wait */
	if (v->stopping || r->interrupts) {
		finish(r, v, false);
		return;
	}
	known = alive_vms(r, &alive, &n);
	ledger = slots_holders(r->slots_fd);
	if (known) {
		unsigned limit = macos_limit(r);

		limit_classify(limit ? limit : 2, ledger, alive, n, &vd);
	} else { /* cannot tell held from leaked: say so, never "leaked" */
		vd.kind = LIMIT_HELD;
		vd.text = xstrdup("the hypervisor refused a VM for its limit, "
				  "and vzhost cannot list the VMs alive on "
				  "this host");
	}
	json_decref(ledger);
	free(alive);
	if (vd.kind == LIMIT_LEAKED)
		slots_note_leak(r->slots_fd, vd.leaked, r->boot);
	if (vd.kind == LIMIT_HELD && r->h->set.wait_for_slot) {
		/* not running: no holder while it waits */
		slots_release(r->slots_fd, &v->slot);
		if (wait_slot(r, v, vd.text)) {
			free(vd.text);
			return;
		}
	}
	refused(r, v, vd.text);
	free(vd.text);
}

static void stopped(struct runner *r, struct vmrun *v, enum vzh_reason reason)
{
	/* stopped by a plugin as unresponsive: a crash, on_crash's to judge */
	bool unresponsive = v->worded && !v->reset_asked &&
			    !strcmp(v->stop_reason, "unresponsive");
	bool crash = (!v->stopping && reason == VZH_REASON_CRASHED) ||
		     unresponsive;
	bool restart = r->interrupts == 0 &&
		       ((!v->stopping && reason == VZH_REASON_GUEST_SHUTDOWN &&
			 v->m->on_poweroff == POLICY_RESTART) ||
			(crash && v->m->on_crash == POLICY_RESTART) ||
			v->restart_asked);
	bool reset = r->interrupts == 0 && v->reset_asked;
	bool failed = reason == VZH_REASON_CRASHED ||
		      reason == VZH_REASON_START_FAILED || unresponsive;

	if (unresponsive) {
		log_msg(LOG_WARNING, v->m->name,
			"stopped as unresponsive: counted as a crash");
		v->failed = true; /* (restarted or not) */
	}
	v->restart_asked = v->reset_asked = v->worded = false;
	release(r, v);
	/* (no slot to restore a kept VM in: it stays kept, not retried as
	   a fresh boot) */
	if (reason == VZH_REASON_LIMIT_EXCEEDED && v->restore_from &&
	    keep_saved(r, v))
		return;
	if (reason == VZH_REASON_LIMIT_EXCEEDED) {
		v->restoring = false;
		free(v->restore_from);
		v->restore_from = NULL;
		hv_refused(r, v);
		return;
	}
	/* a saved VM is only ever dropped by a restore that worked */
	if (v->restoring && !v->restore_from)
		log_msg(LOG_ERR, v->m->name,
			"%s was not restored and is kept: remove it to start "
			"the VM afresh",
			v->state_file);
	else if (v->restoring)
		log_msg(LOG_ERR, v->m->name, "%s was not restored",
			v->restore_from);
	/* saved through the control socket, or a restore from there that
	   failed: kept for `ctl VM restore` */
	if ((reason == VZH_REASON_SAVED || v->restore_from) && keep_saved(r, v))
		return;
	v->restoring = false;
	free(v->restore_from);
	v->restore_from = NULL;
	if (reset) { /* (the bridge has no reset button) */
		v->restart_at = util_now_ms();
		v->resetting = true;
		return;
	}
	if (restart) {
		if (schedule_restart(v))
			return;
		failed = true; /* given up on */
	}
	finish(r, v, failed);
}

static int runner_stop(struct runner *r, struct vmrun *v, bool force);
static void start_due(struct runner *r, struct vmrun *v);

/* a save under way ended: tell who asked; a failed save at host stop falls
   back to the stop chain, and the run ends badly */
static void save_outcome(struct runner *r, struct vmrun *v,
			 const struct bridge_event *ev)
{
	bool saved = ev->state == VZH_STATE_STOPPED &&
		     ev->reason == VZH_REASON_SAVED;

	if (!v->saving ||
	    (!saved && !ev->error && ev->state != VZH_STATE_STOPPED))
		return;
	v->saving = false;
	if (!saved) {
		free(v->saved_to);
		v->saved_to = NULL;
	}
	ctl_save_done(r, v, saved, saved ? NULL : ev->detail);
	if (saved || !v->host_stop_save)
		return;
	v->host_stop_save = false;
	v->failed = true;
	log_msg(LOG_ERR, v->m->name,
		"the save at host stop failed: stopping the VM instead");
	if (ev->state != VZH_STATE_STOPPED)
		runner_stop(r, v, false);
}

static void on_event(struct runner *r, const struct bridge_event *ev)
{
	enum vzh_state prev;
	struct vmrun *v;

	if (ev->vm >= r->h->nvms || ev->state >= VZH_STATE_COUNT ||
	    ev->reason >= VZH_REASON_COUNT)
		return;
	v = &r->vms[ev->vm];
	if (ev->note) {
		if (bridge_note_usb(ev->note) &&
		    ev->device < BRIDGE_USB_SLOTS) {
			/* the disk as the core has its path: whole (an
			   event's detail is cut at 480 bytes) */
			const char *path = v->usb[ev->device].path;

			events_note(r, v, ev->note, ev->device,
				    ev->note != BRIDGE_NOTE_USB_FAILED && path ?
					    path :
					    ev->detail);
			ctl_usb_done(r, v, ev->device, ev->note, ev->detail);
			return;
		}
		events_note(r, v, ev->note, ev->device, ev->detail);
		/* (stopped or stopping already: nothing more to ask) */
		if (ev->note == BRIDGE_NOTE_WINDOW_CLOSED &&
		    v->state != VZH_STATE_STOPPED &&
		    v->state != VZH_STATE_STOPPING)
			runner_stop(r, v, false);
		return;
	}
	prev = v->state;
	events_transition(r, v, ev->state, ev->reason, ev->detail);
	ctl_transition(r, v, ev->error, ev->detail);
	save_outcome(r, v, ev);
	/* restored from the host-stop save: carry on running */
	if (ev->state == VZH_STATE_PAUSED &&
	    ev->reason == VZH_REASON_RESTORED && v->restoring && v->bvm) {
		char *name = xasprintf("%s.state", v->m->name);

		/* ours: used up; a file ctl restore was given is the user's */
		if (!v->restore_from) {
			unlinkat(r->state_fd, name, 0);
			ready_mark(r, v, false);
		}
		free(name);
		free(v->restore_from);
		v->restore_from = NULL;
		free(v->saved_to); /* restored: no longer kept */
		v->saved_to = NULL;
		v->restoring = false;
		r->ops->resume(v->bvm);
	}
	/* a boot, or a restore: the ready check starts over; typing waits for
	   a booting guest's console (its UART drops what comes before the
	   guest opens it), not for a restored one's (open, maybe quiet) */
	if (prev == VZH_STATE_STOPPED && (ev->state == VZH_STATE_STARTING ||
					  ev->state == VZH_STATE_RESTORING)) {
		ready_begin(r, v, ev->state == VZH_STATE_RESTORING);
		v->console_spoke = ev->state == VZH_STATE_RESTORING;
		v->net_down = 0; /* (a new machine: every NIC attached) */
	}
	/* (a reboot or a reset: its UART is reset; a request refused while
	   running is neither) */
	if (ev->reason == VZH_REASON_GUEST_REBOOT ||
	    (prev == VZH_STATE_RUNNING && ev->state == VZH_STATE_RUNNING &&
	     !ev->error))
		v->console_spoke = false;
	if (ev->state == VZH_STATE_RUNNING)
		ready_running(v);
	if (ev->state == VZH_STATE_STOPPED) {
		ctl_usb_gone(r, v); /* (its disks went with its machine) */
		/* saved while ready: ready again once restored and running */
		if (ev->reason == VZH_REASON_SAVED) {
			v->ready_at_save = ready_now(v);
			if (!v->saved_to) /* (the host-stop save, for the
					     next vzhost) */
				ready_mark(r, v, v->ready_at_save);
		}
		ready_end(v);
		stopped(r, v, ev->reason);
	}
	/* the hypervisor took a new VM: started, or restored */
	else if ((prev == VZH_STATE_STARTING &&
		  ev->state == VZH_STATE_RUNNING) ||
		 (prev == VZH_STATE_RESTORING &&
		  ev->reason == VZH_REASON_RESTORED))
		learn_limit(r, v);
}

void runner_drain(struct runner *r)
{
	struct bridge_event ev;

	while (read(r->ev[0], &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
		on_event(r, &ev);
}

static int runner_stop(struct runner *r, struct vmrun *v, bool force)
{
	int ret = 0;

	if (v->done)
		return -EINVAL;
	if (v->vetoing) { /* its hooks run: the start is off */
		log_msg(LOG_NOTICE, v->m->name,
			"start cancelled during the %s hooks",
			event_names[v->veto_point]);
		hooks_cancel(v);
		v->vetoing = false;
		if (v->bvm || v->nlocks)
			release(r, v);
		else /* (a prepare hook's helpers, its run directory) */
			backend_close(r, v);
		v->restoring = false;
		finish(r, v, false);
		return 0;
	}
	if (!v->bvm) { /* waiting to restart: just don't */
		finish(r, v, false);
		return 0;
	}
	if (force)
		return r->ops->stop(v->bvm);
	if (v->stopping)
		return 0;
	v->stopping = true;
	/* the polite request, then force at stop_timeout */
	v->force_at = util_now_ms() + v->m->stop_timeout * 1000ll;
	if (!v->m->stop_timeout || r->ops->request_stop(v->bvm) < 0) {
		v->force_at = 0;
		ret = r->ops->stop(v->bvm);
		/* refused: no stop is under way, the next one asks again */
		v->stopping = ret == 0;
	}
	return ret;
}

/* created, and past its start hooks */
static bool live(const struct vmrun *v)
{
	return v->bvm && !v->vetoing;
}

static int runner_pause(struct runner *r, struct vmrun *v)
{
	return live(v) ? r->ops->pause(v->bvm) : -EINVAL;
}

static int runner_resume(struct runner *r, struct vmrun *v)
{
	return live(v) ? r->ops->resume(v->bvm) : -EINVAL;
}

/* the outcome arrives as events: stopped (saved), or the state it had before
   with an error (see save_outcome) */
static int runner_save(struct runner *r, struct vmrun *v, const char *path,
		       char **why)
{
	int ret;

	if (!live(v) || v->saving)
		return -EINVAL;
	if (r->ops->can_save && !r->ops->can_save(v->m, why))
		return -ENOTSUP;
	if ((*why = ctl_usb_no_save(v)))
		return -ENOTSUP;
	ret = r->ops->save(v->bvm, path);
	if (ret == 0)
		v->saving = true;
	return ret;
}

/* a VM kept after ctl save: its start chain, restoring from path */
static int runner_restore(struct runner *r, struct vmrun *v, const char *path,
			  char **why)
{
	int fd;

	if (v->done || v->bvm || v->vetoing || v->restart_at ||
	    v->slot_retry_at || v->slot_until || !r->ops->restore)
		return -EINVAL;
	/* the state directory's rules: a FIFO would hold the loop in open(),
	   another user's file would run their memory as our guest */
	fd = statedir_read(AT_FDCWD, path, path, why);
	if (fd < 0) {
		if (fd == -ENOENT)
			*why = xasprintf("%s: %s", path, strerror(ENOENT));
		return fd;
	}
	close(fd);
	/* (saved_to stays until the restore worked: a failed one keeps the
	   VM as it was) */
	v->restore_from = xstrdup(path);
	v->restoring = true;
	v->stopping = false;
	v->force_at = 0;
	log_msg(LOG_NOTICE, v->m->name, "restoring from %s", path);
	if (admitted(r, v))
		veto(r, v, VZH_EV_PREPARE);
	return 0;
}

/* the ready timeout passed: on_not_ready says what follows */
static void runner_not_ready(struct runner *r, struct vmrun *v)
{
	if (v->m->ready.on_not_ready == NOT_READY_LOG || v->done)
		return;
	if (v->m->ready.on_not_ready == NOT_READY_RESTART)
		v->restart_asked = true;
	else
		v->failed = true;
	runner_stop(r, v, false);
}

/* what a control client asks: done, then the bridge's events taken */
static int drained(struct runner *r, int ret)
{
	/* a refusal changed nothing: what is in the pipe is someone else's */
	if (ret == 0)
		runner_drain(r);
	return ret;
}

/* a stop, and what follows it (then: a restart or reset asked), with its
   word; refused: as it was */
static int stop_for(struct runner *r, struct vmrun *v, bool force,
		    const char *word, bool *then)
{
	char was[sizeof(v->stop_reason)];
	bool worded = v->worded;
	int ret;

	/* the last stop asked outweighs what earlier ones meant to follow
	   (on_not_ready = "restart", a plugin's restart) */
	v->restart_asked = v->reset_asked = false;
	if (then)
		*then = true;
	memcpy(was, v->stop_reason, sizeof(was));
	snprintf(v->stop_reason, sizeof(v->stop_reason), "%s",
		 word ? word : "");
	v->worded = word != NULL;
	ret = runner_stop(r, v, force);
	if (ret < 0) {
		memcpy(v->stop_reason, was, sizeof(was));
		v->worded = worded;
		v->restart_asked = v->reset_asked = false;
	}
	return drained(r, ret);
}

static int ask_stop(struct runner *r, struct vmrun *v, bool force,
		    const char *word)
{
	return stop_for(r, v, force, word, NULL);
}

static int ask_restart(struct runner *r, struct vmrun *v, const char *word)
{
	if (!live(v))
		return -EINVAL;
	return stop_for(r, v, true, word, &v->restart_asked);
}

/* the hypervisor's reset button; one without: off, and on again at once */
static int ask_reset(struct runner *r, struct vmrun *v, const char *word)
{
	int ret;

	if (!live(v) || v->state != VZH_STATE_RUNNING)
		return -EINVAL;
	if (!r->ops->reset)
		return stop_for(r, v, true, word, &v->reset_asked);
	ret = r->ops->reset(v->bvm);
	if (ret == 0 && word) /* (no stop: nothing else to remember) */
		snprintf(v->stop_reason, sizeof(v->stop_reason), "%s", word);
	return drained(r, ret);
}

static int ask_pause(struct runner *r, struct vmrun *v)
{
	return drained(r, runner_pause(r, v));
}

static int ask_resume(struct runner *r, struct vmrun *v)
{
	return drained(r, runner_resume(r, v));
}

/* a save asked through the control socket keeps the VM for a restore */
static int ask_save(struct runner *r, struct vmrun *v, const char *path,
		    char **why)
{
	int ret = runner_save(r, v, path, why);

	if (ret == 0) {
		free(v->saved_to);
		v->saved_to = xstrdup(path);
	}
	return drained(r, ret);
}

static int ask_restore(struct runner *r, struct vmrun *v, const char *path,
		       char **why)
{
	return drained(r, runner_restore(r, v, path, why));
}

/* kept after a save: restored from it; waiting to restart: now */
static int ask_start(struct runner *r, struct vmrun *v, char **why)
{
	char *path;
	int ret;

	if (v->restart_at) {
		start_due(r, v);
		return drained(r, 0);
	}
	if (!v->saved_to || v->done || v->bvm || v->vetoing)
		return -EINVAL;
	path = xstrdup(v->saved_to); /* (the restore frees it) */
	ret = ask_restore(r, v, path, why);
	free(path);
	return ret;
}

/* a disk into (path) or out of a slot of the VM's USB controller */
static int ask_usb(struct runner *r, struct vmrun *v, unsigned slot,
		   const char *path)
{
	if (!r->ops->usb)
		return -EOPNOTSUPP;
	if (!live(v) || v->state != VZH_STATE_RUNNING)
		return -EINVAL;
	return drained(r, r->ops->usb(v->bvm, slot, path));
}

const struct runner_actions run_actions = {
	.stop = ask_stop,
	.pause = ask_pause,
	.resume = ask_resume,
	.save = ask_save,
	.restore = ask_restore,
	.not_ready = runner_not_ready,
	.restart = ask_restart,
	.reset = ask_reset,
	.start = ask_start,
	.usb = ask_usb,
};

/* a console's bytes: to its attached clients, and its ready check; what
   is typed may go to its guest now */
static void console_heard(void *arg, unsigned vm, const char *s, size_t n)
{
	struct runner *r = arg;

	if (n && vm < r->h->nvms)
		r->vms[vm].console_spoke = true;
	ctl_console_output(arg, vm, s, n);
	ready_console(arg, vm, s, n);
}

/* on_host_stop = "save": under way, or false (said why) to stop instead */
static bool host_stop_save(struct runner *r, struct vmrun *v)
{
	char *why = NULL;
	int ret = runner_save(r, v, v->state_file, &why);

	if (why)
		log_msg(LOG_NOTICE, v->m->name, "%s: shutting it down instead",
			why);
	free(why);
	return ret == 0;
}

/* the longest stop_timeout, and time to save and to tear down */
static unsigned long long stop_budget_us(const struct runner *r)
{
	unsigned long long most = 0;
	size_t i;

	for (i = 0; i < r->h->nvms; i++)
		if (r->vms[i].m->stop_timeout > most)
			most = r->vms[i].m->stop_timeout;
	return (most + 30) * 1000000ull;
}

/* the service manager learns when every VM runs and is ready (READY=1,
   once), and how many run */
static void tell_manager(struct runner *r)
{
	unsigned running = 0, live = 0, ready = 0;
	bool all;
	size_t i;

	for (i = 0; i < r->h->nvms; i++) {
		live += !r->vms[i].done;
		running += r->vms[i].state == VZH_STATE_RUNNING;
		/* a VM with a ready check: running is not enough */
		/* (or settled: one that missed it does not hold systemd) */
		ready += ready_now(&r->vms[i]) || ready_missed(&r->vms[i]);
	}
	all = ready && ready == live && !r->interrupts;
	if (running == r->running_said && (r->ready_said || !all))
		return;
	r->running_said = running;
	if (!r->ready_said && all) {
		r->ready_said = true;
		notify_send("READY=1\nSTATUS=%u of %zu VMs running", running,
			    r->h->nvms);
	} else {
		notify_send("STATUS=%u of %zu VMs running", running,
			    r->h->nvms);
	}
}

static void on_signal(struct runner *r)
{
	int sigs[8], n, k;
	struct vmrun *v;
	bool child;
	size_t i;

	n = sig_read(r->sigfd, sigs, 8, &child);
	for (k = 0; k < n; k++) {
		/* a service manager waits as long as the slowest stop chain */
		if (!r->interrupts)
			notify_send("STOPPING=1\nEXTEND_TIMEOUT_USEC=%llu",
				    stop_budget_us(r));
		r->interrupts++;
		log_msg(LOG_NOTICE, NULL, "%s: %s every VM", strsignal(sigs[k]),
			r->interrupts > 1 ? "forcing off" : "stopping");
		/* a `started` hook still at work must not hold the exit up
		   for hooks.timeout (the stop's own, from here on, run) */
		if (r->interrupts == 1)
			hooks_interrupt(r);
		for (i = 0; i < r->h->nvms; i++) {
			v = &r->vms[i];
			if (v->done)
				continue;
			if (r->interrupts >
			    1) /* a second signal: no patience */
				runner_stop(r, v, true);
			else if (v->m->on_host_stop == HOST_STOP_SAVE &&
				 live(v) && host_stop_save(r, v))
				v->host_stop_save = true;
			else
				runner_stop(r, v, false);
		}
	}
}

static bool all_done(const struct runner *r)
{
	size_t i;

	for (i = 0; i < r->h->nvms; i++)
		if (!r->vms[i].done)
			return false;
	/* subscribers get what fits their socket at exit (ctl_free); one
	   that never reads must not keep vzhost alive; helpers on their way
	   out get their grace */
	return hooks_idle(r) && proc_reap(&(int){ -1 }) == 0;
}

/* a restart (counted) or a reset's start, now */
static void start_due(struct runner *r, struct vmrun *v)
{
	v->restart_at = 0;
	v->restarts += !v->resetting;
	v->resetting = false;
	start_vm(r, v);
}

/* deadlines: the stop chain's force, restarts due */
static void timers(struct runner *r)
{
	long long now = util_now_ms();
	struct vmrun *v;
	size_t i;

	for (i = 0; i < r->h->nvms; i++) {
		v = &r->vms[i];
		if (v->force_at && now >= v->force_at && v->bvm) {
			v->force_at = 0;
			log_msg(LOG_NOTICE, v->m->name,
				"still running %u s after the stop request: "
				"forcing it off",
				v->m->stop_timeout);
			r->ops->stop(v->bvm);
		}
		if (v->restart_at && now >= v->restart_at && !v->done)
			start_due(r, v);
		if (v->slot_retry_at && now >= v->slot_retry_at && !v->done) {
			v->slot_retry_at = 0;
			start_vm(r, v);
		}
	}
}

static void loop(struct runner *r)
{
	struct pollfd fds[MAX_POLL];
	int owner[MAX_POLL];
	int n, i, first, timeout, nctl, nhook, nplug, nin, ncons;
	size_t v;

	while (!all_done(r)) {
		n = 0;
		timeout = -1;
		fds[n] = (struct pollfd){ .fd = r->ev[0], .events = POLLIN };
		owner[n++] = -1;
		fds[n] = (struct pollfd){ .fd = r->sigfd, .events = POLLIN };
		owner[n++] = -1;
		for (v = 0; v < r->h->nvms; v++) {
			struct vmrun *vm = &r->vms[v];

			if (vm->force_at)
				util_lower_timeout(
					&timeout, vm->force_at - util_now_ms());
			if (vm->restart_at)
				util_lower_timeout(&timeout,
						   vm->restart_at -
							   util_now_ms());
			if (vm->slot_retry_at)
				util_lower_timeout(&timeout,
						   vm->slot_retry_at -
							   util_now_ms());

			if (!vm->bvm)
				continue;
			first = n;
			n += r->ops->pollfds(vm->bvm, fds + n, MAX_POLL / 2 - n,
					     &timeout);
			for (i = first; i < n; i++)
				owner[i] = (int)v;
		}
		proc_reap(&timeout);
		first = n;
		nhook = hooks_pollfds(r, fds + n, MAX_POLL / 4, &timeout);
		n += nhook;
		nplug = ploop_pollfds(fds + n, MAX_POLL / 8, &timeout);
		n += nplug;
		nin = input_pollfds(r, fds + n, 1);
		n += nin;
		/* (one left for the console) */
		nctl = ctl_pollfds(r, fds + n, MAX_POLL - n - 1);
		for (i = first; i < n + nctl; i++)
			owner[i] = -2;
		/* console output waiting for standard output */
		ncons = console_pollfd(&fds[n + nctl]) ? 1 : 0;
		/* a plugin asked for something after this turn's dispatch */
		if (runapi_pending())
			timeout = 0;
		if (poll(fds, (nfds_t)(n + nctl + ncons), timeout) < 0 &&
		    errno != EINTR)
			break;
		console_flush();
		if (fds[1].revents)
			on_signal(r);
		for (v = 0; v < r->h->nvms; v++) {
			int lo, hi;

			for (lo = 2; lo < first && owner[lo] != (int)v; lo++)
				;
			for (hi = lo; hi < first && owner[hi] == (int)v; hi++)
				;
			if (r->vms[v].bvm)
				r->ops->dispatch(r->vms[v].bvm, fds + lo,
						 hi - lo);
		}
		runner_drain(r);
		input_dispatch(r, fds + n - nin, nin);
		ploop_dispatch(fds + n - nin - nplug, nplug);
		runapi_dispatch(r);
		backend_reap();
		hooks_dispatch(r);
		for (v = 0; v < r->h->nvms; v++)
			if (r->vms[v].vetoing && r->vms[v].veto_done)
				veto_over(r, &r->vms[v]);
		ctl_dispatch(r, fds + n, nctl);
		timers(r);
		runner_drain(r);
		tell_manager(r);
	}
}

/* descriptors: QEMU's, consoles, control clients, relayed forwards (the vz
   bridge's, two a connection): macOS starts a process with 256 */
static void more_descriptors(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= FD_WANTED)
		return;
	rl.rlim_cur = rl.rlim_max < FD_WANTED ? rl.rlim_max : FD_WANTED;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int setup(struct runner *r, struct diag *d)
{
	struct bridge_env env;
	char *why = NULL, *path = NULL;
	size_t i;
	int ret;

	more_descriptors();
	r->ops = bridges_pick(r->h->set.bridge, d);

	if (!r->ops)
		return EX_UNAVAILABLE;
	/* ours alone, or nothing starts: others must not plant files there */
	r->state_fd = statedir_open(r->h->set.state_dir, &why);
	if (r->state_fd >= 0)
		r->locks_fd = statedir_sub(
			r->state_fd, "locks",
			path = xasprintf("%s/locks", r->h->set.state_dir),
			&why);
	free(path);
	path = NULL;
	if (r->locks_fd >= 0 && r->h->set.slots_dir)
		r->slots_fd = statedir_shared(r->h->set.slots_dir,
					      "host.slots_dir", &why);
	else if (r->locks_fd >= 0)
		r->slots_fd = statedir_sub(
			r->state_fd, "slots",
			path = xasprintf("%s/slots", r->h->set.state_dir),
			&why);
	free(path);
	if (r->state_fd < 0 || r->locks_fd < 0 || r->slots_fd < 0) {
		diag_add(d, NULL, "%s", why);
		free(why);
		return EX_CANTCREAT;
	}
	os_boot_id(r->boot, sizeof(r->boot));
	if ((ret = fd_pipe(r->ev, true)) < 0 ||
	    (ret = r->sigfd = sig_open()) < 0) {
		diag_add(d, NULL, "cannot set up the event loop: %s",
			 strerror(-ret));
		return EX_OSERR;
	}
	if (hooks_scan(r, d) < 0)
		return EX_CONFIG;
	fill_env(r->h, r->ops, &env, r->state_fd, r->ev[1]);
	if (r->ops->probe(&env, &r->b, d) < 0)
		return EX_UNAVAILABLE;
	for (i = 0; i < r->h->nvms; i++)
		r->ops->validate(r->b, &r->h->vms[i], d);
	return d->n ? EX_CONFIG : EX_OK;
}

static int run_all(void *arg)
{
	struct host *h = arg;
	struct runner r = { .h = h,
			    .act = &run_actions,
			    .ev = { -1, -1 },
			    .sigfd = -1,
			    .state_fd = -1,
			    .locks_fd = -1,
			    .slots_fd = -1 };
	struct diag d = { 0 };
	int status;
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	r.config = realpath(h->cfg.path, NULL);
	r.vms = xcalloc(h->nvms, sizeof(*r.vms));
	for (i = 0; i < h->nvms; i++) {
		r.vms[i].m = &h->vms[i];
		r.vms[i].index = (unsigned)i;
		r.vms[i].listen_fd = -1;
		if (h->vms[i].on_host_stop == HOST_STOP_SAVE)
			r.vms[i].state_file = xasprintf("%s/%s.state",
							h->set.state_dir,
							h->vms[i].name);
	}
	status = setup(&r, &d);
	backend_attach(&r);
	runapi_attach(&r);
	if (status == EX_OK) {
		input_setup(&r);
		console_listen(console_heard, &r);
		for (i = 0; i < h->nvms; i++) {
			start_vm(&r, &r.vms[i]);
			runner_drain(&r);
		}
		loop(&r);
		/* a VM that failed outweighs one refused a slot */
		for (i = 0; i < h->nvms; i++)
			if (r.vms[i].limited && status == EX_OK)
				status = EX_TEMPFAIL;
		for (i = 0; i < h->nvms; i++)
			if (r.vms[i].failed && !r.vms[i].limited)
				status = 1;
	}
	diag_print(&d, stderr);
	diag_free(&d);
	for (i = 0; i < h->nvms; i++) {
		if (r.vms[i].bvm)
			r.ops->destroy(r.vms[i].bvm);
		backend_close(&r, &r.vms[i]);
		unlock_disks(&r, &r.vms[i]);
		slots_release(r.slots_fd, &r.vms[i].slot);
		ready_end(&r.vms[i]);
	}
	input_restore();
	hooks_free(&r);
	backend_free();
	runapi_attach(NULL);
	proc_reap_all();
	console_forget();
	ctl_free(&r);
	console_drain(1000);
	if (r.b)
		r.ops->free(r.b);
	for (i = 0; i < h->nvms; i++) {
		free(r.vms[i].sock_path);
		free(r.vms[i].state_file);
		free(r.vms[i].saved_to);
		free(r.vms[i].restore_from);
	}
	free(r.vms);
	free(r.config);
	for (i = 0; i < 2; i++)
		if (r.ev[i] >= 0)
			close(r.ev[i]);
	sig_close(r.sigfd);
	if (r.locks_fd >= 0)
		close(r.locks_fd);
	if (r.slots_fd >= 0)
		close(r.slots_fd);
	if (r.state_fd >= 0)
		close(r.state_fd);
	return status;
}

/* a VM shown in a window (display = "window") */
static bool windowed(const struct host *h)
{
	size_t i, k;

	for (i = 0; i < h->nvms; i++)
		for (k = 0; k < h->vms[i].ndevs; k++)
			if (h->vms[i].devs[k].cls == DEV_GRAPHICS &&
			    h->vms[i].devs[k].u.graphics.display ==
				    VZH_DISPLAY_WINDOW)
				return true;
	return false;
}

int run_machines(struct host *h)
{
	struct diag d = { 0 };
	const struct bridge_ops *ops =
		windowed(h) ? bridges_pick(h->set.bridge, &d) : NULL;

	diag_free(&d); /* (said again by the run itself) */
	/* windows want the main thread (AppKit): the loop runs on another */
	if (ops && ops->run_ui)
		return ops->run_ui(run_all, h);
	return run_all(h);
}
