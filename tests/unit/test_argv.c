/* test_argv.c: how each device class and setting maps onto QEMU's command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "../../bridge/qemu/qemu.h"
#include "helpers.h"

static struct host h;
static char line[16384];

static int teardown(void **s)
{
	(void)s;
	host_close(&h);
	th_cleanup();
	return 0;
}

/* the command line of the first VM of conf, as one string */
static const char *cmdline(const char *conf, const char *incoming)
{
	struct bridge b = { .binary = "/usr/bin/qemu-system-x86_64",
			    .accel = "tcg",
			    .ovmf_code = "/ovmf/CODE.fd" };
	struct launch l = { 3, incoming, "/state/vm.efivars", "/run/vm", 1234 };
	struct argv a = { 0 };
	size_t i, used = 0;

	char text[4096], *at;
	const char *fix =
		th_fmt("%s/../tests/fixtures/files", getenv("VZH_BUILD"));

	/* @F@ stands for the fixtures' directory */
	snprintf(text, sizeof(text), "%s", conf);
	while ((at = strstr(text, "@F@"))) {
		char rest[4096];

		snprintf(rest, sizeof(rest), "%s", at + 3);
		snprintf(at, sizeof(text) - (size_t)(at - text), "%s%s", fix,
			 rest);
	}
	host_close(&h);
	if (th_pipeline(&h, text))
		diag_print(&h.diag, stderr);
	assert_int_equal(h.diag.n, 0);
	qemu_build_argv(&b, &h.vms[0], &l, &a);
	line[0] = 0;
	for (i = 0; i < a.n; i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 "%s%s", i ? " " : "", a.v[i]);
	argv_free(&a);
	return line;
}

#define HAS(s, sub)                                                \
	do {                                                       \
		if (!strstr(s, sub))                               \
			fail_msg("missing \"%s\" in: %s", sub, s); \
	} while (0)

#define LOAD \
	"plugins = { load = [ \"disk\", \"nat\", \"graphics\", \"input\", \"serial\", \"share\", \"virtio\" ]; };\n"

static void machine_and_boot(void **s)
{
	const char *c;

	(void)s;
	c = cmdline(
		LOAD
		"vms = ( { name = \"ab\"; cpus = 3; memory = \"768M\";\n"
		"boot = { kernel = \"@F@/vmlinuz\"; cmdline = \"console=ttyS0 x=1\"; }; } );\n",
		NULL);
	HAS(c, "/usr/bin/qemu-system-x86_64 -name guest=ab,debug-threads=on");
	HAS(c, "-machine q35,accel=tcg -cpu max -smp 3 -m 768");
	HAS(c, "-nodefaults -no-user-config -display none -S");
	/* a panicking guest says so (GUEST_PANICKED) */
	HAS(c, "-device pvpanic");
	HAS(c,
	    "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	HAS(c,
	    "-chardev socket,id=qmp,fd=3,server=off -mon chardev=qmp,mode=control");
	HAS(c, "tests/fixtures/files/vmlinuz -append console=ttyS0 x=1");
	assert_null(strstr(c, "-initrd"));
	assert_null(strstr(c, "-incoming"));
	c = cmdline(LOAD
		    "vms = ( { name = \"e\"; boot = { efi = { }; }; } );\n",
		    "defer");
	HAS(c,
	    "-drive if=pflash,format=raw,unit=0,readonly=on,file=/ovmf/CODE.fd");
	HAS(c, "-drive if=pflash,format=raw,unit=1,file=/state/vm.efivars");
	HAS(c, "-incoming defer");
	assert_null(strstr(c, "-kernel"));
}

