/* test_util.c: sizes, MACs, paths, the "did you mean" distance, the signal pipe's bound, and a NIC's datagram buffers. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fd.h"
#include "sig.h"
#include "util.h"

static void sizes(void **s)
{
	uint64_t v;

	(void)s;
	assert_int_equal(util_parse_size("512M", &v), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(util_parse_size("8G", &v), 0);
	assert_int_equal(v, 8ull << 30);
	assert_int_equal(util_parse_size("8GiB", &v), 0);
	assert_int_equal(v, 8ull << 30);
	assert_int_equal(util_parse_size("2 tb", &v), 0);
	assert_int_equal(v, 2ull << 40);
	assert_int_equal(util_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(util_parse_size("4096B", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(util_parse_size("8X", &v), -EINVAL);
	assert_int_equal(util_parse_size("-1G", &v), -EINVAL);
	assert_int_equal(util_parse_size("G", &v), -EINVAL);
	assert_int_equal(util_parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(util_parse_size("", &v), -EINVAL);
	assert_int_equal(util_parse_size("99999999999P", &v), -ERANGE);
	assert_int_equal(util_parse_size("99999999999999999999999", &v),
			 -ERANGE);
}

static void size_format(void **s)
{
	char buf[32];

	(void)s;
	util_format_size(2ull << 30, buf, sizeof(buf));
	assert_string_equal(buf, "2 GiB");
	util_format_size(1536ull << 20, buf, sizeof(buf));
	assert_string_equal(buf, "1536 MiB");
	util_format_size(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1000 B");
}

static void macs(void **s)
{
	const uint8_t m[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	char buf[18];

	(void)s;
	util_format_mac(m, buf);
	assert_string_equal(buf, "52:54:00:ab:cd:ef");
}

static void paths(void **s)
{
	char *p;

	(void)s;
	p = util_path_join("/etc/vzhost", "dev.img");
	assert_string_equal(p, "/etc/vzhost/dev.img");
	free(p);
	p = util_path_join("/etc/vzhost/", "/abs/dev.img");
	assert_string_equal(p, "/abs/dev.img");
	free(p);
	p = util_path_join("/etc/vzhost", "../images/./dev.img");
	assert_string_equal(p, "/etc/images/dev.img");
	free(p);
	p = util_path_join("/a/b", "../../../x//y/");
	assert_string_equal(p, "/x/y");
	free(p);
	p = util_path_join("conf", "../../x");
	assert_string_equal(p, "../x");
	free(p);
	p = util_path_join("/a", ".");
	assert_string_equal(p, "/a");
	free(p);
	p = util_dirname("conf/host.conf");
	assert_string_equal(p, "conf");
	free(p);
	p = util_dirname("host.conf");
	assert_string_equal(p, ".");
	free(p);
	p = util_dirname("/host.conf");
	assert_string_equal(p, "/");
	free(p);
}

static void did_you_mean(void **s)
{
	static const char *const keys[] = { "memory", "cpus",	      "nested",
					    "disk",   "stop_timeout", NULL };

	(void)s;
	assert_int_equal(util_edit_distance("memroy", "memory"), 1);
	assert_int_equal(util_edit_distance("", "abc"), 3);
	assert_string_equal(util_did_you_mean("memroy", keys), "memory");
	assert_string_equal(util_did_you_mean("dsik", keys), "disk");
	assert_string_equal(util_did_you_mean("cpu", keys), "cpus");
	assert_string_equal(util_did_you_mean("stop_timout", keys),
			    "stop_timeout");
	assert_null(util_did_you_mean("colour", keys));
	assert_null(util_did_you_mean("x", keys));
}

/* a burst of signals between two turns of the loop: the first max are kept,
   in arrival order, and nothing is written past them */
static void signals_bounded(void **s)
{
	unsigned char burst[] = { SIGTERM, SIGTERM, SIGCHLD, SIGINT,
				  SIGTERM, SIGINT,  SIGINT,  SIGINT,
				  SIGTERM, SIGINT,  SIGINT,  SIGCHLD };
	int p[2], sigs[9], i;
	bool child;

	(void)s;
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(write(p[1], burst, sizeof(burst)), sizeof(burst));
	for (i = 0; i < 9; i++)
		sigs[i] = -1;
	assert_int_equal(sig_read(p[0], sigs, 8, &child), 8);
	assert_true(child);
	assert_int_equal(sigs[0], SIGTERM);
	assert_int_equal(sigs[2], SIGINT);
	assert_int_equal(sigs[7], SIGTERM);
	assert_int_equal(sigs[8], -1);
	assert_int_equal(sig_read(p[0], sigs, 8, &child), 0);
	assert_false(child);
	close(p[0]);
	close(p[1]);
}

/* a NIC's datagram socket for Virtualization.framework: it receives at least
   four times what it may send (the framework drops frames under twice), and
   both are big enough for frames in flight */
static void dgram_buffers(void **s)
{
	int sp[2], rcv, snd;
	socklen_t len = sizeof(int);

	(void)s;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp), 0);
	assert_int_equal(fd_dgram_buffers(sp[0]), 0);
	assert_int_equal(getsockopt(sp[0], SOL_SOCKET, SO_RCVBUF, &rcv, &len),
			 0);
	assert_int_equal(getsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &snd, &len),
			 0);
	assert_true(rcv >= 4 * snd);
	assert_true(snd >= 16 * 1024);
	/* (what Linux allows without privileges: 212992 bytes, reported
	   doubled) */
	assert_true(rcv >= 400 * 1024);
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(size_format),
		cmocka_unit_test(macs),
		cmocka_unit_test(paths),
		cmocka_unit_test(did_you_mean),
		cmocka_unit_test(signals_bounded),
		cmocka_unit_test(dgram_buffers),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
