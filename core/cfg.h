/* cfg.h: the config file through libconfig: loading, locations, typed getters, key checks. */
#ifndef VZH_CFG_H
#define VZH_CFG_H

#include <libconfig.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

struct cfg_file;

struct cfg {
	config_t lc; /* first: a setting's ->config leads back here */
	char *path; /* as the user gave it */
	char *dir; /* absolute directory relative paths resolve against */
	char *abs; /* absolute path of the main file */
	struct diag *diag;
	char **strs; /* strings handed out, freed with the config */
	size_t nstrs, capstrs;
	struct cfg_file *files; /* contents cached for re-reading literals */
	bool paired; /* integer settings paired with their literals: */
	const config_setting_t **wrapped; /* ... those libconfig wrapped */
	size_t nwrapped;
	const char *shown_src; /* the last source file named, and its name */
	const char *shown; /*   as the user knows it (kept in strs) */
	bool loaded;
};

/* 0; -ENOENT/-EISDIR... when the file cannot be read (exit 66);
   -EINVAL for a syntax or include error, added to diag (exit 78) */
int cfg_load(struct cfg *c, const char *path, struct diag *diag);
void cfg_free(struct cfg *c);

static inline struct cfg *cfg_of(const config_setting_t *s)
{
	return (struct cfg *)s->config;
}

/* "file:line" of s.key (of s when key is NULL or missing) */
const char *cfg_where(const config_setting_t *s, const char *key);
/* "file:line: path.key": the prefix of an error message */
const char *cfg_loc(const config_setting_t *s, const char *key);
/* report an error at s.key; returns -EINVAL */
int cfg_error(const config_setting_t *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfg_verror(const config_setting_t *s, const char *key, const char *fmt,
	       va_list ap);
/* a copy of str owned by the config */
const char *cfg_keep(struct cfg *c, char *str);

/*
 * Getters: a missing key stores the default and returns 0; the wrong type is
 * reported at the setting and returns -EINVAL (the default is stored).
 */
int cfg_get_string(const config_setting_t *s, const char *key, const char *def,
		   const char **out);
int cfg_get_int64(const config_setting_t *s, const char *key, int64_t def,
		  int64_t *out);
int cfg_get_bool(const config_setting_t *s, const char *key, bool def,
		 bool *out);
int cfg_get_size(const config_setting_t *s, const char *key, uint64_t def,
		 uint64_t *out);
/* a string resolved against the config's directory; def is not resolved */
int cfg_get_path(const config_setting_t *s, const char *key, const char *def,
		 const char **out);
/* one of names[] (NULL-terminated): stores its index */
int cfg_get_enum(const config_setting_t *s, const char *key,
		 const char *const *names, int def, int *out);
/* a group (or, with list set, a list/array) named key; NULL when missing or
   of another type (reported) */
config_setting_t *cfg_get_group(const config_setting_t *s, const char *key);
config_setting_t *cfg_get_list(const config_setting_t *s, const char *key);

/* report every member of group s not in allowed (NULL-terminated) */
int cfg_check_keys(const config_setting_t *s, const char *const *allowed);
/* the same; for a key with no near match, hint may say more (into buf) */
typedef void cfg_hint_fn(const char *key, void *data, char *buf, size_t len);
int cfg_check_keys_hint(const config_setting_t *s, const char *const *allowed,
			cfg_hint_fn *hint, void *data);

#endif
