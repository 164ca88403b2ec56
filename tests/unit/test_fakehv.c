/* test_fakehv.c: the VM limit through the real core: a fake hypervisor with a quota that can leak slots, in the bridge table. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bridges.h"
#include "console.h"
#include "helpers.h"
#include "os.h"
#include "proc.h"
#include "run.h"
#include "slots.h"
#include "util.h"

/* the hypervisor: a quota of VMs host-wide, like Virtualization.framework's */
static struct {
	int quota, running, leaked; /* slots the "kernel" never gave back */
	bool lose; /* a guest that powers itself off leaks its slot */
	struct hv_proc foreign[2]; /* VMs of other tools */
	int nforeign;
	long long foreign_until; /* ms: they stop then (0: never) */
	int objects, most; /* VM objects alive at once, and the most */
	int starts;
	long long start_ms[4]; /* when the first starts were asked */
	int stop_on_start; /* at this start, the host is told to stop */
	bool record_in_backoff; /* the VM's slot record was there */
	int run_ms; /* a guest powers itself off after this long */
	int run_ms_second; /* ... the second VM's, when not 0 */
	int stop_ms; /* a guest asked to stop takes this long (0: at once) */
	const char *say; /* its console says this, in one read, 50 ms in */
	/* once running, device 0's notes: 'D' its attachment dropped, 'B'
	   it got a new one, 'F' its NBD client failed, 'W' its window was
	   closed */
	const char *notes;
} hv;

struct bridge {
	struct bridge_env env;
};

struct bvm {
	struct bridge *b;
	unsigned index;
	bool running;
	long long off_at; /* the guest powers itself off then */
	bool stopping; /* asked to: off_at is when it is off */
	long long say_at; /* its console says hv.say then (0: said) */
};

static int foreign(void)
{
	if (hv.foreign_until && util_now_ms() >= hv.foreign_until)
		hv.nforeign = 0;
	return hv.nforeign;
}

static void emit(struct bvm *vm, enum vzh_state st, enum vzh_reason why)
{
	bridge_emit(vm->b->env.event_fd, vm->index, st, why, 0, NULL);
}

static int f_probe(const struct bridge_env *env, struct bridge **out,
		   struct diag *d)
{
	(void)d;
	*out = xcalloc(1, sizeof(**out));
	(*out)->env = *env;
	return 0;
}

static int f_validate(struct bridge *b, const struct machine *m, struct diag *d)
{
	(void)b, (void)m, (void)d;
	return 0;
}

static int f_create(struct bridge *b, const struct machine *m, unsigned index,
		    struct bvm **out)
{
	DIR *dir;
	struct dirent *de;

