/* notify.h: readiness and status for a service manager (systemd's sd_notify protocol). */
#ifndef VZH_NOTIFY_H
#define VZH_NOTIFY_H

/* one message ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET, when it is set:
   0 (also when it is not), or -errno; never blocks */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
