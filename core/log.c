/* log.c: one-line log messages on stderr with a level and an origin. */
#include "log.h"

#include <stdio.h>

int log_level = LOG_NOTICE;

void log_vmsg(int level, const char *origin, const char *fmt, va_list ap)
{
	static const char *const names[] = { "emerg", "alert",	 "crit",
					     "error", "warning", "notice",
					     "info",  "debug" };

	if (level > log_level)
		return;
	if (level < 0 || level > LOG_DEBUG)
		level = LOG_ERR;
	fprintf(stderr, "vzhost: %s%s%s%s: ", origin ? "[" : "",
		origin ? origin : "", origin ? "] " : "", names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(int level, const char *origin, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, origin, fmt, ap);
	va_end(ap);
}
