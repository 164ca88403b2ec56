/* ctl.c: the control socket of each VM: JSON requests in, replies and event streams out. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "console.h"
#include "ctlcmd.h"
#include "fd.h"
#include "input.h"
#include "log.h"
#include "os.h"
#include "print.h"
#include "runner.h"
#include "state.h"
#include "util.h"

#define CTL_MAX_REQUEST 4096
#define CTL_MAX_BACKLOG (256 * 1024) /* bytes queued for a slow subscriber */
#define CTL_MAX_UNREAD (256 * 1024) /* replies queued for one client */

struct ctl_client {
	struct ctl_client *next;
	int fd;
	struct vmrun *v;
	char in[CTL_MAX_REQUEST];
	size_t inlen;
	char *out;
	size_t outlen;
	bool subscribed;
	bool closing; /* close once its output is written */
	bool dropped; /* over its limit: closed whatever is left unwritten */
	bool waiting_save; /* asked for a save: answered when it ends */
	unsigned waiting_usb; /* 1 + the USB slot of a usb op asked, 0: none */
	bool waiting_ready; /* asked to wait until the VM is ready */
	char *restore_failed; /* a restore failed so: said once stopped */

	bool console; /* attached to the console: raw bytes both ways */
	bool told_held; /* ... told that another client types */
	uid_t uid; /* the peer */
	pid_t pid;
	const char *waiting; /* asked to pause or resume: answered when ... */
	enum vzh_state waiting_for; /* ... the VM is there, or failed to be */
	unsigned long long missed;
};

static void queue(struct ctl_client *c, const char *s, size_t n)
{
	c->out = xrealloc(c->out, c->outlen + n);
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
}

static void flush_out(struct ctl_client *c)
{
	ssize_t n;

	while (c->outlen) {
		n = send(c->fd, c->out, c->outlen, MSG_DONTWAIT);
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			c->outlen = 0;
			c->closing = true; /* gone */
			return;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	/* caught up after losing some: say how many */
	if (c->missed && c->console) {
		char note[96];
		int k = snprintf(note, sizeof(note),
				 "\r\n[vzhost: %llu bytes of console output "
				 "missed: this client read too slowly]\r\n",
				 c->missed);

		c->missed = 0;
		queue(c, note, (size_t)k);
		flush_out(c);
	} else if (c->missed && c->subscribed) {
		char line[64];
		int k = snprintf(line, sizeof(line), "{\"missed\":%llu}\n",
				 c->missed);

		c->missed = 0;
		queue(c, line, (size_t)k);
		flush_out(c);
	}
}

static void reply(struct ctl_client *c, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	static const char over[] =
		"{\"ok\":false,\"error\":\"too many replies unread: "
		"disconnected\"}\n";

	json_decref(o);
	if (!s || c->dropped)
		goto out;
	/* a client that asks and never reads would make us hold its replies
	   without end: it is told (if it reads at all) and dropped */
	if (c->outlen + strlen(s) + 1 > CTL_MAX_UNREAD) {
		log_msg(LOG_WARNING, c->v->m->name,
			"a control client left %zu bytes of replies unread: "
			"disconnecting it",
			c->outlen);
		c->outlen = 0;
		queue(c, over, sizeof(over) - 1);
		flush_out(c);
		c->dropped = c->closing = true;
		goto out;
	}
	queue(c, s, strlen(s));
	queue(c, "\n", 1);
	flush_out(c);
out:
	free(s);
}

static void error_reply(struct ctl_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void error_reply(struct ctl_client *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	reply(c, json_pack("{s:b,s:s}", "ok", 0, "error", msg));
	free(msg);
}

/* what the VM's USB controller holds: [{"slot", "path"}] */
static json_t *usb_status(const struct vmrun *v)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; i < BRIDGE_USB_SLOTS; i++)
		if (v->usb[i].in)
			json_array_append_new(a, json_pack("{s:i,s:s}", "slot",
							   (int)i, "path",
							   v->usb[i].path));
	return a;
}

