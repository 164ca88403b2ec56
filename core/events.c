/* events.c: the event bus: each transition, in order, to the log, plugin hooks, hook scripts and subscribers. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "runner.h"
#include "state.h"
#include "util.h"

int events_hook_point(enum vzh_state prev, enum vzh_state state,
		      enum vzh_reason reason)
{
	switch (state) {
	case VZH_STATE_RUNNING:
		if (prev == VZH_STATE_STARTING)
			return VZH_EV_STARTED;
		if (prev == VZH_STATE_RESUMING || prev == VZH_STATE_PAUSED)
			return VZH_EV_RESUMED;
		return -1; /* a guest reboot: an event, not a hook point */
	case VZH_STATE_PAUSED:
		return reason == VZH_REASON_RESTORED ? VZH_EV_RESTORED :
						       VZH_EV_PAUSED;
	case VZH_STATE_STOPPING:
		return VZH_EV_STOPPING;
	case VZH_STATE_STOPPED:
		return VZH_EV_STOPPED;
	case VZH_STATE_ERROR:
		return VZH_EV_ERROR;
	default:
		return -1;
	}
}

static struct vzh_event_info info(struct vmrun *v, enum vzh_event ev,
				  enum vzh_state prev, enum vzh_state state,
				  enum vzh_reason reason)
{
	struct vzh_event_info i = { sizeof(i), ev, state,      prev,
				    reason,    0,  v->m->name, 0 };
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	i.timestamp_ns =
		(uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return i;
}

/* plugin hooks in (priority, load order); returns the first veto */
static int fire_plugins(struct runner *r, const struct vzh_event_info *i,
			char **why)
{
	struct registry *reg = &r->h->reg;
	struct subscription *s;
	size_t k;
	int ret;

	for (k = 0; k < reg->nsubs[i->event]; k++) {
		s = &reg->subs[i->event][k];
		free(s->owner->error);
		s->owner->error = NULL;
		ret = s->fn(s->data, i);
		if (ret >= 0)
			continue;
		if (why) {
			*why = xasprintf("plugin %s: %s", s->owner->name,
					 s->owner->error ? s->owner->error :
							   strerror(-ret));
			return ret;
		}
		log_msg(LOG_WARNING, i->vm, "plugin %s: %s hook: %s",
			s->owner->name, event_names[i->event],
			s->owner->error ? s->owner->error : strerror(-ret));
	}
	return 0;
}

/* one JSON line for `ctl events` subscribers (malloc'd) */
static char *event_line(struct vmrun *v, const struct vzh_event_info *i, int ev,
			const char *detail)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I}", "seq",
			      (json_int_t)v->seq, "vm", v->m->name, "event",
			      ev >= 0 ? event_names[ev] : state_names[i->state],
			      "state", state_names[i->state], "prev_state",
			      state_names[i->prev_state], "reason",
			      reason_names[i->reason], "time_ms",
			      (json_int_t)(i->timestamp_ns / 1000000));
	char *line;

	if (detail && *detail)
		json_object_set_new(o, "detail", json_string(detail));
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return line;
}

/* to ctl events' subscribers and the plugins that follow every
   transition (SDK 1.3), in load order */
static void broadcast(struct runner *r, struct vmrun *v,
		      const struct vzh_event_info *i, int ev,
		      const char *detail)
{
	struct registry *reg = &r->h->reg;
	char *line = event_line(v, i, ev, detail);
	struct vzh_transition t = {
		.struct_size = sizeof(t),
		.event = ev >= 0 ? (uint32_t)ev : VZH_EV_COUNT,
		.state = i->state,
		.prev_state = i->prev_state,
		.reason = i->reason,
		.vm = v->m->name,
		.seq = v->seq,
		.timestamp_ns = i->timestamp_ns,
		.detail = detail && *detail ? detail : NULL,
		.json = line,
	};
	struct listener *l;
	size_t k;

	if (!line)
		return;
	ctl_broadcast(r, v, line);
	for (k = 0; k < reg->nls[LISTEN_ALL]; k++) {
		l = &reg->ls[LISTEN_ALL][k];
		((vzh_transition_fn)l->fn)(l->data, &t);
	}
	free(line);
}

static void deliver(struct runner *r, struct vmrun *v, int ev,
		    enum vzh_state prev, enum vzh_state state,
		    enum vzh_reason reason, const char *detail)
{
	struct vzh_event_info i;

	v->seq++;
	i = info(v, ev >= 0 ? (enum vzh_event)ev : VZH_EV_COUNT, prev, state,
		 reason);
	if (ev >= 0) {
		fire_plugins(r, &i, NULL);
		hooks_queue(r, v, ev, prev, state, reason);
	}
	broadcast(r, v, &i, ev, detail);
}

