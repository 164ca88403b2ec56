/* qmp.c: a QMP client: one line-framed reader that separates replies from events. */
#include "qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../core/util.h"

#define QMP_MAX_LINE (1 << 20)

void qmp_init(struct qmp *q, int fd)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->events = json_array();
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void qmp_close(struct qmp *q)
{
	qmp_cancel(q);
	free(q->pend);
	q->pend = NULL;
	q->cappend = 0;
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->buf);
	q->buf = NULL;
	json_decref(q->events);
	json_decref(q->reply);
	q->events = q->reply = NULL;
}

static void take_line(struct qmp *q, const char *line, size_t len)
{
	json_t *msg = json_loadb(line, len, 0, NULL);
	json_t *id;

	if (!json_is_object(msg)) {
		json_decref(msg);
		return; /* not ours to judge: QMP sends objects only */
	}
	if (json_object_get(msg, "event")) {
		json_array_append_new(q->events, msg);
		return;
	}
	id = json_object_get(msg, "id");
	for (size_t i = 0; i < q->npend; i++) {
		struct qmp_pending *p = &q->pend[i];

		if (p->reply)
			continue;
		if ((p->id && json_is_integer(id) &&
		     (unsigned)json_integer_value(id) == p->id) ||
		    (!p->id && json_object_get(msg, "QMP"))) {
			p->reply = msg;
			return;
		}
	}
	if (q->want_id && json_is_integer(id) &&
	    (unsigned)json_integer_value(id) == q->want_id) {
		json_decref(q->reply);
		q->reply = msg;
		return;
	}
	/* the greeting, or the reply to a command nobody waits for */
	if (json_object_get(msg, "QMP") && !q->reply && q->want_id == 0)
		q->reply = msg;
	else
		json_decref(msg);
}

int qmp_pump(struct qmp *q)
{
	char *nl;
	ssize_t n;
	size_t used;

	for (;;) {
		if (q->cap - q->len < 4096) {
			q->cap = q->cap ? 2 * q->cap : 8192;
			q->buf = xrealloc(q->buf, q->cap);
		}
		n = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			q->eof = true; /* a reset is QEMU gone, as EOF is */
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			q->eof = true;
			break;
		}
		q->len += (size_t)n;
		if (q->len > QMP_MAX_LINE && !memchr(q->buf, '\n', q->len))
			q->len = 0; /* a runaway line: drop, keep going */
	}
	used = 0;
	while ((nl = memchr(q->buf + used, '\n', q->len - used))) {
		take_line(q, q->buf + used, (size_t)(nl - q->buf - used));
		used = (size_t)(nl - q->buf) + 1;
	}
	memmove(q->buf, q->buf + used, q->len - used);
	q->len -= used;
	return q->eof ? -EPIPE : 0;
}

json_t *qmp_next_event(struct qmp *q)
{
	json_t *ev;

	if (!json_array_size(q->events))
		return NULL;
	ev = json_incref(json_array_get(q->events, 0));
	json_array_remove(q->events, 0);
	return ev;
}

/* wait until q->reply is set, queueing events */
static int wait_reply(struct qmp *q, int timeout_ms)
{
	long long end = util_now_ms() + timeout_ms, left;
	struct pollfd p = { .fd = q->fd, .events = POLLIN };
	int ret;

	for (;;) {
		ret = qmp_pump(q);
		if (q->reply)
			return 0;
		if (ret < 0)
			return ret;
		left = end - util_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
	}
}

/* the first byte carries fd as SCM_RIGHTS when fd >= 0 (for getfd) */
static int send_json_fd(struct qmp *q, json_t *msg, int fd);

static int send_json(struct qmp *q, json_t *msg)
{
	return send_json_fd(q, msg, -1);
}

static int send_json_fd(struct qmp *q, json_t *msg, int fd)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	size_t len, off = 0;
	ssize_t n;
	int ret = 0;

	json_decref(msg);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s[len++] = '\n'; /* json_dumps left room: the NUL */
	while (off < len) {
		if (fd >= 0) {
			char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
			struct iovec iov = { s, len };
			struct msghdr mh = { .msg_iov = &iov,
					     .msg_iovlen = 1,
					     .msg_control = cbuf,
					     .msg_controllen = sizeof(cbuf) };
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
			n = sendmsg(q->fd, &mh, 0);
			if (n > 0)
				fd = -1; /* sent with the first bytes */
		} else {
			n = send(q->fd, s + off, len - off, 0);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = q->fd, .events = POLLOUT };

			poll(&p, 1, 1000);
			continue;
		}
		if (n < 0) {
			ret = errno == ECONNRESET || errno == EPIPE ? -EPIPE :
								      -errno;
			break;
		}
		off += (size_t)n;
	}
	free(s);
	return ret;
}

static json_t *command(const char *cmd, json_t *args, unsigned id)
{
	json_t *msg =
		json_pack("{s:s,s:I}", "execute", cmd, "id", (json_int_t)id);

	if (args)
		json_object_set_new(msg, "arguments", args);
	return msg;
}

int qmp_send(struct qmp *q, const char *cmd, json_t *args)
{
	return send_json(q, command(cmd, args, ++q->next_id));
}

static int call(struct qmp *q, const char *cmd, json_t *args, int fd,
		int timeout_ms, json_t **ret, char **err);

int qmp_call(struct qmp *q, const char *cmd, json_t *args, int timeout_ms,
	     json_t **ret, char **err)
{
	return call(q, cmd, args, -1, timeout_ms, ret, err);
}

int qmp_call_fd(struct qmp *q, const char *cmd, json_t *args, int fd,
		int timeout_ms, char **err)
{
	return call(q, cmd, args, fd, timeout_ms, NULL, err);
}

