/* test_nat.c: the nat plugin against a fake API: MAC syntax and the stable default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "fakeapi.h"

static int setup(void **s)
{
	(void)s;
	return fake_load("nat") ? 0 : -1;
}

static void given_mac(void **s)
{
	const struct fake_kv kv[] = { { "mac", "s:52:54:00:AB:cd:0f" }, { 0 } };
	const uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0x0f };

	(void)s;
	assert_int_equal(fake_contribute("nat", kv), 0);
	assert_int_equal(fk.ndevs, 1);
	assert_int_equal(fk.devs[0].u.net.attach, VZH_NET_NAT);
	assert_memory_equal(fk.devs[0].u.net.mac, want, 6);
}

static void bad_macs(void **s)
{
	static const char *const bad[] = {
		"s:52:54:00:zz:00:01",	  "s:52:54:00:12:34",
		"s:52:54:00:12:34:56:78", "s:525400123456",
		"s:52-54-00-12-34-56",	  "s:"
	};
	const struct fake_kv zero[] = { { "mac", "s:00:00:00:00:00:00" },
					{ 0 } };
	const struct fake_kv multicast[] = { { "mac", "s:01:00:5e:00:00:01" },
					     { 0 } };
	unsigned i;

	(void)s;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct fake_kv kv[] = { { "mac", bad[i] }, { 0 } };

		assert_int_not_equal(fake_contribute("nat", kv), 0);
		assert_int_equal(fk.ndevs, 0);
		assert_true(fake_has_error("mac", "is not a MAC address"));
	}
	assert_int_not_equal(fake_contribute("nat", multicast), 0);
	assert_true(fake_has_error("mac", "multicast"));
	assert_int_not_equal(fake_contribute("nat", zero), 0);
	assert_true(fake_has_error("mac", "00:00:00:00:00:00 is not a usable"));
}

static void derived_mac_is_stable_local_unicast(void **s)
{
	const struct fake_kv kv[] = { { 0 } };
	uint8_t a[6], b[6], c[6], d[6];

	(void)s;
	fk.vm = "dev";
	fk.index = 1;
	assert_int_equal(fake_contribute("nat", kv), 0);
	memcpy(a, fk.devs[0].u.net.mac, 6);
	assert_int_equal(fake_contribute("nat", kv), 0);
	memcpy(b, fk.devs[0].u.net.mac, 6);
	assert_memory_equal(a, b, 6); /* same VM, same index: same MAC */
	assert_int_equal(a[0] & 3, 2); /* locally administered, unicast */
	fk.index = 2;
	assert_int_equal(fake_contribute("nat", kv), 0);
	memcpy(c, fk.devs[0].u.net.mac, 6);
	assert_memory_not_equal(a, c, 6);
	fk.vm = "other";
	fk.index = 1;
	assert_int_equal(fake_contribute("nat", kv), 0);
	memcpy(d, fk.devs[0].u.net.mac, 6);
	assert_memory_not_equal(a, d, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(given_mac),
		cmocka_unit_test(bad_macs),
		cmocka_unit_test(derived_mac_is_stable_local_unicast),
	};

	return cmocka_run_group_tests_name("nat", tests, setup, NULL);
}
