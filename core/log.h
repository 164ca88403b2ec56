/* log.h: one-line log messages on stderr with a level and an origin. */
#ifndef VZH_LOG_H
#define VZH_LOG_H

#include <stdarg.h>
#include <syslog.h>

extern int log_level; /* messages above this syslog priority are dropped */

void log_msg(int level, const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(int level, const char *origin, const char *fmt, va_list ap);

#define log_err(...) log_msg(LOG_ERR, NULL, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, NULL, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, NULL, __VA_ARGS__)

#endif
