/* limitdiag.c: why the hypervisor refused a VM for its limit: held by live VMs, or slots the host kernel leaked. */
#include "limitdiag.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* the ledger's record of the vzhost that owns p, or NULL */
static json_t *record_of(json_t *ledger, const struct hv_proc *p)
{
	size_t i;
	json_t *r;

	json_array_foreach(ledger, i,
			   r) if (p->owner_pid &&
				  json_integer_value(json_object_get(
					  r, "pid")) == p->owner_pid) return r;
	return NULL;
}

/* "build-1 (vzhost pid 311, since 10:02), pid 977 (UTM)" */
static void name_alive(json_t *ledger, const struct hv_proc *alive, size_t n,
		       char *buf, size_t len)
{
	size_t i, used = 0;
	char when[16];
	json_t *r;
	time_t t;

	buf[0] = 0;
	for (i = 0; i < n && used < len; i++) {
		r = record_of(ledger, &alive[i]);
		if (r) {
			t = (time_t)(json_integer_value(
					     json_object_get(r, "since")) /
				     1000);
			strftime(when, sizeof(when), "%H:%M", localtime(&t));
			used += (size_t)snprintf(
				buf + used, len - used,
				"%s%s (vzhost pid %d, since %s)", i ? ", " : "",
				json_string_value(json_object_get(r, "vm")),
				alive[i].owner_pid, when);
		} else {
			used += (size_t)snprintf(
				buf + used, len - used, "%spid %d (%s)",
				i ? ", " : "", alive[i].pid,
				*alive[i].owner ? alive[i].owner : "unknown");
		}
	}
}

void limit_classify(unsigned limit, json_t *ledger, const struct hv_proc *alive,
		    size_t nalive, struct limit_verdict *v)
{
	char names[1024];

	name_alive(ledger, alive, nalive, names, sizeof(names));
	memset(v, 0, sizeof(*v));
	if (nalive >= limit) {
		v->kind = LIMIT_HELD;
		v->text = xasprintf("the hypervisor's VM limit (%u) is taken: "
				    "%zu running: %s",
				    limit, nalive, names);
		return;
	}
	v->kind = LIMIT_LEAKED;
	v->leaked = limit - (unsigned)nalive;
	v->text = xasprintf(
		"the hypervisor refused a VM for its limit (%u) although %zu "
		"run%s%s%s: the host kernel did not release %u slot%s after "
		"a guest shut itself down, and only a restart of the host "
		"recovers %s",
		limit, nalive, nalive == 1 ? "s" : "", nalive ? ": " : "",
		names, v->leaked, v->leaked == 1 ? "" : "s",
		v->leaked == 1 ? "it" : "them");
}
