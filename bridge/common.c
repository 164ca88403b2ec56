/* common.c: what every bridge uses: reporting an event to the core, reading its settings. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

void bridge_emit(int fd, unsigned vm, enum vzh_state state,
		 enum vzh_reason reason, int error, const char *fmt, ...)
{
	struct bridge_event ev = { vm, state, reason, error, "" };
	va_list ap;
	ssize_t n;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(ev.detail, sizeof(ev.detail), fmt, ap);
		va_end(ap);
	}
	do
		n = write(fd, &ev, sizeof(ev));
	while (n < 0 && errno == EINTR);
}

const char *bridge_setting(const struct bridge_env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->nsettings; i++)
		if (!strcmp(env->settings[i].name, name))
			return env->settings[i].value;
	return NULL;
}