	(void)m;
	/* a restart: its slot record was kept through the backoff */
	if (hv.starts && (dir = opendir(th_fmt("%s/state/slots", th_dir())))) {
		while ((de = readdir(dir)))
			hv.record_in_backoff |= !strncmp(de->d_name, "m.", 2);
		closedir(dir);
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->b = b;
	(*out)->index = index;
	if (++hv.objects > hv.most)
		hv.most = hv.objects;
	return 0;
}

static int f_start(struct bvm *vm)
{
	emit(vm, VZH_STATE_STARTING, VZH_REASON_HOST_REQUEST);
	if (hv.running + hv.leaked + foreign() >= hv.quota) {
		/* VZErrorDomain code 6, as the VZ bridge reports it */
		emit(vm, VZH_STATE_STOPPED, VZH_REASON_LIMIT_EXCEEDED);
		return 0;
	}
	if (hv.starts < 4)
		hv.start_ms[hv.starts] = util_now_ms();
	hv.running++;
	vm->running = true;
	vm->stopping = false;
	vm->off_at = util_now_ms() + (vm->index == 1 && hv.run_ms_second ?
					      hv.run_ms_second :
					      hv.run_ms);
	vm->say_at = hv.say ? util_now_ms() + 50 : 0;
	emit(vm, VZH_STATE_RUNNING, VZH_REASON_HOST_REQUEST);
	for (const char *c = hv.notes; c && *c; c++)
		bridge_note(vm->b->env.event_fd, vm->index,
			    *c == 'D' ? BRIDGE_NOTE_NET_DOWN :
			    *c == 'B' ? BRIDGE_NOTE_NET_BACK :
			    *c == 'W' ? BRIDGE_NOTE_WINDOW_CLOSED :
					BRIDGE_NOTE_NBD_FAILED,
			    0, "%s",
			    *c == 'D' ? "the cable" :
			    *c == 'B' ? "a new one" :
					"the server went");
	if (++hv.starts == hv.stop_on_start)
		raise(SIGTERM);
	return 0;
}

static int f_stop(struct bvm *vm)
{
	if (!vm->running)
		return -EINVAL;
	vm->running = false;
	hv.running--;
	emit(vm, VZH_STATE_STOPPED, VZH_REASON_HOST_REQUEST);
	return 0;
}

/* the power button: a guest that takes stop_ms to shut down, if any */
static int f_request_stop(struct bvm *vm)
{
	if (!vm->running || !hv.stop_ms)
		return f_stop(vm);
	if (!vm->stopping) {
		vm->stopping = true;
		vm->off_at = util_now_ms() + hv.stop_ms;
		emit(vm, VZH_STATE_STOPPING, VZH_REASON_HOST_REQUEST);
	}
	return 0;
}

static int f_pollfds(struct bvm *vm, struct pollfd *fds, int max,
		     int *timeout_ms)
{
	long long left = vm->off_at - util_now_ms();

	(void)fds, (void)max;
	if (vm->say_at)
		left = vm->say_at - util_now_ms();
	if (vm->running && vm->off_at &&
	    (*timeout_ms < 0 || left < *timeout_ms))
		*timeout_ms = left < 0 ? 0 : (int)left;
	return 0;
}

static void f_dispatch(struct bvm *vm, const struct pollfd *fds, int n)
{
	(void)fds, (void)n;
	if (vm->running && vm->say_at && util_now_ms() >= vm->say_at) {
		console_tap(vm->index, hv.say, strlen(hv.say));
		vm->say_at = 0;
	}
	if (!vm->running || !vm->off_at || util_now_ms() < vm->off_at)
		return;
	/* only the first boot powers off; a restarted one runs on */
	vm->running = false;
	hv.running--;
	hv.leaked += hv.lose;
	emit(vm, VZH_STATE_STOPPED,
	     vm->stopping ? VZH_REASON_HOST_REQUEST :
			    VZH_REASON_GUEST_SHUTDOWN);
	vm->stopping = false;
}

static void f_destroy(struct bvm *vm)
{
	hv.objects--;
	free(vm);
}

static int f_alive(struct bridge *b, struct hv_proc **out, size_t *n)
{
	int k;

	(void)b;
	*n = 0;
	*out = xcalloc((size_t)hv.running + 2, sizeof(**out));
	for (k = 0; k < hv.running; k++)
		(*out)[(*n)++] =
			(struct hv_proc){ 40000 + k, getpid(), "vzhost" };
	for (k = 0; k < foreign(); k++)
		(*out)[(*n)++] = hv.foreign[k];
	return 0;
}

/* the guest's address, as the vz bridge learns it from the DHCP leases */
static void f_info(struct bvm *vm, struct bridge_info *out)
{
	if (vm->running)
		snprintf(out->address, sizeof(out->address), "192.168.64.9");
}

static void f_free(struct bridge *b)
{
	free(b);
}

static const struct bridge_ops fake = { .name = "fakehv",
					.probe = f_probe,
					.validate = f_validate,
					.create = f_create,
					.start = f_start,
					.request_stop = f_request_stop,
					.stop = f_stop,
					.destroy = f_destroy,
					.pollfds = f_pollfds,
					.dispatch = f_dispatch,
					.alive = f_alive,
					.info = f_info,
					.free = f_free };

static char logbuf[8192];
static const char *top_extra = ""; /* more top-level settings */
static const char *asker; /* plugins.asker's settings; NULL: not loaded */
static const char *ender; /* plugins.ender's */

/* vzhost with this config; its log (stderr) into logbuf; its status */
static int run(const char *host_settings, const char *vms)
{
	struct host h;
	int err = dup(2), fd, status;
	const char *logf = th_fmt("%s/log", th_dir());
	ssize_t n;

	th_mode = VZH_MODE_RUN;

	assert_int_equal(
		th_pipeline(
			&h,
			th_fmt("plugins = { load = [ \"serial\"%s%s ];%s%s%s%s%s%s "
			       "};\n"
			       "host = { bridge = \"fakehv\"; state_dir "
			       "= \"state\"; %s };\n%s\nvms = ( %s );\n",
			       asker ? ", \"asker\"" : "",
			       ender ? ", \"ender\"" : "",
			       asker ? " asker = { " : "", asker ? asker : "",
			       asker ? " };" : "", ender ? " ender = { " : "",
			       ender ? ender : "", ender ? " };" : "",
			       host_settings, top_extra, vms)),
		0);
	fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	status = run_machines(&h);
	dup2(err, 2);
	close(err);
	host_close(&h);
	fd = open(logf, O_RDONLY);
	n = read(fd, logbuf, sizeof(logbuf) - 1);
	logbuf[n > 0 ? n : 0] = 0;
	close(fd);
	return status;
}

/* each its own bundle, whose Disk.img is a disk of the model (locked) */
#define MAC(name, more)                                                 \
	"{ name = \"" name "\"; guest = \"macos\"; macos = { bundle = " \
	"\"" name ".vzvm\"; disk_size = \"1G\"; }; " more " }"

static int reset(void **s)
{
	(void)s;
	memset(&hv, 0, sizeof(hv));
	hv.quota = 2;
	hv.run_ms = 30;
	top_extra = "";
	asker = ender = NULL;
	mkdir(th_fmt("%s/a.vzvm", th_dir()), 0700);
	mkdir(th_fmt("%s/b.vzvm", th_dir()), 0700);
	mkdir(th_fmt("%s/c.vzvm", th_dir()), 0700);
	mkdir(th_fmt("%s/m.vzvm", th_dir()), 0700);
	return 0;
}

/* two guests power themselves off and the "kernel" keeps their slots: the
   next start is refused, told as a leak, noted for list, exit 75 */
static void leaked_slots(void **s)
{
	unsigned n;
	long long since;
	char boot[64];
	int fd;

	(void)s;
	hv.lose = true;
	assert_int_equal(run("", MAC("a", "") ", " MAC("b", "")), 0);
	assert_int_equal(hv.leaked, 2);
	assert_int_equal(run("", MAC("c", "")), EX_TEMPFAIL);
	assert_non_null(strstr(logbuf, "[c] error: no slot for this VM: the "
				       "hypervisor refused a VM for its limit "
				       "(2) although 0 run: the host kernel "
				       "did not release 2 slots"));
	os_boot_id(boot, sizeof(boot));
	fd = open(th_fmt("%s/state/slots", th_dir()), O_RDONLY | O_DIRECTORY);
	n = slots_leaked(fd, boot, &since);
	close(fd);
	assert_int_equal(n, 2);
	assert_true(since > 0);
}

/* other tools' VMs fill the limit: named; waiting for them works */
static void held_by_others(void **s)
{
	(void)s;
	hv.foreign[0] = (struct hv_proc){ 977, 970, "UTM" };
	hv.foreign[1] = (struct hv_proc){ 978, 971, "tart" };
	hv.nforeign = 2;
	assert_int_equal(run("", MAC("m", "")), EX_TEMPFAIL);
	assert_non_null(strstr(logbuf, "[m] error: no slot for this VM: the "
				       "hypervisor's VM limit (2) is taken: 2 "
				       "running: pid 977 (UTM), pid 978 "
				       "(tart)"));
	hv.foreign_until = util_now_ms() + 1200;
	assert_int_equal(run("wait_for_slot = 10;", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "[m] notice: waiting up to 10 s for a "
				       "slot: the hypervisor's VM limit (2) is "
				       "taken"));
	assert_non_null(strstr(logbuf, "[m] notice: state running -> stopped "
				       "(guest-shutdown)"));
}

/* more ran than host.macos_slots assumed: the real limit is learnt */
static void higher_limit(void **s)
{
	char boot[64];
	int fd;

	(void)s;
	hv.quota = 3;
	hv.foreign[0] = (struct hv_proc){ 977, 970, "UTM" };
	hv.foreign[1] = (struct hv_proc){ 978, 971, "tart" };
	hv.nforeign = 2;
	assert_int_equal(run("macos_slots = 2;", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "3 hypervisor VMs run although "
				       "host.macos_slots assumed 2"));
	os_boot_id(boot, sizeof(boot));
	fd = open(th_fmt("%s/state/slots", th_dir()), O_RDONLY | O_DIRECTORY);
	assert_int_equal(slots_learnt(fd, boot), 3);
	close(fd);
}

/* a restart after the guest's power-off: the old VM object is gone before
   the new one exists, and the slot record stays through the backoff */
static void restart_keeps_slot(void **s)
{
	(void)s;
	hv.stop_on_start = 2; /* SIGTERM once it runs again */
	assert_int_equal(run("", MAC("m", "on_poweroff = \"restart\";")), 0);
	assert_int_equal(hv.starts, 2);
	assert_int_equal(hv.most, 1);
	assert_int_equal(hv.objects, 0);
	assert_true(hv.record_in_backoff);
}

/* a hook script that keeps the JSON of each hook point (the last one's) */
static void save_hooks(void)
{
	const char *dir = th_fmt("%s/hooks.d", th_dir());
	FILE *f;

	mkdir(dir, 0700);
	f = fopen(th_fmt("%s/10-save", dir), "w");
	fprintf(f, "#!/bin/sh\ncat > \"%s/hook.$2.json\"\n", th_dir());
	fclose(f);
	chmod(th_fmt("%s/10-save", dir), 0700);
	unlink(th_fmt("%s/hook.stopped.json", th_dir()));
	top_extra = "hooks = { dir = \"hooks.d\"; };";
}

static const char *hook_json(const char *point)
{
	static char json[4096];
	FILE *f = fopen(th_fmt("%s/hook.%s.json", th_dir(), point), "r");
	size_t n;

	assert_non_null(f);
	n = fread(json, 1, sizeof(json) - 1, f);
	json[n] = 0;
	fclose(f);
	return json;
}

/* the hook scripts' JSON carries the guest's address once the bridge knows
   it (the vz bridge: from the host's DHCP leases) */
static void hook_address(void **s)
{
	(void)s;
	save_hooks();
	hv.run_ms = 500; /* (its started hook sees it run) */
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_non_null(
		strstr(hook_json("started"), "\"address\":\"192.168.64.9\""));
	/* (not known before it runs) */
	assert_null(strstr(hook_json("prepare"), "address"));
}

/* a NIC's attachment drops twice and comes back once, an NBD client fails:
   the log names its
   entry each time (device 0: a macOS guest's Disk.img, to the fake bridge
   no matter), the hook JSON counts them (drops 2, reattached 1, down 1);
   no transition (the state stays running) and no hook point */
static void network_notes(void **s)
{
	const char *log;

	(void)s;
	save_hooks();
	hv.run_ms = 300;
	hv.notes = "DDBF";
	assert_int_equal(
		run("", MAC("m", "devices = ( { kind = \"serial\"; } );")), 0);
	assert_non_null(strstr(hook_json("stopped"),
			       "\"network\":{\"drops\":2,\"reattached\":1,"
			       "\"down\":1}"));
	assert_non_null(strstr(hook_json("prepare"),
			       "\"network\":{\"drops\":0,\"reattached\":0,"
			       "\"down\":0}"));
	log = strstr(logbuf,
		     "vms[0].macos.bundle: network-disconnected: the cable");
	assert_non_null(log);
	log = strstr(log + 1,
		     "vms[0].macos.bundle: network-disconnected: the cable");
	assert_non_null(log);
	assert_non_null(strstr(
		log, "vms[0].macos.bundle: network-reattached: a new one"));
	assert_non_null(strstr(logbuf, "warning: "));
	/* an NBD disk's failure: an error, no NIC counted */
	assert_non_null(strstr(log, "error: "));
	assert_non_null(strstr(log, "vms[0].macos.bundle: nbd-failed: the "
				    "server went"));
	assert_null(strstr(logbuf, "running -> running"));
	assert_int_equal(
		access(th_fmt("%s/hook.network-disconnected.json", th_dir()),
		       F_OK),
		-1);
}

/* a NIC down when the guest powers off is attached again in the restarted
   machine: down counts this run's NICs only (drops 2, down 1) */
static void network_down_reset(void **s)
{
	(void)s;
	save_hooks();
	hv.run_ms = 300;
	hv.notes = "D";
	hv.stop_on_start = 2;
	assert_int_equal(
		run("",
		    MAC("m",
			"on_poweroff = \"restart\"; devices = ( { kind = \"serial\"; } );")),
		0);
	assert_int_equal(hv.starts, 2);
	assert_non_null(strstr(hook_json("stopped"),
			       "\"network\":{\"drops\":2,\"reattached\":0,"
			       "\"down\":1}"));
}

/* the user closed the VM's window: the graceful stop, at once (not after
   the guest's own 30 s), said; exit 0 (a stop asked for) */
static void window_closed(void **s)
{
	long long t0 = util_now_ms();

	(void)s;
	hv.run_ms = 30000;
	hv.notes = "W";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_true(util_now_ms() - t0 < 10000);
	assert_non_null(strstr(logbuf, "notice: "));
	assert_non_null(strstr(logbuf, ": window-closed"));
	assert_non_null(
		strstr(logbuf, "state running -> stopped (host-request)"));
}

/* a plugin restarts a VM it found unresponsive: through the restart policy
   (counted, its backoff), a crash for the exit status; the word and the
   count in the hook JSON; the restarted guest powers off by itself */
static void plugin_restarts_unresponsive(void **s)
{
	const char *json;

	(void)s;
	save_hooks();
	hv.run_ms = 400;
	asker = "action = \"restart\"; reason = \"unresponsive\"; after = 50;";
	assert_int_equal(run("", MAC("m", "")), 1);
	assert_int_equal(hv.starts, 2);
	assert_true(hv.start_ms[1] - hv.start_ms[0] >= 1000); /* (backoff) */
	assert_non_null(strstr(logbuf, "[m] notice: plugin asker asks: "
				       "restart: unresponsive\n"));
	assert_non_null(strstr(logbuf, "[m] warning: stopped as unresponsive: "
				       "counted as a crash\n"));
	assert_non_null(strstr(logbuf, "[m] notice: restarting in 1 s"));
	json = hook_json("stopped"); /* (the guest's own power-off) */
	assert_non_null(strstr(json, "\"stop_reason\":\"unresponsive\""));
	assert_non_null(strstr(json, "\"restarts\":1"));
	assert_non_null(strstr(hook_json("started"), "\"restarts\":1"));
}

#define W32 "abcdefghijklmnopqrstuvwxyz-01234" /* (32: the longest word) */

/* a stop with a word: "unresponsive" is a crash (on_crash restarts it, the
   exit status says so); another word is a stop, kept as stop_reason */
static void plugin_stop_words(void **s)
{
	(void)s;
	hv.run_ms = 400;
	asker = "action = \"stop\"; reason = \"unresponsive\"; after = 50;";
	assert_int_equal(run("", MAC("m", "on_crash = \"restart\";")), 1);
	assert_int_equal(hv.starts, 2);
	reset(NULL);
	hv.run_ms = 400;
	asker = "action = \"stop\"; reason = \"unresponsive\"; after = 50;";
	assert_int_equal(run("", MAC("m", "")), 1);
	assert_int_equal(hv.starts, 1);
	reset(NULL);
	save_hooks();
	hv.run_ms = 400;
	asker = "action = \"request-stop\"; reason = \"maintenance\"; after "
		"= 50;";
	assert_int_equal(run("", MAC("m", "on_crash = \"restart\";")), 0);
	assert_int_equal(hv.starts, 1);
	assert_non_null(strstr(logbuf, "asks: stop: maintenance\n"));
	assert_null(strstr(logbuf, "as unresponsive"));
	assert_non_null(strstr(hook_json("stopped"),
			       "\"stop_reason\":\"maintenance\""));
	/* not a word, or past 32 characters: refused, nothing done; 32 are */
	reset(NULL);
	hv.run_ms = 200;
	asker = "action = \"stop\"; reason = \"not a word\"; after = 50;";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "[asker] notice: asked 1 of m: -22\n"));
	assert_null(strstr(logbuf, "asks:"));
	reset(NULL);
	hv.run_ms = 200;
	asker = "action = \"stop\"; reason = \"" W32 "x\"; after = 50;";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "[asker] notice: asked 1 of m: -22\n"));
	reset(NULL);
	hv.run_ms = 200;
	asker = "action = \"stop\"; reason = \"" W32 "\"; after = 50;";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "asks: kill: " W32 "\n"));
}

