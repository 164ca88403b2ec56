/* print.h: what --check and --print show of the resolved machines. */
#ifndef VZH_PRINT_H
#define VZH_PRINT_H

#include <jansson.h>
#include <stdio.h>

#include "host.h"

json_t *print_machine_json(const struct machine *m);
/* a NAT device's forwards: [{proto, host_addr, host_port, guest_port}] */
json_t *print_forwards_json(const struct vzh_net *n);
/* every NAT device's of m, in one array */
json_t *print_machine_forwards(const struct machine *m);
json_t *print_host_json(const struct host *h);
void print_check(const struct host *h, FILE *f);
void print_plugins(const struct host *h, FILE *f);

#endif