/* what the hypervisor would take now, the guest's address, its ptys */
static void bridge_info(struct runner *r, struct vmrun *v, json_t *o)
{
	static const struct {
		unsigned flag;
		const char *key;
	} can[] = {
		{ BRIDGE_CAN_START, "can_start" },
		{ BRIDGE_CAN_PAUSE, "can_pause" },
		{ BRIDGE_CAN_RESUME, "can_resume" },
		{ BRIDGE_CAN_REQUEST_STOP, "can_request_stop" },
		{ BRIDGE_CAN_STOP, "can_stop" },
	};
	struct bridge_info bi;
	json_t *ptys = json_array();
	size_t i;

	memset(&bi, 0, sizeof(bi));
	if (v->bvm && r->ops->info)
		r->ops->info(v->bvm, &bi);
	for (i = 0; i < ARRAY_SIZE(can); i++)
		json_object_set_new(o, can[i].key,
				    json_boolean(bi.can & can[i].flag));
	if (bi.address[0])
		json_object_set_new(o, "address", json_string(bi.address));
	for (i = 0; i < bi.nptys && i < BRIDGE_PTYS_MAX; i++)
		json_array_append_new(ptys, json_string(bi.ptys[i]));
	json_object_set_new(o, "ptys", ptys);
	if (bi.save_total)
		json_object_set_new(o, "save_progress",
				    json_pack("{s:I,s:I}", "bytes",
					      (json_int_t)bi.save_done, "total",
					      (json_int_t)bi.save_total));
}

static json_t *status(struct runner *r, struct vmrun *v)
{
	long long up = v->state == VZH_STATE_STOPPED ?
			       0 :
			       (util_wall_ms() - v->since) / 1000;
	json_t *o;

	/* a path need not be UTF-8; JSON must */
	json_t *config = json_string(r->config ? r->config : "");

	char *why = NULL;
	bool can_save;

	o = json_pack("{s:b,s:s,s:s,s:i,s:I,s:I,s:o,s:s}", "ok", 1, "vm",
		      v->m->name, "state", state_names[v->state], "pid",
		      (int)getpid(), "since_ms", (json_int_t)v->since,
		      "uptime_s", (json_int_t)up, "config",
		      config ? config : json_string("(not UTF-8)"), "guest",
		      guest_names[v->m->guest]);
	bridge_info(r, v, o);
	json_object_set_new(o, "forwards", print_machine_forwards(v->m));
	json_object_set_new(o, "ready", json_boolean(ready_now(v)));
	json_object_set_new(o, "restarts", json_integer(v->restarts));
	json_object_set_new(o, "network", events_network(v));
	if (machine_first(v->m, DEV_USB))
		json_object_set_new(o, "usb", usb_status(v));
	if (v->stop_reason[0])
		json_object_set_new(o, "stop_reason",
				    json_string(v->stop_reason));
	/* what the save would be refused for: the state, or the bridge */
	can_save = (v->state == VZH_STATE_RUNNING ||
		    v->state == VZH_STATE_PAUSED) &&
		   (!r->ops || !r->ops->can_save ||
		    r->ops->can_save(v->m, &why)) &&
		   !(why = ctl_usb_no_save(v));
	json_object_set_new(o, "can_save", json_boolean(can_save));
	if (v->saved_to)
		json_object_set_new(o, "saved_to", json_string(v->saved_to));
	if (!can_save)
		json_object_set_new(o, "can_save_why",
				    why ? json_string(why) :
					  json_sprintf("the VM is %s",
						       state_names[v->state]));
	free(why);
	return o;
}

/* the answer to a command the VM could not take: the state says why */
static void refused(struct ctl_client *c, const char *cmd)
{
	error_reply(c, "cannot %s: the VM is %s", cmd,
		    state_names[c->v->state]);
}

static void do_status(struct runner *r, struct ctl_client *c, json_t *req)
{
	(void)req;
	reply(c, status(r, c->v));
}

/* the state alone (state), then the events (events) */
static void do_events_state(struct runner *r, struct ctl_client *c, json_t *req)
{
	(void)r, (void)req;
	reply(c, json_pack("{s:b,s:s,s:s}", "ok", 1, "vm", c->v->m->name,
			   "state", state_names[c->v->state]));
}

static void do_events(struct runner *r, struct ctl_client *c, json_t *req)
{
	c->subscribed = true;
	do_events_state(r, c, req);
}

int ctl_state_exit(const char *state)
{
	return !state			 ? 5 :
	       !strcmp(state, "running") ? 0 :
	       !strcmp(state, "stopped") ? 3 :
	       !strcmp(state, "paused")	 ? 4 :
					   5;
}

/* answered with the state the command led to */
static void do_stop(struct runner *r, struct ctl_client *c, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "command"));

	if (r->act->stop(r, c->v, cmd[0] == 'k', NULL) < 0)
		refused(c, cmd);
	else
		reply(c, json_pack("{s:b,s:s}", "ok", 1, "state",
				   state_names[c->v->state]));
}

/* answered once the VM is there (ctl_transition): the guest has stopped,
   or runs again, when the client hears ok */