/* a reset on a hypervisor without a reset button: off and on at once,
   neither counted as a restart nor waiting for a backoff, and no crash
   even when the guest was unresponsive */
static void plugin_reset_without_button(void **s)
{
	const char *json;

	(void)s;
	save_hooks();
	hv.run_ms = 400;
	asker = "action = \"reset\"; reason = \"unresponsive\"; after = 50;";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_int_equal(hv.starts, 2);
	assert_true(hv.start_ms[1] - hv.start_ms[0] < 1000);
	assert_non_null(strstr(logbuf, "[m] notice: plugin asker asks: reset: "
				       "unresponsive\n"));
	assert_null(strstr(logbuf, "counted as a crash"));
	json = hook_json("stopped");
	assert_non_null(strstr(json, "\"restarts\":0"));
	assert_non_null(strstr(json, "\"stop_reason\":\"unresponsive\""));
}

/* a plugin's hook on a state the VM is in already fails: said in the log,
   with the plugin's own words, and the VM runs on (no veto after the fact) */
static void plugin_hook_fails(void **s)
{
	(void)s;
	hv.run_ms = 300;
	asker = "fail = \"no monitor today\";";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_int_equal(hv.starts, 1);
	assert_non_null(strstr(logbuf, "[m] warning: plugin asker: started "
				       "hook: no monitor today\n"));
	assert_non_null(strstr(logbuf, "state running -> stopped "
				       "(guest-shutdown)"));
}

