/* test_vzplan.c: what the vz bridge will ask of Virtualization.framework (bridge/vz/plan.c), from configs through the real pipeline. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bridge/vz/plan.h"
#include "helpers.h"

#define LOAD                                                              \
	"plugins = { load = [ \"disk\", \"nat\", \"share\", \"virtio\", " \
	"\"input\", \"graphics\", \"serial\", \"backer\", \"media\" ]; };\n"
#define KERNEL "boot = { kernel = \"host.conf\"; };"
#define GiB (1024ull * 1024 * 1024)

static struct host h;
static struct vz_plan p;
static struct diag d;

/* a Mac that can do everything vzhost asks */
static const struct vz_host m14 = { VZ_OS(14, 2), 1,	    10,
				    512ull << 20, 64 * GiB, 1 };
static const struct vz_host m13 = { VZ_OS(13, 5), 1,	    8,
				    512ull << 20, 16 * GiB, 0 };
static const struct vz_host unknown = { .nested = -1 };
/* macOS 15 with Rosetta for Linux installed */
static const struct vz_host m15 = { .os = VZ_OS(15, 0),
				    .cpu_min = 1,
				    .cpu_max = 10,
				    .mem_min = 512ull << 20,
				    .mem_max = 64 * GiB,
				    .nested = 1,
				    .rosetta = VZ_ROSETTA_INSTALLED };

static int teardown_one(void **s)
{
	(void)s;
	vz_plan_free(&p);
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	host_close(&h);
	return 0;
}

static int teardown_all(void **s)
{
	(void)s;
	th_cleanup();
	return 0;
}

static void build(const char *vms)
{
	char *text = malloc(strlen(LOAD) + strlen(vms) + 1);

	strcpy(text, LOAD);
	strcat(text, vms);
	if (th_pipeline(&h, text))
		diag_print(&h.diag, stderr);
	free(text);
	assert_int_equal(h.diag.n, 0);
	assert_int_equal(h.nvms, 1);
}

/* s is "<the test's directory>/" + tail */
static void assert_tail(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	if (n < k || strcmp(s + n - k, tail) || s[n - k - 1] != '/')
		fail_msg("\"%s\" does not end in \"/%s\"", s, tail);
}

static bool said(const char *part)
{
	size_t i;

	for (i = 0; i < d.n; i++)
		if (strstr(d.msgs[i], part))
			return true;
	return false;
}

/* every device class of a Linux guest, in the model's order */
static void linux_every_class(void **s)
{
	static const enum vz_dev_kind want[] = {
		VZ_DEV_BLOCK_VIRTIO, VZ_DEV_BLOCK_NVME, VZ_DEV_BLOCK_USB,
		VZ_DEV_NET_NAT,	     VZ_DEV_GFX_VIRTIO, VZ_DEV_KBD_USB,
		VZ_DEV_PTR_USB,	     VZ_DEV_CONSOLE,	VZ_DEV_FS,
		VZ_DEV_ENTROPY,	     VZ_DEV_BALLOON,	VZ_DEV_VSOCK,
	};
	const char *dir = th_dir();
	size_t i;

	(void)s;
	build(th_fmt(
		"vms = ( { name = \"l\"; cpus = 2; memory = \"2G\"; " KERNEL
		"\n"
		"devices = ( { kind = \"disk\"; path = \"%s/a.img\"; size = \"1G\"; },\n"
		" { kind = \"disk\"; path = \"%s/b.img\"; size = \"1G\"; interface = \"nvme\";"
		"   cache = \"uncached\"; sync = \"none\"; },\n"
		" { kind = \"disk\"; path = \"%s/c.img\"; size = \"1G\"; interface = \"usb\";"
		"   cache = \"automatic\"; sync = \"full\"; },\n"
		" { kind = \"nat\"; }, { kind = \"graphics\"; width = 800; height = 600; },\n"
		" { kind = \"keyboard\"; }, { kind = \"pointer\"; },\n"
		" { kind = \"serial\"; output = \"pty\"; },\n"
		" { kind = \"share\"; tag = \"com.apple.virtio-fs.automount\"; path = \"%s\"; },\n"
		" { kind = \"entropy\"; }, { kind = \"balloon\"; }, { kind = \"vsock\"; } ); } );\n",
		dir, dir, dir, dir));
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p.platform, VZ_PLATFORM_GENERIC);
	assert_int_equal(p.boot, VZ_BOOT_LINUX);
	assert_false(p.nested);
	assert_int_equal(p.cpus, 2);
	assert_int_equal(p.memory, 2 * GiB);
	assert_int_equal(p.ndevs, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < p.ndevs; i++)
		assert_int_equal(p.devs[i].kind, want[i]);
	/* the disk plugin's default for Linux: cached + fsync (VZ-FACTS) */
	assert_int_equal(p.devs[0].caching, VZ_CACHING_CACHED);
	assert_int_equal(p.devs[0].sync, VZ_SYNC_FSYNC);
	assert_int_equal(p.devs[1].caching, VZ_CACHING_UNCACHED);
	assert_int_equal(p.devs[1].sync, VZ_SYNC_NONE);
	assert_int_equal(p.devs[2].caching, VZ_CACHING_AUTOMATIC);
	assert_int_equal(p.devs[2].sync, VZ_SYNC_FULL);
	assert_true(p.devs[8].automount);
	assert_false(p.window);
	assert_int_equal(p.checks, VZ_CHECK_VALIDATE);
	assert_string_equal(vz_dev_class(VZ_DEV_BLOCK_NVME),
			    "VZNVMExpressControllerDeviceConfiguration");
	assert_string_equal(vz_dev_class(VZ_DEV_PTR_USB),
			    "VZUSBScreenCoordinatePointingDeviceConfiguration");
}

