/* test_console.c: console output to a standard output that stops reading: at most CONSOLE_MAX kept, the rest counted and said once it reads again. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "console.h"
#include "helpers.h"

/* everything the pipe has now, flushing the console as it empties */
static size_t read_all(int fd, char *out, size_t cap)
{
	size_t got = 0;
	ssize_t n;
	struct pollfd p;
	int idle = 0;

	while (idle < 3) {
		console_flush();
		n = read(fd, out + got, cap - got);
		if (n > 0) {
			got += (size_t)n;
			idle = 0;
			continue;
		}
		idle += console_pollfd(&p) ? 0 : 1;
	}
	return got;
}

/* 2 MiB written while nobody reads: the first MiB is kept and comes out
   whole and in order, then one note says how much was lost, in the stream
   and in the log; nothing is said again */
static void dropped_said_once(void **s)
{
	static char chunk[4096], out[(1 << 20) + 4096];
	const char *note = "\n[vzhost: 1048576 bytes of console output "
			   "dropped: standard output did not keep up]\n";
	int p[2], saved = dup(1), i;
	const char *log;
	size_t got;

	(void)s;
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(dup2(p[1], 1), 1);
	for (i = 0; i < 512; i++) {
		memset(chunk, 'a' + i % 26, sizeof(chunk));
		console_write(chunk, sizeof(chunk));
	}
	assert_int_equal(console_dropped(), 1 << 20);
	th_stderr_begin();
	got = read_all(p[0], out, sizeof(out));
	log = th_stderr_end();
	assert_int_equal(got, (1 << 20) + strlen(note));
	for (i = 0; i < 256; i++)
		assert_int_equal(out[i * 4096], 'a' + i % 26);
	assert_memory_equal(out + (1 << 20), note, strlen(note));
	assert_string_equal(log, "vzhost: warning: 1048576 bytes of console "
				 "output dropped: standard output did not "
				 "keep up\n");
	/* more output, all of it taken: no second note */
	console_write("more\n", 5);
	assert_int_equal(read_all(p[0], out, sizeof(out)), 5);
	assert_memory_equal(out, "more\n", 5);
	console_drain(0);
	dup2(saved, 1);
	close(saved);
	close(p[0]);
	close(p[1]);
	th_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dropped_said_once),
	};

	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
