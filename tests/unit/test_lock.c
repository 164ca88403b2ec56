/* test_lock.c: disk image locks: a refused start names the holder, releases what it took and keeps no descriptor. */
#include <dirent.h>
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
#include "runner.h"
#include "util.h"

static char *image(const char *name)
{
	return th_write(th_dir(), name, "image\n");
}

/* a process that holds path's lock until killed */
static pid_t hold(const char *path)
{
	int ready[2], fd;
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(path, O_RDONLY);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* two writable disks, the second held by another process: the start is
   refused naming it (through /proc/locks), the first disk is free again,
   and no descriptor is left behind */
static void refused_start_keeps_nothing(void **s)
{
	struct runner r = { 0 };
	struct vmrun v = { 0 };
	struct machine m = { 0 };
	struct device d[2] = { { 0 } };
	char *a = image("a.img"), *b = image("b.img"), *why = NULL, want[512],
	     note[64];
	struct stat st;
	int fds, other;
	pid_t holder;

	(void)s;
	r.locks_fd = open(th_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(r.locks_fd >= 0);
	d[0].cls = d[1].cls = DEV_DISK;
	d[0].u.disk.path = a;
	d[1].u.disk.path = b;
	m.name = "l";
	m.devs = d;
	m.ndevs = 2;
	v.m = &m;
	holder = hold(b);
	fds = th_open_fds();
	assert_int_equal(lock_disks(&r, &v, &why), -EBUSY);
	snprintf(want, sizeof(want), "disk %s is in use by process %d", b,
		 (int)holder);
	assert_non_null(strstr(why, want));
	assert_int_equal(th_open_fds(), fds);
	assert_int_equal(v.nlocks, 0);
	other = open(a, O_RDONLY | O_CLOEXEC);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);
	free(why);
	/* its holder gone, the same VM locks both */
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	why = NULL;
	assert_int_equal(lock_disks(&r, &v, &why), 0);
	assert_int_equal(v.nlocks, 2);
	/* each lock's note (who holds it) is there while it is held, and
	   gone with it: a stale note would name a VM that ended */
	assert_int_equal(stat(b, &st), 0);
	snprintf(note, sizeof(note), "%llx-%llx", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_int_equal(faccessat(r.locks_fd, note, F_OK, 0), 0);
	unlock_disks(&r, &v);
	assert_int_equal(faccessat(r.locks_fd, note, F_OK, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(th_open_fds(), fds);
	close(r.locks_fd);
	free(a);
	free(b);
}

/* an image path's lock: readers share it and none names itself there
   (several read at once: a writer refused is told "another VM"); a writer
   names itself, so a reader refused is told which VM writes */
static void path_locks(void **s)
{
	struct runner r = { 0 };
	struct vmrun rd = { 0 }, rd2 = { 0 }, wr = { 0 };
	struct machine mr = { 0 }, mw = { 0 };
	struct device dr = { 0 }, dw = { 0 };
	const char *path = th_fmt("%s/p.img", th_dir());
	char *why = NULL, want[512];

	(void)s;
	r.locks_fd = open(th_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(r.locks_fd >= 0);
	dr.cls = dw.cls = DEV_DISK;
	dr.u.disk.path = dw.u.disk.path = path;
	dr.u.disk.read_only = 1;
	mr.name = "reader";
	mw.name = "writer";
	mr.devs = &dr;
	mw.devs = &dw;
	mr.ndevs = mw.ndevs = 1;
	rd.m = rd2.m = &mr;
	wr.m = &mw;
	assert_int_equal(lock_paths(&r, &rd, &why), 0);
	assert_int_equal(lock_paths(&r, &rd2, &why), 0);
	assert_int_equal(lock_paths(&r, &wr, &why), -EBUSY);
	snprintf(want, sizeof(want), "disk %s is in use by another VM", path);
	assert_string_equal(why, want);
	free(why);
	why = NULL;
	unlock_disks(&r, &rd);
	unlock_disks(&r, &rd2);
	assert_int_equal(lock_paths(&r, &wr, &why), 0);
	assert_int_equal(lock_paths(&r, &rd, &why), -EBUSY);
	snprintf(want, sizeof(want),
		 "disk %s is in use by VM \"writer\" (vzhost pid %d)", path,
		 (int)getpid());
	assert_string_equal(why, want);
	free(why);
	unlock_disks(&r, &wr);
	assert_int_equal(rd.nlocks + rd2.nlocks + wr.nlocks, 0);
	close(r.locks_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_start_keeps_nothing),
		cmocka_unit_test(path_locks),
	};

	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
