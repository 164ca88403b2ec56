/* runapi.c: what plugins learn of the run and may ask of it: why vzhost runs, a VM as hook scripts see it, and actions on VMs (with why). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "log.h"
#include "print.h"
#include "runapi.h"
#include "runner.h"
#include "util.h"

struct action {
	unsigned vm;
	enum vzh_action what;
	char *path;
	char *word; /* why (a stop's reason word), or NULL */
};

static const char *const action_names[] = { "stop",   "kill", "pause",
					    "resume", "save", "restart",
					    "reset",  "start" };

static struct runner *run; /* the run under way, or NULL */
static char **jsons; /* machine_json's answers, freed between callbacks */
static size_t njsons;
static char *config; /* config_path's, outside a run */
static struct action *queue;
static size_t nqueue;

void runapi_attach(struct runner *r)
{
	run = r;
}

int runapi_mode(struct plugin *p)
{
	return p ? (int)p->host->mode : -EINVAL;
}

const char *runapi_machine_json(struct plugin *p, const char *vm)
{
	struct vmrun *v = runner_vm(run, vm);
	struct machine *m = v ? NULL : host_find_vm(p->host, vm);
	char *json = NULL;
	json_t *o;

	if (v) {
		json = hooks_json(run, v);
	} else if (m) { /* no run: what the config says */
		o = print_machine_json(m);
		json = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	}
	if (json) { /* valid until the callback returns: kept till then */
		jsons = xrealloc(jsons, (njsons + 1) * sizeof(*jsons));
		jsons[njsons++] = json;
	}
	return json;
}

const char *runapi_config_path(struct plugin *p)
{
	if (run && run->config)
		return run->config;
	if (!config && p->host->cfg.path)
		config = realpath(p->host->cfg.path, NULL);
	return config;
}

const char *runapi_control_path(struct plugin *p, const char *vm)
{
	struct vmrun *v = runner_vm(run, vm);

	(void)p;
	return v ? v->sock_path : NULL;
}

/* 1 to 32 of a-z, 0-9 and '-': a word for logs, JSON and shell alike */
static bool is_word(const char *w)
{
	size_t n = strspn(w, "abcdefghijklmnopqrstuvwxyz0123456789-");

	return n && n <= VZH_REASON_WORD_MAX && !w[n];
}

int runapi_request(struct plugin *p, const struct vzh_request *req)
{
	struct vmrun *v;

	if (!req || req->struct_size < sizeof(*req))
		return -EINVAL;
	if (!run || p->host->mode != VZH_MODE_RUN)
		return -EPERM;
	v = runner_vm(run, req->vm);
	if (!v)
		return host_find_vm(p->host, req->vm) ? -EPERM : -ENOENT;
	if (req->action > VZH_ACTION_START ||
	    (req->action == VZH_ACTION_SAVE && !req->path) ||
	    (req->reason && !is_word(req->reason)))
		return -EINVAL;
	queue = xrealloc(queue, (nqueue + 1) * sizeof(*queue));
	queue[nqueue++] = (struct action){
		v->index, req->action,
		req->action == VZH_ACTION_SAVE ? xstrdup(req->path) : NULL,
		req->reason ? xstrdup(req->reason) : NULL
	};
	log_msg(LOG_NOTICE, req->vm, "plugin %s asks: %s%s%s%s%s", p->name,
		action_names[req->action],
		req->action == VZH_ACTION_SAVE ? " " : "",
		req->action == VZH_ACTION_SAVE ? req->path : "",
		req->reason ? ": " : "", req->reason ? req->reason : "");
	return 0;
}

int runapi_vm_action(struct plugin *p, const char *vm, enum vzh_action what,
		     const char *path)
{
	struct vzh_request req = { .struct_size = sizeof(req),
				   .action = what,
				   .vm = vm,
				   .path = path };

	return runapi_request(p, &req);
}

static void drop_jsons(void)
{
	while (njsons)
		free(jsons[--njsons]);
	free(jsons);
	jsons = NULL;
}

bool runapi_pending(void)
{
	return nqueue > 0;
}

void runapi_dispatch(struct runner *r)
{
	struct action *q = queue;
	size_t i, n = nqueue;
	char *why = NULL;
	int ret = 0;

	drop_jsons(); /* (between callbacks: nobody holds them) */
	/* (an action's events may reach a plugin that asks again: next turn) */
	queue = NULL;
	nqueue = 0;
	for (i = 0; i < n; i++) {
		struct vmrun *v = &r->vms[q[i].vm];

		switch (q[i].what) {
		case VZH_ACTION_REQUEST_STOP:
		case VZH_ACTION_STOP:
			ret = r->act->stop(r, v, q[i].what == VZH_ACTION_STOP,
					   q[i].word);
			break;
		case VZH_ACTION_RESTART:
			ret = r->act->restart(r, v, q[i].word);
			break;
		case VZH_ACTION_RESET:
			ret = r->act->reset(r, v, q[i].word);
			break;
		case VZH_ACTION_START:
			ret = r->act->start(r, v, &why);
			break;
		case VZH_ACTION_PAUSE:
			ret = r->act->pause(r, v);
			break;
		case VZH_ACTION_RESUME:
			ret = r->act->resume(r, v);
			break;
		case VZH_ACTION_SAVE:
			ret = r->act->save(r, v, q[i].path, &why);
			break;
		}
		if (ret < 0)
			log_msg(LOG_WARNING, v->m->name,
				"a plugin's %s was refused: %s",
				action_names[q[i].what],
				why ? why : strerror(-ret));
		free(why);
		why = NULL;
		free(q[i].path);
		free(q[i].word);
	}
	free(q);
}

void runapi_free(void)
{
	size_t i;

	for (i = 0; i < nqueue; i++) {
		free(queue[i].path);
		free(queue[i].word);
	}
	free(queue);
	queue = NULL;
	nqueue = 0;
	drop_jsons();
	free(config);
	config = NULL;
	run = NULL;
}
