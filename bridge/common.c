/* common.c: what every bridge uses: reporting an event to the core, the console to stdout, its settings. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"
#include "../core/console.h"

static void put(int fd, struct bridge_event *ev, const char *fmt, va_list ap)
{
	ssize_t n;

	if (fmt)
		vsnprintf(ev->detail, sizeof(ev->detail), fmt, ap);
	do
		n = write(fd, ev, sizeof(*ev));
	while (n < 0 && errno == EINTR);
}

void bridge_emit(int fd, unsigned vm, enum vzh_state state,
		 enum vzh_reason reason, int error, const char *fmt, ...)
{
	struct bridge_event ev = {
		.vm = vm, .state = state, .reason = reason, .error = error
	};
	va_list ap;

	va_start(ap, fmt);
	put(fd, &ev, fmt, ap);
	va_end(ap);
}

void bridge_note(int fd, unsigned vm, enum bridge_note note, unsigned dev,
		 const char *fmt, ...)
{
	struct bridge_event ev = { .vm = vm,
				   .note = (uint16_t)note,
				   .device = (uint16_t)dev };
	va_list ap;

	va_start(ap, fmt);
	put(fd, &ev, fmt, ap);
	va_end(ap);
}

const char *bridge_setting(const struct bridge_env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->nsettings; i++)
		if (!strcmp(env->settings[i].name, name))
			return env->settings[i].value;
	return NULL;
}

void bridge_read_into(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t n;

	while (*len < cap && (n = read(fd, buf + *len, cap - *len)) > 0)
		*len += (size_t)n;
}

void bridge_console_read(unsigned vm, int fd, char *buf, size_t cap,
			 size_t *len)
{
	size_t old = *len;

	bridge_read_into(fd, buf, cap, len);
	console_tap(vm, buf + old, *len - old);
}

void bridge_pass_output(const char *name, char *buf, size_t cap, size_t *len,
			bool flush)
{
	char *nl, *start = buf;
	size_t left = *len;

	/* one VM's output is not mixed with another's: a prompt without its
	   newline ("login: ") is shown at once */
	flush |= !name;

	while ((nl = memchr(start, '\n', left)) || (flush && left) ||
	       left == cap) {
		size_t n = nl ? (size_t)(nl - start) + 1 : left;

		if (name) {
			console_write("[", 1);
			console_write(name, strlen(name));
			console_write("] ", 2);
		}
		console_write(start, n);
		if (name && !nl)
			console_write("\n", 1);
		start += n;
		left -= n;
	}
	memmove(buf, start, left);
	*len = left;
}

bool bridge_foreign_device(const struct device *dv, const char *bridge,
			   struct diag *d)
{
	const struct vzh_hvdev *h = &dv->u.hvdev;

	if (dv->cls != DEV_HVDEV || !strcmp(h->bridge, bridge))
		return false;
	diag_add(d, dv->origin.loc,
		 "plugin %s emitted a device for the %s bridge (%s %s); this "
		 "VM runs on the %s bridge, which has no such device",
		 dv->origin.plugin, h->bridge, h->group,
		 h->driver ? h->driver : "", bridge);
	return true;
}
