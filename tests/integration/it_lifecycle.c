/* it_lifecycle.c: the QEMU bridge's lifecycle on a real guest: stop, pause/resume, save/restore. */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bridge/qemu/qemu.h"
#include "helpers.h"
#include "host.h"
#include "statedir.h"
#include "util.h"

/* one VM and its bridge, with every event it reported */
struct rig {
	struct host h;
	struct bridge *b;
	struct bvm *vm;
	int ev[2];
	int state_fd;
	struct bridge_event seen[64];
	int nseen, cursor;
	char console[600];
};

static struct rig r;

static long long ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

static void pump(int timeout_ms)
{
	struct pollfd fds[16];
	struct bridge_event ev;
	int n = 1, t = timeout_ms;

	fds[0] = (struct pollfd){ .fd = r.ev[0], .events = POLLIN };
	if (r.vm)
		n += qemu_bridge.pollfds(r.vm, fds + 1, 15, &t);
	poll(fds, (nfds_t)n, t);
	if (r.vm)
		qemu_bridge.dispatch(r.vm, fds + 1, n - 1);
	while (read(r.ev[0], &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
		if (r.nseen < 64)
			r.seen[r.nseen++] = ev;
}

/* the next event must be (state, reason), within timeout */
static bool next(enum vzh_state st, enum vzh_reason why, int timeout_ms)
{
	long long end = ms() + timeout_ms;

	while (r.cursor == r.nseen && ms() < end)
		pump(100);
	if (r.cursor == r.nseen) {
		fprintf(stderr, "no event; wanted %d (%d)\n", st, why);
		return false;
	}
	if (r.seen[r.cursor].state != st || r.seen[r.cursor].reason != why) {
		fprintf(stderr, "event %d (%d) \"%s\"; wanted %d (%d)\n",
			r.seen[r.cursor].state, r.seen[r.cursor].reason,
			r.seen[r.cursor].detail, st, why);
		r.cursor++;
		return false;
	}
	r.cursor++;
	return true;
}

static char *console(void)
{
	static char buf[1 << 16];
	int fd = open(r.console, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* the guest's last "count N", or -1 */
static int last_count(void)
{
	char *p = console(), *hit = NULL;

	while ((p = strstr(p, "VZH-GUEST: count "))) {
		hit = p;
		p++;
	}
	return hit ? atoi(hit + strlen("VZH-GUEST: count ")) : -1;
}

static bool wait_count(int n, int timeout_ms)
{
	long long end = ms() + timeout_ms;

	while (last_count() < n && ms() < end)
		pump(100);
	return last_count() >= n;
}

static int occurrences(const char *needle)
{
	char *p = console();
	int n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p++;
	}
	return n;
}

/* the test guest booted as boot says (the inside of boot = { ... }), its
   console in a file: created */
static void prepare_with(const char *boot)
{
	struct bridge_env env = { 0 };
	struct diag d = { 0 };
	char conf[2048], *why = NULL;
	static int boots;

	memset(&r, 0, sizeof(r));

	snprintf(r.console, sizeof(r.console), "%s/console-%d.log", th_dir(),
		 ++boots);
	snprintf(
		conf, sizeof(conf),
		"host = { state_dir = \"%s/state\"; };\n"
		"plugins = { load = [ \"serial\" ]; };\n"
		"vms = ( { name = \"it-%d\"; memory = \"256M\";\n"
		"  boot = { %s };\n"
		"  devices = ( { kind = \"serial\"; output = \"%s\"; } ); } );\n",
		th_dir(), (int)getpid(), boot, r.console);
	if (th_pipeline(&r.h, conf))
		diag_print(&r.h.diag, stderr);
	assert_int_equal(r.h.diag.n, 0);
	r.state_fd = statedir_open(r.h.set.state_dir, &why);
	if (r.state_fd < 0)
		fail_msg("%s", why);
	assert_int_equal(pipe2(r.ev, O_NONBLOCK | O_CLOEXEC), 0);
	env.state_dir = r.h.set.state_dir;
	env.state_fd = r.state_fd;
	env.event_fd = r.ev[1];
	assert_int_equal(qemu_bridge.probe(&env, &r.b, &d), 0);
	assert_int_equal(qemu_bridge.validate(r.b, &r.h.vms[0], &d), 0);
	assert_int_equal(qemu_bridge.create(r.b, &r.h.vms[0], 0, &r.vm), 0);
	diag_free(&d);
}

/* the test guest with vzh=action: created; boot() starts it too */
static void prepare(const char *action)
{
	const char *build = getenv("VZH_BUILD");

	prepare_with(th_fmt("kernel = \"%s/../build/guest/vmlinuz\"; initrd = "
			    "\"%s/../build/guest/initrd.img\";\n"
			    "    cmdline = \"console=ttyS0 quiet vzh=%s\";",
			    build, build, action));
}

static void boot(const char *action)
{
	prepare(action);
	assert_int_equal(qemu_bridge.start(r.vm), 0);
	assert_true(next(VZH_STATE_STARTING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_RUNNING, VZH_REASON_HOST_REQUEST, 10000));
}

/* the QEMU of this process's VM, or 0 (the brackets: not pgrep's shell) */
static pid_t qemu_pid(void)
{
	FILE *p = popen(th_fmt("pgrep -f 'guest=i[t]-%d'", (int)getpid()), "r");
	int pid = 0;

	if (p) {
		if (fscanf(p, "%d", &pid) != 1)
			pid = 0;
		pclose(p);
	}
	return pid;
}

static int teardown(void **s)
{
	(void)s;
	if (r.vm)
		qemu_bridge.destroy(r.vm);
	if (r.b)
		qemu_bridge.free(r.b);
	close(r.ev[0]);
	close(r.ev[1]);
	close(r.state_fd);
	host_close(&r.h);
	memset(&r, 0, sizeof(r));
	return 0;
}

static int teardown_all(void **s)
{
	(void)s;
	th_cleanup();
	return 0;
}

static void graceful_stop(void **s)
{
	(void)s;
	boot("acpi");
	assert_true(wait_count(2, 30000));
	assert_int_equal(qemu_bridge.request_stop(r.vm), 0);
	assert_true(next(VZH_STATE_STOPPING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_STOPPED, VZH_REASON_HOST_REQUEST, 20000));
	/* the guest saw the button and shut down by itself */
	assert_int_equal(occurrences("VZH-GUEST: power button"), 1);
}

static void stop_escalates_when_the_guest_ignores(void **s)
{
	int before;

	(void)s;
	boot("ignore");
	assert_true(wait_count(2, 30000));
	assert_int_equal(qemu_bridge.request_stop(r.vm), 0);
	assert_true(next(VZH_STATE_STOPPING, VZH_REASON_HOST_REQUEST, 1000));
	before = last_count();
	/* ignored: still counting two seconds later, no further event */
	for (long long end = ms() + 2000; ms() < end;)
		pump(100);
	assert_int_equal(r.cursor, r.nseen);
	assert_true(last_count() > before);
	assert_int_equal(qemu_bridge.stop(r.vm), 0);
	assert_true(next(VZH_STATE_STOPPING, VZH_REASON_HOST_KILL, 1000));
	assert_true(next(VZH_STATE_STOPPED, VZH_REASON_HOST_KILL, 10000));
}

static void pause_and_resume(void **s)
{
	int paused_at;

	(void)s;
	boot("ignore");
	assert_true(wait_count(3, 30000));
	assert_int_equal(qemu_bridge.pause(r.vm), 0);
	assert_true(next(VZH_STATE_PAUSING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_PAUSED, VZH_REASON_HOST_REQUEST, 5000));
	for (long long end = ms() + 300; ms() < end;) /* output in flight */
		pump(50);
	paused_at = last_count();
	for (long long end = ms() + 1500; ms() < end;)
		pump(100);
	assert_int_equal(last_count(), paused_at); /* frozen while paused */
	assert_int_equal(qemu_bridge.resume(r.vm), 0);
	assert_true(next(VZH_STATE_RESUMING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_RUNNING, VZH_REASON_HOST_REQUEST, 5000));
	/* it keeps counting from where it was, without a new boot */
	assert_true(wait_count(paused_at + 2, 10000));
	assert_non_null(strstr(console(),
			       th_fmt("VZH-GUEST: count %d\r", paused_at + 1)));
	assert_int_equal(occurrences("VZH-GUEST: booted"), 1);
	assert_int_equal(qemu_bridge.stop(r.vm), 0);
}

static void save_and_restore(void **s)
{
	const char *state = th_fmt("%s/saved.state", th_dir());
	char path[600];
	struct stat st;
	int saved_at;

	(void)s;
	snprintf(path, sizeof(path), "%s", state);
	boot("ignore");
	assert_true(wait_count(3, 30000));
	assert_int_equal(qemu_bridge.save(r.vm, path), 0);
	assert_true(next(VZH_STATE_PAUSING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_PAUSED, VZH_REASON_HOST_REQUEST, 5000));
	assert_true(next(VZH_STATE_SAVING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_STOPPED, VZH_REASON_SAVED, 30000));
	assert_int_equal(stat(path, &st), 0);
	fprintf(stderr, "saved state: %lld bytes\n", (long long)st.st_size);
	assert_true(st.st_size > 64 << 10);
	saved_at = last_count();
	/* a new VM object, as after a host restart, from the same machine */
	qemu_bridge.destroy(r.vm);
	assert_int_equal(qemu_bridge.create(r.b, &r.h.vms[0], 0, &r.vm), 0);
	assert_int_equal(qemu_bridge.restore(r.vm, path), 0);
	assert_true(next(VZH_STATE_RESTORING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_PAUSED, VZH_REASON_RESTORED, 30000));
	assert_int_equal(last_count(), saved_at); /* restored paused */
	assert_int_equal(qemu_bridge.resume(r.vm), 0);
	assert_true(next(VZH_STATE_RESUMING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_RUNNING, VZH_REASON_HOST_REQUEST, 5000));
	/* the guest continues where it was: the next count, no second boot */
	assert_true(wait_count(saved_at + 2, 10000));
	assert_non_null(strstr(console(),
			       th_fmt("VZH-GUEST: count %d\r", saved_at + 1)));
	assert_int_equal(occurrences("VZH-GUEST: booted"), 1);
	assert_int_equal(qemu_bridge.stop(r.vm), 0);
	assert_true(next(VZH_STATE_STOPPING, VZH_REASON_HOST_KILL, 1000));
	assert_true(next(VZH_STATE_STOPPED, VZH_REASON_HOST_KILL, 10000));
}

/* a QEMU that stops answering while paused: the resume is given up on at
   QMP's timeout, saying what was asked and why, the VM paused still; once
   QEMU runs again it carries out what it was sent */
static void resume_unanswered(void **s)
{
	pid_t qemu;
	bool gave_up;
	int paused_at;

	(void)s;
	boot("ignore");
	assert_true(wait_count(2, 30000));
	assert_int_equal(qemu_bridge.pause(r.vm), 0);
	assert_true(next(VZH_STATE_PAUSING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_PAUSED, VZH_REASON_HOST_REQUEST, 5000));
	qemu = qemu_pid();
	assert_true(qemu > 0);
	kill(qemu, SIGSTOP);
	assert_int_equal(qemu_bridge.resume(r.vm), 0);
	gave_up = next(VZH_STATE_RESUMING, VZH_REASON_HOST_REQUEST, 1000) &&
		  next(VZH_STATE_PAUSED, VZH_REASON_NONE, 20000);
	kill(qemu, SIGCONT);
	assert_true(gave_up);
	assert_string_equal(r.seen[r.cursor - 1].detail,
			    "resume failed: no answer to cont in time");
	paused_at = last_count();
	assert_true(wait_count(paused_at + 2, 10000));
	assert_int_equal(qemu_bridge.stop(r.vm), 0);
}

/* out of descriptors as QEMU is started: the start fails saying why, no
   QEMU runs, and each descriptor taken for its channels is given back */
static void start_out_of_descriptors(void **s)
{
	struct rlimit old, low;
	int fill[1024], n = 0, a, b, ret;

	(void)s;
	prepare("ignore");
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	/* every number free below the limit taken, then the last two given
	   back: room for QEMU's QMP socket pair, none for its pipes */
	while (n < 1024 &&
	       (fill[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		n++;
	close(fill[--n]);
	close(fill[--n]);
	ret = qemu_bridge.start(r.vm);
	a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	b = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	while (n > 0)
		close(fill[--n]);
	setrlimit(RLIMIT_NOFILE, &old);
	assert_true(ret < 0);
	assert_true(a >= 0 && b >= 0);
	assert_true(next(VZH_STATE_STARTING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_STOPPED, VZH_REASON_START_FAILED, 1000));
	assert_string_equal(
		r.seen[r.cursor - 1].detail,
		"cannot set up QEMU's channels: Too many open files");
	assert_int_equal(qemu_pid(), 0);
}

/* an EFI variable store that cannot be made (a directory is in its way):
   the start fails naming it and why, and no QEMU runs */
static void efi_vars_in_the_way(void **s)
{
	const char *vars = th_fmt("%s/vars-dir", th_dir());

	(void)s;
	if (access("/usr/share/OVMF/OVMF_VARS.fd", R_OK))
		skip(); /* (Debian: apt-get install ovmf) */
	mkdir(vars, 0700);
	prepare_with(th_fmt("efi = { vars = \"%s\"; };", vars));
	assert_true(qemu_bridge.start(r.vm) < 0);
	assert_true(next(VZH_STATE_STARTING, VZH_REASON_HOST_REQUEST, 1000));
	assert_true(next(VZH_STATE_STOPPED, VZH_REASON_START_FAILED, 1000));
	assert_string_equal(r.seen[r.cursor - 1].detail,
			    th_fmt("cannot create %s: not a regular file",
				   vars));
	assert_int_equal(qemu_pid(), 0);
	rmdir(vars);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(graceful_stop, teardown),
		cmocka_unit_test_teardown(stop_escalates_when_the_guest_ignores,
					  teardown),
		cmocka_unit_test_teardown(pause_and_resume, teardown),
		cmocka_unit_test_teardown(resume_unanswered, teardown),
		cmocka_unit_test_teardown(start_out_of_descriptors, teardown),
		cmocka_unit_test_teardown(efi_vars_in_the_way, teardown),
		cmocka_unit_test_teardown(save_and_restore, teardown),
	};

	/* as vzhost does (run.c): a write to a QEMU that just went is an
	   error to handle, not the end of the process (a busy CI run saw
	   save_and_restore die of SIGPIPE) */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("qemu lifecycle", tests, NULL,
					   teardown_all);
}
