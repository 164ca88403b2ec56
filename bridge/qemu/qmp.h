/* qmp.h: a QMP client: one line-framed reader that separates replies from events. */
#ifndef VZH_QMP_H
#define VZH_QMP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * What an asynchronous request's caller is told, once: ret 0 with the result
 * (borrowed), -EIO with QMP's message, -ETIMEDOUT, or -EPIPE when QEMU went
 * away (err says so in words then).
 */
typedef void qmp_done_fn(void *data, int ret, json_t *result, const char *err);

struct qmp_pending {
	unsigned id; /* 0: the greeting */
	const char *cmd; /* for messages */
	long long deadline; /* ms (util_now_ms) */
	qmp_done_fn *done;
	void *data;
	json_t *reply; /* arrived, not handed over yet */
};

struct qmp {
	int fd;
	char *buf;
	size_t len, cap;
	unsigned next_id;
	json_t *events; /* queued, oldest first */
	json_t *reply; /* the reply being waited for */
	unsigned want_id;
	bool eof;
	struct qmp_pending *pend; /* asynchronous requests, oldest first */
	size_t npend, cappend;
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

/*
 * Asynchronous requests: nothing waits.  qmp_greet() wants the greeting
 * and then negotiates capabilities; qmp_request() sends a command (with fd
 * passed along when fd >= 0).  Both return 0 or -errno when it could not
 * be sent; done runs later from qmp_dispatch(), never from inside them.
 */
int qmp_greet(struct qmp *q, int timeout_ms, qmp_done_fn *done, void *data);
int qmp_request(struct qmp *q, const char *cmd, json_t *args, int fd,
		int timeout_ms, qmp_done_fn *done, void *data);
/* hand over what came (in order), what is overdue, and, once QEMU is gone,
   what never will come */
void qmp_dispatch(struct qmp *q);
/* the earliest deadline of a request (ms), 0 when none waits */
long long qmp_deadline(const struct qmp *q);
/* forget every request: their callers will not be told */
void qmp_cancel(struct qmp *q);

#endif
