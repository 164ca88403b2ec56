/* test_ctl.c: the control protocol: replies, bad requests, and a subscriber that stops reading. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "console.h"
#include "runner.h"

static int paused;
static struct runner r;

/* the first pause gets there (an event, later), the second is refused; with
   fail_pause set, the bridge reports that it did not get there */
static bool fail_pause;

static int do_pause(struct bvm *vm)
{
	(void)vm;
	if (paused++)
		return -EINVAL; /* a second pause is refused */
	if (fail_pause)
		bridge_emit(r.ev[1], 0, VZH_STATE_RUNNING, VZH_REASON_NONE,
			    -EIO, "pause failed: no answer to stop in time");
	else
		bridge_emit(r.ev[1], 0, VZH_STATE_PAUSED,
			    VZH_REASON_HOST_REQUEST, 0, NULL);
	return 0;
}

static int ok_vm(struct bvm *vm)
{
	(void)vm;
	return 0;
}

static int stop_asks; /* power buttons pressed */

static int ask_stop(struct bvm *vm)
{
	(void)vm;
	stop_asks++;
	return 0;
}

/* a kill the hypervisor refuses (its process gone, say) */
static int no_stop(struct bvm *vm)
{
	(void)vm;
	return -ESRCH;
}

static const struct bridge_ops fake = { .name = "fake",
					.pause = do_pause,
					.resume = ok_vm,
					.stop = ok_vm,
					.request_stop = ask_stop };
static bool no_save(const struct machine *mm, char **why)
{
	(void)mm;
	*why = strdup("this hypervisor cannot save a VM with a share");
	return false;
}

static const struct bridge_ops unsavable = { .name = "unsavable",
					     .can_save = no_save };
static struct machine m = { .name = "t", .stop_timeout = 30 };
static struct host h = { .vms = &m, .nvms = 1 };
static struct vmrun vm;
static int peer;

