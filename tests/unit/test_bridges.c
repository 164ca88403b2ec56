/* test_bridges.c: the bridge table and seam: choice by name, a bridge's own settings, can_save. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bridges.h"
#include "helpers.h"
#include "run.h"

#define KERNEL "host.conf" /* any file will do */
#define PLUGINS "plugins = { load = [ \"serial\" ]; };\n"

/* a hypervisor of the test's own: records what the core handed it */
static char seen_mode[32], seen_other[32];
static size_t seen_n;
static int validated;

static int f_probe(const struct bridge_env *env, struct bridge **out,
		   struct diag *d)
{
	const char *mode = bridge_setting(env, "mode");

	(void)d;
	snprintf(seen_mode, sizeof(seen_mode), "%s", mode ? mode : "(null)");
	snprintf(seen_other, sizeof(seen_other), "%s",
		 bridge_setting(env, "accel") ? "leaked" : "none");
	seen_n = env->nsettings;
	*out = (struct bridge *)1;
	return 0;
}

static int f_validate(struct bridge *b, const struct machine *m, struct diag *d)
{
	(void)b;
	(void)m;
	(void)d;
	validated++;
	return 0;
}

static void f_free(struct bridge *b)
{
	(void)b;
}

static bool f_can_save(const struct machine *m, char **why)
{
	(void)m;
	*why = strdup("fake cannot save anything");
	return false;
}

static const char *const modes[] = { "quick", "slow", NULL };
static const struct bridge_key fake_keys[] = {
	{ "mode", BRIDGE_KEY_ENUM, modes },
	{ NULL, 0, NULL },
};
static const struct bridge_ops fake = { .name = "fake",
					.keys = fake_keys,
					.probe = f_probe,
					.validate = f_validate,
					.can_save = f_can_save,
					.free = f_free };

static int setup(void **s)
{
	(void)s;
	return bridges_add(&fake);
}

static void picks(void **s)
{
	struct diag d = { 0 };

	(void)s;
	assert_ptr_equal(bridges_pick("fake", &d), &fake);
	assert_string_equal(bridges_pick("auto", &d)->name, "qemu");
	assert_int_equal(d.n, 0);
	/* vz is in the table on Linux too: its probe says why it cannot run */
	assert_string_equal(bridges_pick("vz", &d)->name, "vz");
	assert_int_equal(d.n, 0);
	assert_null(bridges_pick("nonesuch", &d));
	assert_non_null(strstr(d.msgs[0], "no such bridge"));
	diag_free(&d);
}

/* its keys are host settings, checked in form by the core, handed to it
   alone; another bridge's settings do not reach it */
static void own_settings(void **s)
{
	struct host h;

	(void)s;
	th_pipeline(&h, PLUGINS "host = { bridge = \"fake\"; mode = \"slow\"; "
				"accel = \"tcg\"; };\n"
				"vms = ( { name = \"a\"; on_host_stop = "
				"\"save\"; boot = { kernel = \"" KERNEL
				"\"; }; } );\n");
	assert_int_equal(h.diag.n, 0);
	validated = 0;
	assert_int_equal(run_check_bridge(&h, true, NULL), 0);
	assert_int_equal(validated, 1);
	assert_string_equal(seen_mode, "slow");
	assert_string_equal(seen_other, "none");
	assert_int_equal(seen_n, 1);
	host_close(&h);
	/* its default, and a value not among its own */
	th_pipeline(&h, PLUGINS
		    "host = { bridge = \"fake\"; };\nvms = ( { name = "
		    "\"a\"; boot = { kernel = \"" KERNEL "\"; }; } );\n");
	run_check_bridge(&h, true, NULL);
	assert_string_equal(seen_mode, "quick");
	host_close(&h);
	assert_int_equal(th_pipeline(&h, PLUGINS
				     "host = { mode = \"fast\"; };\nvms = "
				     "( { name = \"a\"; boot = { kernel = "
				     "\"" KERNEL "\"; }; } );\n"),
			 1);
	assert_true(th_has(&h, "host.mode: \"fast\" is not one of quick, slow",
			   NULL));
	host_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(picks),
		cmocka_unit_test(own_settings),
	};
	int ret = cmocka_run_group_tests(tests, setup, NULL);

	th_cleanup();
	return ret;
}
