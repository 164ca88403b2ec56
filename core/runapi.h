/* runapi.h: the run as plugins see it (api->mode, machine_json, config_path, control_path, vm_action, vm_request). */
#ifndef VZH_RUNAPI_H
#define VZH_RUNAPI_H

#include <stdbool.h>

#include "../sdk/vzhost/plugin.h"

struct plugin;
struct runner;

void runapi_attach(struct runner *r);
int runapi_mode(struct plugin *p);
const char *runapi_machine_json(struct plugin *p, const char *vm);
const char *runapi_config_path(struct plugin *p);
const char *runapi_control_path(struct plugin *p, const char *vm);
int runapi_vm_action(struct plugin *p, const char *vm, enum vzh_action what,
		     const char *path);
int runapi_request(struct plugin *p, const struct vzh_request *req);
/* actions are waiting: the loop must not sleep */
bool runapi_pending(void);
/* the actions asked since the last turn, carried out (each turn) */
void runapi_dispatch(struct runner *r);
/* at exit: what is left dropped */
void runapi_free(void);

#endif