static void do_pause(struct runner *r, struct ctl_client *c, json_t *req)
{
	const char *cmd = json_string_value(json_object_get(req, "command"));
	bool pause = cmd[0] == 'p';

	/* waiting before it is asked: the answer may come at once */
	c->waiting = pause ? "pause" : "resume";
	c->waiting_for = pause ? VZH_STATE_PAUSED : VZH_STATE_RUNNING;
	if ((pause ? r->act->pause : r->act->resume)(r, c->v) < 0) {
		c->waiting = NULL;
		refused(c, cmd);
	}
}

/* a command's "path", absolute; NULL: the client was told why not */
static const char *path_arg(struct ctl_client *c, json_t *req, const char *cmd)
{
	const char *path = json_string_value(json_object_get(req, "path"));

	if (path && path[0] == '/')
		return path;
	error_reply(c, "%s needs \"path\": an absolute file name", cmd);
	return NULL;
}

/* answered when the save is over (ctl_save_done) */
static void do_save(struct runner *r, struct ctl_client *c, json_t *req)
{
	const char *path = path_arg(c, req, "save");
	char *why = NULL;

	if (!path)
		return;
	c->waiting_save = true; /* before it is asked, as above */
	if (r->act->save(r, c->v, path, &why) == 0)
		return;
	c->waiting_save = false;
	if (why) /* this VM cannot be saved on this hypervisor */
		error_reply(c, "cannot save: %s", why);
	else
		refused(c, "save");
	free(why);
}

/* the slot whose disk is path, or that image by another name (plugged in
   or on its way), or -1 */
static int usb_slot_of(const struct vmrun *v, const char *path)
{
	struct stat st;
	bool known = stat(path, &st) == 0;
	unsigned i;

	for (i = 0; i < BRIDGE_USB_SLOTS; i++)
		if (v->usb[i].path && (!strcmp(v->usb[i].path, path) ||
				       (known && v->usb[i].dev == st.st_dev &&
					v->usb[i].ino == st.st_ino)))
			return (int)i;
	return -1;
}

