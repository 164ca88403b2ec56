/* qmp.h: a QMP client: one line-framed reader that separates replies from events. */
#ifndef VZH_QMP_H
#define VZH_QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct qmp {
	int fd;
	char *buf;
	size_t len, cap;
	unsigned next_id;
	json_t *events; /* queued, oldest first */
	json_t *reply; /* the reply being waited for */
	unsigned want_id;
	bool eof;
};

/* takes fd (a connected stream socket); makes it non-blocking */
void qmp_init(struct qmp *q, int fd);
/* read the greeting and negotiate capabilities */
int qmp_handshake(struct qmp *q, int timeout_ms);
/*
 * Run one command and wait for its reply; events read meanwhile are queued.
 * args is stolen (may be NULL).  0 with *ret (when ret is not NULL, caller
 * decrefs) or -EIO with *err set to QMP's message (caller frees), -ETIMEDOUT,
 * -EPIPE when QEMU went away.
 */
int qmp_call(struct qmp *q, const char *cmd, json_t *args, int timeout_ms,
	     json_t **ret, char **err);
/* the same, passing fd along (SCM_RIGHTS), as `getfd` wants */
int qmp_call_fd(struct qmp *q, const char *cmd, json_t *args, int fd,
		int timeout_ms, char **err);
/* send a command without waiting (its reply is dropped when it comes) */
int qmp_send(struct qmp *q, const char *cmd, json_t *args);
/* read what is available without blocking; -EPIPE at end of stream */
int qmp_pump(struct qmp *q);
/* the oldest queued event, or NULL; the caller decrefs */
json_t *qmp_next_event(struct qmp *q);
void qmp_close(struct qmp *q);

#endif
