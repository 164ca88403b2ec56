/* audit.c: an example vzhost plugin for policy and audit: it refuses VMs whose name matches a pattern (at --check, at the VM's file:line) and records every transition of every VM to a file. */
/*
 * Build against the installed SDK:
 *   cc -Wall -Wextra $(pkg-config --cflags --libs vzhost-plugin) \
 *      -o audit.so audit.c
 * Use (vzhost.conf):
 *   plugins = { dirs = [ "." ]; load = [ "audit", ... ];
 *               audit = { file = "audit.log"; refuse = "forbidden-*"; }; };
 * Each line of the file is `vzhost ctl VM events`' JSON for one transition,
 * in order, the last before vzhost exits included.  A VM named like
 * `refuse` (a shell pattern) fails `vzhost --check`, and so never starts.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

struct audit {
	struct vzh_host *host;
	const char *refuse; /* a shell pattern, or NULL */
	FILE *log; /* NULL: nothing recorded (--check) */
};

static struct audit audit;

static int validate(void *data, const struct vzh_machine *m)
{
	struct audit *a = data;

	if (a->refuse && !fnmatch(a->refuse, m->name, 0))
		return api->error(m->node, "name",
				  "\"%s\" is refused by the audit plugin's "
				  "policy (plugins.audit.refuse = \"%s\")",
				  m->name, a->refuse);
	return 0;
}

/* a local file, written line by line: short enough for the loop */
static void record(void *data, const struct vzh_transition *t)
{
	struct audit *a = data;

	if (!a->log)
		return;
	fprintf(a->log, "%s\n", t->json);
	fflush(a->log);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	const char *file = NULL;
	int ret;

	if (a->struct_size <= offsetof(struct vzh_api, derive_mac)) {
		a->set_error(h, "needs vzhost's plugin ABI 1.3");
		return -ENOTSUP;
	}
	api = a;
	audit.host = h;
	if (api->get_path(settings, "file", NULL, &file) < 0 ||
	    api->get_string(settings, "refuse", NULL, &audit.refuse) < 0)
		return -EINVAL;
	if (file && api->mode(h) == VZH_MODE_RUN) {
		audit.log = fopen(file, "ae");
		if (!audit.log) {
			api->set_error(h, "%s: %s", file, strerror(errno));
			return -errno;
		}
	}
	*state = &audit;
	ret = api->validator(h, validate, &audit);
	return ret ? ret : api->subscribe_all(h, record, &audit);
}

static void fini(void *state)
{
	struct audit *a = state;

	if (a && a->log)
		fclose(a->log);
}

static const char *const settings_keys[] = { "file", "refuse", NULL };

VZH_PLUGIN_DEFINE_SETTINGS("audit", "1.0",
			   "an example policy and audit: names refused, "
			   "every transition recorded",
			   "MIT", settings_keys, init, fini);