/* a reset asked of a VM that is stopping already: refused (it is not
   running), not made into a stop and a start */
static void plugin_reset_while_stopping(void **s)
{
	(void)s;
	hv.run_ms = 5000;
	hv.stop_ms = 300;
	asker = "action = \"request-stop\"; after = 50; again = 100; then = "
		"\"reset\";";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_int_equal(hv.starts, 1);
	assert_non_null(strstr(logbuf, "[m] notice: state running -> stopping "
				       "(host-request)\n"));
	assert_non_null(strstr(logbuf, "[m] warning: a plugin's reset was "
				       "refused: Invalid argument\n"));
}

/* a helper marked as ending with its VM that exits as the VM stops is no
   news; one that exits while its VM runs on is, marked or not */
static void helper_ends_with_vm(void **s)
{
	(void)s;
	hv.run_ms = 700;
	ender = "argv = [ \"sleep\", \"0.3\" ]; ends_with_vm = true;";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "[ender] notice: helper: 1\n"));
	assert_non_null(strstr(logbuf, "exited with status 0: it ends with "
				       "its VM\n"));
	assert_null(strstr(logbuf, "before its VM stopped"));
	reset(NULL);
	hv.run_ms = 4000;
	ender = "argv = [ \"true\" ]; ends_with_vm = true;";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "exited with status 0 before its VM "
				       "stopped\n"));
	reset(NULL);
	hv.run_ms = 500;
	ender = "argv = [ \"true\" ];";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "exited with status 0 before its VM "
				       "stopped\n"));
}

