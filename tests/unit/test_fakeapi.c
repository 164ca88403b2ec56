/* test_fakeapi.c: the fake API the plugin tests use answers every getter as the real core does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fakeapi.h"
#include "helpers.h"
#include "loader.h"

enum getter { G_STRING, G_INT64, G_BOOL, G_SIZE, G_PATH, G_ENUM };

/* one value, as the fake writes it and as a config file does */
static const struct {
	enum getter g;
	const char *fake, *conf;
} cases[] = {
	{ G_STRING, "s:hello", "\"hello\"" },
	{ G_STRING, "i:1", "1" },
	{ G_STRING, "b:1", "true" },
	{ G_INT64, "i:7", "7" },
	{ G_INT64, "i:-7", "-7" },
	{ G_INT64, "s:7", "\"7\"" },
	{ G_INT64, "f:1.5", "1.5" },
	{ G_BOOL, "b:1", "true" },
	{ G_BOOL, "b:0", "false" },
	{ G_BOOL, "i:1", "1" },
	{ G_BOOL, "s:yes", "\"yes\"" },
	{ G_SIZE, "s:16G", "\"16G\"" },
	{ G_SIZE, "s:512", "\"512\"" },
	{ G_SIZE, "i:1000", "1000" },
	{ G_SIZE, "i:-1", "-1" },
	{ G_SIZE, "s:lots", "\"lots\"" },
	{ G_SIZE, "b:1", "true" },
	{ G_SIZE, "f:1.5", "1.5" },
	{ G_PATH, "s:rel.img", "\"rel.img\"" },
	{ G_PATH, "s:/abs", "\"/abs\"" },
	{ G_PATH, "s:", "\"\"" },
	{ G_PATH, "i:1", "1" },
	{ G_ENUM, "s:cached", "\"cached\"" },
	{ G_ENUM, "s:sometimes", "\"sometimes\"" },
	{ G_ENUM, "i:1", "1" },
};

static const char *const names[] = { "automatic", "cached", "uncached", NULL };

/* the getter's result and value, as text */
static void call(const struct vzh_api *api, const struct vzh_node *n,
		 enum getter g, char *out, size_t len)
{
	const char *str = NULL;
	int64_t i = 0;
	uint64_t u = 0;
	int b = 0, ret = 0;

	switch (g) {
	case G_STRING:
		ret = api->get_string(n, "k", "def", &str);
		break;
	case G_INT64:
		ret = api->get_int64(n, "k", 42, &i);
		break;
	case G_BOOL:
		ret = api->get_bool(n, "k", 1, &b);
		break;
	case G_SIZE:
		ret = api->get_size(n, "k", 42, &u);
		break;
	case G_PATH:
		ret = api->get_path(n, "k", "def", &str);
		break;
	case G_ENUM:
		ret = api->get_enum(n, "k", names, 0, &b);
		break;
	}
	snprintf(out, len, "%s %s %lld %llu %d", ret < 0 ? "error" : "ok",
		 str ? str : "-", (long long)i, (unsigned long long)u, b);
}

static void fake_agrees_with_core(void **s)
{
	struct host h;
	char real[512], fake[512], *at;
	const char *dir = th_dir();
	size_t k;

	(void)s;
	fk.dir = dir;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct fake_kv kv[] = { { "k", cases[k].fake }, { 0 } };

		memset(&h, 0, sizeof(h));
		assert_int_equal(th_pipeline(&h, th_fmt("k = %s;\nvms = ( );\n",
							cases[k].conf)) > 0,
				 1); /* (no VM: an error of its own) */
		call(&core_api,
		     (const struct vzh_node *)config_root_setting(&h.cfg.lc),
		     cases[k].g, real, sizeof(real));
		host_close(&h);
		call(&fake_api, (const struct vzh_node *)kv, cases[k].g, fake,
		     sizeof(fake));
		/* the config's directory is th_dir() for both */
		if ((at = strstr(real, "//")))
			memmove(at, at + 1, strlen(at));
		if (strcmp(real, fake))
			fail_msg("getter %d on %s: core \"%s\", fake \"%s\"",
				 cases[k].g, cases[k].conf, real, fake);
	}
	th_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fake_agrees_with_core),
	};

	return cmocka_run_group_tests_name("fake api", tests, NULL, NULL);
}