static int setup(void **s)
{
	int sv[2];

	(void)s;
	memset(&vm, 0, sizeof(vm));
	vm.m = &m;
	vm.state = VZH_STATE_RUNNING;
	vm.listen_fd = -1;
	vm.bvm = (struct bvm *)1;
	memset(&r, 0, sizeof(r));
	r.h = &h;
	r.ops = &fake;
	r.act = &run_actions;
	r.vms = &vm;
	r.sigfd = -1;
	paused = 0;
	if (pipe2(r.ev, O_NONBLOCK) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		return -1;
	ctl_attach(&r, &vm, sv[0]);
	peer = sv[1];
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	ctl_free(&r);
	if (peer >= 0)
		close(peer);
	close(r.ev[0]);
	close(r.ev[1]);
	return 0;
}

static void serve(void)
{
	struct pollfd fds[4];
	int n, i;

	for (i = 0; i < 8; i++) {
		n = ctl_pollfds(&r, fds, 4);
		if (poll(fds, (nfds_t)n, 20) > 0)
			ctl_dispatch(&r, fds, n);
	}
}

/* send text, serve, return what came back */
static const char *ask(const char *text)
{
	static char buf[8192];
	ssize_t n;

	if (text)
		assert_true(write(peer, text, strlen(text)) ==
			    (ssize_t)strlen(text));
	serve();
	n = read(peer, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void status_and_commands(void **s)
{
	(void)s;
	assert_non_null(strstr(
		ask("{\"command\":\"status\"}\n"),
		"{\"ok\":true,\"vm\":\"t\",\"state\":\"running\",\"pid\":"));
	/* answered once the VM is paused, not when the pause was asked */
	assert_string_equal(ask("{\"command\":\"pause\"}\n"),
			    "{\"ok\":true,\"state\":\"paused\"}\n");
	assert_string_equal(
		ask("{\"command\":\"pause\"}\n"),
		"{\"ok\":false,\"error\":\"cannot pause: the VM is paused\"}\n");
	assert_non_null(
		strstr(ask("{\"command\":\"save\"}\n"),
		       "save needs \\\"path\\\": an absolute file name"));
	assert_non_null(strstr(ask("{\"command\":\"save\",\"path\":\"rel\"}\n"),
			       "absolute"));
}

/* a pause the hypervisor could not do: the client hears why */
static void failed_pause_is_answered(void **s)
{
	(void)s;
	fail_pause = true;
	assert_string_equal(
		ask("{\"command\":\"pause\"}\n"),
		"{\"ok\":false,\"error\":\"cannot pause: pause failed: no "
		"answer to stop in time\"}\n");
	fail_pause = false;
}

/* a stop or kill the bridge refuses is answered as refused, with the state
   the VM is still in, and nothing changes */
static void refused_kill_is_answered(void **s)
{
	static const struct bridge_ops stuck = { .name = "stuck",
						 .stop = no_stop,
						 .request_stop = no_stop };
	(void)s;
	r.ops = &stuck;
	assert_string_equal(
		ask("{\"command\":\"kill\"}\n"),
		"{\"ok\":false,\"error\":\"cannot kill: the VM is running\"}\n");
	assert_string_equal(
		ask("{\"command\":\"stop\"}\n"),
		"{\"ok\":false,\"error\":\"cannot stop: the VM is running\"}\n");
	assert_int_equal(vm.state, VZH_STATE_RUNNING);
	/* nothing was under way: the next stop asks the guest */
	r.ops = &fake;
	stop_asks = 0;
	assert_string_equal(ask("{\"command\":\"stop\"}\n"),
			    "{\"ok\":true,\"state\":\"running\"}\n");
	assert_int_equal(stop_asks, 1);
	assert_string_equal(ask("{\"command\":\"kill\"}\n"),
			    "{\"ok\":true,\"state\":\"running\"}\n");
}

/* a restore taken, then refused by the hypervisor without a word: the
   client hears the state it ended in */
static int restore_taken(struct runner *rr, struct vmrun *v, const char *path,
			 char **why)
{
	(void)rr, (void)v, (void)path, (void)why;
	return 0;
}

static void failed_restore_says_the_state(void **s)
{
	struct runner_actions acts = run_actions;

	(void)s;
	acts.restore = restore_taken;
	r.act = &acts;
	vm.state = VZH_STATE_STOPPED;
	/* (answered when it is over) */
	assert_string_equal(ask("{\"command\":\"restore\",\"path\":\"/s\"}\n"),
			    "");
	vm.state = VZH_STATE_RESTORING;
	ctl_transition(&r, &vm, 0, NULL);
	vm.state = VZH_STATE_STOPPED;
	ctl_transition(&r, &vm, -EIO, NULL);
	assert_string_equal(ask(NULL),
			    "{\"ok\":false,\"error\":\"cannot restore: "
			    "stopped\"}\n");
	r.act = &run_actions;
}

/* a save's outcome goes to the client that asked for it alone: one that
   watches the VM hears nothing of it */
static void save_outcome_to_its_client_only(void **s)
{
	char buf[256];

	(void)s;
	ctl_save_done(&r, &vm, true, NULL);
	ctl_save_done(&r, &vm, false, "disk full");
	serve();
	assert_int_equal(read(peer, buf, sizeof(buf)), -1);
}

static void bad_requests_get_replies(void **s)
{
	(void)s;
	assert_non_null(strstr(ask("{not json\n"),
			       "{\"ok\":false,\"error\":\"malformed request:"));
	assert_non_null(strstr(ask("[1,2]\n"),
			       "a request is {\\\"command\\\": \\\"...\\\"}"));
	assert_non_null(strstr(ask("{\"command\":\"reboot\"}\n"),
			       "unknown command \\\"reboot\\\""));
	/* still serving after all that */
	assert_non_null(
		strstr(ask("{\"command\":\"status\"}\n"), "\"ok\":true"));
}

static void oversized_request_is_refused_and_hung_up(void **s)
{
	char big[6000];

	(void)s;
	memset(big, 'x', sizeof(big));
	assert_true(write(peer, big, sizeof(big)) == (ssize_t)sizeof(big));
	assert_non_null(strstr(ask(NULL), "request longer than 4096 bytes"));
	serve();
	assert_null(r.clients); /* dropped: end of stream, or a reset for
				   the bytes it never read; not "try again" */
	errno = 0;
	assert_true(read(peer, big, sizeof(big)) <= 0);
	assert_int_not_equal(errno, EAGAIN);
}

static void stalled_subscriber_loses_events_not_the_vm(void **s)
{
	char line[200], buf[4096];
	unsigned long long missed = 0;
	const char *p;
	ssize_t n;
	int i, idle, sent = 0;

	(void)s;
	assert_non_null(
		strstr(ask("{\"command\":\"events\"}\n"), "\"ok\":true"));
	/* it reads nothing while 20,000 events go by */
	memset(line, 'e', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	for (i = 0; i < 20000; i++) {
		ctl_broadcast(&r, &vm, line);
		sent++;
	}
	/* then it catches up: what fitted, then how many it missed */
	/* (until the stream dries up: everything queued has been read) */
	for (idle = 0; idle < 5 && !missed;) {
		serve();
		idle++;
		while ((n = read(peer, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = 0;
			idle = 0;
			if ((p = strstr(buf, "{\"missed\":")))
				missed = strtoull(p + 10, NULL, 10);
		}
	}
	assert_true(missed > 0);
	assert_true(missed < (unsigned long long)sent);
}

/* a client that asks and never reads: its replies are not held without end */
static void unread_replies_are_bounded(void **s)
{
	static const char one[] = "{\"command\":\"status\"}\n";
	char req[4096], buf[4096];
	size_t n = 0, got = 0;
	ssize_t k;
	int i;

	(void)s;
	while (n + sizeof(one) - 1 < sizeof(req)) {
		memcpy(req + n, one, sizeof(one) - 1);
		n += sizeof(one) - 1;
	}
	/* up to 400 x 195 requests: far more replies than any buffer holds */
	for (i = 0; i < 400 && r.clients; i++) {
		(void)!write(peer, req, n);
		serve();
	}
	assert_null(r.clients); /* dropped, not grown */
	/* it reads the replies that were on their way, then the end: its
	   socket was full, so the notice could not follow them */
	errno = 0;
	while ((k = read(peer, buf, sizeof(buf))) > 0)
		got += (size_t)k;
	assert_true(got > 0);
	assert_int_not_equal(errno, EAGAIN);
}

/* what the bridge cannot save is refused with its reason, the VM untouched */
static void save_refused_by_bridge(void **s)
{
	(void)s;
	r.ops = &unsavable;
	assert_string_equal(
		ask("{\"command\":\"save\",\"path\":\"/tmp/x.state\"}\n"),
		"{\"ok\":false,\"error\":\"cannot save: this hypervisor "
		"cannot save a VM with a share\"}\n");
	assert_int_equal(vm.state, VZH_STATE_RUNNING);
	assert_false(vm.saving);
	r.ops = &fake;
}

/* the usb op as the fake bridge was asked it: slot and path ("" to pull) */
static int usb_asks;
static unsigned usb_slot;
static char usb_path[256];

static int f_usb(struct bvm *b, unsigned slot, const char *path)
{
	(void)b;
	usb_asks++;
	usb_slot = slot;
	snprintf(usb_path, sizeof(usb_path), "%s", path ? path : "");
	return 0;
}

static const struct bridge_ops usbful = { .name = "usbful", .usb = f_usb };

/* a raw image of n bytes at dir/name; its path */
static const char *image(const char *dir, const char *name, size_t n)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)n), 0);
	close(fd);
	return path;
}

static const char *usb_req(const char *verb, const char *path)
{
	static char req[512];

	snprintf(req, sizeof(req),
		 "{\"command\":\"usb\",\"verb\":\"%s\",\"path\":\"%s\"}\n",
		 verb, path);
	return ask(req);
}

/* ctl usb: a controller needed; the image checked; answered on the
   bridge's note; a slot per disk, 8 at most, each path once; a failed
   pull keeps the disk, a stop frees every slot; no save with a disk in */
static void usb_slots(void **s)
{
	struct vzh_simple ctrl = { sizeof(ctrl), 0 };
	struct origin o = { "host.conf:9: vms[0].devices[1]", "usb", "media" };
	char dir[] = "/tmp/vzh-usb-XXXXXX", name[64], first[256];
	const char *path, *rep;
	int i, held;

	(void)s;
	assert_non_null(mkdtemp(dir));
	r.ops = &usbful;
	path = image(dir, "a.img", 1024);
	snprintf(first, sizeof(first), "%s", path);
	assert_non_null(strstr(usb_req("attach", first),
			       "VM \\\"t\\\" has no USB controller: add { kind "
			       "= \\\"usb\\\"; } to its devices"));
	machine_add_device(&m, DEV_USB, &ctrl, sizeof(ctrl), &o);
	assert_non_null(strstr(usb_req("plug", first), "usb takes"));
	assert_non_null(strstr(usb_req("attach", "/nonexistent.img"),
			       "/nonexistent.img: No such file or directory"));
	assert_non_null(strstr(usb_req("attach", image(dir, "odd.img", 1000)),
			       "odd.img is not a raw disk image"));
	assert_non_null(
		strstr(usb_req("attach", dir), "is not a raw disk image"));
	assert_non_null(
		strstr(usb_req("detach", first), "a.img is not plugged in\""));
	usb_asks = 0;
	/* answered once the bridge says the guest has it */
	assert_string_equal(usb_req("attach", first), "");
	assert_int_equal(usb_asks, 1);
	assert_int_equal(usb_slot, 0);
	assert_string_equal(usb_path, first);
	assert_non_null(strstr(usb_req("detach", first), "not plugged in yet"));
	ctl_usb_done(&r, &vm, 0, BRIDGE_NOTE_USB_ATTACHED, first);
	rep = ask(NULL);
	assert_non_null(strstr(rep, "{\"ok\":true,\"state\":\"running\","
				    "\"slot\":0,\"path\":\""));
	assert_non_null(strstr(rep, "\"attached\":true}"));
	rep = ask("{\"command\":\"status\"}\n");
	assert_non_null(strstr(rep, "\"usb\":[{\"slot\":0,\"path\":\""));
	assert_non_null(strstr(rep, "\"can_save\":false"));
	assert_non_null(strstr(rep, "a USB disk is plugged in ("));
	assert_non_null(strstr(usb_req("attach", first),
			       "a.img is already plugged in (slot 0)"));
	/* the same image by another name; one another process holds */
	snprintf(name, sizeof(name), "%s/./a.img", dir);
	assert_non_null(strstr(usb_req("attach", name),
			       "/./a.img is already plugged in (slot 0)"));
	held = open(image(dir, "held.img", 512), O_RDONLY);
	assert_int_equal(flock(held, LOCK_EX), 0);
	assert_non_null(strstr(usb_req("attach", image(dir, "held.img", 512)),
			       "held.img is in use by "));
	close(held);
	assert_non_null(strstr(ask("{\"command\":\"save\",\"path\":"
				   "\"/tmp/x.state\"}\n"),
			       "cannot save: a USB disk is plugged in ("));
	assert_false(vm.saving);
	/* eight slots */
	for (i = 1; i < 8; i++) {
		snprintf(name, sizeof(name), "%d.img", i);
		assert_string_equal(usb_req("attach", image(dir, name, 512)),
				    "");
		assert_int_equal(usb_slot, (unsigned)i);
		ctl_usb_done(&r, &vm, (unsigned)i, BRIDGE_NOTE_USB_ATTACHED,
			     NULL);
		assert_non_null(strstr(ask(NULL), "\"ok\":true"));
	}
	assert_non_null(strstr(usb_req("attach", image(dir, "9.img", 512)),
			       "all 8 USB slots are taken"));
	/* an attach that fails frees its slot; a pull that fails keeps it */
	ctl_usb_gone(&r, &vm);
	assert_string_equal(usb_req("attach", first), "");
	ctl_usb_done(&r, &vm, 0, BRIDGE_NOTE_USB_FAILED, "QEMU cannot open it");
	assert_non_null(strstr(ask(NULL), "usb: QEMU cannot open it"));
	assert_null(vm.usb[0].path);
	assert_string_equal(usb_req("attach", first), "");
	ctl_usb_done(&r, &vm, 0, BRIDGE_NOTE_USB_ATTACHED, NULL);
	ask(NULL);
	assert_string_equal(usb_req("detach", first), "");
	assert_string_equal(usb_path, "");
	ctl_usb_done(&r, &vm, 0, BRIDGE_NOTE_USB_FAILED, "busy");
	assert_non_null(strstr(ask(NULL), "usb: busy"));
	assert_non_null(strstr(ask("{\"command\":\"status\"}\n"),
			       "\"usb\":[{\"slot\":0,"));
	assert_string_equal(usb_req("detach", first), "");
	ctl_usb_done(&r, &vm, 0, BRIDGE_NOTE_USB_DETACHED, NULL);
	assert_non_null(strstr(ask(NULL), "\"attached\":false}"));
	assert_non_null(
		strstr(ask("{\"command\":\"status\"}\n"), "\"usb\":[],"));
	/* the VM stops during an attach: its client is told, the slot freed */
	assert_string_equal(usb_req("attach", first), "");
	ctl_usb_gone(&r, &vm);
	assert_non_null(strstr(ask(NULL), "usb: the VM stopped first"));
	assert_null(vm.usb[0].path);
	/* a bridge that cannot */
	r.ops = &fake;
	assert_non_null(strstr(usb_req("attach", first),
			       "the fake bridge cannot plug in USB disks"));
	assert_null(vm.usb[0].path);
	machine_truncate(&m, 0);
	free(m.devs);
	m.devs = NULL;
	m.capdevs = 0;
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "%d.img", i);
		unlink(image(dir, name, 0));
	}
	unlink(first);
	unlink(image(dir, "odd.img", 0));
	unlink(image(dir, "held.img", 0));
	rmdir(dir);
}

