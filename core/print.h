/* print.h: what --check and --print show of the resolved machines. */
#ifndef VZH_PRINT_H
#define VZH_PRINT_H

#include <jansson.h>
#include <stdio.h>

#include "host.h"

json_t *print_machine_json(const struct machine *m);
json_t *print_host_json(const struct host *h);
void print_check(const struct host *h, FILE *f);
void print_plugins(const struct host *h, FILE *f);

#endif