/* the NICs in the framework's order, with their devices' indices; a
   dropped attachment is given a new one at once, then after 1, 2 and 4 s;
   the fifth drop within a minute is left without; a minute's quiet
   forgets a drop */
static void netdrop(void **s)
{
	struct vz_nic *nics;
	size_t n;

	(void)s;
	build(th_fmt(
		"vms = ( { name = \"l\"; " KERNEL "\n"
		"devices = ( { kind = \"serial\"; },\n"
		" { kind = \"nat\"; },\n"
		" { kind = \"disk\"; path = \"%s/n.img\"; size = \"1M\"; },\n"
		" { kind = \"nic\"; socket = \"/run/gv.sock\"; } ); } );\n",
		th_dir()));
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	n = vz_nics(&p, &h.vms[0], &nics);
	assert_int_equal(n, 2);
	assert_int_equal(nics[0].index, 1);
	assert_ptr_equal(nics[0].dev, &h.vms[0].devs[1]);
	assert_int_equal(nics[0].dev->u.net.attach, VZH_NET_NAT);
	assert_int_equal(nics[1].index, 3);
	assert_int_equal(nics[1].dev->u.net.attach, VZH_NET_SOCKET);

	assert_int_equal(vz_netdrop(&nics[0], 100000), 0);
	assert_int_equal(vz_netdrop(&nics[0], 100010), 1000);
	assert_int_equal(vz_netdrop(&nics[0], 101020), 2000);
	assert_int_equal(vz_netdrop(&nics[0], 103030), 4000);
	assert_int_equal(vz_netdrop(&nics[0], 107040), -1);
	/* the other NIC keeps its own count */
	assert_int_equal(vz_netdrop(&nics[1], 107050), 0);
	/* the first drop is a minute old at 160000: three left in the window */
	assert_int_equal(vz_netdrop(&nics[0], 159999), -1);
	assert_int_equal(vz_netdrop(&nics[0], 160000), 4000);
	/* a minute apart: each the first of its window; a ms less: not */
	assert_int_equal(vz_netdrop(&nics[1], 167050), 0);
	assert_int_equal(vz_netdrop(&nics[1], 227049), 1000);
	assert_int_equal(vz_netdrop(&nics[1], 287049), 0);
	free(nics);
}

/* several folders under one tag: one VZVirtioFileSystemDeviceConfiguration
   with a VZMultipleDirectoryShare, each folder by its last component; two
   of one name, or one without a name, refused at the entry */
