/* test_slots.c: the slot ledger: limits, holders named, stale records, processes racing for the last slot, and another user's names and locks. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "helpers.h"
#include "os.h"
#include "slots.h"
#include "util.h"

static int dirfd_of(const char *path)
{
	mkdir(path, 0700);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static struct slot_request req(const char *vm, bool macos, unsigned max,
			       unsigned mac)
{
	return (struct slot_request){ vm,  macos, "qemu", "/etc/test.conf",
				      max, mac };
}

static bool exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, 0) == 0;
}

/* the test's children: ended by the teardown even when an assertion failed
   (they would outlive the test, holding their locks) */
static pid_t kids[16];
static size_t nkids;

static pid_t child(void)
{
	pid_t pid;

	assert_true(nkids < ARRAY_SIZE(kids));
	pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		kids[nkids++] = pid;
	return pid;
}

/* waits for a child of ours: its status */
static int reap(pid_t pid)
{
	size_t i;
	int st = -1;

	for (i = 0; i < nkids && kids[i] != pid; i++)
		;
	assert_true(i < nkids);
	kids[i] = kids[--nkids];
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void end(pid_t pid)
{
	kill(pid, SIGKILL);
	reap(pid);
}

static int end_kids(void **s)
{
	(void)s;
	while (nkids) {
		kill(kids[--nkids], SIGKILL);
		waitpid(kids[nkids], NULL, 0);
	}
	return 0;
}

/* a record as another vzhost writes it: state P (starting) or A; NULL: not
   made here */
static void write_record(int d, const char *name, char state, const char *vm,
			 long long since)
{
	const char *text = th_fmt("%c{\"vm\":\"%s\",\"pid\":4242,\"guest\":"
				  "\"linux\",\"bridge\":\"qemu\",\"config\":"
				  "\"/c\",\"since\":%lld}",
				  state, vm, since);
	int fd = openat(d, name, O_WRONLY | O_CREAT | O_EXCL, 0644);

	assert_true(fd >= 0);
	assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* a process holding name's file with how: 'w' its owner's write lock, 'r' a
   read lock, 'f' an exclusive flock (each of what the next two allow a
   reader), until killed */
static pid_t locker(int d, const char *name, const char *how)
{
	int ready[2], fd;
	pid_t pid;
	char c = 0;

	assert_int_equal(pipe(ready), 0);
	pid = child();
	if (pid == 0) {
		fd = openat(d, name, strchr(how, 'w') ? O_RDWR : O_RDONLY);
		if (fd < 0 || (strchr(how, 'w') && os_lock_write(fd) < 0) ||
		    (strchr(how, 'r') &&
		     fcntl(fd, F_SETLK, &(struct flock){ .l_type = F_RDLCK }) <
			     0) ||
		    (strchr(how, 'f') && flock(fd, LOCK_EX | LOCK_NB) < 0))
			_exit(1);
		if (write(ready[1], "", 1) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* admission as vzhost does it: -EBUSY looked at again after a random pause,
   with how long it has been busy, for at most 10 s; the time it took into
   *ms */
static int admit(int d, struct slot_request *r, struct slot *sl, char **why,
		 long long *ms)
{
	long long t0 = util_now_ms();
	int ret;

	r->busy_ms = 0;
	while ((ret = slots_admit(d, r, sl, why)) == -EBUSY &&
	       util_now_ms() - t0 < 10000) {
		free(*why);
		*why = NULL;
		usleep(slots_backoff_ms() * 1000);
		r->busy_ms = (unsigned)(util_now_ms() - t0);
	}
	if (ms)
		*ms = util_now_ms() - t0;
	return ret;
}

static size_t holders(int d)
{
	json_t *h = slots_holders(d);
	size_t n = json_array_size(h);

	json_decref(h);
	return n;
}

/* within the limits, the next one refused with every holder named */
static void limits_and_holders(void **s)
{
	int d = dirfd_of(th_fmt("%s/l", th_dir()));
	struct slot a = { 0 }, b = { 0 }, c = { 0 };
	struct slot_request r;
	char *why = NULL;

	(void)s;
	r = req("a", false, 2, 2);
	assert_int_equal(slots_admit(d, &r, &a, &why), 0);
	assert_true(exists(d, a.name));
	r = req("b", false, 2, 2);
	assert_int_equal(slots_admit(d, &r, &b, &why), 0);
	r = req("c", false, 2, 2);
	assert_int_equal(slots_admit(d, &r, &c, &why), -EAGAIN);
	assert_non_null(strstr(why, "host.max_vms = 2 and 2 VMs run: "));
	assert_non_null(
		strstr(why, th_fmt("a (vzhost pid %d, /etc/test.conf, since ",
				   (int)getpid())));
	assert_non_null(strstr(why, "; b (vzhost pid "));
	assert_null(c.name);
	free(why);
	/* given back: the next one fits, and the record is gone */
	slots_release(d, &a);
	assert_null(a.name);
	assert_int_equal(slots_admit(d, &r, &c, &why), 0);
	slots_release(d, &b);
	slots_release(d, &c);
	close(d);
}

/* macOS guests count against macos_slots, every guest against max_vms */
static void macos_slots(void **s)
{
	int d = dirfd_of(th_fmt("%s/m", th_dir()));
	struct slot m1 = { 0 }, m2 = { 0 }, m3 = { 0 }, l1 = { 0 };
	struct slot_request r;
	char *why = NULL;

	(void)s;
	r = req("m1", true, 0, 2);
	assert_int_equal(slots_admit(d, &r, &m1, &why), 0);
	r = req("m2", true, 0, 2);
	assert_int_equal(slots_admit(d, &r, &m2, &why), 0);
	r = req("m3", true, 0, 2);
	assert_int_equal(slots_admit(d, &r, &m3, &why), -EAGAIN);
	assert_non_null(strstr(why, "host.macos_slots = 2 and 2 macOS guests "
				    "run: m1 (vzhost pid"));
	free(why);
	why = NULL;
	r = req("l1", false, 0, 2); /* a Linux guest still fits */
	assert_int_equal(slots_admit(d, &r, &l1, &why), 0);
	r = req("m3", true, 0, 0); /* 0: not counted, the hypervisor decides */
	assert_int_equal(slots_admit(d, &r, &m3, &why), 0);
	slots_release(d, &m1);
	slots_release(d, &m2);
	slots_release(d, &m3);
	slots_release(d, &l1);
	close(d);
}

/* a record nobody holds (its vzhost was SIGKILLed) is removed and not
   counted, whatever read locks or flocks others hold on it (anyone who may
   read it can take those); holders() lists only the live */
static void stale_records(void **s)
{
	int d = dirfd_of(th_fmt("%s/s", th_dir())), fd;
	struct slot a = { 0 };
	struct slot_request r = req("new", false, 1, 2);
	char *why = NULL;
	pid_t lk;
	json_t *h;

	(void)s;
	write_record(d, "old.1.slot", 'A', "old", util_wall_ms());
	assert_int_equal(holders(d), 0);
	assert_false(exists(d, "old.1.slot"));
	fd = openat(d, "old2.2.slot", O_WRONLY | O_CREAT, 0644);
	close(fd); /* empty: a record cut short, and nobody's */
	write_record(d, "old3.3.slot", 'A', "old3", util_wall_ms());
	lk = locker(d, "old3.3.slot", "rf");
	assert_int_equal(slots_admit(d, &r, &a, &why), 0);
	assert_false(exists(d, "old2.2.slot"));
	assert_false(exists(d, "old3.3.slot"));
	end(lk);
	h = slots_holders(d);
	assert_int_equal(json_array_size(h), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(h, 0), "vm")),
		"new");
	json_decref(h);
	slots_release(d, &a);
	close(d);
}

/* another user's stale record (root could remove it, nobody else: a sticky
   ledger): left in place, and not counted */
static void others_stale_left(void **s)
{
	int d = dirfd_of(th_fmt("%s/os", th_dir())), st;
	pid_t pid;

	(void)s;
	if (geteuid() != 0)
		skip();
	assert_int_equal(fchmod(d, 01777), 0);
	write_record(d, "theirs.1.slot", 'A', "theirs", util_wall_ms());
	assert_int_equal(fchownat(d, "theirs.1.slot", 65534, 65534, 0), 0);
	pid = child();
	if (pid == 0) { /* as another user, through the open directory */
		struct slot_request r = req("mine", false, 1, 2);
		struct slot sl = { 0 };
		char *why = NULL;

		if (setgid(65533) < 0 || setuid(65533) < 0)
			_exit(3);
		_exit(slots_admit(d, &r, &sl, &why) == 0 &&
				      exists(d, "theirs.1.slot") ?
			      0 :
			      1);
	}
	st = reap(pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(d);
}

/* processes started together for the last slot: exactly one wins, every
   round (each creates its record before it counts: of two racing, at least
   one sees the other) */
static void racing_admissions(void **s)
{
	int d = dirfd_of(th_fmt("%s/r", th_dir())), round, k, st, wins;
	int go[2], tried[2], done[2];
	pid_t pids[4];
	char c;

	(void)s;
	for (round = 0; round < 40; round++) {
		assert_int_equal(pipe(go), 0);
		assert_int_equal(pipe(tried), 0);
		assert_int_equal(pipe(done), 0);
		for (k = 0; k < 4; k++) {
			pids[k] = child();
			if (pids[k] == 0) {
				struct slot sl = { 0 };
				struct slot_request r =
					req(th_fmt("vm%d", k), false, 1, 2);
				char *why = NULL;
				int ret;

				close(go[1]);
				close(done[1]);
				if (read(go[0], &c, 1) < 0) /* all at once */
					_exit(3);
				/* -EBUSY: looked at again after a random
				   pause, as vzhost does */
				ret = admit(d, &r, &sl, &why, NULL);
				/* hold the slot until every one is through */
				if (write(tried[1], "", 1) != 1 ||
				    read(done[0], &c, 1) < 0)
					_exit(3);
				_exit(ret == 0 ? 0 : ret == -EAGAIN ? 1 : 2);
			}
		}
		close(go[0]);
		close(tried[1]);
		close(done[0]);
		close(go[1]); /* EOF: go */
		for (k = 0; k < 4; k++)
			assert_int_equal(read(tried[0], &c, 1), 1);
		close(tried[0]);
		close(done[1]); /* EOF: done, each exits holding or not */
		wins = 0;
		for (k = 0; k < 4; k++) {
			st = reap(pids[k]);
			assert_true(WIFEXITED(st) && WEXITSTATUS(st) < 2);
			wins += WEXITSTATUS(st) == 0;
		}
		assert_int_equal(wins, 1);
		/* the winner died holding it: stale now, for the next round */
	}
	close(d);
}

/* a reader looking all the time (vzhost list in a loop) never makes an
   admission fail: a record appears locked, never unlocked for a moment */
static void reader_never_breaks_admission(void **s)
{
	int d = dirfd_of(th_fmt("%s/rd", th_dir())), k, ret, fails = 0;
	struct slot_request r = req("busy", false, 1, 2);
	pid_t reader;
	char *why;

	(void)s;
	reader = child();
	if (reader == 0) {
		for (;;)
			json_decref(slots_holders(d));
	}
	for (k = 0; k < 300; k++) {
		struct slot sl = { 0 };

		why = NULL;
		ret = admit(d, &r, &sl, &why, NULL);
		fails += ret != 0;
		free(why);
		slots_release(d, &sl);
	}
	end(reader);
	assert_int_equal(fails, 0);
	close(d);
}

/* what the ledger learnt is believed only from our own plain file: another
   user's note (a shared ledger), a hard link, a FIFO say nothing */
static void notes_are_ours_alone(void **s)
{
	const char *dir = th_fmt("%s/n", th_dir());
	int d = dirfd_of(dir);
	char boot[64], name[64], text[160];
	long long since;
	int fd;

	(void)s;
	os_boot_id(boot, sizeof(boot));
	/* what the temporaries were called once: taken (a directory even
	   root cannot unlink as a file), and the notes written all the same */
	snprintf(name, sizeof(name), ".limit.%u.new", (unsigned)geteuid());
	assert_int_equal(mkdirat(d, name, 0755), 0);
	snprintf(name, sizeof(name), ".leaked.%u.new", (unsigned)geteuid());
	assert_int_equal(mkdirat(d, name, 0755), 0);
	/* written without a word in the log (errno as a failed call left it
	   is no failure of ours) */
	th_stderr_begin();
	errno = ENOENT;
	slots_learn(d, 3, boot);
	errno = EACCES;
	slots_note_leak(d, 2, boot);
	assert_string_equal(th_stderr_end(), "");
	assert_int_equal(slots_learnt(d, boot), 3);
	assert_int_equal(slots_learnt(d, "another-boot"), 0);
	assert_int_equal(slots_leaked(d, boot, &since), 2);
	snprintf(name, sizeof(name), "limit.%u", (unsigned)geteuid());
	assert_int_equal(linkat(d, name, d, "elsewhere", 0), 0);
	assert_int_equal(slots_learnt(d, boot), 0); /* two links: not ours */
	unlinkat(d, "elsewhere", 0);
	assert_int_equal(slots_learnt(d, boot), 3);
	if (geteuid() == 0) { /* another owner */
		assert_int_equal(fchownat(d, name, 65534, 65534, 0), 0);
		assert_int_equal(slots_learnt(d, boot), 0);
	}
	unlinkat(d, name, 0);
	assert_int_equal(mkfifoat(d, name, 0600), 0);
	assert_int_equal(slots_learnt(d, boot), 0); /* and it did not block */
	unlinkat(d, name, 0);
	/* a note written over a planted FIFO: replaced, never blocked on */
	assert_int_equal(mkfifoat(d, name, 0600), 0);
	slots_learn(d, 4, boot);
	assert_int_equal(slots_learnt(d, boot), 4);
	snprintf(text, sizeof(text), "%s/%s", dir, name);
	fd = open(text, O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	close(d);
}

/* another vzhost's start, pending: counted (a start racing for the last
   slot is told to look again), and once it has been pending 2 s, or this
   start kept waiting 2 s, it holds the slot: refused, named as starting */
static void pending_counted(void **s)
{
	int d = dirfd_of(th_fmt("%s/p", th_dir()));
	struct slot_request r = req("me", false, 1, 2);
	struct slot sl = { 0 };
	char *why = NULL;
	long long ms;
	pid_t lk;

	(void)s;
	write_record(d, "other.1.slot", 'P', "other", util_wall_ms());
	lk = locker(d, "other.1.slot", "w");
	assert_int_equal(slots_admit(d, &r, &sl, &why), -EBUSY);
	assert_non_null(strstr(why, "other (vzhost pid 4242, /c, since "));
	assert_non_null(strstr(why, ", starting)"));
	free(why);
	why = NULL;
	assert_int_equal(holders(d), 1); /* vzhost list shows it */
	r.busy_ms = 2000;
	assert_int_equal(slots_admit(d, &r, &sl, &why), -EAGAIN);
	assert_non_null(strstr(why, "host.max_vms = 1 and 1 VM runs: other "
				    "(vzhost pid 4242, /c, since "));
	assert_non_null(strstr(why, ", starting)"));
	free(why);
	why = NULL;
	assert_null(sl.name);
	/* gone: admitted at once */
	end(lk);
	r.busy_ms = 0;
	assert_int_equal(admit(d, &r, &sl, &why, &ms), 0);
	assert_true(ms < 500);
	assert_false(exists(d, "other.1.slot"));
	slots_release(d, &sl);
	/* pending for 5 s already, or from the future: holds the slot */
	write_record(d, "slow.2.slot", 'P', "slow", util_wall_ms() - 5000);
	lk = locker(d, "slow.2.slot", "w");
	assert_int_equal(slots_admit(d, &r, &sl, &why), -EAGAIN);
	free(why);
	why = NULL;
	end(lk);
	write_record(d, "future.3.slot", 'P', "future",
		     util_wall_ms() + 3600000);
	lk = locker(d, "future.3.slot", "w");
	assert_int_equal(slots_admit(d, &r, &sl, &why), -EAGAIN);
	free(why);
	end(lk);
	close(d);
}

/* a pending record that never goes (another user's, written afresh all the
   time so it never looks old): refused after 2 s naming it, never an endless
   -EBUSY */
static void perpetual_pending(void **s)
{
	int d = dirfd_of(th_fmt("%s/pp", th_dir())), fd, ready[2];
	struct slot_request r = req("me", false, 1, 2);
	struct slot sl = { 0 };
	char *why = NULL, c;
	long long ms;
	pid_t pid;

	(void)s;
	assert_int_equal(pipe(ready), 0);
	pid = child();
	if (pid == 0) {
		fd = openat(d, "hostile.1.slot", O_RDWR | O_CREAT | O_EXCL,
			    0644);
		if (fd < 0 || os_lock_write(fd) < 0)
			_exit(1);
		for (;;) { /* always young, rewritten as long as before */
			const char *t = th_fmt(
				"P{\"vm\":\"hostile\",\"pid\":1,\"guest\":"
				"\"linux\",\"config\":\"/h\",\"since\":%lld}",
				util_wall_ms());

			if (pwrite(fd, t, strlen(t), 0) < 0 ||
			    (ready[1] >= 0 && write(ready[1], "", 1) < 0))
				_exit(1);
			ready[1] = -1;
			usleep(1000);
		}
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(admit(d, &r, &sl, &why, &ms), -EAGAIN);
	end(pid);
	assert_true(ms >= 2000 && ms < 4000);
	assert_non_null(strstr(why, "host.max_vms = 1 and 1 VM runs: hostile "
				    "(vzhost pid 1, /h, since "));
	assert_non_null(strstr(why, ", starting)"));
	free(why);
	close(d);
}

/* what another user can plant in a sticky ledger: a taken temporary (the
   old .new.PID), FIFOs, directories and symlinks named *.slot, records of
   nobody with locks anyone may take: admitted all the same, none counted,
   nothing opened that blocks */
static void planted_names(void **s)
{
	int d = dirfd_of(th_fmt("%s/pl", th_dir())), k;
	struct slot_request r = req("me", false, 1, 2);
	struct slot sl = { 0 };
	char *why = NULL;
	long long ms;
	pid_t lk;

	(void)s;
	assert_int_equal(mkdirat(d, th_fmt(".new.%d", (int)getpid()), 0755), 0);
	for (k = 0; k < 16; k++) /* what the records were called once */
		assert_int_equal(
			mkfifoat(d, th_fmt("me.%d.slot", (int)getpid() + k),
				 0644),
			0);
	assert_int_equal(mkdirat(d, "dir.slot", 0755), 0);
	assert_int_equal(symlinkat("/dev/zero", d, "zero.slot"), 0);
	assert_int_equal(mkfifoat(d, "fifo.slot", 0644), 0);
	write_record(d, "nobody.1.slot", 'A', "nobody", util_wall_ms());
	if (geteuid() == 0)
		assert_int_equal(fchownat(d, "nobody.1.slot", 65534, 65534, 0),
				 0);
	lk = locker(d, "nobody.1.slot", "rf");
	assert_int_equal(admit(d, &r, &sl, &why, &ms), 0);
	assert_true(ms < 500);
	assert_int_equal(holders(d), 1);
	slots_release(d, &sl);
	end(lk);
	close(d);
}

/* a hard link to a record (another user's, under a name of theirs): the
   same record, counted once */
static void linked_once(void **s)
{
	int d = dirfd_of(th_fmt("%s/hl", th_dir()));
	struct slot_request r = req("a", false, 2, 2);
	struct slot a = { 0 }, b = { 0 };
	char *why = NULL;

	(void)s;
	assert_int_equal(slots_admit(d, &r, &a, &why), 0);
	assert_int_equal(linkat(d, a.name, d, "alias.slot", 0), 0);
	assert_int_equal(holders(d), 1);
	r = req("b", false, 2, 2);
	assert_int_equal(slots_admit(d, &r, &b, &why), 0);
	slots_release(d, &a);
	slots_release(d, &b);
	unlinkat(d, "alias.slot", 0);
	close(d);
}

/* the record's lock is not lost when the process opens and closes the file
   elsewhere (a POSIX lock would be): another process sees it held */
static void lock_survives_close(void **s)
{
	int d = dirfd_of(th_fmt("%s/lc", th_dir())), fd, st;
	struct slot_request r = req("a", false, 1, 2);
	struct slot a = { 0 };
	char *why = NULL;
	pid_t pid;

	(void)s;
	assert_int_equal(slots_admit(d, &r, &a, &why), 0);
	fd = openat(d, a.name, O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	pid = child();
	if (pid == 0) {
		fd = openat(d, a.name, O_RDONLY);
		_exit(fd >= 0 && os_write_locked(fd) == 1 ? 0 : 1);
	}
	st = reap(pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	slots_release(d, &a);
	close(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(limits_and_holders, end_kids),
		cmocka_unit_test_teardown(macos_slots, end_kids),
		cmocka_unit_test_teardown(stale_records, end_kids),
		cmocka_unit_test_teardown(others_stale_left, end_kids),
		cmocka_unit_test_teardown(racing_admissions, end_kids),
		cmocka_unit_test_teardown(reader_never_breaks_admission,
					  end_kids),
		cmocka_unit_test_teardown(notes_are_ours_alone, end_kids),
		cmocka_unit_test_teardown(pending_counted, end_kids),
		cmocka_unit_test_teardown(perpetual_pending, end_kids),
		cmocka_unit_test_teardown(planted_names, end_kids),
		cmocka_unit_test_teardown(linked_once, end_kids),
		cmocka_unit_test_teardown(lock_survives_close, end_kids),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	th_cleanup();
	return ret;
}