static void disks(void **s)
{
	const char *c;

	(void)s;
	c = cmdline(
		LOAD
		"vms = ( { name = \"d\"; boot = { kernel = \"@F@/vmlinuz\"; };\n"
		"devices = (\n"
		" { kind = \"disk\"; path = \"new.img\"; size = \"1G\"; },\n"
		" { kind = \"disk\"; path = \"@F@/base.img\"; read_only = true;\n"
		"   cache = \"uncached\"; sync = \"full\"; interface = \"nvme\"; },\n"
		" { kind = \"disk\"; path = \"x.img\"; size = \"1M\"; sync = \"none\"; interface = \"usb\"; },\n"
		" { kind = \"disk\"; path = \"a,b.img\"; size = \"1M\"; },\n"
		" { kind = \"disk\"; path = \"f.img\"; size = \"1M\"; sync = \"full\"; },\n"
		" { kind = \"disk\"; path = \"u.img\"; size = \"1M\"; sync = \"full\"; interface = \"usb\"; } ); } );\n",
		NULL);
	/* cached + fsync: page cache, guest flushes honoured */
	HAS(c,
	    "new.img,cache.direct=off,cache.no-flush=off,aio=threads,discard=unmap -blockdev "
	    "driver=raw,node-name=disk0,file=file0 -device virtio-blk-pci,drive=disk0,write-cache=on");
	/* uncached + full: O_DIRECT, every write through */
	HAS(c,
	    "base.img,cache.direct=on,cache.no-flush=off,aio=native,discard=unmap,read-only=on");
	HAS(c,
	    "driver=raw,node-name=disk1,file=file1,read-only=on -device nvme,drive=disk1,serial=vzh1,write-cache=off");
	/* none: flushes ignored; USB storage needs the xHCI controller first */
	HAS(c, "x.img,cache.direct=off,cache.no-flush=on");
	HAS(c,
	    "-device qemu-xhci,id=usb -blockdev driver=file,node-name=file2");
	HAS(c, "-device usb-storage,bus=usb.0,drive=disk2,write-cache=on");
	/* QEMU's option syntax: a comma in a value is doubled */
	HAS(c, "/a,,b.img,cache.direct=off");
	/* full on any interface: the device has no volatile write cache */
	HAS(c, "-device virtio-blk-pci,drive=disk4,write-cache=off");
	HAS(c, "-device usb-storage,bus=usb.0,drive=disk5,write-cache=off");
}

static void the_other_classes(void **s)
{
	const char *c;

	(void)s;
	c = cmdline(
		LOAD
		"vms = ( { name = \"o\"; memory = \"512M\"; boot = { kernel = \"@F@/vmlinuz\"; };\n"
		"devices = (\n"
		" { kind = \"nat\"; mac = \"52:54:00:12:34:56\"; }, { kind = \"nat\"; mac = \"52:54:00:12:34:57\";\n"
		"   forwards = ( \"2222:22\", \"0.0.0.0:8053:53/udp\" ); },\n"
		" { kind = \"graphics\"; width = 1024; height = 768; },\n"
		" { kind = \"keyboard\"; }, { kind = \"pointer\"; },\n"
		" { kind = \"serial\"; }, { kind = \"serial\"; output = \"c.log\"; }, { kind = \"serial\"; output = \"pty\"; },\n"
		" { kind = \"share\"; tag = \"work\"; path = \"@F@/work\"; },\n"
		" { kind = \"entropy\"; }, { kind = \"balloon\"; }, { kind = \"vsock\"; } ); } );\n",
		NULL);
	HAS(c,
	    "-netdev user,id=net0 -device virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56");
	/* forwards: user-mode NAT's host forwards, 127.0.0.1 by default */
	HAS(c,
	    "-netdev user,id=net1,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:0.0.0.0:8053-:53 "
	    "-device virtio-net-pci,netdev=net1,mac=52:54:00:12:34:57");
	HAS(c, "-device virtio-gpu-pci,xres=1024,yres=768");
	HAS(c,
	    "-device qemu-xhci,id=usb -device usb-kbd,bus=usb.0 -device usb-tablet,bus=usb.0");
	/* the first serial device is the UART (early boot output); then consoles */
	HAS(c, "-chardev stdio,id=ser0,signal=off -serial chardev:ser0");
	HAS(c,
	    "c.log,append=on -device virtio-serial-pci,id=vser -device virtconsole,bus=vser.0,chardev=ser1");
	HAS(c,
	    "-chardev pty,id=ser2 -device virtconsole,bus=vser.0,chardev=ser2");
	/* virtio-fs: vhost-user needs shared guest memory */
	HAS(c,
	    "-object memory-backend-memfd,id=mem,size=512M,share=on -numa node,memdev=mem");
	HAS(c,
	    "-chardev socket,id=fs8,path=/run/vm/fs8.sock -device vhost-user-fs-pci,chardev=fs8,tag=work");
	HAS(c,
	    "-object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-pci,rng=rng0");
	HAS(c, "-device virtio-balloon-pci");
	HAS(c, "-device vhost-vsock-pci,guest-cid=1234");
}