static int call(struct qmp *q, const char *cmd, json_t *args, int fd,
		int timeout_ms, json_t **ret, char **err)
{
	json_t *e, *r;
	int rc;

	if (ret)
		*ret = NULL;
	if (err)
		*err = NULL;
	if (q->fd < 0 || q->eof) {
		json_decref(args);
		return -EPIPE;
	}
	q->want_id = ++q->next_id;
	json_decref(q->reply);
	q->reply = NULL;
	rc = send_json_fd(q, command(cmd, args, q->want_id), fd);
	if (!rc)
		rc = wait_reply(q, timeout_ms);
	q->want_id = 0;
	if (rc)
		return rc;
	e = json_object_get(q->reply, "error");
	r = json_object_get(q->reply, "return");
	if (e) {
		if (err)
			*err = xstrdup(
				json_string_value(json_object_get(e, "desc")) ?
					json_string_value(
						json_object_get(e, "desc")) :
					"QMP error");
		rc = -EIO;
	} else if (ret && r) {
		*ret = json_incref(r);
	}
	json_decref(q->reply);
	q->reply = NULL;
	return rc;
}

int qmp_handshake(struct qmp *q, int timeout_ms)
{
	int rc;

	/* the greeting arrives unasked: wait for it as a reply with no id */
	q->want_id = 0;
	rc = wait_reply(q, timeout_ms);
	if (rc)
		return rc;
	json_decref(q->reply);
	q->reply = NULL;
	return qmp_call(q, "qmp_capabilities", NULL, timeout_ms, NULL, NULL);
}

/* ---- asynchronous requests ------------------------------------------------ */

static int add_pending(struct qmp *q, unsigned id, const char *cmd,
		       int timeout_ms, qmp_done_fn *done, void *data)
{
	if (q->npend == q->cappend) {
		q->cappend = q->cappend ? 2 * q->cappend : 8;
		q->pend = xrealloc(q->pend, q->cappend * sizeof(*q->pend));
	}
	q->pend[q->npend++] =
		(struct qmp_pending){ id,   cmd,  util_now_ms() + timeout_ms,
				      done, data, NULL };
	return 0;
}

int qmp_greet(struct qmp *q, int timeout_ms, qmp_done_fn *done, void *data)
{
	return add_pending(q, 0, "(greeting)", timeout_ms, done, data);
}

int qmp_request(struct qmp *q, const char *cmd, json_t *args, int fd,
		int timeout_ms, qmp_done_fn *done, void *data)
{
	unsigned id;
	int ret;

	if (q->fd < 0 || q->eof) {
		json_decref(args);
		return -EPIPE;
	}
	id = ++q->next_id;
	ret = send_json_fd(q, command(cmd, args, id), fd);
	return ret ? ret : add_pending(q, id, cmd, timeout_ms, done, data);
}

/* the next request to hand over, taken out of the list (the callback may
   add others); NULL when none is due */
static bool take_due(struct qmp *q, struct qmp_pending *out)
{
	long long now = util_now_ms();
	size_t i;

	for (i = 0; i < q->npend; i++)
		if (q->pend[i].reply || q->eof || now >= q->pend[i].deadline)
			break;
	if (i == q->npend)
		return false;
	*out = q->pend[i];
	memmove(q->pend + i, q->pend + i + 1,
		(q->npend - i - 1) * sizeof(*q->pend));
	q->npend--;
	return true;
}

static void capabilities_done(void *data, int ret, json_t *r, const char *err);

void qmp_dispatch(struct qmp *q)
{
	struct qmp_pending p;
	json_t *e, *r;
	char msg[96];

	while (take_due(q, &p)) {
		if (!p.reply) {
			if (q->eof) {
				p.done(p.data, -EPIPE, NULL, NULL);
			} else {
				if (p.id)
					snprintf(msg, sizeof(msg),
						 "no answer to %s in time",
						 p.cmd);
				else
					snprintf(msg, sizeof(msg),
						 "no greeting in time");
				p.done(p.data, -ETIMEDOUT, NULL, msg);
			}
			continue;
		}
		if (!p.id) { /* the greeting: capabilities next, then done */
			json_decref(p.reply);
			struct qmp_pending *box = xmalloc(sizeof(*box));

			*box = p;
			if (qmp_request(q, "qmp_capabilities", NULL, -1,
					(int)(p.deadline - util_now_ms()),
					capabilities_done, box) < 0) {
				free(box);
				p.done(p.data, -EPIPE, NULL, NULL);
			}
			continue;
		}
		e = json_object_get(p.reply, "error");
		r = json_object_get(p.reply, "return");
		if (e)
			p.done(p.data, -EIO, NULL,
			       json_string_value(json_object_get(e, "desc")) ?
				       json_string_value(
					       json_object_get(e, "desc")) :
				       "QMP error");
		else
			p.done(p.data, 0, r, NULL);
		json_decref(p.reply);
	}
}

static void capabilities_done(void *data, int ret, json_t *r, const char *err)
{
	struct qmp_pending *box = data, p = *box;

	free(box);
	p.done(p.data, ret, r, err);
}

long long qmp_deadline(const struct qmp *q)
{
	long long at = 0;
	size_t i;

	for (i = 0; i < q->npend; i++)
		if (!at || q->pend[i].deadline < at)
			at = q->pend[i].deadline;
	return at;
}

void qmp_cancel(struct qmp *q)
{
	size_t i;

	for (i = 0; i < q->npend; i++) {
		json_decref(q->pend[i].reply);
		/* the greeting's capabilities step owns a box */
		if (q->pend[i].done == capabilities_done)
			free(q->pend[i].data);
	}
	q->npend = 0;
}
