/* test_cfg.c: loading, includes, locations, typed getters and key checks over libconfig. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfg.h"
#include "helpers.h"
#include "util.h"

static struct cfg c;
static struct diag d;

static int load(const char *text)
{
	char *p = th_write(NULL, "t.conf", text);
	int ret;

	cfg_free(&c);
	diag_free(&d);
	ret = cfg_load(&c, p, &d);
	free(p);
	return ret;
}

static bool has(const char *text)
{
	size_t i;

	for (i = 0; i < d.n; i++)
		if (strstr(d.msgs[i], text))
			return true;
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "  diag: %s\n", d.msgs[i]);
	return false;
}

static config_setting_t *root(void)
{
	return config_root_setting(&c.lc);
}

static int teardown(void **s)
{
	(void)s;
	cfg_free(&c);
	diag_free(&d);
	th_cleanup();
	return 0;
}

static void missing_and_syntax(void **s)
{
	char *p = xasprintf("%s/nope.conf", th_dir());

	(void)s;
	assert_int_equal(cfg_load(&c, p, &d), -ENOENT);
	assert_true(has("nope.conf: cannot read the configuration"));
	free(p);
	cfg_free(&c);
	diag_free(&d);
	assert_int_equal(cfg_load(&c, th_dir(), &d), -EISDIR);
	assert_int_equal(load("a = 1;\nb = ;\n"), -EINVAL);
	assert_true(has("t.conf:2: syntax error"));
}

static void include_directory_is_refused_not_fatal(void **s)
{
	(void)s;
	mkdir(th_fmt("%s/sub", th_dir()), 0755);
	/* libconfig 1.5 would exit(2) on this */
	assert_int_equal(load("a = 1;\n@include \"sub\"\n"), -EINVAL);
	assert_true(has("t.conf:2: @include \"sub\": Is a directory"));
	assert_int_equal(load("@include \".\"\n"), -EINVAL);
	assert_true(has("Is a directory"));
}

static void include_fifo_is_refused_not_blocking(void **s)
{
	char *fifo = xasprintf("%s/pipe", th_dir());

	(void)s;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(load("@include \"pipe\"\n"), -EINVAL);
	assert_true(has("@include \"pipe\": not a regular file"));
	free(fifo);
}

static void include_relative_to_config_dir(void **s)
{
	char *inc = th_write(NULL, "inc.conf", "b = 2;\nc = \"x\";\n");
	config_setting_t *m;
	char *cwd = getcwd(NULL, 0);

	(void)s;
	/* from another working directory: includes follow the config */
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(load("a = 1;\n@include \"inc.conf\"\n"), 0);
	assert_int_equal(chdir(cwd), 0);
	m = config_setting_get_member(root(), "c");
	assert_non_null(m);
	/* an error in an included file names that file */
	assert_non_null(strstr(cfg_where(root(), "c"), "inc.conf:2"));
	chmod(inc, 0666);
	assert_int_equal(load("@include \"inc.conf\"\n"), -EINVAL);
	assert_true(has("refusing a world-writable file"));
	chmod(inc, 0644);
	free(inc);
	free(cwd);
}

static void nul_bytes_are_refused(void **s)
{
	char *p = th_write(NULL, "nul.conf", "a = 1;\n");
	FILE *f = fopen(p, "a");

	(void)s;
	/* "..\0x" would reach libconfig as "..", a directory: exit(2) */
	fwrite("@include \"..\0x\"\n", 1, 17, f);
	fclose(f);
	cfg_free(&c);
	diag_free(&d);
	assert_int_equal(cfg_load(&c, p, &d), -EINVAL);
	assert_true(has("nul.conf:2: contains a NUL byte: not a text file"));
	assert_int_equal(load("@include \"nul.conf\"\n"), -EINVAL);
	assert_true(
		has("t.conf:1: @include \"nul.conf\": contains a NUL byte"));
	free(p);
}

