/* test_disk.c: the disk plugin against a fake API: keys, defaults, creation rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fakeapi.h"

static char dir[] = "/tmp/vzh-disk-XXXXXX";
static char img[600];

static int setup(void **s)
{
	FILE *f;

	(void)s;
	if (!mkdtemp(dir))
		return -1;
	snprintf(img, sizeof(img), "%s/present.img", dir);
	f = fopen(img, "w");
	fclose(f);
	if (!fake_load("disk"))
		return -1;
	fk.dir = dir;
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	unlink(img);
	rmdir(dir);
	return 0;
}

static void defaults(void **s)
{
	const struct fake_kv kv[] = { { "path", "s:present.img" }, { 0 } };

	(void)s;
	assert_int_equal(fake_contribute("disk", kv), 0);
	assert_int_equal(fk.ndevs, 1);
	assert_string_equal(fk.devs[0].cls, "disk");
	assert_string_equal(fk.devs[0].u.disk.path, img);
	assert_int_equal(fk.devs[0].u.disk.size, 0);
	assert_int_equal(fk.devs[0].u.disk.read_only, 0);
	assert_int_equal(fk.devs[0].u.disk.cache, VZH_CACHE_CACHED);
	assert_int_equal(fk.devs[0].u.disk.sync, VZH_SYNC_FSYNC);
	assert_int_equal(fk.devs[0].u.disk.iface, VZH_DISK_VIRTIO);
}

static void every_key(void **s)
{
	const struct fake_kv kv[] = {
		{ "path", "s:new.img" },   { "size", "s:16G" },
		{ "cache", "s:uncached" }, { "sync", "s:none" },
		{ "interface", "s:nvme" }, { 0 }
	};

	(void)s;
	assert_int_equal(fake_contribute("disk", kv), 0);
	assert_int_equal(fk.devs[0].u.disk.size, 16ull << 30);
	assert_int_equal(fk.devs[0].u.disk.cache, VZH_CACHE_UNCACHED);
	assert_int_equal(fk.devs[0].u.disk.sync, VZH_SYNC_NONE);
	assert_int_equal(fk.devs[0].u.disk.iface, VZH_DISK_NVME);
	/* --check must not create it */
	assert_int_not_equal(access(fk.devs[0].u.disk.path, F_OK), 0);
}

static void missing_without_size(void **s)
{
	const struct fake_kv kv[] = { { "path", "s:absent.img" }, { 0 } };

	(void)s;
	assert_int_not_equal(fake_contribute("disk", kv), 0);
	assert_int_equal(fk.ndevs, 0);
	assert_true(fake_has_error("path", "does not exist (set size"));
}

static void missing_read_only(void **s)
{
	const struct fake_kv kv[] = { { "path", "s:absent.img" },
				      { "size", "s:1G" },
				      { "read_only", "b:1" },
				      { 0 } };

	(void)s;
	assert_int_not_equal(fake_contribute("disk", kv), 0);
	assert_true(fake_has_error("path", "read-only disk is not created"));
}

static void bad_values(void **s)
{
	const struct fake_kv nopath[] = { { "size", "s:1G" }, { 0 } };
	const struct fake_kv odd[] = { { "path", "s:x.img" },
				       { "size", "b:1" },
				       { 0 } };
	const struct fake_kv cache[] = { { "path", "s:present.img" },
					 { "cache", "s:sometimes" },
					 { 0 } };
	const struct fake_kv dir_missing[] = { { "path", "s:no/such/dir.img" },
					       { "size", "s:1G" },
					       { 0 } };

	(void)s;
	assert_int_not_equal(fake_contribute("disk", nopath), 0);
	assert_true(fake_has_error("path", "needs a path"));
	assert_int_not_equal(fake_contribute("disk", odd), 0);
	assert_true(fake_has_error("size", "wrong type"));
	/* a byte count is a size too, and must be whole sectors */
	assert_int_not_equal(
		fake_contribute("disk",
				(const struct fake_kv[]){ { "path", "s:x.img" },
							  { "size", "i:1000" },
							  { 0 } }),
		0);
	assert_true(fake_has_error("size", "not a multiple of 512"));
	assert_int_equal(fake_contribute("disk",
					 (const struct fake_kv[]){
						 { "path", "s:x.img" },
						 { "size", "i:1048576" },
						 { 0 } }),
			 0);
	assert_int_equal(fk.devs[0].u.disk.size, 1048576);
	assert_int_not_equal(fake_contribute("disk", cache), 0);
	assert_true(fake_has_error("cache", "sometimes"));
	assert_int_not_equal(fake_contribute("disk", dir_missing), 0);
	assert_true(fake_has_error("path", "directory does not exist"));
}

static void size_not_sector_multiple(void **s)
{
	const struct fake_kv kv[] = { { "path", "s:x.img" },
				      { "size", "s:1000" },
				      { 0 } };

	(void)s;
	assert_int_not_equal(fake_contribute("disk", kv), 0);
	assert_true(fake_has_error("size", "not a multiple of 512"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(every_key),
		cmocka_unit_test(missing_without_size),
		cmocka_unit_test(missing_read_only),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(size_not_sector_multiple),
	};

	return cmocka_run_group_tests_name("disk", tests, setup, teardown);
}
