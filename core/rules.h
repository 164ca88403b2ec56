/* rules.h: what a user can get wrong in one device, whichever plugin made it: checked once, as the plugin emits it. */
#ifndef VZH_RULES_H
#define VZH_RULES_H

#include <stddef.h>

#include "machine.h"

/* NULL when u is fine; else the message (in buf) and in *key the device
   setting that says what is wrong (the error goes there when the entry has
   it, else to the device) */
const char *rules_check(enum dev_class cls, const union device_desc *u,
			const char **key, char *buf, size_t len);

#endif
