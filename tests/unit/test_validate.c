/* test_validate.c: the core's rules on assembled machines, through the real pipeline and plugins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"

#define LOAD \
	"plugins = { load = [ \"disk\", \"nat\", \"share\", \"virtio\", \"input\", \"acme\" ]; };\n"
#define KERNEL "boot = { kernel = \"host.conf\"; };"

static struct host h;

static int teardown_one(void **s)
{
	(void)s;
	host_close(&h);
	return 0;
}

static int teardown_all(void **s)
{
	(void)s;
	th_cleanup();
	return 0;
}

static void good_machine(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(
			&h, LOAD
			"vms = ( { name = \"dev\"; cpus = 4; memory = \"2G\";\n"
			"nested = true; " KERNEL "\n"
			"devices = ( { kind = \"nat\"; }, { kind = \"balloon\"; } ); } );\n"),
		0);
	assert_int_equal(h.nvms, 1);
	assert_string_equal(h.vms[0].name, "dev");
	assert_int_equal(h.vms[0].cpus, 4);
	assert_int_equal(h.vms[0].memory, 2ull << 30);
	assert_true(
		h.vms[0].nested); /* Linux guests may ask; the bridge decides */
	assert_int_equal(h.vms[0].ndevs, 2);
	assert_int_equal(h.vms[0].stop_timeout, 30);
}

static void nested_macos_refused_with_alternatives(void **s)
{
	(void)s;
	assert_int_not_equal(
		th_pipeline(&h, LOAD
			    "vms = ( { name = \"mac\"; guest = \"macos\";\n"
			    "  macos = { bundle = \"mac.vzvm\"; };\n"
			    "  nested = true; } );\n"),
		0);
	assert_int_equal(h.diag.n, 1);
	assert_true(th_has(
		&h,
		"host.conf:4: vms[0].nested: nested virtualization is not "
		"available to macOS guests",
		"VZGenericPlatformConfiguration",
		"Linux guest with nested = true", "directly on the host",
		NULL));
}

static void guest_rules(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(
			&h, LOAD
			"vms = (\n"
			" { name = \"a\"; guest = \"macos\"; },\n"
			" { name = \"b\"; guest = \"macos\"; macos = { bundle = \"b.vzvm\"; };\n"
			"   " KERNEL " },\n"
			" { name = \"c\"; },\n"
			" { name = \"d\"; macos = { bundle = \"d.vzvm\"; }; " KERNEL
			" },\n"
			" { name = \"e\"; boot = { efi = { }; kernel = \"host.conf\"; }; }\n"
			");\n"),
		5);
	assert_true(th_has(
		&h, "host.conf:3: vms[0]: a macOS guest needs macos = { bundle",
		NULL));
	assert_true(th_has(
		&h,
		"host.conf:5: vms[1].boot: a macOS guest boots from its bundle",
		NULL));
	assert_true(th_has(
		&h, "host.conf:6: vms[2]: a Linux guest needs boot = { kernel",
		NULL));
	assert_true(th_has(
		&h,
		"host.conf:7: vms[3].macos: macos settings apply to macOS guests only",
		NULL));
	assert_true(th_has(
		&h, "host.conf:8: vms[4].boot: choose one way to boot", NULL));
}

static void ranges_and_words(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(&h, LOAD
			    "vms = ( { name = \"bad name\"; cpus = 0;\n"
			    " memory = \"63M\"; stop_timeout = -1;\n"
			    " on_crash = \"reboot\"; on_host_stop = \"sav\";\n"
			    " " KERNEL " } );\n"),
		6);
	assert_true(th_has(
		&h, "host.conf:2: vms[0].name: \"bad name\" is not a VM name",
		NULL));
	assert_true(th_has(
		&h, "host.conf:2: vms[0].cpus: 0 is out of range [1, 1024]",
		NULL));
	assert_true(th_has(
		&h,
		"host.conf:3: vms[0].memory: 63 MiB is below the minimum of 64 MiB",
		NULL));
	assert_true(th_has(
		&h, "host.conf:3: vms[0].stop_timeout: -1 is out of range",
		NULL));
	assert_true(th_has(
		&h,
		"host.conf:4: vms[0].on_crash: \"reboot\" is not one of stop, restart",
		NULL));
	assert_true(th_has(
		&h,
		"vms[0].on_host_stop: \"sav\" is not one of shutdown, save (did you "
		"mean \"save\"?)",
		NULL));
}

static void memory_granularity_and_boot_files(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(
			&h, LOAD
			"vms = ( { name = \"a\"; memory = 100000000;\n"
			" boot = { kernel = \"vmlinuz\"; initrd = \".\"; }; } );\n"),
		3);
	assert_true(th_has(
		&h, "vms[0].memory: 100000000 bytes is not a multiple of 1 MiB",
		NULL));
	assert_true(th_has(&h, "vms[0].boot.kernel: ",
			   "/vmlinuz: No such file or directory", NULL));
	assert_true(th_has(&h, "vms[0].boot.initrd: ", "is not a regular file",
			   NULL));
}