static void include_names_unescape_like_libconfig(void **s)
{
	(void)s;
	free(th_write(NULL, "q\"uote.conf", "b = 2;\n"));
	assert_int_equal(load("@include \"q\\\"uote.conf\"\n"), 0);
	assert_non_null(config_setting_get_member(root(), "b"));
	assert_int_equal(load("@include \"x\\\"y\"\n"), -EINVAL);
	assert_true(has("t.conf:1: @include \"x\"y\": No such file"));
}

static void include_depth(void **s)
{
	(void)s;
	free(th_write(NULL, "loop.conf", "@include \"loop.conf\"\n"));
	assert_int_equal(load("@include \"loop.conf\"\n"), -EINVAL);
	/* (said at the include in the file that goes too deep) */
	assert_true(has("loop.conf:1: @include \"loop.conf\": includes nested "
			"deeper than 10"));
	/* an error in an included file's own include names that file */
	free(th_write(NULL, "mid.conf", "a = 1;\n@include \"gone.conf\"\n"));
	assert_int_equal(load("b = 2;\n@include \"mid.conf\"\n"), -EINVAL);
	assert_true(has("mid.conf:2: @include \"gone.conf\": No such file"));
}

static void locations(void **s)
{
	config_setting_t *vms, *dev;

	(void)s;
	assert_int_equal(
		load("vms = (\n { name = \"a\";\n   devices = (\n { kind = \"x\"; },\n"
		     "     { kind = \"nat\";\n       mac = \"zz\"; } ); } );\n"),
		0);
	vms = config_setting_get_member(root(), "vms");
	dev = config_setting_get_elem(
		config_setting_get_member(config_setting_get_elem(vms, 0),
					  "devices"),
		1);
	/* the file as the user named it, the line, the path of the setting */
	assert_string_equal(cfg_loc(dev, "mac"),
			    th_fmt("%s/t.conf:6: vms[0].devices[1].mac",
				   th_dir()));
	assert_string_equal(cfg_loc(dev, NULL),
			    th_fmt("%s/t.conf:5: vms[0].devices[1]", th_dir()));
	/* a missing key points at its group */
	assert_string_equal(cfg_loc(dev, "tag"),
			    th_fmt("%s/t.conf:5: vms[0].devices[1].tag",
				   th_dir()));
	assert_string_equal(cfg_where(dev, "mac"),
			    th_fmt("%s/t.conf:6", th_dir()));
}

static void getters(void **s)
{
	const char *str;
	int64_t i;
	uint64_t u;
	bool b;
	int e;
	static const char *const names[] = { "stop", "restart", NULL };

	(void)s;
	assert_int_equal(
		load("s = \"hi\";\ni = 7;\nb = true;\nz = \"512M\";\n"
		     "zi = 4096;\nf = 1.5;\np = \"disk.img\";\nen = \"restrat\";\n"),
		0);
	assert_int_equal(cfg_get_string(root(), "s", NULL, &str), 0);
	assert_string_equal(str, "hi");
	assert_int_equal(cfg_get_string(root(), "none", "def", &str), 0);
	assert_string_equal(str, "def");
	assert_int_equal(cfg_get_int64(root(), "i", 0, &i), 0);
	assert_int_equal(i, 7);
	assert_int_equal(cfg_get_bool(root(), "b", false, &b), 0);
	assert_true(b);
	assert_int_equal(cfg_get_size(root(), "z", 0, &u), 0);
	assert_int_equal(u, 512ull << 20);
	assert_int_equal(cfg_get_size(root(), "zi", 0, &u), 0);
	assert_int_equal(u, 4096);
	assert_int_equal(cfg_get_path(root(), "p", NULL, &str), 0);
	assert_string_equal(str, th_fmt("%s/disk.img", c.dir));
	assert_true(str[0] == '/');
	/* wrong types name the setting and what was expected */
	assert_int_equal(cfg_get_int64(root(), "s", 3, &i), -EINVAL);
	assert_int_equal(i, 3);
	assert_true(has("t.conf:1: s: expected an integer, got a string"));
	assert_int_equal(cfg_get_bool(root(), "i", false, &b), -EINVAL);
	assert_true(has("t.conf:2: i: expected true or false, got an integer"));
	assert_int_equal(cfg_get_size(root(), "f", 0, &u), -EINVAL);
	assert_true(has("t.conf:6: f: expected a size"));
	assert_int_equal(cfg_get_size(root(), "s", 0, &u), -EINVAL);
	assert_true(has("\"hi\" is not a size"));
	assert_int_equal(cfg_get_enum(root(), "en", names, 0, &e), -EINVAL);
	assert_true(has("t.conf:8: en: \"restrat\" is not one of stop, restart "
			"(did you mean \"restart\"?)"));
}