void events_transition(struct runner *r, struct vmrun *v, enum vzh_state state,
		       enum vzh_reason reason, const char *detail)
{
	enum vzh_state prev = v->state;
	int ev = events_hook_point(prev, state, reason);

	/* what ends a VM badly is an error, shown under -q too */
	log_msg(state == VZH_STATE_ERROR || reason == VZH_REASON_START_FAILED ?
			LOG_ERR :
			LOG_NOTICE,
		v->m->name, "state %s -> %s (%s)%s%s", state_names[prev],
		state_names[state], reason_names[reason],
		detail && *detail ? ": " : "", detail ? detail : "");
	v->state = state;
	/* a save ends in stopped (saved): the saved hook, then stopped */
	if (state == VZH_STATE_STOPPED && reason == VZH_REASON_SAVED)
		deliver(r, v, VZH_EV_SAVED, prev, state, reason, detail);
	deliver(r, v, ev, prev, state, reason, detail);
}

/* what befell a device (a bridge's note): the log, the counts ctl status
   shows, and a line for ctl events; no hook point, the state stays */
void events_note(struct runner *r, struct vmrun *v, enum bridge_note note,
		 unsigned dev, const char *detail)
{
	static const struct {
		const char *name;
		int level;
	} notes[] = {
		[BRIDGE_NOTE_NET_DOWN] = { "network-disconnected",
					   LOG_WARNING },
		[BRIDGE_NOTE_NET_BACK] = { "network-reattached", LOG_NOTICE },
		[BRIDGE_NOTE_NBD_UP] = { "nbd-connected", LOG_INFO },
		[BRIDGE_NOTE_NBD_FAILED] = { "nbd-failed", LOG_ERR },
		[BRIDGE_NOTE_WINDOW_CLOSED] = { "window-closed", LOG_NOTICE },
		[BRIDGE_NOTE_USB_ATTACHED] = { "usb-attached", LOG_NOTICE },
		[BRIDGE_NOTE_USB_DETACHED] = { "usb-detached", LOG_NOTICE },
		[BRIDGE_NOTE_USB_FAILED] = { "usb-failed", LOG_ERR },
	};
	/* a USB note's device is a slot of the VM's controller */
	bool usb = bridge_note_usb(note);
	const struct device *named = usb ? machine_first(v->m, DEV_USB) :
				     dev < v->m->ndevs ? &v->m->devs[dev] :
							 NULL;
	const char *loc = named ? named->origin.loc :
				  "a device it did not name";
	struct timespec ts;
	json_t *o;
	char *line;

	if (note == BRIDGE_NOTE_NONE || note >= ARRAY_SIZE(notes))
		return;
	if (note == BRIDGE_NOTE_NET_DOWN) {
		v->net_drops++;
		v->net_down++;
	} else if (note == BRIDGE_NOTE_NET_BACK) {
		v->net_reattached++;
		v->net_down -= v->net_down > 0;
	}
	log_msg(notes[note].level, v->m->name, "%s: %s%s%s", loc,
		notes[note].name, detail && *detail ? ": " : "",
		detail ? detail : "");
	v->seq++;
	clock_gettime(CLOCK_REALTIME, &ts);
	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:i}", "seq",
		      (json_int_t)v->seq, "vm", v->m->name, "event",
		      notes[note].name, "state", state_names[v->state],
		      "prev_state", state_names[v->state], "reason",
		      reason_names[VZH_REASON_NONE], "time_ms",
		      (json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
		      usb ? "slot" : "device", (int)dev);
	if (o && detail && *detail)
		json_object_set_new(o, "detail", json_string(detail));
	line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (line)
		ctl_broadcast(r, v, line);
	free(line);
}

json_t *events_network(const struct vmrun *v)
{
	return json_pack("{s:i,s:i,s:i}", "drops", (int)v->net_drops,
			 "reattached", (int)v->net_reattached, "down",
			 (int)v->net_down);
}

/* release, limit: hook points that are no transition */
void events_point(struct runner *r, struct vmrun *v, enum vzh_event ev,
		  enum vzh_reason reason)
{
	log_msg(LOG_INFO, v->m->name, "%s", event_names[ev]);
	deliver(r, v, ev, v->state, v->state, reason, NULL);
}

int events_veto(struct runner *r, struct vmrun *v, enum vzh_event ev,
		char **why)
{
	struct vzh_event_info i;
	int ret;

	*why = NULL;
	v->seq++;
	i = info(v, ev, v->state, v->state, VZH_REASON_HOST_REQUEST);
	broadcast(r, v, &i, ev, NULL);
	ret = fire_plugins(r, &i, why);
	return ret < 0 ? ret : hooks_veto(r, v, ev);
}
