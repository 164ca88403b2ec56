/* test_qmp.c: the QMP reader against a scripted peer: partial lines, events before replies, EOF. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bridge/qemu/qmp.h"

static int peer;

/* the peer: writes its script in pieces, as a busy QEMU might */
struct script {
	const char *const *chunks;
	int close_after;
};

static void *play(void *arg)
{
	const struct script *s = arg;
	char buf[4096];
	int i;

	for (i = 0; s->chunks[i]; i++) {
		if (!strcmp(s->chunks[i], "<read>")) { /* wait for a command */
			if (read(peer, buf, sizeof(buf)) <= 0)
				break;
			continue;
		}
		if (write(peer, s->chunks[i], strlen(s->chunks[i])) < 0)
			break;
		usleep(2000);
	}
	if (s->close_after)
		shutdown(peer, SHUT_RDWR);
	return NULL;
}

static void run(struct qmp *q, const struct script *s, pthread_t *t)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	peer = sv[1];
	qmp_init(q, sv[0]);
	pthread_create(t, NULL, play, (void *)s);
}

static void finish(struct qmp *q, pthread_t t)
{
	pthread_join(t, NULL);
	close(peer);
	qmp_close(q);
}

static void handshake_with_split_lines(void **st)
{
	static const char *const chunks[] = {
		"{\"QMP\": {\"version\": {}, \"capa",
		"bilities\": []}}\r\n",
		"<read>",
		"{\"return\": {}, \"id\"",
		": 1}\r\n",
		NULL
	};
	struct script s = { chunks, 0 };
	struct qmp q;
	pthread_t t;

	(void)st;
	run(&q, &s, &t);
	assert_int_equal(qmp_handshake(&q, 2000), 0);
	finish(&q, t);
}

static void events_before_the_reply_are_queued(void **st)
{
	/* `cont` makes QEMU send RESUME before cont's own return */
	static const char *const chunks[] = {
		"<read>",
		"{\"event\": \"RESUME\", \"timestamp\": {}}\r\n{\"return\": {}, \"id\": 7}\r\n"
		"{\"event\": \"STOP\"}\r\n",
		NULL
	};
	struct script s = { chunks, 0 };
	struct qmp q;
	pthread_t t;
	json_t *ev;

	(void)st;
	run(&q, &s, &t);
	q.next_id = 6; /* the reply carries the id we send: 7 */
	assert_int_equal(qmp_call(&q, "cont", NULL, 2000, NULL, NULL), 0);
	ev = qmp_next_event(&q);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "event")),
			    "RESUME");
	json_decref(ev);
	pthread_join(t, NULL);
	assert_int_equal(qmp_pump(&q), 0);
	ev = qmp_next_event(&q);
	assert_string_equal(json_string_value(json_object_get(ev, "event")),
			    "STOP");
	json_decref(ev);
	assert_null(qmp_next_event(&q));
	close(peer);
	qmp_close(&q);
}

static void errors_and_stale_replies(void **st)
{
	static const char *const chunks[] = {
		"<read>",
		"{\"return\": {}, \"id\": 99}\r\n" /* someone else's: dropped */
		"{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such thing\"}, \"id\": 1}\r\n",
		NULL
	};
	struct script s = { chunks, 0 };
	struct qmp q;
	pthread_t t;
	char *err = NULL;

	(void)st;
	run(&q, &s, &t);
	assert_int_equal(qmp_call(&q, "frob", NULL, 2000, NULL, &err), -EIO);
	assert_string_equal(err, "no such thing");
	free(err);
	finish(&q, t);
}

static void eof_is_epipe_and_silence_times_out(void **st)
{
	static const char *const quiet[] = { "<read>", NULL };
	static const char *const gone[] = { "<read>",
					    "{\"event\": \"SHUTDOWN\"}\r\n",
					    NULL };
	struct script s1 = { quiet, 0 }, s2 = { gone, 1 };
	struct qmp q;
	pthread_t t;
	json_t *ev;

	(void)st;
	run(&q, &s1, &t);
	assert_int_equal(qmp_call(&q, "query-status", NULL, 200, NULL, NULL),
			 -ETIMEDOUT);
	finish(&q, t);
	/* quit: SHUTDOWN, then the connection goes; the event is not lost */
	run(&q, &s2, &t);
	assert_int_equal(qmp_call(&q, "quit", NULL, 2000, NULL, NULL), -EPIPE);
	ev = qmp_next_event(&q);
	assert_string_equal(json_string_value(json_object_get(ev, "event")),
			    "SHUTDOWN");
	json_decref(ev);
	assert_true(q.eof);
	assert_int_equal(qmp_call(&q, "cont", NULL, 200, NULL, NULL), -EPIPE);
	finish(&q, t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_with_split_lines),
		cmocka_unit_test(events_before_the_reply_are_queued),
		cmocka_unit_test(errors_and_stale_replies),
		cmocka_unit_test(eof_is_epipe_and_silence_times_out),
	};

	return cmocka_run_group_tests_name("qmp", tests, NULL, NULL);
}