/* the guest's console: the pipe the fake bridge's guest reads */
static int guest_in[2];

static int console_fd(struct bvm *b)
{
	(void)b;
	return guest_in[1];
}

static const struct bridge_ops consoled = { .name = "consoled",
					    .console_in = console_fd };

/* everything the peer p has now, up to cap */
static size_t drain(int p, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	serve();
	while (got < cap && (n = read(p, buf + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

/* ctl console: the last 64 KiB, live output, one writer; a VM without a
   stdio console is refused */
static void console_attach(void **s)
{
	static struct device serial = {
		.cls = DEV_SERIAL,
		.u.serial = { .output = VZH_SERIAL_STDIO },
	};
	static char big[CONSOLE_SCROLLBACK + 5000],
		got[CONSOLE_SCROLLBACK + 8192];
	char *nl, typed[64] = "";
	int sv[2], second;
	size_t n, i;

	(void)s;
	assert_non_null(strstr(ask("{\"command\":\"console\"}\n"),
			       "has no console to attach to"));
	m.devs = &serial;
	m.ndevs = 1;
	r.ops = &consoled;
	assert_int_equal(pipe2(guest_in, O_NONBLOCK), 0);
	console_listen(ctl_console_output, &r);
	/* more than the scrollback, in two writes: only its end is replayed */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	console_tap(0, big, 3000);
	console_tap(0, big + 3000, sizeof(big) - 3000);
	assert_int_equal(write(peer, "{\"command\":\"console\"}\n", 22), 22);
	n = drain(peer, got, sizeof(got));
	nl = memchr(got, '\n', n);
	assert_non_null(nl);
	assert_non_null(strstr(got, "\"scrollback\":65536"));
	assert_int_equal(n - (size_t)(nl + 1 - got), CONSOLE_SCROLLBACK);
	assert_memory_equal(nl + 1, big + 5000, CONSOLE_SCROLLBACK);
	/* live, then typed: it reaches the guest */
	console_tap(0, "live!", 5);
	assert_int_equal(drain(peer, got, sizeof(got)), 5);
	assert_memory_equal(got, "live!", 5);
	/* typed at a guest that has not spoken since it started (its UART
	   may not be open): held; once it has (run.c notes it), it goes */
	vm.console_spoke = false;
	assert_int_equal(write(peer, "typed\r", 6), 6);
	serve();
	assert_int_equal(read(guest_in[0], typed, sizeof(typed)), -1);
	vm.console_spoke = true;
	serve();
	assert_int_equal(read(guest_in[0], typed, sizeof(typed)), 6);
	assert_memory_equal(typed, "typed\r", 6);
	/* a second client watches; what it types is dropped, and it is told */
	assert_int_equal(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	ctl_attach(&r, &vm, sv[0]);
	second = sv[1];
	assert_int_equal(write(second, "{\"command\":\"console\"}\n", 22), 22);
	assert_int_equal(write(second, "intruder\r", 10), 10);
	n = drain(second, got, sizeof(got) - 1);
	got[n] = 0;
	assert_non_null(strstr(got, "\"writer\":{\"pid\":"));
	assert_non_null(strstr(got, "another client types into this console"));
	assert_int_equal(read(guest_in[0], typed, sizeof(typed)), -1);
	/* the writer gone, the watcher may type */
	close(peer);
	peer = -1;
	serve();
	assert_int_equal(write(second, "now\r", 4), 4);
	serve();
	assert_int_equal(read(guest_in[0], typed, sizeof(typed)), 4);
	close(second);
	console_forget();
	close(guest_in[0]);
	close(guest_in[1]);
	m.devs = NULL;
	m.ndevs = 0;
	r.ops = &fake;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(status_and_commands, setup,
						teardown),
		cmocka_unit_test_setup_teardown(failed_pause_is_answered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(refused_kill_is_answered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(save_outcome_to_its_client_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(failed_restore_says_the_state,
						setup, teardown),
		cmocka_unit_test_setup_teardown(bad_requests_get_replies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			oversized_request_is_refused_and_hung_up, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			stalled_subscriber_loses_events_not_the_vm, setup,
			teardown),
		cmocka_unit_test_setup_teardown(save_refused_by_bridge, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unread_replies_are_bounded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(usb_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(console_attach, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