/* what a helper says is logged as it says it, not when it ends */
/* watches the pids listed in a file: when the first of them died (ms
   since it began; -1: none within 20 s) */
struct deaths {
	const char *file;
	long long t0, first;
};

static bool pid_gone(long pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return true;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z' || state == 'X';
}

static void *watch_deaths(void *p)
{
	struct deaths *w = p;
	long pid;
	FILE *f;

	w->first = -1;
	while (util_now_ms() - w->t0 < 20000 && w->first < 0) {
		if ((f = fopen(w->file, "r"))) {
			while (fscanf(f, "%ld", &pid) == 1)
				if (pid_gone(pid))
					w->first = util_now_ms() - w->t0;
			fclose(f);
		}
		usleep(20000);
	}
	return NULL;
}

/* a helper deaf to SIGTERM is SIGKILLed at its grace's end, 2 s after its
   VM stopped, though nothing else wakes vzhost until the other VM stops
   8 s in: nothing of a VM outlives it by more than the grace */
static void helper_killed_in_time(void **s)
{
	struct deaths w = { th_fmt("%s/helper.pids", th_dir()), 0, 0 };
	pthread_t t;

	(void)s;
	unlink(w.file);
	hv.run_ms = 300;
	hv.run_ms_second = 8000;
	ender = th_fmt("argv = [ \"/bin/sh\", \"-c\", \"trap '' TERM; echo $$ "
		       ">> %s; exec sleep 60\" ];",
		       w.file);
	w.t0 = util_now_ms();
	assert_int_equal(pthread_create(&t, NULL, watch_deaths, &w), 0);
	assert_int_equal(run("", MAC("a", "") ", " MAC("b", "")), 0);
	pthread_join(t, NULL);
	assert_true(util_now_ms() - w.t0 >= 8000);
	/* (0.3 s, then the 2 s grace, and some slack for a busy machine) */
	if (w.first < 0 || w.first > 5000)
		fail_msg("the first helper died %lld ms in", w.first);
}

