/* builtin.h: what the core knows of its built-in plugins: which kind each provides. */
#ifndef VZH_BUILTIN_H
#define VZH_BUILTIN_H

#include <stdbool.h>

/* the built-in plugin providing kind, or NULL */
const char *builtin_provider(const char *kind);

#endif
