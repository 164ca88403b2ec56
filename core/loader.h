/* loader.h: finding, checking, dlopen-ing and initialising plugins. */
#ifndef VZH_LOADER_H
#define VZH_LOADER_H

#include <libconfig.h>

#include "host.h"

/*
 * Load plugin `name` from h->plugin_dirs and run its init() with `settings`.
 * `at` is the config setting that named it (for the error's file:line), or
 * NULL.  Every failure is one line in h->diag; returns 0 or -errno.
 */
int loader_load(struct host *h, const char *name, const config_setting_t *at,
		const config_setting_t *settings);
/* names of the *.so files in dir, sorted; NULL-terminated, free with
   loader_free_names */
char **loader_scan_dir(const char *dir);
void loader_free_names(char **names);
/* fini() every plugin, newest first, and drop what each registered */
void loader_unload_all(struct host *h);

extern const struct vzh_api core_api;

#endif
