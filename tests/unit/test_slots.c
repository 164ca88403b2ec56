/* test_slots.c: the slot ledger: limits, holders named, stale records, and two processes racing for the last slot. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
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
   counted; holders() lists only the live */
static void stale_records(void **s)
{
	int d = dirfd_of(th_fmt("%s/s", th_dir())), fd;
	struct slot a = { 0 };
	struct slot_request r = req("new", false, 1, 2);
	char *why = NULL;
	json_t *h;

	(void)s;
	fd = openat(d, "old.999999.slot", O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_true(write(fd, "{\"vm\":\"old\",\"pid\":999999}", 26) == 26);
	close(fd);
	h = slots_holders(d);
	assert_int_equal(json_array_size(h), 0);
	json_decref(h);
	assert_false(exists(d, "old.999999.slot"));
	fd = openat(d, "old2.999999.slot", O_WRONLY | O_CREAT, 0644);
	close(fd);
	assert_int_equal(slots_admit(d, &r, &a, &why), 0);
	assert_false(exists(d, "old2.999999.slot"));
	h = slots_holders(d);
	assert_int_equal(json_array_size(h), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(h, 0), "vm")),
		"new");
	json_decref(h);
	slots_release(d, &a);
	close(d);
}

/* processes started together for the last slot: exactly one wins, every
   round (the count and the record are one critical section) */
static void racing_admissions(void **s)
{
	int d = dirfd_of(th_fmt("%s/r", th_dir())), round, k, st, wins;
	int go[2], done[2];
	pid_t pids[4];
	char c;

	(void)s;
	for (round = 0; round < 40; round++) {
		assert_int_equal(pipe(go), 0);
		assert_int_equal(pipe(done), 0);
		for (k = 0; k < 4; k++) {
			pids[k] = fork();
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
				/* the ledger's lock is tried, never waited
				   on: vzhost looks again 100 ms later */
				while ((ret = slots_admit(d, &r, &sl, &why)) ==
				       -EBUSY) {
					free(why);
					usleep(1000);
				}
				/* hold the slot until every one has tried */
				if (read(done[0], &c, 1) < 0)
					_exit(3);
				_exit(ret == 0 ? 0 : ret == -EAGAIN ? 1 : 2);
			}
		}
		close(go[0]);
		close(done[0]);
		close(go[1]); /* EOF: go */
		usleep(50000);
		close(done[1]); /* EOF: done, each exits holding or not */
		wins = 0;
		for (k = 0; k < 4; k++) {
			assert_int_equal(waitpid(pids[k], &st, 0), pids[k]);
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
	reader = fork();
	if (reader == 0) {
		for (;;)
			json_decref(slots_holders(d));
	}
	for (k = 0; k < 300; k++) {
		struct slot sl = { 0 };

		why = NULL;
		while ((ret = slots_admit(d, &r, &sl, &why)) == -EBUSY) {
			free(why);
			why = NULL;
			usleep(200);
		}
		fails += ret != 0;
		free(why);
		slots_release(d, &sl);
	}
	kill(reader, SIGKILL);
	waitpid(reader, NULL, 0);
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
	slots_learn(d, 3, boot);
	assert_int_equal(slots_learnt(d, boot), 3);
	assert_int_equal(slots_learnt(d, "another-boot"), 0);
	slots_note_leak(d, 2, boot);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(limits_and_holders),
		cmocka_unit_test(macos_slots),
		cmocka_unit_test(stale_records),
		cmocka_unit_test(racing_admissions),
		cmocka_unit_test(reader_never_breaks_admission),
		cmocka_unit_test(notes_are_ours_alone),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	th_cleanup();
	return ret;
}
