/* test_vzlease.c: a NAT guest's address from macOS's DHCP lease database, by MAC (bridge/vz/lease.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../bridge/vz/vz.h"
#include "helpers.h"

/* as bootpd writes it: leading zeros dropped from the MAC's bytes, an old
   lease of the same MAC left behind, other guests, a client identifier */
static const char leases[] = "{\n"
			     "\tname=old\n"
			     "\tip_address=192.168.64.2\n"
			     "\thw_address=1,52:54:0:a:b:c\n"
			     "\tidentifier=1,52:54:0:a:b:c\n"
			     "\tlease=0x65000000\n"
			     "}\n"
			     "{\n"
			     "\tname=other\n"
			     "\tip_address=192.168.64.3\n"
			     "\thw_address=1,52:54:0:a:b:d\n"
			     "\tidentifier=ff,0:1:2:3\n"
			     "\tlease=0x66000000\n"
			     "}\n"
			     "{\n"
			     "\tname=debian\n"
			     "\tip_address=192.168.64.7\n"
			     "\thw_address=1,52:54:0:a:b:c\n"
			     "\tidentifier=ff,f1:f2\n"
			     "\tlease=0x66000010\n"
			     "}\n";

static void finds_latest(void **s)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0xa, 0xb, 0xc };
	static const uint8_t other[6] = { 0x52, 0x54, 0, 0xa, 0xb, 0xd };
	char ip[46];

	(void)s;
	assert_int_equal(
		vz_lease_find(leases, strlen(leases), mac, ip, sizeof(ip)), 0);
	assert_string_equal(ip, "192.168.64.7");
	assert_int_equal(vz_lease_find(leases, strlen(leases), other, ip,
				       sizeof(ip)),
			 0);
	assert_string_equal(ip, "192.168.64.3");
}

/* a MAC that only looks alike, a truncated file, garbage: no address */
static void no_match(void **s)
{
	static const uint8_t prefix[6] = { 0x52, 0x54, 0, 0xa, 0xb, 0 };
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0xa, 0xb, 0xc };
	static const char cut[] = "{\n\tip_address=10.0.0.9\n"
				  "\thw_address=1,52:54:0:a:b:c\n";
	static const char bad[] = "{\n\tip_address=10.0.0.9\n"
				  "\thw_address=1,52:54:0:a:b:c:d\n}\n"
				  "{\n\tip_address=10.0.0.8\n"
				  "\thw_address=6,52:54:0:a:b:c\n}\n";
	char ip[46];

	(void)s;
	assert_int_equal(vz_lease_find(leases, strlen(leases), prefix, ip,
				       sizeof(ip)),
			 -ENOENT);
	assert_int_equal(vz_lease_find(cut, strlen(cut), mac, ip, sizeof(ip)),
			 -ENOENT);
	assert_int_equal(vz_lease_find(bad, strlen(bad), mac, ip, sizeof(ip)),
			 -ENOENT);
	assert_int_equal(vz_lease_find("", 0, mac, ip, sizeof(ip)), -ENOENT);
}

/* an ip_address longer than any address's text (45: IPv6 with IPv4 in it)
   is none, whatever room the caller has; 45 characters are taken */
static void address_lengths(void **s)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0xa, 0xb, 0xc };
	static const char v6[] =
		"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
	char text[256], ip[64];

	(void)s;
	assert_int_equal(strlen(v6), 45);
	snprintf(text, sizeof(text),
		 "{\n\tip_address=%s\n\thw_address=1,52:54:0:a:b:c\n}\n", v6);
	assert_int_equal(vz_lease_find(text, strlen(text), mac, ip, sizeof(ip)),
			 0);
	assert_string_equal(ip, v6);
	snprintf(text, sizeof(text),
		 "{\n\tip_address=%sx\n\thw_address=1,52:54:0:a:b:c\n}\n", v6);
	assert_int_equal(vz_lease_find(text, strlen(text), mac, ip, sizeof(ip)),
			 -ENOENT);
}

/* from the file itself; a missing file is said as such */
static void from_file(void **s)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0xa, 0xb, 0xc };
	char *path = th_write(NULL, "dhcpd_leases", leases), ip[46];

	(void)s;
	assert_int_equal(vz_lease_lookup(path, mac, ip, sizeof(ip)), 0);
	assert_string_equal(ip, "192.168.64.7");
	free(path);
	assert_int_equal(vz_lease_lookup("/nonexistent/dhcpd_leases", mac, ip,
					 sizeof(ip)),
			 -ENOENT);
	th_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_latest),
		cmocka_unit_test(no_match),
		cmocka_unit_test(address_lengths),
		cmocka_unit_test(from_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