/* a child vzhost starts (a hook, a helper) gets past its group's guard
   and on to its exec although errno said EINTR as it was forked: vzhost's
   loop leaves that after every signal it takes */
static void child_past_its_guard(void **s)
{
	pid_t parent = getpid(), pid, got = 0;
	long long end;
	int st = 0;

	(void)s;
	pid = proc_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		errno = EINTR;
		os_die_with(parent, proc_lifeline());
		_exit(42);
	}
	for (end = util_now_ms() + 5000; !got && util_now_ms() < end;)
		if (!(got = waitpid(pid, &st, WNOHANG)))
			usleep(10000);
	if (!got) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("the child is still at its guard after 5 s");
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 42);
}

static void helper_heard_as_it_speaks(void **s)
{
	const char *line, *stop;

	(void)s;
	hv.run_ms = 1500;
	ender = "argv = [ \"sh\", \"-c\", \"echo up and serving; exec sleep "
		"30\" ];";
	assert_int_equal(run("", MAC("m", "")), 0);
	line = strstr(logbuf, ": up and serving\n");
	stop = strstr(logbuf, "state running -> stopped");
	assert_non_null(line);
	assert_non_null(stop);
	assert_true(line < stop);
}

/* start: a VM waiting out its restart's backoff starts now (the restart,
   counted); one that runs is refused */