static void wrapped_integers(void **s)
{
	int64_t i;
	uint64_t u;

	(void)s;
	assert_int_equal(
		load("a = 8589934592;\nb = 2147483648;\nc = 8589934592L;\n"
		     "d = 2147483647;\ne = -5;\nf = 0x10;\ng = 0x100000000;\n"
		     "h = \"8G\";\n"),
		0);
	assert_int_equal(cfg_get_size(root(), "a", 0, &u), -EINVAL);
	assert_true(
		has("t.conf:1: a: integer too large for libconfig's 32 bits"));
	assert_int_equal(cfg_get_int64(root(), "b", 0, &i), -EINVAL);
	assert_true(has("t.conf:2: b: integer too large"));
	assert_int_equal(cfg_get_size(root(), "c", 0, &u), 0);
	assert_int_equal(u, 8ull << 30);
	assert_int_equal(cfg_get_int64(root(), "d", 0, &i), 0);
	assert_int_equal(i, 2147483647);
	assert_int_equal(cfg_get_int64(root(), "e", 0, &i), 0);
	assert_int_equal(i, -5);
	assert_int_equal(cfg_get_int64(root(), "f", 0, &i), 0);
	assert_int_equal(i, 16);
	assert_int_equal(cfg_get_int64(root(), "g", 0, &i), -EINVAL);
	assert_int_equal(cfg_get_size(root(), "h", 0, &u), 0);
	assert_int_equal(u, 8ull << 30);
}

/* what a user writes on one line: the same key in two entries is each one's
   own literal, not the first's (issue 19: "integer too large" for cpus = 2) */
static void same_key_on_one_line(void **s)
{
	config_setting_t *vms, *devs;
	int64_t i;

	(void)s;
	assert_int_equal(
		load("vms = ( { name = \"a\"; cpus = 1; }, { name = \"b\"; "
		     "cpus = 2; } );\n"
		     "devs = ( { port = 22; }, { port = 80 }, { port = "
		     "4294967297; } );\n"
		     "x = { note = \"port = 7\"; port = 8589934593; };  # port "
		     "= 1\n"
		     "y = { /* port = 3 */ port = 010; };\n"),
		0);
	vms = config_setting_get_member(root(), "vms");
	assert_int_equal(cfg_get_int64(config_setting_get_elem(vms, 0), "cpus",
				       0, &i),
			 0);
	assert_int_equal(i, 1);
	assert_int_equal(cfg_get_int64(config_setting_get_elem(vms, 1), "cpus",
				       0, &i),
			 0);
	assert_int_equal(i, 2);
	devs = config_setting_get_member(root(), "devs");
	assert_int_equal(cfg_get_int64(config_setting_get_elem(devs, 1), "port",
				       0, &i),
			 0);
	assert_int_equal(i, 80);
	/* the third one wrapped: its own literal says so */
	assert_int_equal(cfg_get_int64(config_setting_get_elem(devs, 2), "port",
				       0, &i),
			 -EINVAL);
	assert_true(has("t.conf:2: devs[2].port: integer too large"));
	/* a string or a comment saying "port = N" is not the setting */
	assert_int_equal(cfg_get_int64(config_setting_get_member(root(), "x"),
				       "port", 0, &i),
			 -EINVAL);
	/* a leading 0 is decimal to libconfig, not octal */
	assert_int_equal(cfg_get_int64(config_setting_get_member(root(), "y"),
				       "port", 0, &i),
			 0);
	assert_int_equal(i, 10);
}