static void shares_one_tag(void **s)
{
	const char *dir = th_dir();
	char buf[NAME_MAX + 1], *out = NULL;
	size_t n = 0;
	FILE *f;

	(void)s;
	mkdir(th_fmt("%s/src", dir), 0700);
	mkdir(th_fmt("%s/docs", dir), 0700);
	mkdir(th_fmt("%s/docs/src", dir), 0700);
	build(th_fmt(
		"vms = ( { name = \"l\"; " KERNEL "\n"
		"devices = ( { kind = \"share\"; tag = \"work\"; path = \"%s/src/\"; },\n"
		" { kind = \"share\"; tag = \"other\"; path = \"%s\"; },\n"
		" { kind = \"share\"; tag = \"work\"; path = \"%s/docs\"; read_only = true; } ); } );\n",
		dir, dir, dir));
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_int_equal(p.ndevs, 2);
	assert_int_equal(p.devs[0].kind, VZ_DEV_FS);
	assert_int_equal(p.devs[0].nshared, 2);
	assert_ptr_equal(p.devs[0].dev, &h.vms[0].devs[0]);
	assert_int_equal(p.devs[1].nshared, 1);
	f = open_memstream(&out, &n);
	vz_plan_print(&p, &h.vms[0], &m14, f);
	fclose(f);
	assert_non_null(strstr(
		out,
		th_fmt("  VZVirtioFileSystemDeviceConfiguration + VZMultipleDirectoryShare src: %s/src, docs: %s/docs read-only, tag work\n",
		       dir, dir)));
	assert_non_null(strstr(
		out, th_fmt(" + VZSingleDirectoryShare %s, tag other\n", dir)));
	free(out);
	teardown_one(NULL);

	/* the same last component twice under one tag */
	build(th_fmt(
		"vms = ( { name = \"l\"; " KERNEL "\n"
		"devices = ( { kind = \"share\"; tag = \"work\"; path = \"%s/src\"; },\n"
		" { kind = \"share\"; tag = \"work\"; path = \"%s/docs/src\"; } ); } );\n",
		dir, dir));
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(
		d.msgs[0],
		th_fmt("%s/host.conf:4: vms[0].devices[1]: share tag \"work\" "
		       "already has a folder named \"src\" (%s/src, at "
		       "%s/host.conf:3: vms[0].devices[0]): the guest sees each "
		       "folder of a tag by its name; give one its own tag",
		       dir, dir, dir));

	teardown_one(NULL);

	/* a folder without a name beside another */
	build(th_fmt(
		"vms = ( { name = \"l\"; " KERNEL "\n"
		"devices = ( { kind = \"share\"; tag = \"r\"; path = \"/\"; },\n"
		" { kind = \"share\"; tag = \"r\"; path = \"%s/src\"; } ); } );\n",
		dir));
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(
		d.msgs[0],
		th_fmt("%s/host.conf:3: vms[0].devices[0]: share tag \"r\" has "
		       "several folders, which the guest sees by their names: / "
		       "has none (share a folder inside it)",
		       dir));

	/* the names the framework would refuse */
	assert_null(vz_share_name("/", buf, sizeof(buf)));
	assert_null(vz_share_name("/a/..", buf, sizeof(buf)));
	assert_null(vz_share_name("/a/./", buf, sizeof(buf)));
	assert_string_equal(vz_share_name("/a/b..//", buf, sizeof(buf)), "b..");
	assert_string_equal(vz_share_name("x", buf, sizeof(buf)), "x");
	assert_null(vz_share_name("/a/bcd", buf, 3));
	assert_string_equal(vz_share_name("/a/bcd", buf, 4), "bcd");
}

/* a window in points: pixels over the screen's scale, shrunk whole (the
   aspect kept) to the screen's visible frame */
static void window_points(void **s)
{
	static const struct {
		unsigned px_w, px_h;
		double scale, max_w, max_h, w, h;
	} cases[] = {
		{ 1920, 1200, 2, 1512, 944, 960, 600 }, /* Retina */
		{ 1920, 1200, 1, 0, 0, 1920, 1200 },
		{ 3840, 2160, 2, 1440, 900, 1440, 810 }, /* width bounds it */
		{ 1200, 1920, 1, 1440, 900, 562.5, 900 }, /* ... height */
		{ 0, 0, 2, 0, 0, 960, 600 }, /* no size: the default */
		{ 800, 600, 0, 0, 0, 800, 600 }, /* a scale under 1: 1 */
	};
	double w, ht;
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vz_window_points(cases[i].px_w, cases[i].px_h, cases[i].scale,
				 cases[i].max_w, cases[i].max_h, &w, &ht);
		if (w != cases[i].w || ht != cases[i].h)
			fail_msg("case %zu: %gx%g, not %gx%g", i, w, ht,
				 cases[i].w, cases[i].h);
	}
}

#define MACOS                                                                          \
	"vms = ( { name = \"m\"; guest = \"macos\"; cpus = 4; memory = \"8G\";\n"      \
	"  macos = { bundle = \"m.vzvm\"; recovery = true; };\n"                       \
	"  devices = ( { kind = \"graphics\"; display = \"window\"; },\n"              \
	"   { kind = \"keyboard\"; }, { kind = \"pointer\"; type = \"trackpad\"; },\n" \
	"   { kind = \"nat\"; } ); } );\n"

/* a macOS guest: Mac platform from its bundle, whose disk is a disk of the
   model; Mac keyboard, trackpad and graphics, a USB keyboard and pointer
   beside them */
static void macos_guest(void **s)
{
	(void)s;
	build(MACOS);
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_int_equal(p.platform, VZ_PLATFORM_MAC);
	assert_int_equal(p.boot, VZ_BOOT_MACOS);
	assert_true(p.recovery);
	assert_true(p.window);
	assert_non_null(strstr(p.hw_model, "/m.vzvm/HardwareModel"));
	assert_non_null(strstr(p.machine_id, "/m.vzvm/MachineIdentifier"));
	assert_non_null(strstr(p.aux_storage, "/m.vzvm/AuxiliaryStorage"));
	assert_int_equal(p.ndevs, 5);
	assert_int_equal(p.devs[0].kind, VZ_DEV_BLOCK_VIRTIO);
	assert_non_null(strstr(p.devs[0].dev->u.disk.path, "/m.vzvm/Disk.img"));
	assert_int_equal(p.devs[0].dev->u.disk.size, 64 * GiB);
	assert_int_equal(p.devs[1].kind, VZ_DEV_GFX_MAC);
	assert_int_equal(p.devs[2].kind, VZ_DEV_KBD_MAC);
	assert_int_equal(p.devs[3].kind, VZ_DEV_PTR_TRACKPAD);
	assert_int_equal(p.devs[4].kind, VZ_DEV_NET_NAT);
	/* (a macOS 12 guest knows only USB input: one beside each) */
	assert_true(p.devs[2].usb_too);
	assert_true(p.devs[3].usb_too);
	assert_false(p.devs[0].usb_too || p.devs[1].usb_too ||
		     p.devs[4].usb_too);
	assert_int_equal(p.checks, VZ_CHECK_VALIDATE | VZ_CHECK_HW_MODEL);
	assert_int_equal(p.nnotes, 0);
}

