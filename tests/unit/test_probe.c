/* test_probe.c: when the QEMU bridge takes KVM, and what it says when it does not. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>

#include "../../bridge/qemu/qemu.h"

/* an ordinary guest boots only with the vendor modules behind /dev/kvm */
static void kvm_needs_the_vendor_module(void **s)
{
	(void)s;
	assert_null(qemu_kvm_verdict(0, true, false, false));
	assert_null(qemu_kvm_verdict(0, false, true, false));
	assert_null(qemu_kvm_verdict(0, true, false, true));
	/* this machine's case: kvm_pvm alone boots PVM-built kernels only */
	assert_string_equal(qemu_kvm_verdict(0, false, false, true),
			    "/dev/kvm is backed by kvm_pvm, which boots only "
			    "PVM-built guest kernels");
	assert_string_equal(qemu_kvm_verdict(0, false, false, false),
			    "/dev/kvm is backed by neither kvm_intel nor "
			    "kvm_amd");
}

static void no_device_no_kvm(void **s)
{
	(void)s;
	assert_string_equal(qemu_kvm_verdict(ENOENT, true, false, false),
			    "there is no /dev/kvm");
	assert_string_equal(qemu_kvm_verdict(EACCES, true, false, false),
			    "/dev/kvm cannot be opened");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kvm_needs_the_vendor_module),
		cmocka_unit_test(no_device_no_kvm),
	};

	return cmocka_run_group_tests_name("qemu probe", tests, NULL, NULL);
}
