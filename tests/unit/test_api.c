/* test_api.c: what the core accepts from a plugin's emitters: a buggy plugin cannot hand a bridge a bad device. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "loader.h"

static struct host h;

static int teardown(void **s)
{
	(void)s;
	host_close(&h);
	th_cleanup();
	return 0;
}

/* one VM whose only device is rogue.dev with emit = what */
static size_t rogue(const char *what)
{
	host_close(&h);
	return th_pipeline(
		&h,
		th_fmt("plugins = { load = [ \"rogue\" ]; };\n"
		       "vms = ( { name = \"a\"; boot = { kernel = \"%s/../tests/fixtures/files/vmlinuz\"; };\n"
		       "  devices = ( { kind = \"rogue.dev\"; emit = \"%s\"; } ); } );\n",
		       getenv("VZH_BUILD"), what));
}

static void refused(const char *what, const char *cls, const char *why)
{
	size_t n = rogue(what);

	if (n != 1 ||
	    !th_has(&h,
		    "host.conf:3: vms[0].devices[0]: plugin \"rogue\" emitted an invalid ",
		    cls, " device: ", why, NULL))
		fail_msg("emit = %s: %zu errors, wanted \"%s ... %s\"", what, n,
			 cls, why);
	assert_int_equal(h.vms[0].ndevs, 0);
}

static void bad_emissions_are_refused(void **s)
{
	(void)s;
	refused("relpath", "disk", "path must be absolute");
	refused("cache", "disk", "unknown cache mode");
	refused("sync", "disk", "unknown sync mode");
	refused("iface", "disk", "unknown interface");
	refused("nosize", "disk", "struct_size is not set");
	refused("attach", "net", "unknown attachment");
	refused("graphics", "graphics",
		"width, height and ppi must be positive");
	refused("pointer", "pointer", "unknown type");
	refused("serial", "serial", "a file output needs an absolute path");
	refused("share", "share", "tag is empty");
	refused("halfptr", "vsock", "struct_size ends inside a pointer");
	refused("vsockdup", "vsock",
		"two port mappings share a path or a guest port");
	refused("nbdrel", "disk",
		"nbd_socket must be absolute and under 104 bytes");
	refused("nbdpath", "disk",
		"a disk has a path or an NBD server, not both");
	refused("ephro", "disk", "an ephemeral disk is written: not read_only");
	refused("sockrel", "net",
		"a socket attachment's path must be absolute and under 104 "
		"bytes");
	refused("noopen", "net", "a backend needs struct_size, open and close");
	refused("serback", "serial",
		"a backend needs struct_size, open and close");
	refused("nbdcache", "disk", "unknown cache mode");
	refused("hvhalf", "hvdev", "struct_size ends inside a pointer");
	refused("hvword", "hvdev", "driver must be a plain word");
	refused("hvbool", "hvdev", "a bool property is 0 or 1");
	refused("hvover", "hvdev", "more than VZH_PROPS_MAX properties");
}

/* the bound itself: VZH_PROPS_MAX properties are taken */
static void props_at_the_bound(void **s)
{
	(void)s;
	if (rogue("hvmax"))
		diag_print(&h.diag, stderr);
	assert_int_equal(h.diag.n, 0);
	assert_int_equal(h.vms[0].ndevs, 1);
	assert_int_equal(h.vms[0].devs[0].u.hvdev.nprops, VZH_PROPS_MAX);
}

/* a shorter (older) struct: the core reads only what it declared */
static void short_struct_reads_only_what_was_declared(void **s)
{
	(void)s;
	if (rogue("short"))
		diag_print(&h.diag, stderr);
	assert_int_equal(h.diag.n, 0);
	assert_int_equal(h.vms[0].ndevs, 1);
	assert_string_equal(h.vms[0].devs[0].u.disk.path, "/abs.img");
	assert_int_equal(h.vms[0].devs[0].u.disk.cache, 0);
	assert_int_equal(h.vms[0].devs[0].u.disk.sync, 0);
	assert_int_equal(h.vms[0].devs[0].u.disk.struct_size,
			 sizeof(struct vzh_disk));
}

/* the core's names of states, reasons and events, for plugins (SDK 1.1):
   the same words the log and hooks use, NULL past what this core knows */
static void names(void **s)
{
	(void)s;
	assert_string_equal(core_api.state_name(VZH_STATE_RUNNING), "running");
	assert_string_equal(core_api.reason_name(VZH_REASON_GUEST_SHUTDOWN),
			    "guest-shutdown");
	assert_string_equal(core_api.event_name(VZH_EV_STARTED), "started");
	assert_null(core_api.state_name(VZH_STATE_COUNT));
	assert_null(core_api.reason_name((enum vzh_reason) - 1));
	assert_null(core_api.event_name(VZH_EV_COUNT));
}

/* a group's members listed by name, a list's scalar elements read
   (SDK 1.1), a wrong element said at its own line */
static void members_and_elements(void **s)
{
	const struct vzh_node *g, *list;
	const char *str;
	int64_t num;

	(void)s;
	host_close(&h); /* (the previous test's) */
	th_pipeline(&h, "vms = ( );\n"
			"x = { alpha = 1; beta = [ \"red\", \"blue\" ];\n"
			"  gamma = ( \"a\", 7 ); };\n");
	g = (const struct vzh_node *)config_lookup(&h.cfg.lc, "x");
	assert_non_null(g);
	assert_int_equal(core_api.list_len(g), 3);
	assert_string_equal(core_api.member_name(g, 0), "alpha");
	assert_string_equal(core_api.member_name(g, 2), "gamma");
	assert_null(core_api.member_name(g, 3));
	list = core_api.child(g, "beta");
	assert_null(core_api.member_name(list, 0)); /* (a list has none) */
	assert_int_equal(core_api.get_string(core_api.list_elem(list, 1), NULL,
					     NULL, &str),
			 0);
	assert_string_equal(str, "blue");
	list = core_api.child(g, "gamma");
	assert_int_equal(core_api.get_int64(core_api.list_elem(list, 1), NULL,
					    0, &num),
			 0);
	assert_int_equal(num, 7);
	diag_free(&h.diag);
	memset(&h.diag, 0, sizeof(h.diag));
	assert_int_equal(core_api.get_int64(core_api.list_elem(list, 0), NULL,
					    0, &num),
			 -EINVAL);
	assert_true(th_has(&h,
			   "host.conf:3: x.gamma[0]: expected an integer, got "
			   "a string",
			   NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_emissions_are_refused),
		cmocka_unit_test(props_at_the_bound),
		cmocka_unit_test(short_struct_reads_only_what_was_declared),
		cmocka_unit_test(names),
		cmocka_unit_test(members_and_elements),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, teardown);
}