static void plugin_start(void **s)
{
	(void)s;
	hv.stop_on_start = 2; /* (SIGTERM at the restart: the run ends) */
	asker = "action = \"start\"; after = 300;";
	assert_int_equal(run("", MAC("m", "on_poweroff = \"restart\";")), 0);
	assert_int_equal(hv.starts, 2);
	assert_true(hv.start_ms[1] - hv.start_ms[0] < 1000);
	assert_null(strstr(logbuf, "refused"));
	reset(NULL);
	hv.run_ms = 300;
	asker = "action = \"start\"; after = 20;";
	assert_int_equal(run("", MAC("m", "")), 0);
	assert_non_null(strstr(logbuf, "[m] warning: a plugin's start was "
				       "refused: Invalid argument\n"));
}

/* n lines of len bytes that "ready-x" starts and that end in 'a's (costly
   to match for the patterns below), then the line that makes it ready */
static void costly_lines(char *buf, int n, size_t len)
{
	size_t at = 0;
	int i;

	for (i = 0; i < n; i++) {
		memcpy(buf + at, "ready-x", 7);
		memset(buf + at + 7, 'a', len - 7);
		buf[at + len] = '\n';
		at += len + 1;
	}
	strcpy(buf + at, "VZH-GUEST: prompt ready-x\n");
}

