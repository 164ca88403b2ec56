/* test_probe.c: when the QEMU bridge takes KVM, what it says when it does not, and what it asks this host's QEMU of a plugin's parts. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bridge/qemu/qemu.h"
#include "../../core/diag.h"
#include "../../core/util.h"
#include "helpers.h"

/* an ordinary guest boots only with the vendor modules behind /dev/kvm */
static void kvm_needs_the_vendor_module(void **s)
{
	(void)s;
	assert_null(qemu_kvm_verdict(0, true, false, false));
	assert_null(qemu_kvm_verdict(0, false, true, false));
	assert_null(qemu_kvm_verdict(0, true, false, true));
	/* this machine's case: kvm_pvm alone boots PVM-built kernels only */
	assert_string_equal(qemu_kvm_verdict(0, false, false, true),
			    "/dev/kvm is backed by kvm_pvm, which boots only "
			    "PVM-built guest kernels");
	assert_string_equal(qemu_kvm_verdict(0, false, false, false),
			    "/dev/kvm is backed by neither kvm_intel nor "
			    "kvm_amd");
}

static void no_device_no_kvm(void **s)
{
	(void)s;
	assert_string_equal(qemu_kvm_verdict(ENOENT, true, false, false),
			    "there is no /dev/kvm");
	assert_string_equal(qemu_kvm_verdict(EACCES, true, false, false),
			    "/dev/kvm cannot be opened");
}

#define QEMU "/usr/bin/qemu-system-x86_64"

static void part(struct machine *m, const char *group, const char *driver,
		 const char *prop, const char *val)
{
	static const struct origin o = { "p.conf:3: vms[0].devices[0]",
					 "acme.part", "acme" };
	struct vzh_prop p[2] = { { "id", VZH_PROP_STRING, 0, "x0", 0 },
				 { prop, VZH_PROP_STRING, 0, val, 0 } };
	struct vzh_hvdev h = {
		sizeof(h), prop ? 2 : 1, "qemu", group, driver, p
	};

	machine_add_device(m, DEV_HVDEV, &h, sizeof(h), &o);
}

/* every diag line, one string; and how many QEMUs ran */
static const char *checked(struct bridge *b, struct machine *m, int *runs)
{
	static char all[8192];
	struct diag d = { 0 };
	size_t i, used = 0;
	char line[64];
	FILE *f;

	qemu_caps_check(b, m, &d);
	all[0] = 0;
	for (i = 0; i < d.n; i++)
		used += (size_t)snprintf(all + used, sizeof(all) - used, "%s\n",
					 d.msgs[i]);
	diag_free(&d);
	*runs = 0;
	f = fopen(th_fmt("%s/runs", th_dir()), "r");
	while (f && fgets(line, sizeof(line), f))
		(*runs)++;
	if (f)
		fclose(f);
	return all;
}

/* a plugin's parts against what this host's QEMU has, asked over QMP: an
   unknown type or property is named, with the nearest; asked once, then
   read from the cache until the binary changes (or the cache is damaged) */
static void parts_asked_of_qemu(void **s)
{
	struct machine m = { 0 }, good = { 0 };
	struct bridge b = { 0 };
	struct timespec later[2];
	const char *c;
	char *wrap, *first;
	int runs;

	(void)s;
	if (access(QEMU, X_OK))
		skip();
	wrap = th_write(
		NULL, "qemu",
		th_fmt("#!/bin/sh\necho run >> %s/runs\nexec %s \"$@\"\n",
		       th_dir(), QEMU));
	chmod(wrap, 0755);
	setenv("XDG_CACHE_HOME", th_fmt("%s/cache", th_dir()), 1);
	b.binary = wrap;
	m.name = xstrdup("m");
	part(&m, "device", "virtio-rng-pci", "max-bytesx", "1");
	part(&m, "device", "i6300esbx", NULL, NULL);
	part(&m, "object", "rng-random", "filenam", "/dev/urandom");
	part(&m, "chardev", "socketx", NULL, NULL);
	part(&m, "tpmdev", "emulatorx", NULL, NULL);
	part(&m, "device", "virtio-rng-pci", "max-bytes", "1");
	part(&m, "object", "rng-random", "filename", "/dev/urandom");
	part(&m, "chardev", "socket", "path", "/run/x.sock");
	part(&m, "netdev", "anything", NULL, NULL); /* (not asked) */
	c = first = xstrdup(checked(&b, &m, &runs));
	assert_int_equal(runs, 1);
	assert_non_null(strstr(
		c, th_fmt("p.conf:3: vms[0].devices[0]: plugin acme emitted a "
			  "qemu device virtio-rng-pci with property "
			  "\"max-bytesx\", which this host's QEMU (%s) does "
			  "not have (did you mean \"max-bytes\"?)\n",
			  wrap)));
	assert_non_null(strstr(
		c, th_fmt("plugin acme emitted a qemu device of type "
			  "\"i6300esbx\", which this host's QEMU (%s) does not "
			  "have (did you mean \"i6300esb\"?)\n",
			  wrap)));
	assert_non_null(strstr(c, "qemu object rng-random with property "
				  "\"filenam\", which"));
	assert_non_null(strstr(c, "(did you mean \"filename\"?)\n"));
	assert_non_null(strstr(c, "qemu chardev of type \"socketx\", which"));
	assert_non_null(strstr(c, "qemu tpmdev of type \"emulatorx\", which"));
	/* nothing else: the good ones, the netdev, "id" */
	{
		size_t lines = 0;

		for (const char *p = c; (p = strchr(p, '\n')); p++)
			lines++;
		assert_int_equal(lines, 5);
	}
	/* what the cache says is missing is asked once more (a module may
	   have come since): the same answer */
	assert_string_equal(checked(&b, &m, &runs), c);
	assert_int_equal(runs, 2);
	/* a machine whose parts are all known: the cache answers */
	good.name = xstrdup("g");
	part(&good, "device", "virtio-rng-pci", "max-bytes", "1");
	part(&good, "object", "rng-random", "filename", "/dev/urandom");
	part(&good, "chardev", "socket", "path", "/run/x.sock");
	part(&good, "tpmdev", "emulator", NULL, NULL);
	assert_string_equal(checked(&b, &good, &runs), "");
	assert_int_equal(runs, 2);
	/* another binary at that path: asked again */
	clock_gettime(CLOCK_REALTIME, &later[0]);
	later[0].tv_sec += 5;
	later[1] = later[0];
	assert_int_equal(utimensat(AT_FDCWD, wrap, later, 0), 0);
	assert_string_equal(checked(&b, &good, &runs), "");
	assert_int_equal(runs, 3);
	/* a damaged cache, or one others may write: asked again */
	free(th_write(th_fmt("%s/cache/vzhost", th_dir()), "qemu-caps.json",
		      "{ not json"));
	assert_string_equal(checked(&b, &good, &runs), "");
	assert_int_equal(runs, 4);
	chmod(th_fmt("%s/cache/vzhost/qemu-caps.json", th_dir()), 0622);
	assert_string_equal(checked(&b, &good, &runs), "");
	assert_int_equal(runs, 5);
	assert_string_equal(checked(&b, &good, &runs), "");
	assert_int_equal(runs, 5);
	machine_free(&good);
	machine_free(&m);
	free(first);
	free(wrap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kvm_needs_the_vendor_module),
		cmocka_unit_test(no_device_no_kvm),
		cmocka_unit_test(parts_asked_of_qemu),
	};

	return cmocka_run_group_tests_name("qemu probe", tests, NULL, NULL);
}
