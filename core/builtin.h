/* builtin.h: what the core knows of its built-in plugins: their kinds, and their settings keys. */
#ifndef VZH_BUILTIN_H
#define VZH_BUILTIN_H

#include <stdbool.h>

/* the built-in plugin providing kind, or NULL */
const char *builtin_provider(const char *kind);
/* the keys plugins.NAME may hold for built-in plugin NAME (NULL-terminated),
   or NULL when NAME is not a built-in plugin */
const char *const *builtin_settings(const char *plugin);

#endif
