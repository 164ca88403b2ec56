/* exits.c: vzhost's exit statuses (sysexits), one table for --help, the README and the tests. */
#include "exits.h"

#include <sysexits.h>

/* tests/cli.sh makes vzhost return each of these; tests/docs.sh keeps the
   README's copy equal to `vzhost --help` */
const struct exit_status exit_statuses[] = {
	{ EX_OK, "every VM stopped cleanly (ctl: done)" },
	{ 1,
	  "a VM crashed, failed to start or was given up on (ctl: refused)" },
	{ EX_USAGE, "bad command line" },
	{ EX_NOINPUT, "the configuration file cannot be read" },
	{ EX_UNAVAILABLE, "hypervisor unavailable (ctl: no such VM runs)" },
	{ EX_OSERR, "the system refused what the event loop needs" },
	{ EX_CANTCREAT,
	  "the state directory cannot be created or is not safe" },
	{ EX_TEMPFAIL, "no VM slot was free (host.max_vms, host.macos_slots)" },
	{ EX_PROTOCOL, "ctl, list: a VM did not answer (in time)" },
	{ EX_CONFIG, "configuration error (syntax, key, kind, value, plugin, "
		     "hooks.dir)" },
	{ 0, NULL },
};

void exits_print(FILE *f)
{
	const struct exit_status *e;

	for (e = exit_statuses; e->meaning; e++)
		fprintf(f, "  %-3d %s\n", e->code, e->meaning);
}
