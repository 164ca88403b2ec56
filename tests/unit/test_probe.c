/* test_probe.c: when the QEMU bridge takes KVM, what it says when it does not, and what it asks this host's QEMU of a plugin's parts. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* a QEMU that never answers is given up on at 10 s: no error (its parts
   are left to its start), and not asked again by this process */
static void silent_qemu_given_up(void **s)
{
	struct machine m = { 0 };
	struct bridge b = { 0 };
	long long t0, first, second;
	char *wrap;
	int runs;

	(void)s;
	wrap = th_write(NULL, "silent-qemu",
			th_fmt("#!/bin/sh\necho run >> %s/runs\nexec sleep "
			       "30\n",
			       th_dir()));
	chmod(wrap, 0755);
	unlink(th_fmt("%s/runs", th_dir()));
	setenv("XDG_CACHE_HOME", th_fmt("%s/silent-cache", th_dir()), 1);
	b.binary = wrap;
	m.name = xstrdup("m");
	part(&m, "device", "virtio-rng-pci", "max-bytes", "1");
	t0 = util_now_ms();
	assert_string_equal(checked(&b, &m, &runs), "");
	first = util_now_ms() - t0;
	assert_string_equal(checked(&b, &m, &runs), "");
	second = util_now_ms() - t0 - first;
	assert_int_equal(runs, 1);
	if (first < 9500 || first > 20000 || second > 1000)
		fail_msg("given up after %lld ms (then %lld ms)", first,
			 second);
	machine_free(&m);
	free(wrap);
}

/* in a mount namespace of its own whose /sys/module has kvm_intel with
   nested = value: 0 a nested Linux VM passes, 1 it is refused for KVM's
   nested being off, 2 something else was said, 3 no namespace here */
static int nested_verdict(const char *value)
{
	const char *nested = "/sys/module/kvm_intel/parameters/nested";
	struct bridge_env env = { .event_fd = -1, .state_fd = -1 };
	struct machine m = { 0 };
	struct bridge *b = NULL;
	struct diag d = { 0 };
	int fd, ret = 2;
	size_t i;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/sys/module", "tmpfs", 0, NULL) ||
	    mkdir("/sys/module/kvm_intel", 0755) ||
	    mkdir("/sys/module/kvm_intel/parameters", 0755))
		return 3;
	fd = open(nested, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, value, strlen(value)) < 0 || close(fd))
		return 3;
	m.name = xstrdup("n");
	m.guest = VZH_GUEST_LINUX;
	m.nested = true;
	if (qemu_bridge.probe(&env, &b, &d) == 0 &&
	    qemu_bridge.validate(b, &m, &d) == 0 && d.n == 0)
		ret = 0;
	else if (d.n == 1 && strstr(d.msgs[0], "nested virtualization is "
					       "off in this host's KVM"))
		ret = 1;
	for (i = 0; ret == 2 && i < d.n; i++)
		fprintf(stderr, "nested = %s: %s\n", value, d.msgs[i]);
	return ret;
}

/* a nested VM is taken on a host whose KVM has nested on (Y or 1), and
   refused, saying so, where it is off */
static void nested_as_kvm_says(void **s)
{
	static const struct {
		const char *value;
		int verdict;
	} cases[] = { { "Y\n", 0 }, { "1\n", 0 }, { "N\n", 1 }, { "0\n", 1 } };
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), st;
	size_t i;
	pid_t pid;

	(void)s;
	if (fd < 0 || access(QEMU, X_OK))
		skip(); /* (KVM can be faked in /sys, not /dev/kvm) */
	close(fd);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		pid = fork();
		if (pid == 0)
			_exit(nested_verdict(cases[i].value));
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) == 3)
			skip(); /* (not root: no mount namespace) */
		if (WEXITSTATUS(st) != cases[i].verdict)
			fail_msg("nested = %.1s: verdict %d, wanted %d",
				 cases[i].value, WEXITSTATUS(st),
				 cases[i].verdict);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kvm_needs_the_vendor_module),
		cmocka_unit_test(no_device_no_kvm),
		cmocka_unit_test(parts_asked_of_qemu),
		cmocka_unit_test(nested_as_kvm_says),
		cmocka_unit_test(silent_qemu_given_up),
	};

	return cmocka_run_group_tests_name("qemu probe", tests, NULL, NULL);
}
