/* ready.h: a VM's ready check: a console line matching a pattern, or a server answering on a forwarded TCP port, within a timeout. */
#ifndef VZH_READY_H
#define VZH_READY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct runner;
struct vmrun;

#define READY_LINE_MAX 1024 /* a longer console line is matched by its start */
/* a line so far (a prompt) is matched once the console said nothing more for
   this long */
#define READY_QUIET_MS 100
/* matching in one turn of the loop; the lines left wait as long again, so
   that matching takes at most half a core, whatever the pattern costs */
#define READY_BUDGET_MS 10
#define READY_QUEUE_MAX (64 << 10) /* bytes of lines waiting to be matched */
#define READY_KNOCK_MS 1000 /* between two knocks at ready.port */
#define READY_ANSWER_MS 3000 /* a knock unanswered this long: another */

/* one VM's check, from its start */
struct ready_run {
	bool checking; /* the check runs */
	bool ready; /* it passed, since the last start */
	bool pending; /* restored from a ready guest: ready once it runs */
	long long since_ms; /* the check began (monotonic) */
	int64_t deadline; /* ploop timers: the timeout, */
	int64_t knock; /* the next knock, or the wait for its answer */
	bool knocking; /* a connection to ready.port is under way: */
	int knock_fd; /* ... this one */
	char missed[160]; /* timed out since the last start: why; "": not */
	struct pattern *pat; /* ready.console's, while checking */
	char line[READY_LINE_MAX]; /* the console line so far */
	size_t len;
	size_t tried; /* its first bytes matched already (a pause) */
	bool capped; /* READY_LINE_MAX reached: the rest until its end is not
			looked at */
	int64_t quiet; /* a ploop timer: the console paused mid-line? */
	long long last_ms; /* its last byte came then */
	char *queue; /* lines to be matched, each ending in \n, oldest first */
	size_t qlen;
	int64_t drain; /* a ploop timer: the loop's next turn matches more */
	unsigned long dropped; /* lines dropped unmatched: the queue was full */
	unsigned long undecided; /* lines the pattern could not decide */
};

/* v starts (restored: from a saved state; a guest saved ready is ready
   again once it runs, without a check) */
void ready_begin(struct runner *r, struct vmrun *v, bool restored);
/* v runs (again) */
void ready_running(struct vmrun *v);

/* v stopped: its check ends, its readiness with it */
void ready_end(struct vmrun *v);
/* VM vm's console said s[0..n) */
void ready_console(struct runner *r, unsigned vm, const char *s, size_t n);
/* what `ctl status` and `wait ready` go by: the check passed, or (no check)
   the VM runs */
bool ready_now(const struct vmrun *v);
/* why the check timed out since the last start, or NULL */
const char *ready_missed(const struct vmrun *v);

#endif