/* sound (ALSA, or a WAV file; hda-duplex with input), the clipboard's SPICE
   agent (QEMU's qemu-vdagent on com.redhat.spice.0), the USB controller */
static void desktop_devices(void **s)
{
	const char *c;

	(void)s;
	c = cmdline(
		"plugins = { load = [ \"media\" ]; };\n"
		"vms = ( { name = \"d\"; boot = { kernel = \"@F@/vmlinuz\"; };\n"
		"devices = ( { kind = \"sound\"; record = \"/tmp/a,b.wav\"; },\n"
		" { kind = \"clipboard\"; }, { kind = \"usb\"; } ); } );\n",
		NULL);
	HAS(c,
	    "-audiodev wav,id=snd,path=/tmp/a,,b.wav -device intel-hda,id=hda "
	    "-device hda-output,bus=hda.0,audiodev=snd");
	HAS(c,
	    "-device virtio-serial-pci,id=vser -chardev "
	    "qemu-vdagent,id=vdagent,name=vdagent,clipboard=on -device "
	    "virtserialport,bus=vser.0,chardev=vdagent,name=com.redhat.spice.0");
	HAS(c, "-device qemu-xhci,id=usb");
	c = cmdline(
		"plugins = { load = [ \"media\" ]; };\n"
		"vms = ( { name = \"d\"; boot = { kernel = \"@F@/vmlinuz\"; };\n"
		"devices = ( { kind = \"sound\"; input = true; } ); } );\n",
		NULL);
	HAS(c, "-audiodev alsa,id=snd -device intel-hda,id=hda "
	       "-device hda-duplex,bus=hda.0,audiodev=snd");
	assert_null(strstr(c, "qemu-xhci"));
}

/* an option string split as its reader splits it: QEMU's (",," is a comma in
   a value) or libfuse's ("\\c" is c); "," ends a value */
static int split_options(const char *opt, bool fuse, char params[][512],
			 int max)
{
	int n = 0;
	size_t k = 0;

	for (; n < max; opt++) {
		if (!fuse && *opt == ',' && opt[1] == ',') {
			params[n][k++] = *opt++;
		} else if (fuse && *opt == '\\' && opt[1]) {
			params[n][k++] = *++opt;
		} else if (*opt == ',' || !*opt) {
			params[n++][k] = 0;
			k = 0;
			if (!*opt)
				break;
		} else if (k < 511) {
			params[n][k++] = *opt;
		}
	}
	return n;
}

#define NASTY "a,evil=1\\b\nc"

/* no value vzhost hands QEMU or virtiofsd can end its option and start another */
static int nop_open(void *data, const char *vm, int fd)
{
	(void)data, (void)vm, (void)fd;
	return 0;
}

static void nop_close(void *data, const char *vm, int fd)
{
	(void)data, (void)vm, (void)fd;
}

/* backends: each device's socket is a descriptor after QMP's (3), in device
   order; NBD and ephemeral disks; a plugin's structured device, escaped */
/* m's QEMU command line, as one line */
static const char *joined(const struct bridge *b, const struct machine *m,
			  const struct launch *l)
{
	struct argv a = { 0 };
	size_t i, used = 0;

	qemu_build_argv(b, m, l, &a);
	for (i = 0; i < a.n; i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 "%s%s", i ? " " : "", a.v[i]);
	argv_free(&a);
	return line;
}