static void duplicates_across_machines(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(
			&h, LOAD
			"vms = (\n"
			" { name = \"a\"; " KERNEL "\n"
			"   devices = ( { kind = \"nat\"; mac = \"52:54:00:00:00:01\"; } ); },\n"
			" { name = \"a\"; " KERNEL "\n"
			"   devices = ( { kind = \"nat\"; mac = \"52:54:00:00:00:01\"; } ); }\n"
			");\n"),
		2);
	assert_true(th_has(
		&h,
		"host.conf:5: vms[1].name: VM name \"a\" is already used at ",
		"host.conf:3: vms[0].name", NULL));
	assert_true(th_has(
		&h,
		"host.conf:6: vms[1].devices[0]: MAC address 52:54:00:00:00:01 is "
		"already used at ",
		"host.conf:4: vms[0].devices[0]", NULL));
}

static void device_counts_and_tags(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(
			&h, LOAD
			"vms = ( { name = \"a\"; " KERNEL "\n"
			" devices = ( { kind = \"balloon\"; }, { kind = \"vsock\"; },\n"
			"  { kind = \"balloon\"; },\n"
			"  { kind = \"vsock\"; },\n"
			"  { kind = \"share\"; tag = \"t\"; path = \".\"; },\n"
			"  { kind = \"acme.widget\"; tag = \"t\"; },\n"
			"  { kind = \"acme.widget\"; tag = \"abcdefghijklmnopqrstuvwxyz0123456789\"; }\n"
			" ); } );\n"),
		3);
	assert_true(th_has(
		&h,
		"host.conf:4: vms[0].devices[2]: a VM has at most one balloon device",
		NULL));
	assert_true(th_has(
		&h,
		"host.conf:5: vms[0].devices[3]: a VM has at most one vsock device",
		NULL));
	/* a third-party plugin's share is held to the same rules; a tag given
	   twice is the bridge's to judge (tests/bad: QEMU; test_vzplan) */
	assert_false(th_has(&h, "is already used at", NULL));
	assert_true(th_has(&h, "host.conf:8: vms[0].devices[6].tag: ",
			   "is 36 bytes", NULL));
}

static void unknown_kinds_and_keys(void **s)
{
	(void)s;
	assert_int_equal(
		th_pipeline(
			&h, LOAD
			"vms = ( { name = \"a\"; " KERNEL " memroy = \"1G\";\n"
			" devices = ( { kind = \"dsik\"; }, { kind = \"graphics\"; },\n"
			"  { kind = \"nat\"; mca = \"x\"; }, { path = \"x\"; }, \"disk\",\n"
			"  { kind = \"frobnicator\"; } ); } );\n"),
		7);
	assert_true(th_has(
		&h,
		"host.conf:2: vms[0].memroy: unknown setting (did you mean \"memory\"?)",
		NULL));
	assert_true(th_has(
		&h,
		"host.conf:3: vms[0].devices[0].kind: unknown device kind \"dsik\" "
		"(did you mean \"disk\"?)",
		NULL));
	assert_true(th_has(
		&h,
		"vms[0].devices[1].kind: no loaded plugin provides kind \"graphics\" "
		"(add \"graphics\" to plugins.load)",
		NULL));
	assert_true(th_has(
		&h,
		"host.conf:4: vms[0].devices[2].mca: unknown setting (did you mean "
		"\"mac\"?)",
		NULL));
	assert_true(
		th_has(&h, "vms[0].devices[3]: a device needs a kind", NULL));
	assert_true(th_has(&h, "vms[0].devices[4]: a device is a group", NULL));
	assert_true(th_has(
		&h,
		"host.conf:5: vms[0].devices[5].kind: unknown device kind "
		"\"frobnicator\" (no loaded plugin provides it",
		NULL));
}

static void no_vms(void **s)
{
	(void)s;
	assert_int_equal(th_pipeline(&h, LOAD), 1);
	assert_true(th_has(&h, "no virtual machine declared", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(good_machine, teardown_one),
		cmocka_unit_test_teardown(
			nested_macos_refused_with_alternatives, teardown_one),
		cmocka_unit_test_teardown(guest_rules, teardown_one),
		cmocka_unit_test_teardown(ranges_and_words, teardown_one),
		cmocka_unit_test_teardown(memory_granularity_and_boot_files,
					  teardown_one),
		cmocka_unit_test_teardown(duplicates_across_machines,
					  teardown_one),
		cmocka_unit_test_teardown(device_counts_and_tags, teardown_one),
		cmocka_unit_test_teardown(unknown_kinds_and_keys, teardown_one),
		cmocka_unit_test_teardown(no_vms, teardown_one),
	};

	return cmocka_run_group_tests_name("validate", tests, NULL,
					   teardown_all);
}
