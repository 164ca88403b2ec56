/* fakeapi.h: a fake struct vzh_api so plugins can be unit-tested without the core or libconfig. */
#ifndef VZH_FAKEAPI_H
#define VZH_FAKEAPI_H

#include <stdbool.h>
#include <stdint.h>
#include <vzhost/plugin.h>

#define FAKE_MAX 16

/* one setting: val is "s:text", "i:123", "b:1" or "f:1.5" (a float, for
   type errors); a NULL key ends the list */
struct fake_kv {
	const char *key;
	const char *val;
};

struct fake_dev {
	char cls[16];
	union {
		struct vzh_disk disk;
		struct vzh_net net;
		struct vzh_graphics graphics;
		struct vzh_pointer pointer;
		struct vzh_serial serial;
		struct vzh_share share;
		struct vzh_simple simple;
		struct vzh_vsock vsock;
		struct vzh_hvdev hvdev;
	} u;
	char path[512], tag[64];
};

struct fake {
	struct vzh_api api;
	struct vzh_kind kinds[8];
	int nkinds;
	bool in_init;
	struct fake_dev devs[FAKE_MAX];
	int ndevs;
	char errors[FAKE_MAX][512]; /* "key: message" */
	int nerrors;
	char set_error[256];
	const char *vm;
	int index;
	enum vzh_guest guest;
	const char *dir; /* relative paths resolve against it */
};

extern struct fake fk;
/* the fake table itself; tests/unit/test_fakeapi.c holds it to the core's */
extern const struct vzh_api fake_api;

/* dlopen a built plugin and run its init() against the fake */
const struct vzh_plugin *fake_load(const char *name);
/* run the contribute() of `kind` on the settings kv; returns its result */
int fake_contribute(const char *kind, const struct fake_kv *kv);
/* does some error mention key and contain text? */
bool fake_has_error(const char *key, const char *text);
/* the plugin directory the tests use (VZH_BUILD/plugins) */
const char *fake_build_dir(void);

#endif