static void backends(void **s)
{
	struct bridge b = { .binary = "/usr/bin/qemu-system-x86_64",
			    .accel = "tcg" };
	struct launch l = { 3, NULL, NULL, "/run/vm", 1234 };
	struct origin o = { "x.conf:1: vms[0].devices[9]", "acme.w", "acme" };
	struct vzh_serial ser = { .struct_size = sizeof(ser),
				  .output = VZH_SERIAL_BACKEND,
				  .backend = { sizeof(ser.backend), 0, nop_open,
					       nop_close, NULL } };
	struct vzh_prop props[] = {
		{ "action", VZH_PROP_STRING, 0, "a,b=c", 0 },
		{ "period", VZH_PROP_INT, 0, NULL, -5 },
		{ "on", VZH_PROP_BOOL, 0, NULL, 1 },
	};
	struct vzh_hvdev hv = { sizeof(hv), 3,		"qemu",
				"device",   "i6300esb", props };
	struct vzh_hvdev act = { sizeof(act), 1, "qemu", "action", NULL, props };
	struct vzh_channel ch = { sizeof(ch), 0, "org.qemu.guest_agent.0",
				  ser.backend };
	struct machine *m;
	const char *c;

	(void)s;
	cmdline(LOAD
		"vms = ( { name = \"n\"; boot = { kernel = \"@F@/vmlinuz\"; };\n"
		"devices = (\n"
		" { kind = \"nic\"; socket = \"/run/gv.sock\"; },\n"
		" { kind = \"nat\"; },\n"
		" { kind = \"nic\"; socket = \"/run/passt.sock\"; type = \"stream\"; },\n"
		" { kind = \"disk\"; nbd_socket = \"/run/n,bd.sock\"; nbd_export = \"e,x\"; read_only = true; },\n"
		" { kind = \"disk\"; path = \"@F@/base.img\"; ephemeral = true; cache = \"uncached\"; } ); } );\n",
		NULL);
	m = &h.vms[0];
	machine_add_device(m, DEV_SERIAL, &ser, sizeof(ser), &o);
	machine_add_device(m, DEV_HVDEV, &hv, sizeof(hv), &o);
	machine_add_device(m, DEV_HVDEV, &act, sizeof(act), &o);
	machine_add_device(m, DEV_CHANNEL, &ch, sizeof(ch), &o);
	ch.name = "b";
	machine_add_device(m, DEV_CHANNEL, &ch, sizeof(ch), &o);
	m->devs[0].fd = 40; /* what the core connected */
	m->devs[2].fd = 41;
	m->devs[5].fd = 42;
	m->devs[8].fd = 43;
	m->devs[9].fd = 44;
	c = joined(&b, m, &l);
	HAS(c, "-netdev dgram,id=net0,local.type=fd,local.str=4 -device "
	       "virtio-net-pci,netdev=net0,mac=");
	HAS(c, "-netdev user,id=net1 ");
	HAS(c, "-netdev stream,id=net2,server=off,addr.type=fd,addr.str=5 ");
	HAS(c, "-blockdev driver=nbd,node-name=disk0,server.type=unix,"
	       "server.path=/run/n,,bd.sock,export=e,,x,read-only=on");
	HAS(c, "-drive if=none,id=disk1,format=raw,file=");
	HAS(c,
	    "base.img,snapshot=on,cache.direct=on,cache.no-flush=off,aio=native,discard=unmap");
	HAS(c, "-chardev socket,id=ser0,fd=6,server=off -serial chardev:ser0");
	HAS(c, "-device i6300esb,action=a,,b=c,period=-5,on=on");
	HAS(c, "-action action=a,,b=c");
	/* channels: one virtio-serial bus, a named port each */
	HAS(c, "-device virtio-serial-pci,id=vser -chardev "
	       "socket,id=chan0,fd=7,server=off -device "
	       "virtserialport,bus=vser.0,chardev=chan0,name=org.qemu.guest_"
	       "agent.0 -chardev socket,id=chan1,fd=8,server=off -device "
	       "virtserialport,bus=vser.0,chardev=chan1,name=b");
	assert_null(strstr(strstr(c, "virtio-serial-pci") + 1,
			   "virtio-serial-pci"));
}

/* a device of several parts: written as they are; each part's group, id
   and references checked at validation, at the entry, naming the plugin */
