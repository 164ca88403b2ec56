/* test_virtio.c: the virtio plugin against a fake API: three kinds, one device each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fakeapi.h"

static int setup(void **s)
{
	(void)s;
	return fake_load("virtio") ? 0 : -1;
}

static void each_kind_emits_its_class(void **s)
{
	static const char *const kinds[] = { "entropy", "balloon", "vsock" };
	const struct fake_kv kv[] = { { 0 } };
	unsigned i;

	(void)s;
	assert_int_equal(fk.nkinds, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(fake_contribute(kinds[i], kv), 0);
		assert_int_equal(fk.ndevs, 1);
		assert_string_equal(fk.devs[0].cls, kinds[i]);
		assert_int_equal(fk.devs[0].u.simple.struct_size,
				 i < 2 ? sizeof(struct vzh_simple) :
					 sizeof(struct vzh_vsock));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_kind_emits_its_class),
	};

	return cmocka_run_group_tests_name("virtio", tests, setup, NULL);
}