/* the literal is found wherever the file puts it: comments before it or
   between the name and "=", another line, a block comment over lines that
   holds an old setting, list elements, names with digits, floats */
static void literal_anywhere(void **s)
{
	config_setting_t *sizes;
	int64_t i;

	(void)s;
	assert_int_equal(
		load("a = /* 5 GiB */ 5368709120;\n"
		     "b /* c */ = 4563402752;\n"
		     "c\n= 4563402752;\n"
		     "/* was:\nd = 268435456; */ d = 4563402752;\n"
		     "sizes = [ 4563402752, 8589934592, 5 ];\n"
		     "ports = [ 1, 2 ]; port = 4294967297;\n"
		     "f = 1.5; g2 = 7; e = 1e6; h = 0x100000000; k = -3;\n"
		     "ok = 268435456; # 4563402752\n"),
		0);
	assert_int_equal(cfg_get_int64(root(), "a", 0, &i), -EINVAL);
	assert_true(has("t.conf:1: a: integer too large"));
	assert_int_equal(cfg_get_int64(root(), "b", 0, &i), -EINVAL);
	assert_int_equal(cfg_get_int64(root(), "c", 0, &i), -EINVAL);
	assert_int_equal(cfg_get_int64(root(), "d", 0, &i), -EINVAL);
	sizes = config_setting_get_member(root(), "sizes");
	assert_int_equal(cfg_get_int64(config_setting_get_elem(sizes, 0), NULL,
				       0, &i),
			 -EINVAL);
	assert_int_equal(cfg_get_int64(config_setting_get_elem(sizes, 1), NULL,
				       0, &i),
			 -EINVAL);
	assert_int_equal(cfg_get_int64(config_setting_get_elem(sizes, 2), NULL,
				       0, &i),
			 0);
	assert_int_equal(i, 5);
	assert_int_equal(cfg_get_int64(root(), "port", 0, &i), -EINVAL);
	assert_int_equal(cfg_get_int64(root(), "g2", 0, &i), 0);
	assert_int_equal(i, 7);
	assert_int_equal(cfg_get_int64(root(), "h", 0, &i), -EINVAL);
	assert_int_equal(cfg_get_int64(root(), "k", 0, &i), 0);
	assert_int_equal(i, -3);
	assert_int_equal(cfg_get_int64(root(), "ok", 0, &i), 0);
	assert_int_equal(i, 268435456);
}

static void unknown_keys(void **s)
{
	static const char *const allowed[] = { "memory", "cpus", NULL };

	(void)s;
	assert_int_equal(load("memroy = 1;\ncpus = 2;\ncolour = 3;\n"), 0);
	assert_int_equal(cfg_check_keys(root(), allowed), -EINVAL);
	assert_true(has(
		"t.conf:1: memroy: unknown setting (did you mean \"memory\"?)"));
	assert_true(has("t.conf:3: colour: unknown setting"));
	assert_int_equal(d.n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_and_syntax),
		cmocka_unit_test(include_directory_is_refused_not_fatal),
		cmocka_unit_test(include_fifo_is_refused_not_blocking),
		cmocka_unit_test(include_relative_to_config_dir),
		cmocka_unit_test(include_depth),
		cmocka_unit_test(nul_bytes_are_refused),
		cmocka_unit_test(include_names_unescape_like_libconfig),
		cmocka_unit_test(locations),
		cmocka_unit_test(getters),
		cmocka_unit_test(wrapped_integers),
		cmocka_unit_test(same_key_on_one_line),
		cmocka_unit_test(literal_anywhere),
		cmocka_unit_test(unknown_keys),
	};

	return cmocka_run_group_tests_name("cfg", tests, NULL, teardown);
}