#define PART(var, group, driver, ...)                              \
	struct vzh_prop var##_p[] = { __VA_ARGS__ };               \
	struct vzh_hvdev var = {                                   \
		sizeof(var), sizeof(var##_p) / sizeof(var##_p[0]), \
		"qemu",	     group,                                \
		driver,	     var##_p                               \
	}
#define STR(name, val)                           \
	{                                        \
		name, VZH_PROP_STRING, 0, val, 0 \
	}

static const char *check_parts(struct machine *m)
{
	static char all[4096];
	struct diag d = { 0 };
	size_t i, used = 0;

	all[0] = 0;
	qemu_parts_check(m, &d);
	for (i = 0; i < d.n; i++)
		used += (size_t)snprintf(all + used, sizeof(all) - used, "%s\n",
					 d.msgs[i]);
	diag_free(&d);
	return all;
}

static void parts(void **s)
{
	struct origin o = { "x.conf:4: vms[0].devices[0]", "acme.tpm", "acme" };
	struct origin o2 = { "x.conf:5: vms[0].devices[1]", "beta.x", "beta" };
	PART(chr, "chardev", "socket", STR("id", "chrtpm"),
	     STR("path", "/run/tpm.sock"));
	PART(tpm, "tpmdev", "emulator", STR("id", "tpm0"),
	     STR("chardev", "chrtpm"));
	PART(dev, "device", "tpm-tis", STR("tpmdev", "tpm0"));
	PART(noid, "tpmdev", "emulator", STR("chardev", "chrtpm"));
	PART(badid, "chardev", "socket", STR("id", "0chr"));
	PART(ours, "netdev", "user", STR("id", "net0"));
	PART(twice, "chardev", "null", STR("id", "chrtpm"));
	PART(dangling, "device", "tpm-crb", STR("tpmdev", "tpm9"));
	PART(global, "global", "isa-fdc.fdtypeA", STR("x", "none"));
	PART(nodriver, "audiodev", NULL, STR("id", "snd0"));
	struct bridge b = { .binary = "/usr/bin/qemu-system-x86_64",
			    .accel = "tcg" };
	struct launch l = { 3, NULL, NULL, "/run/vm", 1234 };
	struct machine *m;
	const char *c;

	(void)s;
	cmdline(LOAD "vms = ( { name = \"n\"; boot = { kernel = "
		     "\"@F@/vmlinuz\"; }; } );\n",
		NULL);
	m = &h.vms[0];
	machine_add_device(m, DEV_HVDEV, &chr, sizeof(chr), &o);
	machine_add_device(m, DEV_HVDEV, &tpm, sizeof(tpm), &o);
	machine_add_device(m, DEV_HVDEV, &dev, sizeof(dev), &o);
	assert_string_equal(check_parts(m), "");
	c = joined(&b, m, &l);
	HAS(c, "-chardev socket,id=chrtpm,path=/run/tpm.sock -tpmdev "
	       "emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0");
	machine_add_device(m, DEV_HVDEV, &noid, sizeof(noid), &o2);
	machine_add_device(m, DEV_HVDEV, &badid, sizeof(badid), &o2);
	machine_add_device(m, DEV_HVDEV, &ours, sizeof(ours), &o2);
	machine_add_device(m, DEV_HVDEV, &twice, sizeof(twice), &o2);
	machine_add_device(m, DEV_HVDEV, &dangling, sizeof(dangling), &o2);
	machine_add_device(m, DEV_HVDEV, &global, sizeof(global), &o2);
	machine_add_device(m, DEV_HVDEV, &nodriver, sizeof(nodriver), &o2);
	assert_string_equal(
		check_parts(m),
		"x.conf:5: vms[0].devices[1]: plugin beta emitted a qemu "
		"tpmdev without an \"id\" (a string: what the VM's other "
		"parts refer to)\n"
		"x.conf:5: vms[0].devices[1]: plugin beta emitted a qemu "
		"chardev with id \"0chr\": QEMU wants a letter, then letters, "
		"digits, '-', '.' or '_'\n"
		"x.conf:5: vms[0].devices[1]: plugin beta emitted a qemu netdev "
		"with id \"net0\", which vzhost's own devices use: choose "
		"another\n"
		"x.conf:5: vms[0].devices[1]: plugin beta emitted a qemu "
		"chardev with id \"chrtpm\", which another part of this VM "
		"has (x.conf:4: vms[0].devices[0], plugin acme)\n"
		"x.conf:5: vms[0].devices[1]: plugin beta emitted a qemu device "
		"tpm-crb whose tpmdev = \"tpm9\" is no tpmdev of this VM (a "
		"part with that id)\n"
		"x.conf:5: vms[0].devices[1]: plugin beta emitted a qemu part "
		"of group \"global\": the qemu bridge writes \"device\", "
		"\"object\", \"chardev\", \"tpmdev\", \"audiodev\", "
		"\"netdev\" and \"action\"\n"
		"x.conf:5: vms[0].devices[1]: plugin beta emitted a qemu "
		"audiodev without a backend type (driver)\n");
}

static void values_never_become_options(void **s)
{
	static const char *const parsed[] = { "-blockdev", "-chardev",
					      "-device",   "-drive",
					      "-object",   "-netdev",
					      "-name",	   NULL };
	const char *dir = th_fmt("%s/" NASTY, th_dir());
	struct bridge b = { .binary = "/usr/bin/qemu-system-x86_64",
			    .accel = "tcg",
			    .ovmf_code = "/ovmf/" NASTY "/CODE.fd" };
	struct launch l = { 3, NULL, "/state/" NASTY "/vm.efivars",
			    "/state/" NASTY "/vm.run.1", 1234 };
	char params[16][512], text[4096];
	struct argv a = { 0 };
	size_t i, j, hits = 0;
	int n, k;

	(void)s;
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(
		text, sizeof(text),
		LOAD
		"vms = ( { name = \"v\"; boot = { efi = { }; };\n"
		"devices = (\n"
		" { kind = \"disk\"; path = \"%1$s/d.img\"; size = \"1M\"; },\n"
		" { kind = \"serial\"; }, { kind = \"serial\"; output = \"%1$s/log\"; },\n"
		" { kind = \"share\"; tag = \"t,evil=1\"; path = \"%1$s\"; } ); } );\n",
		th_fmt("%s/a,evil=1\\\\b\\nc", th_dir()));
	host_close(&h);
	if (th_pipeline(&h, text))
		diag_print(&h.diag, stderr);
	assert_int_equal(h.diag.n, 0);
	qemu_build_argv(&b, &h.vms[0], &l, &a);
	for (i = 0; i + 1 < a.n; i++) {
		for (j = 0; parsed[j] && strcmp(parsed[j], a.v[i]); j++)
			;
		if (!parsed[j])
			continue;
		n = split_options(a.v[i + 1], false, params, 16);
		for (k = 0; k < n; k++) {
			if (!strncmp(params[k], "evil=", 5))
				fail_msg("a value became an option: %s %s",
					 a.v[i], a.v[i + 1]);
			hits += strstr(params[k], "a,evil=1\\b\nc") ||
				strstr(params[k], "t,evil=1");
		}
	}
	/* disk, serial log, share path (chardev), share tag, both pflash */
	assert_true(hits >= 6);
	argv_free(&a);
	virtiofsd_argv("/vfsd", 3, "/srv/x,source=/etc\\", &a);
	assert_string_equal(a.v[1], "--fd=3");
	assert_string_equal(a.v[2], "-o");
	n = split_options(a.v[3], true, params, 16);
	assert_int_equal(n, 1);
	assert_string_equal(params[0], "source=/srv/x,source=/etc\\");
	argv_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(machine_and_boot),
		cmocka_unit_test(disks),
		cmocka_unit_test(the_other_classes),
		cmocka_unit_test(desktop_devices),
		cmocka_unit_test(values_never_become_options),
		cmocka_unit_test(backends),
		cmocka_unit_test(parts),
	};

	return cmocka_run_group_tests_name("qemu argv", tests, NULL, teardown);
}