/* a burst of console lines each costly to match (about 5 ms: the matcher's
   cap), in one read, the one that makes the VM ready last: every line waits
   its turn on the loop, none is dropped, and the VM is ready */
static void ready_after_costly_burst(void **s)
{
	static char burst[60 * 151 + 64];

	(void)s;
	costly_lines(burst, 60, 150);
	hv.say = burst;
	hv.run_ms = 3000;
	assert_int_equal(run("",
			     MAC("m", "ready = { console = "
				      "\"(.*)(.*)(.*)(.*)(.*)ready-x$\"; }; "
				      "devices = ( { kind = \"serial\"; } );")),
			 0);
	assert_non_null(strstr(logbuf, "ready after"));
	assert_null(strstr(logbuf, "dropped"));
}

/* more costly lines in one read than the queue holds (64 KiB): the oldest are
   dropped, said at the first drop and counted when the check ends, and the
   newest, the ready line, still makes the VM ready */
static void ready_drops_the_oldest(void **s)
{
	static char burst[100 * 1001 + 64];
	const char *at;
	unsigned long dropped = 0;

	(void)s;
	costly_lines(burst, 100, 1000);
	hv.say = burst;
	hv.run_ms = 3000;
	assert_int_equal(run("",
			     MAC("m", "ready = { console = "
				      "\"(.*)(.*)(.*)(.*)(.*)ready-x$\"; }; "
				      "devices = ( { kind = \"serial\"; } );")),
			 0);
	assert_non_null(strstr(logbuf, "ready after"));
	assert_non_null(strstr(logbuf, "console lines come faster than"));
	at = strstr(logbuf, " console lines were dropped unmatched");
	assert_non_null(at);
	while (at > logbuf && at[-1] >= '0' && at[-1] <= '9')
		at--;
	dropped = strtoul(at, NULL, 10);
	/* 100 lines of 1001 bytes, 64 KiB of them held: at least 34 gone */
	assert_true(dropped >= 34 && dropped < 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(leaked_slots, reset),
		cmocka_unit_test_setup(held_by_others, reset),
		cmocka_unit_test_setup(higher_limit, reset),
		cmocka_unit_test_setup(restart_keeps_slot, reset),
		cmocka_unit_test_setup(hook_address, reset),
		cmocka_unit_test_setup(network_notes, reset),
		cmocka_unit_test_setup(network_down_reset, reset),
		cmocka_unit_test_setup(window_closed, reset),
		cmocka_unit_test_setup(plugin_restarts_unresponsive, reset),
		cmocka_unit_test_setup(plugin_stop_words, reset),
		cmocka_unit_test_setup(plugin_hook_fails, reset),
		cmocka_unit_test_setup(plugin_reset_while_stopping, reset),
		cmocka_unit_test_setup(plugin_reset_without_button, reset),
		cmocka_unit_test_setup(plugin_start, reset),
		cmocka_unit_test_setup(helper_ends_with_vm, reset),
		cmocka_unit_test_setup(helper_killed_in_time, reset),
		cmocka_unit_test_setup(helper_heard_as_it_speaks, reset),
		cmocka_unit_test(child_past_its_guard),
		cmocka_unit_test_setup(ready_after_costly_burst, reset),
		cmocka_unit_test_setup(ready_drops_the_oldest, reset),
	};
	int ret;

	bridges_add(&fake);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	th_cleanup();
	return ret;
}
