/* runapi.c: what plugins learn of the run and may ask of it: why vzhost runs, a VM as hook scripts see it, and actions on VMs. */
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
};

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

static struct vmrun *find(const char *vm)
{
	size_t i;

	for (i = 0; run && vm && i < run->h->nvms; i++)
		if (!strcmp(run->vms[i].m->name, vm))
			return &run->vms[i];
	return NULL;
}

int runapi_mode(struct plugin *p)
{
	return p ? (int)p->host->mode : -EINVAL;
}

const char *runapi_machine_json(struct plugin *p, const char *vm)
{
	struct vmrun *v = find(vm);
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
	struct vmrun *v = find(vm);

	(void)p;
	return v ? v->sock_path : NULL;
}

int runapi_vm_action(struct plugin *p, const char *vm, enum vzh_action what,
		     const char *path)
{
	struct vmrun *v = find(vm);

	if (!run || p->host->mode != VZH_MODE_RUN)
		return -EPERM;
	if (!v)
		return host_find_vm(p->host, vm) ? -EPERM : -ENOENT;
	if (what > VZH_ACTION_SAVE || (what == VZH_ACTION_SAVE && !path))
		return -EINVAL;
	queue = xrealloc(queue, (nqueue + 1) * sizeof(*queue));
	queue[nqueue++] =
		(struct action){ v->index, what, path ? xstrdup(path) : NULL };
	log_msg(LOG_NOTICE, vm, "plugin %s asks: %s%s%s", p->name,
		(const char *[]){ "stop", "kill", "pause", "resume",
				  "save" }[what],
		path ? " " : "", path ? path : "");
	return 0;
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
			ret = r->act->stop(r, v, q[i].what == VZH_ACTION_STOP);
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
				"a plugin's request was refused: %s",
				why ? why : strerror(-ret));
		free(why);
		why = NULL;
		free(q[i].path);
	}
	free(q);
}

void runapi_free(void)
{
	size_t i;

	for (i = 0; i < nqueue; i++)
		free(queue[i].path);
	free(queue);
	queue = NULL;
	nqueue = 0;
	drop_jsons();
	free(config);
	config = NULL;
	run = NULL;
}