/* a slot emptied: its disk's lock let go */
static void usb_free(struct runner *r, struct usb_slot *s)
{
	if (s->path)
		unlock_usb(r, s->lock);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

/* usb attach PATH: a raw image, locked as a writable disk, into a free slot
   of the VM's USB controller; usb detach PATH: out again.  Answered when
   the bridge says it is done (ctl_usb_done) */
static void do_usb(struct runner *r, struct ctl_client *c, json_t *req)
{
	const char *verb = json_string_value(json_object_get(req, "verb"));
	const char *path = path_arg(c, req, "usb");
	struct vmrun *v = c->v;
	bool attach = verb && !strcmp(verb, "attach");
	char *why = NULL;
	struct stat st;
	int slot, ret, fd;

	if (!path)
		return;
	if (!attach && (!verb || strcmp(verb, "detach"))) {
		error_reply(c, "usb takes \"verb\": \"attach\" or \"detach\"");
		return;
	}
	if (!machine_first(v->m, DEV_USB)) {
		error_reply(c,
			    "VM \"%s\" has no USB controller: add { kind = "
			    "\"usb\"; } to its devices",
			    v->m->name);
		return;
	}
	slot = usb_slot_of(v, path);
	if (attach && slot >= 0) {
		error_reply(c, "%s is already plugged in (slot %d)", path,
			    slot);
		return;
	}
	if (!attach && (slot < 0 || !v->usb[slot].in || v->usb[slot].busy)) {
		error_reply(c, "%s is not plugged in%s", path,
			    slot >= 0 ? " yet" : "");
		return;
	}
	if (attach) {
		for (slot = 0; slot < BRIDGE_USB_SLOTS && v->usb[slot].path;
		     slot++)
			;
		if (slot == BRIDGE_USB_SLOTS) {
			error_reply(c, "all %d USB slots are taken",
				    BRIDGE_USB_SLOTS);
			return;
		}
		/* (what QEMU or the framework would refuse, said plainly;
		   and no other VM writes it meanwhile) */
		fd = lock_usb(r, v, path, &st, &why);
		if (fd < 0) {
			error_reply(c, "%s", why);
			free(why);
			return;
		}
		v->usb[slot].path = xstrdup(path);
		v->usb[slot].lock = fd;
		v->usb[slot].dev = st.st_dev;
		v->usb[slot].ino = st.st_ino;
	}
	v->usb[slot].busy = true;
	c->waiting_usb = (unsigned)slot + 1; /* before it is asked, as above */
	ret = r->act->usb(r, v, (unsigned)slot,
			  attach ? v->usb[slot].path : NULL);
	if (ret == 0)
		return;
	c->waiting_usb = 0;
	v->usb[slot].busy = false;
	if (attach)
		usb_free(r, &v->usb[slot]);
	if (ret == -EOPNOTSUPP)
		error_reply(c, "the %s bridge cannot plug in USB disks",
			    r->ops->name);
	else
		error_reply(c,
			    "cannot usb: the %s bridge refused slot %d (not "
			    "done with it yet: see the log)",
			    r->ops->name, slot);
}

void ctl_usb_done(struct runner *r, struct vmrun *v, unsigned slot,
		  enum bridge_note note, const char *detail)
{
	struct usb_slot *s = &v->usb[slot];
	struct ctl_client *c;
	bool ok = note != BRIDGE_NOTE_USB_FAILED;
	char *path = s->path ? xstrdup(s->path) : NULL;

	s->busy = false;
	if (note == BRIDGE_NOTE_USB_ATTACHED)
		s->in = true;
	/* out, or an attach that failed: the slot is free again */
	if (note == BRIDGE_NOTE_USB_DETACHED ||
	    (note == BRIDGE_NOTE_USB_FAILED && !s->in))
		usb_free(r, s);
	for (c = r->clients; c; c = c->next) {
		if (c->v != v || c->waiting_usb != slot + 1)
			continue;
		c->waiting_usb = 0;
		if (ok)
			reply(c, json_pack("{s:b,s:s,s:i,s:s,s:b}", "ok", 1,
					   "state", state_names[v->state],
					   "slot", (int)slot, "path",
					   path ? path : "", "attached",
					   note == BRIDGE_NOTE_USB_ATTACHED));
		else
			error_reply(c, "usb: %s",
				    detail && *detail ? detail : "see the log");
	}
	free(path);
}

char *ctl_usb_no_save(const struct vmrun *v)
{
	unsigned i;

	for (i = 0; i < BRIDGE_USB_SLOTS; i++)
		if (v->usb[i].path)
			return xasprintf("a USB disk is plugged in (%s): pull "
					 "it out first (ctl %s usb detach "
					 "PATH)",
					 v->usb[i].path, v->m->name);
	return NULL;
}

void ctl_usb_gone(struct runner *r, struct vmrun *v)
{
	struct ctl_client *c;
	char *detail;
	unsigned i;

	for (c = r->clients; c; c = c->next)
		if (c->v == v && c->waiting_usb) {
			c->waiting_usb = 0;
			error_reply(c, "usb: the VM stopped first");
		}
	for (i = 0; i < BRIDGE_USB_SLOTS; i++) {
		/* (its disks went with its machine: said as pulled out) */
		if (v->usb[i].in) {
			detail =
				xasprintf("%s: the VM stopped", v->usb[i].path);
			events_note(r, v, BRIDGE_NOTE_USB_DETACHED, i, detail);
			free(detail);
		}
		usb_free(r, &v->usb[i]);
	}
}

/* answered once the guest runs again (ctl_transition), or why not */
static void do_restore(struct runner *r, struct ctl_client *c, json_t *req)
{
	const char *path = path_arg(c, req, "restore");
	char *why = NULL;

	if (!path)
		return;

	c->waiting = "restore"; /* before it is asked, as above */
	c->waiting_for = VZH_STATE_RUNNING;
	if (r->act->restore(r, c->v, path, &why) == 0)
		return;
	c->waiting = NULL;
	if (why)
		error_reply(c, "cannot restore: %s", why);
	else if (c->v->state == VZH_STATE_STOPPED)
		error_reply(c, "cannot restore: the VM is %s",
			    c->v->done ? "stopped for good" : "on its way");
	else
		refused(c, "restore");
	free(why);
}

/* answered once the VM is ready (ctl_ready; ctl_transition for a VM
   without a check: when it runs), or its check timed out */
static void do_wait(struct runner *r, struct ctl_client *c, json_t *req)
{
	const char *what = json_string_value(json_object_get(req, "what"));

	(void)r;
	if (!what || strcmp(what, "ready")) {
		error_reply(c, "wait takes \"what\": \"ready\"");
		return;
	}
	if (ready_now(c->v))
		reply(c, json_pack("{s:b,s:s,s:b}", "ok", 1, "state",
				   state_names[c->v->state], "ready", 1));
	else if (ready_missed(c->v)) /* (until its next start) */
		reply(c, json_pack("{s:b,s:s,s:b}", "ok", 0, "error",
				   ready_missed(c->v), "timeout", 1));
	else
		c->waiting_ready = true;
}

/* the console: its scrollback, then raw bytes both ways (console_input,
   ctl_console_output) until the client hangs up */
static void do_console(struct runner *r, struct ctl_client *c, json_t *req)
{
	struct ctl_client *w = c->v->console_writer;
	const char *a, *b;
	size_t alen, blen;
	json_t *o;

	(void)req;
	if (!machine_stdio_console(c->v->m) || !r->ops->console_in) {
		error_reply(c,
			    "VM %s has no console to attach to: give a "
			    "serial device output = \"stdio\" (the default)",
			    c->v->m->name);
		return;
	}
	console_scrollback(c->v->index, &a, &alen, &b, &blen);
	o = json_pack("{s:b,s:s,s:s,s:I}", "ok", 1, "vm", c->v->m->name,
		      "state", state_names[c->v->state], "scrollback",
		      (json_int_t)(alen + blen));
	if (w)
		json_object_set_new(o, "writer",
				    json_pack("{s:i,s:i}", "pid", (int)w->pid,
					      "uid", (int)w->uid));
	reply(c, o);
	c->console = true;
	queue(c, a, alen);
	queue(c, b, blen);
	flush_out(c);
}

#define ANY_STATE (~0u)
#define IN(s) (1u << VZH_STATE_##s)

static const char *const usb_verbs[] = { "attach", "detach", NULL };

const struct ctl_command ctl_commands[] = {
	{ "status", NULL, ANY_STATE, false, false, false, do_status,
	  "the VM's state, vzhost's pid, uptime, config, what it can do" },
	{ "state", NULL, ANY_STATE, false, false, true, do_events_state,
	  "its state alone: exit 0 running, 3 stopped, 4 paused, 5 other" },
	{ "stop", NULL, ANY_STATE, false, false, false, do_stop,
	  "graceful: the guest is asked, forced off at stop_timeout" },
	{ "kill", NULL, ANY_STATE, false, false, false, do_stop,
	  "forced off now: the guest loses what it did not write" },
	{ "pause", NULL, IN(RUNNING), true, false, false, do_pause,
	  "answered once the guest has stopped" },
	{ "resume", NULL, IN(PAUSED), true, false, false, do_pause,
	  "answered once the guest runs again" },
	{ "save", "path", IN(RUNNING) | IN(PAUSED), true, false, false, do_save,
	  "the VM's state to PATH, then it stops (kept for restore)" },
	{ "restore", "path", IN(STOPPED), true, false, false, do_restore,
	  "a VM stopped by save continues from PATH" },
	{ "events", NULL, ANY_STATE, false, true, false, do_events,
	  "every event, a JSON line each, until the VM is gone" },
	{ "console", NULL, ANY_STATE, false, true, false, do_console,
	  "its console: the last 64 KiB, then live; Ctrl-] d detaches" },
	{ "wait", "what", ANY_STATE, true, false, false, do_wait,
	  "until its ready check passes: exit 0, 1 if not in time", "ready",
	  1 },
	{ "usb", "path", IN(RUNNING), true, false, false, do_usb,
	  "a raw disk image into its USB controller, or out", NULL, 0,
	  usb_verbs },
	{ NULL, NULL, 0, false, false, false, NULL, NULL },
};

const struct ctl_command *ctl_command(const char *name)
{
	const struct ctl_command *k;

	for (k = ctl_commands; name && k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

void ctl_command_usage(const struct ctl_command *k, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", k->name);
	const char *const *v;

	for (v = k->verbs; v && *v && used < len; v++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 v == k->verbs ? " " : "|", *v);
	if (k->arg && used < len)
		snprintf(buf + used, len - used, " %s",
			 k->arg_word ? k->arg_word : "PATH");
}

void ctl_command_list(char *buf, size_t len)
{
	const struct ctl_command *k;
	size_t used = 0;
	char one[64];

	buf[0] = 0;
	for (k = ctl_commands; k->name && used < len; k++) {
		ctl_command_usage(k, one, sizeof(one));
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 k == ctl_commands ? "" : ", ", one);
	}
}

static void handle(struct runner *r, struct ctl_client *c, const char *line,
		   size_t len)
{
	json_error_t jerr;
	json_t *req = json_loadb(line, len, 0, &jerr);
	const struct ctl_command *k;
	const char *cmd;
	char usage[160];

	ctl_command_list(usage, sizeof(usage));
	if (!req) {
		error_reply(c, "malformed request: %s", jerr.text);
		return;
	}
	cmd = json_string_value(json_object_get(req, "command"));
	if (!json_is_object(req) || !cmd)
		error_reply(c, "a request is {\"command\": \"...\"}: %s",
			    usage);
	else if (!(k = ctl_command(cmd)))
		error_reply(c, "unknown command \"%s\" (%s)", cmd, usage);
	else if (!(k->states & (1u << c->v->state)))
		refused(c, cmd);
	else
		k->handler(r, c, req);
	json_decref(req);
}

/* what a client typed and did not stay to see taken (a pipe that ended
   while the guest was still booting): kept, for the guest to get in turn */
static void keep_typed(struct ctl_client *c)
{
	struct vmrun *v = c->v;
	size_t n = c->inlen;

	if (!c->console || !n || (v->console_writer && v->console_writer != c))
		return;
	if (n > sizeof(c->in) - v->ntyped)
		n = sizeof(c->in) - v->ntyped; /* (at most a client's worth) */
	if (!v->typed)
		v->typed = xmalloc(sizeof(c->in));
	memcpy(v->typed + v->ntyped, c->in, n);
	v->ntyped += n;
	c->inlen = 0;
}

/* the kept bytes to the guest, once it takes them; a VM that stopped
   drops them (nobody would read them) */
static void give_typed(struct runner *r, struct vmrun *v)
{
	ssize_t n;

	if (!v->ntyped)
		return;
	if (!v->bvm) {
		log_msg(LOG_NOTICE, v->m->name,
			"console: %zu typed bytes dropped: the VM stopped before "
			"its guest could take them",
			v->ntyped);
		v->ntyped = 0;
		return;
	}
	if (!input_takes(v))
		return;
	n = write(r->ops->console_in(v->bvm), v->typed, v->ntyped);
	if (n > 0) {
		memmove(v->typed, v->typed + n, v->ntyped - (size_t)n);
		v->ntyped -= (size_t)n;
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		v->ntyped = 0;
	}
}

/* what an attached client typed (in c->in) to the guest's console, as much
   as it takes now; one client types at a time: the first to, until it
   detaches.  The rest waits: the client is not read meanwhile */
static void console_input(struct runner *r, struct ctl_client *c)
{
	struct vmrun *v = c->v;
	struct ctl_client *w = v->console_writer;
	int fd = v->bvm ? r->ops->console_in(v->bvm) : -1;
	ssize_t n;

	if (!c->inlen)
		return;
	if (w && w != c) {
		if (!c->told_held) {
			char note[160];
			int k = snprintf(note, sizeof(note),
					 "\r\n[vzhost: another client types "
					 "into this console (pid %d, uid %u): "
					 "what you type is dropped until it "
					 "detaches]\r\n",
					 (int)w->pid, (unsigned)w->uid);

			queue(c, note, (size_t)k);
			flush_out(c);
		}
		c->told_held = true;
		c->inlen = 0;
		return;
	}
	v->console_writer = c;
	if (fd < 0) { /* not running: nobody reads it */
		c->inlen = 0;
		return;
	}
	if (!input_takes(v) || v->ntyped)
		return; /* a guest still booting, or a client's before: it waits */
	n = write(fd, c->in, c->inlen);
	if (n > 0) {
		memmove(c->in, c->in + n, c->inlen - (size_t)n);
		c->inlen -= (size_t)n;
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		c->inlen = 0; /* (the VM went away: dropped) */
	}
}

static void on_readable(struct runner *r, struct ctl_client *c)
{
	char *nl;
	ssize_t n;

	if (c->console && c->inlen) { /* the guest takes that first */
		console_input(r, c);
		if (c->inlen)
			return;
	}
	for (;;) {
		n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
			 MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			c->closing = true;
			c->outlen = 0;
			return;
		}
		if (n < 0)
			return;
		c->inlen += (size_t)n;
		if (c->console) { /* the rest waits for the guest */
			console_input(r, c);
			if (c->inlen)
				return;
			continue;
		}
		while (!c->console && (nl = memchr(c->in, '\n', c->inlen))) {
			size_t len = (size_t)(nl - c->in);

			if (len)
				handle(r, c, c->in, len);
			memmove(c->in, nl + 1, c->inlen - len - 1);
			c->inlen -= len + 1;
		}
		if (c->console) /* typed right after the request */
			console_input(r, c);
		if (c->inlen == sizeof(c->in)) {
			/* no newline in 4 KiB: not a request; say so, hang up */
			error_reply(c, "request longer than %d bytes",
				    CTL_MAX_REQUEST);
			c->inlen = 0;
			c->closing = true;
			return;
		}
	}
}

static struct ctl_client *attach(struct runner *r, struct vmrun *v, int fd)
{
	struct ctl_client *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	c->v = v;
	c->next = r->clients;
	r->clients = c;
	return c;
}

void ctl_attach(struct runner *r, struct vmrun *v, int fd)
{
	attach(r, v, fd);
}

static void accept_one(struct runner *r, struct vmrun *v)
{
	struct ctl_client *c;
	int fd;

	fd = fd_accept(v->listen_fd, true);
	if (fd < 0)
		return;
	c = attach(r, v, fd);
	c->uid = (uid_t)-1;
	/* the socket is 0600 already; the peer check holds if it is not */
	if (os_peer(fd, &c->uid, &c->pid) < 0 ||
	    (c->uid != geteuid() && c->uid != 0)) {
		error_reply(c, "permission denied: uid %u does not own this VM",
			    (unsigned)c->uid);
		c->closing = true;
	}
}

int ctl_listen(struct runner *r, struct vmrun *v, char **why)
{
	pid_t pid = 0;
	int fd;

	if (v->listen_fd >= 0)
		return 0;
	free(v->sock_path);
	v->sock_path = xasprintf("%s/%s.sock", r->h->set.state_dir, v->m->name);
	fd = fd_unix_listen(v->sock_path, &pid, &v->sock_id);
	if (fd == -ENAMETOOLONG)
		*why = xasprintf("control socket path %s is too long",
				 v->sock_path);
	else if (fd == -EBUSY)
		*why = xasprintf("VM %s is already running (vzhost pid %d, %s)",
				 v->m->name, (int)pid, v->sock_path);
	else if (fd == -EEXIST)
		*why = xasprintf("%s exists and is not a socket: refusing to "
				 "replace it",
				 v->sock_path);
	else if (fd < 0)
		*why = xasprintf("control socket %s: %s", v->sock_path,
				 strerror(-fd));
	if (fd < 0)
		return fd;
	v->listen_fd = fd;
	return 0;
}

void ctl_close(struct runner *r, struct vmrun *v)
{
	struct ctl_client *c;

	/* unlinked while we still hold it: a new vzhost for this VM may bind
	   the name the moment we let go, and must keep its socket */
	if (v->listen_fd >= 0) {
		fd_unix_unlink(v->sock_path, &v->sock_id);
		close(v->listen_fd);
	}
	v->listen_fd = -1;
	/* subscribers get what is queued, then the end of the stream; who
	   waits for an answer hears that none comes */
	for (c = r->clients; c; c = c->next) {
		if (c->v != v)
			continue;
		if (c->waiting || c->waiting_save || c->waiting_ready ||
		    c->waiting_usb)
			reply(c, json_pack("{s:b,s:s,s:b}", "ok", 0, "error",
					   "the VM is gone (see the log)",
					   "gone", 1));
		c->waiting = NULL;
		c->waiting_save = c->waiting_ready = false;
		c->waiting_usb = 0;
		c->closing = true;
	}
}

int ctl_pollfds(struct runner *r, struct pollfd *fds, int max)
{
	struct ctl_client *c;
	size_t i;
	int n = 0;

	for (i = 0; i < r->h->nvms && n < max; i++) {
		struct vmrun *v = &r->vms[i];

		if (v->listen_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = v->listen_fd,
						    .events = POLLIN };
		/* what a client left to type waits for room */
		if (v->ntyped && n < max && input_takes(v) &&
		    (fds[n].fd = r->ops->console_in(v->bvm)) >= 0)
			fds[n++].events = POLLOUT;
	}
	for (c = r->clients; c && n < max; c = c->next) {
		bool typing = c->console && c->inlen;

		fds[n++] = (struct pollfd){
			.fd = c->fd,
			.events = (short)((c->closing || typing ? 0 : POLLIN) |
					  (c->outlen ? POLLOUT : 0)),
		};
		/* what it typed waits for room in the guest's console */
		if (typing && n < max && input_takes(c->v) &&
		    (fds[n].fd = r->ops->console_in(c->v->bvm)) >= 0)
			fds[n++].events = POLLOUT;
	}
	return n;
}

static void reap(struct runner *r)
{
	struct ctl_client **pp = &r->clients, *c;

	while ((c = *pp)) {
		if (c->closing && (!c->outlen || c->dropped)) {
			keep_typed(c);
			if (c->v->console_writer == c)
				c->v->console_writer = NULL;
			*pp = c->next;
			close(c->fd);
			free(c->out);
			free(c->restore_failed);
			free(c);
		} else {
			pp = &c->next;
		}
	}
}

void ctl_dispatch(struct runner *r, const struct pollfd *fds, int n)
{
	struct ctl_client *c;
	size_t i;
	int k;

	for (k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		for (i = 0; i < r->h->nvms; i++)
			if (fds[k].fd == r->vms[i].listen_fd)
				accept_one(r, &r->vms[i]);
		for (c = r->clients; c; c = c->next) {
			if (fds[k].fd != c->fd)
				continue;
			/* gone while what it typed waits for the guest: the
			   guest gets it in turn (and the client is no longer
			   polled: its hang-up would wake the loop at once) */
			if (fds[k].revents & (POLLHUP | POLLERR) &&
			    c->console && c->inlen) {
				keep_typed(c);
				c->closing = true;
				c->outlen = 0;
			}
			if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
				on_readable(r, c);
			if (c->outlen)
				flush_out(c);
		}
	}
	/* what clients typed, as far as the consoles take it now: first what
	   a client that left typed */
	for (i = 0; i < r->h->nvms; i++)
		give_typed(r, &r->vms[i]);
	for (c = r->clients; c; c = c->next)
		if (c->console && c->inlen && !c->closing) {
			console_input(r, c);
			if (!c->inlen)
				on_readable(r, c);
		}
	reap(r);
}

void ctl_transition(struct runner *r, struct vmrun *v, int error,
		    const char *detail)
{
	struct ctl_client *c;

	if (!v->m->ready.loc && ready_now(v))
		ctl_ready(r, v, NULL);
	for (c = r->clients; c; c = c->next) {
		if (c->v != v || !c->waiting)
			continue;
		/* a restore that failed is answered once the VM is stopped
		   (kept) again, so the next one can be asked at once */
		if (c->restore_failed ||
		    (error && c->waiting_for == VZH_STATE_RUNNING &&
		     !strcmp(c->waiting, "restore"))) {
			if (!c->restore_failed)
				c->restore_failed =
					xstrdup(detail && *detail ?
							detail :
							state_names[v->state]);
			if (v->state != VZH_STATE_STOPPED)
				continue;
			error_reply(c, "cannot restore: %s", c->restore_failed);
			free(c->restore_failed);
			c->restore_failed = NULL;
		} else if (v->state == c->waiting_for && !error) {
			reply(c, json_pack("{s:b,s:s}", "ok", 1, "state",
					   state_names[v->state]));
		} else if (error || v->state == VZH_STATE_STOPPED ||
			   v->state == VZH_STATE_ERROR) {
			error_reply(c, "cannot %s: %s", c->waiting,
				    detail && *detail ? detail :
							state_names[v->state]);
		} else {
			continue;
		}
		c->waiting = NULL;
	}
}

void ctl_ready(struct runner *r, struct vmrun *v, const char *why)
{
	struct ctl_client *c;

	for (c = r->clients; c; c = c->next) {
		if (c->v != v || !c->waiting_ready)
			continue;
		c->waiting_ready = false;
		if (why)
			reply(c, json_pack("{s:b,s:s,s:b}", "ok", 0, "error",
					   why, "timeout", 1));
		else
			reply(c, json_pack("{s:b,s:s,s:b}", "ok", 1, "state",
					   state_names[v->state], "ready", 1));
	}
}

void ctl_save_done(struct runner *r, struct vmrun *v, bool ok, const char *why)
{
	struct ctl_client *c;
	struct stat st;

	for (c = r->clients; c; c = c->next) {
		if (c->v != v || !c->waiting_save)
			continue;
		c->waiting_save = false;
		if (ok && v->saved_to && stat(v->saved_to, &st) == 0)
			reply(c, json_pack("{s:b,s:s,s:I}", "ok", 1, "state",
					   state_names[v->state], "bytes",
					   (json_int_t)st.st_size));
		else if (ok)
			reply(c, json_pack("{s:b,s:s}", "ok", 1, "state",
					   state_names[v->state]));
		else
			error_reply(c,
				    "save failed: %s (the VM carries on as "
				    "before)",
				    why && *why ? why : "see the log");
	}
}

void ctl_broadcast(struct runner *r, struct vmrun *v, const char *line)
{
	size_t n = strlen(line);
	struct ctl_client *c;

	for (c = r->clients; c; c = c->next) {
		if (c->v != v || !c->subscribed || c->closing)
			continue;
		/* a reader that fell behind loses events, never stalls us */
		if (c->outlen + n + 1 > CTL_MAX_BACKLOG) {
			c->missed++;
			continue;
		}
		queue(c, line, n);
		queue(c, "\n", 1);
		flush_out(c);
	}
}

void ctl_console_output(void *arg, unsigned vm, const char *s, size_t n)
{
	struct runner *r = arg;
	struct ctl_client *c;

	for (c = r->clients; c; c = c->next) {
		if (!c->console || c->closing || c->v->index != vm)
			continue;
		/* a reader that fell behind loses output, never stalls us */
		if (c->outlen + n > CTL_MAX_BACKLOG) {
			c->missed += n;
			continue;
		}
		queue(c, s, n);
		flush_out(c);
	}
}

void ctl_free(struct runner *r)
{
	struct ctl_client *c;
	size_t i;

	for (i = 0; i < r->h->nvms; i++) {
		ctl_close(r, &r->vms[i]);
		free(r->vms[i].typed);
		r->vms[i].typed = NULL;
	}
	while ((c = r->clients)) {
		flush_out(c);
		r->clients = c->next;
		close(c->fd);
		free(c->out);
		free(c->restore_failed);
		free(c);
	}
}