/* macOS 13 has no Mac keyboard: a USB keyboard, and the user is told */
static void macos_13_keyboard(void **s)
{
	(void)s;
	build(MACOS);
	assert_int_equal(vz_plan_make(&h.vms[0], &m13, &p, &d), 0);
	assert_int_equal(p.devs[2].kind, VZ_DEV_KBD_USB);
	assert_false(p.devs[2].usb_too); /* (it is the USB one) */
	assert_int_equal(p.nnotes, 1);
	assert_tail(p.notes[0],
		    "host.conf:5: vms[0].devices[1]: the Mac keyboard "
		    "needs macOS 14 on the host: a USB keyboard instead");
}

/* NVMe came with macOS 14: refused on 13 at the device, with what to do */
static void nvme_on_13(void **s)
{
	(void)s;
	build(th_fmt("vms = ( { name = \"l\"; " KERNEL "\n"
		     "devices = ( { kind = \"disk\"; path = \"%s/n.img\"; "
		     "size = \"1G\"; interface = \"nvme\"; } ); } );\n",
		     th_dir()));
	assert_int_equal(vz_plan_make(&h.vms[0], &m13, &p, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_tail(
		d.msgs[0],
		"host.conf:3: vms[0].devices[0]: "
		"VZNVMExpressControllerDeviceConfiguration needs macOS 14 or "
		"later on the host (this Mac runs 13.5): use interface = "
		"\"virtio\"");
	vz_plan_free(&p);
	/* where the Mac is not known: a check for the Mac, not an error */
	assert_int_equal(vz_plan_make(&h.vms[0], &unknown, &p, &d), 0);
	assert_true(p.checks & VZ_CHECK_OS);
}

/* backends: file-handle NICs (datagrams only), NBD disks with macOS 14,
   ephemeral disks cloned; no structured device of any bridge */
static void backends(void **s)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	(void)s;
	build(th_fmt(
		"vms = ( { name = \"l\"; " KERNEL "\n"
		"devices = ( { kind = \"nic\"; socket = \"/run/gv.sock\"; },\n"
		" { kind = \"disk\"; nbd_socket = \"/run/nbd.sock\"; nbd_export = \"x\"; },\n"
		" { kind = \"disk\"; path = \"%s/e.img\"; size = \"1M\"; } ); } );\n",
		th_dir()));
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_int_equal(p.ndevs, 3);
	vz_plan_free(&p);
	assert_int_equal(vz_plan_make(&h.vms[0], &m13, &p, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_tail(d.msgs[0], "host.conf:4: vms[0].devices[1]: an NBD disk "
			       "needs macOS 14 or later on the host "
			       "(VZNetworkBlockDeviceStorageDeviceAttachment)");
	vz_plan_free(&p);
	f = open_memstream(&out, &n);
	assert_int_equal(vz_describe(&unknown, &h.vms[0], f, &d), 0);
	fclose(f);
	assert_non_null(strstr(out, " + VZFileHandleNetworkDeviceAttachment "));
	assert_non_null(strstr(out, ", a datagram socket connected to "
				    "/run/gv.sock\n"));
	assert_non_null(strstr(out, " + VZNetworkBlockDeviceStorageDevice"
				    "Attachment nbd+unix:///x?socket="
				    "/run/nbd.sock\n"));
	free(out);
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	host_close(&h);
	build("vms = ( { name = \"l\"; " KERNEL "\n"
	      "devices = ( { kind = \"nic\"; socket = \"/run/passt.sock\"; "
	      "type = \"stream\"; } ); } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), -EINVAL);
	assert_true(said("host.conf:3: vms[0].devices[0]: "
			 "Virtualization.framework takes a NIC's frames as "
			 "datagrams only: use type = \"dgram\""));
	/* a NIC a plugin serves: a file handle too, said whose */
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	host_close(&h);
	build("vms = ( { name = \"l\"; " KERNEL "\n"
	      "devices = ( { kind = \"backer.stall\"; } ); } );\n");
	out = NULL;
	f = open_memstream(&out, &n);
	assert_int_equal(vz_describe(&unknown, &h.vms[0], f, &d), 0);
	fclose(f);
	assert_non_null(strstr(out, " + VZFileHandleNetworkDeviceAttachment "
				    "52:54:00:5a:11:01, served by plugin "
				    "backer\n"));
	free(out);
}

/* nested: enabled where the Mac has it, refused where it has not, left to
   the Mac where it is not known */
static void nested(void **s)
{
	(void)s;
	build("vms = ( { name = \"l\"; nested = true; " KERNEL " } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_true(p.nested);
	vz_plan_free(&p);
	assert_int_equal(vz_plan_make(&h.vms[0], &m13, &p, &d), -EINVAL);
	assert_true(said("host.conf:2: vms[0].nested: nested virtualization "
			 "needs an M3 or later Mac with macOS 15 or later"));
	assert_true(said("remove nested = true, or run this VM with "
			 "host.bridge = \"qemu\""));
	vz_plan_free(&p);
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	assert_int_equal(vz_plan_make(&h.vms[0], &unknown, &p, &d), 0);
	assert_int_equal(p.checks,
			 VZ_CHECK_VALIDATE | VZ_CHECK_NESTED | VZ_CHECK_LIMITS);
}

/* CPU count and memory brought within this Mac's range, and said */
static void limits(void **s)
{
	(void)s;
	build("vms = ( { name = \"l\"; cpus = 16; memory = \"2G\"; " KERNEL
	      " } );\n");
	h.vms[0].memory = 128 * GiB; /* (more than this host has) */
	assert_int_equal(vz_plan_make(&h.vms[0], &m13, &p, &d), 0);
	assert_int_equal(p.cpus, 8);
	assert_int_equal(p.memory, 16 * GiB);
	assert_int_equal(p.nnotes, 2);
	assert_tail(p.notes[0],
		    "host.conf:2: vms[0].cpus: cpus = 16 is outside this "
		    "Mac's range 1-8: 8 used");
	assert_tail(p.notes[1],
		    "host.conf:2: vms[0].memory: memory = 128 GiB is "
		    "outside this Mac's range: 16 GiB used");
	vz_plan_free(&p);
	h.vms[0].cpus = 1;
	h.vms[0].memory = 256ull << 20;
	assert_int_equal(vz_plan_make(&h.vms[0], &m13, &p, &d), 0);
	assert_int_equal(p.cpus, 1);
	assert_int_equal(p.memory, 512ull << 20);
}

/* a macOS guest without its own figures runs with what its restore image
   needs, as install recorded; figures below the image's minimums are
   install errors at their file:line */
static void bundle_requirements(void **s)
{
	unsigned cpus;
	uint64_t mem;

	(void)s;
	build("vms = ( { name = \"m\"; guest = \"macos\";\n"
	      "  macos = { bundle = \"m.vzvm\"; }; } );\n");
	assert_int_equal(vz_bundle_read_req(h.vms[0].macos_bundle, &cpus, &mem),
			 -ENOENT);
	assert_int_equal(mkdir(h.vms[0].macos_bundle, 0700), 0);
	/* an install cut short leaves its mark: the VM is not started from it */
	assert_false(vz_bundle_unfinished(h.vms[0].macos_bundle));
	free(th_write(h.vms[0].macos_bundle, VZ_INSTALLING, ""));
	assert_true(vz_bundle_unfinished(h.vms[0].macos_bundle));
	unlink(th_fmt("%s/%s", h.vms[0].macos_bundle, VZ_INSTALLING));
	assert_false(vz_bundle_unfinished(h.vms[0].macos_bundle));
	assert_int_equal(vz_bundle_write_req(h.vms[0].macos_bundle, 4, 4 * GiB),
			 0);
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_int_equal(p.cpus, 4);
	assert_int_equal(p.memory, 4 * GiB);
	/* a damaged record is not believed (a sign, a wrap, no MiB) */
	{
		static const char *const bad[] = {
			"cpus -1\nmemory 4294967296\n", "cpus 4\nmemory 1000\n",
			"cpus 4\nmemory -1048576\n",
			"cpus 4 memory 4294967296\n"
		};
		const char *path =
			th_fmt("%s/Requirements", h.vms[0].macos_bundle);
		unsigned k;

		for (k = 0; k < 4; k++) {
			FILE *f = fopen(path, "w");

			fputs(bad[k], f);
			fclose(f);
			assert_int_equal(
				vz_bundle_read_req(h.vms[0].macos_bundle, &cpus,
						   &mem),
				-EINVAL);
		}
		assert_int_equal(vz_bundle_write_req(h.vms[0].macos_bundle, 4,
						     4 * GiB),
				 0);
	}
	assert_int_equal(vz_install_fit(&h.vms[0], 4, 4 * GiB, &cpus, &mem, &d),
			 0);
	assert_int_equal(cpus, 4);
	assert_int_equal(mem, 4 * GiB);
	vz_plan_free(&p);
	teardown_one(NULL);

	build("vms = ( { name = \"m\"; guest = \"macos\"; cpus = 2;\n"
	      "  memory = \"2G\"; macos = { bundle = \"m.vzvm\"; }; } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_int_equal(p.cpus, 2); /* the config wins */
	assert_int_equal(p.memory, 2 * GiB);
	assert_int_equal(vz_install_fit(&h.vms[0], 4, 4 * GiB, &cpus, &mem, &d),
			 -EINVAL);
	assert_int_equal(d.n, 2);
	assert_tail(d.msgs[0],
		    "host.conf:2: vms[0].cpus: cpus = 2 is fewer than this "
		    "restore image needs (4): raise it, or remove it to take "
		    "the image's minimum");
	assert_tail(d.msgs[1],
		    "host.conf:3: vms[0].memory: memory = 2 GiB is less than "
		    "this restore image needs (4 GiB): raise it, or remove it "
		    "to take the image's minimum");
	assert_int_equal(rmdir(h.vms[0].macos_bundle), -1); /* (not empty) */
}

static void efi(void **s)
{
	(void)s;
	build("vms = ( { name = \"l\"; boot = { efi = { }; }; } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_int_equal(p.boot, VZ_BOOT_EFI);
	assert_non_null(p.efi_vars);
}

/* a Linux guest's machine identifier is kept in the state directory, one
   file a VM (a saved state restores only into the machine it was saved
   from); a macOS guest's stays in its bundle; not known: none, and --check
   says where it would be */
static void machine_identity(void **s)
{
	struct vz_host st = m14;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)s;
	st.state_dir = "/var/lib/vzhost";
	build("vms = ( { name = \"l\"; " KERNEL " } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &st, &p, &d), 0);
	assert_string_equal(p.machine_id, "/var/lib/vzhost/l.machine-id");
	vz_plan_free(&p);
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_null(p.machine_id);
	out = open_memstream(&text, &len);
	vz_plan_print(&p, &h.vms[0], &unknown, out);
	fclose(out);
	assert_non_null(strstr(text, "VZGenericMachineIdentifier kept in the "
				     "state directory as l.machine-id"));
	free(text);
	teardown_one(NULL);
	build(MACOS);
	assert_int_equal(vz_plan_make(&h.vms[0], &st, &p, &d), 0);
	assert_non_null(strstr(p.machine_id, "/m.vzvm/MachineIdentifier"));
}

/* an NBD disk came with macOS 14: off a Mac, --check lists it among what
   only a Mac can verify; on 13, it is refused at the disk */
static void nbd_needs_14(void **s)
{
	(void)s;
	build("vms = ( { name = \"l\"; " KERNEL "\n"
	      "devices = ( { kind = \"disk\"; nbd_socket = \"/run/n.sock\"; "
	      "} ); } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &unknown, &p, &d), 0);
	assert_int_equal(p.checks & VZ_CHECK_OS, VZ_CHECK_OS);
	vz_plan_free(&p);
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	assert_int_equal(p.checks & VZ_CHECK_OS, 0);
	vz_plan_free(&p);
	assert_int_equal(vz_plan_make(&h.vms[0], &m13, &p, &d), -EINVAL);
	assert_true(said("vms[0].devices[0]: an NBD disk needs macOS 14 or "
			 "later on the host"));
}

/* the framework takes RAW images in whole sectors: a ragged one is refused
   before anything starts */
static void ragged_image(void **s)
{
	char *img = th_write(NULL, "ragged.img", "not a disk");

	(void)s;
	build(th_fmt("vms = ( { name = \"l\"; " KERNEL "\n"
		     "devices = ( { kind = \"disk\"; path = \"%s\"; } ); } );\n",
		     img));
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), -EINVAL);
	assert_true(said(th_fmt("host.conf:3: vms[0].devices[0]: %s: 10 bytes "
				"is not a whole number of 512-byte sectors",
				img)));
	free(img);
}

/* text the framework takes as NSString must be UTF-8: a path or a command
   line that is not is an error at its entry, not an exception at start;
   any well-formed UTF-8 (two, three, four bytes) is taken */
static void not_utf8(void **s)
{
	(void)s;
	build("vms = ( { name = \"l\"; boot = { kernel = \"host.conf\"; "
	      "cmdline = \"quiet \\xc0\\x80\"; };\n"
	      "devices = ( { kind = \"serial\"; output = \"con\\xffsole.log\"; "
	      "} ); } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), -EINVAL);
	assert_true(said("host.conf:3: vms[0].devices[0]: output is not UTF-8 "
			 "text, which Virtualization.framework needs"));
	assert_true(said("vms[0].boot: cmdline is not UTF-8 text"));
	assert_int_equal(d.n, 2);
	teardown_one(NULL);
	build("vms = ( { name = \"l\"; boot = { kernel = \"host.conf\"; "
	      "cmdline = \"caf\\xc3\\xa9 \\xe2\\x82\\xac \\xf0\\x9f\\x98\\x80\"; "
	      "};\n"
	      "devices = ( { kind = \"serial\"; output = \"\\xe2\\x82\\xac.log\"; "
	      "} ); } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), 0);
	teardown_one(NULL);
	/* a surrogate; past U+10FFFF */
	build("vms = ( { name = \"l\"; boot = { kernel = \"host.conf\"; "
	      "cmdline = \"\\xed\\xa0\\x80\"; };\n"
	      "devices = ( { kind = \"serial\"; output = "
	      "\"\\xf4\\x90\\x80\\x80\"; } ); } );\n");
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), -EINVAL);
	assert_true(said("cmdline is not UTF-8 text"));
	assert_true(said("output is not UTF-8 text"));
	assert_int_equal(d.n, 2);
}

static void can_save(void **s)
{
	char *why;

	(void)s;
	build(th_fmt(
		"vms = ( { name = \"l\"; " KERNEL "\n"
		"devices = ( { kind = \"nat\"; }, { kind = \"serial\"; } ); } );\n"));
	assert_false(vz_plan_can_save(&h.vms[0], &m13, &why));
	assert_string_equal(why, "saving a VM's state needs macOS 14 or later "
				 "on the host");
	free(why);
	assert_false(vz_plan_can_save(&h.vms[0], &m14, &why));
	assert_non_null(strstr(why, "Virtualization.framework cannot save a "
				    "VM with a serial console ("));
	assert_tail(why, "host.conf:3: vms[0].devices[1])");
	free(why);
	machine_truncate(&h.vms[0], 1);
	assert_true(vz_plan_can_save(&h.vms[0], &m14, &why));
	assert_null(why);
}

#define DESKTOP                                                                  \
	"vms = ( { name = \"l\"; " KERNEL "\n"                                   \
	"devices = ( { kind = \"sound\"; input = true; },\n"                     \
	"  { kind = \"clipboard\"; }, { kind = \"rosetta\"; tag = \"ros\"; },\n" \
	"  { kind = \"usb\"; } ); } );\n"

/* sound (output and input streams), the clipboard's SPICE port, Rosetta
   (installed, or said how to get), the XHCI controller (macOS 15) */
static void desktop_devices(void **s)
{
	static const enum vz_dev_kind want[] = { VZ_DEV_SOUND, VZ_DEV_CLIPBOARD,
						 VZ_DEV_ROSETTA, VZ_DEV_USB };
	struct vz_host host = m15;
	char *out = NULL, *why;
	size_t i, n = 0;
	FILE *f;

	(void)s;
	build(DESKTOP);
	assert_int_equal(vz_plan_make(&h.vms[0], &m15, &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p.ndevs, 4);
	for (i = 0; i < p.ndevs; i++)
		assert_int_equal(p.devs[i].kind, want[i]);
	assert_int_equal(p.checks, VZ_CHECK_VALIDATE);
	assert_string_equal(vz_dev_class(VZ_DEV_USB),
			    "VZXHCIControllerConfiguration");
	f = open_memstream(&out, &n);
	vz_plan_print(&p, &h.vms[0], &m15, f);
	fclose(f);
	assert_non_null(strstr(
		out, "  VZVirtioSoundDeviceConfiguration + "
		     "VZVirtioSoundDeviceOutputStreamConfiguration to "
		     "VZHostAudioOutputStreamSink + "
		     "VZVirtioSoundDeviceInputStreamConfiguration from "
		     "VZHostAudioInputStreamSource (macOS asks to allow the "
		     "microphone)\n"));
	assert_non_null(strstr(out,
			       "  VZVirtioConsolePortConfiguration "
			       "\"com.redhat.spice.0\" (spiceAgentPortName) "
			       "+ VZSpiceAgentPortAttachment "
			       "sharesClipboard\n"));
	assert_non_null(strstr(out, "  VZVirtioFileSystemDeviceConfiguration + "
				    "VZLinuxRosettaDirectoryShare, tag ros\n"));
	free(out);
	vz_plan_free(&p);
	/* neither the clipboard's port, Rosetta's share nor sound can be
	   saved */
	teardown_one(NULL);
	build("vms = ( { name = \"l\"; " KERNEL "\n"
	      "devices = ( { kind = \"clipboard\"; } ); } );\n");
	assert_false(vz_plan_can_save(&h.vms[0], &m15, &why));
	assert_non_null(strstr(why, "cannot save a VM with a clipboard (its "
				    "SPICE agent port) ("));
	assert_tail(why, "host.conf:3: vms[0].devices[0])");
	free(why);
	teardown_one(NULL);
	build("vms = ( { name = \"l\"; " KERNEL "\n"
	      "devices = ( { kind = \"sound\"; } ); } );\n");
	assert_false(vz_plan_can_save(&h.vms[0], &m15, &why));
	assert_non_null(strstr(why, "cannot save a VM with a sound device "
				    "(host audio streams) ("));
	assert_tail(why, "host.conf:3: vms[0].devices[0])");
	free(why);
	teardown_one(NULL);
	build("vms = ( { name = \"l\"; " KERNEL "\n"
	      "devices = ( { kind = \"rosetta\"; } ); } );\n");
	assert_false(vz_plan_can_save(&h.vms[0], &m15, &why));
	assert_non_null(
		strstr(why, "cannot save a VM with a shared directory ("));
	assert_tail(why, "host.conf:3: vms[0].devices[0])");
	free(why);
	teardown_one(NULL);

	/* macOS 14: no XHCI controller; Rosetta left to the Mac to say */
	build(DESKTOP);
	assert_int_equal(vz_plan_make(&h.vms[0], &m14, &p, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_tail(d.msgs[0], "host.conf:5: vms[0].devices[3]: "
			       "VZXHCIControllerConfiguration needs macOS 15 "
			       "or later on the host (this Mac runs 14.2)");
	assert_true(p.checks & VZ_CHECK_ROSETTA);
	vz_plan_free(&p);
	/* off a Mac: both left to the Mac, no error */
	assert_int_equal(vz_plan_make(&h.vms[0], &unknown, &p, &d), 0);
	assert_int_equal(d.n, 1);
	assert_true(p.checks & VZ_CHECK_ROSETTA);
	assert_true(p.checks & VZ_CHECK_OS);
	vz_plan_free(&p);
	/* Rosetta not installed; an Intel Mac */
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	host.rosetta = VZ_ROSETTA_NOT_INSTALLED;
	assert_int_equal(vz_plan_make(&h.vms[0], &host, &p, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_tail(d.msgs[0],
		    "host.conf:4: vms[0].devices[2]: Rosetta is not installed "
		    "on this Mac: run softwareupdate --install-rosetta "
		    "--agree-to-license (or accept the installer macOS "
		    "offers), then start again");
	assert_false(p.checks & VZ_CHECK_ROSETTA);
	vz_plan_free(&p);
	host.rosetta = VZ_ROSETTA_UNSUPPORTED;
	assert_int_equal(vz_plan_make(&h.vms[0], &host, &p, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	assert_tail(d.msgs[1], "host.conf:4: vms[0].devices[2]: Rosetta for "
			       "Linux needs a Mac with Apple silicon "
			       "(VZLinuxRosettaDirectoryShare.availability: "
			       "not supported): remove the entry");
	vz_plan_free(&p);
	teardown_one(NULL);

	/* a recorded sound card is QEMU's */
	build(th_fmt("vms = ( { name = \"l\"; " KERNEL "\n"
		     "devices = ( { kind = \"sound\"; record = \"%s/o.wav\"; } "
		     "); } );\n",
		     th_dir()));
	assert_int_equal(vz_plan_make(&h.vms[0], &m15, &p, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msgs[0], "vms[0].devices[0]: record (the "
					  "guest's sound into a WAV file) is "
					  "the qemu bridge's"));
}

/* --check where there is no Mac: the plan, and what only a Mac can verify */
static void print(void **s)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	(void)s;
	build(MACOS);
	f = open_memstream(&out, &n);
	assert_int_equal(vz_describe(&unknown, &h.vms[0], f, &d), 0);
	fclose(f);
	assert_non_null(strstr(out, "vm m on Virtualization.framework:\n"));
	assert_non_null(strstr(out, "VZMacOSBootLoader, started in macOS "
				    "Recovery\n"));
	assert_non_null(strstr(out, "  CPUCount 4, memorySize 8 GiB\n"));
	assert_non_null(strstr(out,
			       "  VZMacGraphicsDeviceConfiguration 1920x1200 "
			       "@ 144 ppi, in a window\n"));
	assert_non_null(strstr(out, "  only a Mac can verify:\n"
				    "    - the configuration as a whole "
				    "(validateWithError:)\n"
				    "    - that this Mac supports the bundle's "
				    "hardware model\n"));
	free(out);
	out = NULL;
	/* on the Mac itself, nothing is left to verify later */
	f = open_memstream(&out, &n);
	assert_int_equal(vz_describe(&m14, &h.vms[0], f, &d), 0);
	fclose(f);
	assert_null(strstr(out, "only a Mac can verify"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(linux_every_class, teardown_one),
		cmocka_unit_test_teardown(macos_guest, teardown_one),
		cmocka_unit_test_teardown(macos_13_keyboard, teardown_one),
		cmocka_unit_test_teardown(nvme_on_13, teardown_one),
		cmocka_unit_test_teardown(backends, teardown_one),
		cmocka_unit_test_teardown(netdrop, teardown_one),
		cmocka_unit_test_teardown(shares_one_tag, teardown_one),
		cmocka_unit_test_teardown(window_points, teardown_one),
		cmocka_unit_test_teardown(nested, teardown_one),
		cmocka_unit_test_teardown(limits, teardown_one),
		cmocka_unit_test_teardown(bundle_requirements, teardown_one),
		cmocka_unit_test_teardown(efi, teardown_one),
		cmocka_unit_test_teardown(ragged_image, teardown_one),
		cmocka_unit_test_teardown(not_utf8, teardown_one),
		cmocka_unit_test_teardown(nbd_needs_14, teardown_one),
		cmocka_unit_test_teardown(machine_identity, teardown_one),
		cmocka_unit_test_teardown(can_save, teardown_one),
		cmocka_unit_test_teardown(print, teardown_one),
		cmocka_unit_test_teardown(desktop_devices, teardown_one),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
