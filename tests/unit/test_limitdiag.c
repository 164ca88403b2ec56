/* test_limitdiag.c: the VM-limit diagnosis on synthetic process lists: held (named), leaked (counted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "limitdiag.h"

static json_t *ledger(void)
{
	return json_pack("[{s:s,s:i,s:s,s:I}]", "vm", "build-1", "pid", 311,
			 "guest", "macos", "since", (json_int_t)0);
}

static void held_names_everyone(void **s)
{
	struct hv_proc alive[] = { { 5001, 311, "vzhost" },
				   { 977, 970, "UTM" } };
	json_t *l = ledger();
	struct limit_verdict v;

	(void)s;
	limit_classify(2, l, alive, 2, &v);
	assert_int_equal(v.kind, LIMIT_HELD);
	assert_non_null(strstr(v.text, "limit (2) is taken: 2 running: "
				       "build-1 (vzhost pid 311, since "));
	assert_non_null(strstr(v.text, "), pid 977 (UTM)"));
	free(v.text);
	json_decref(l);
}

static void fewer_alive_is_a_leak(void **s)
{
	struct hv_proc one[] = { { 977, 0, "" } };
	json_t *l = ledger();
	struct limit_verdict v;

	(void)s;
	limit_classify(2, l, NULL, 0, &v);
	assert_int_equal(v.kind, LIMIT_LEAKED);
	assert_int_equal(v.leaked, 2);
	assert_non_null(strstr(v.text, "although 0 run: the host kernel did "
				       "not release 2 slots"));
	assert_non_null(strstr(v.text, "only a restart of the host recovers "
				       "them"));
	free(v.text);
	limit_classify(2, l, one, 1, &v);
	assert_int_equal(v.kind, LIMIT_LEAKED);
	assert_int_equal(v.leaked, 1);
	assert_non_null(strstr(v.text, "although 1 runs: pid 977 (unknown): "
				       "the host kernel did not release 1 "
				       "slot after"));
	free(v.text);
	json_decref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(held_names_everyone),
		cmocka_unit_test(fewer_alive_is_a_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
