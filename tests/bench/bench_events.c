/* bench_events.c: event -> plugin hook, event -> hook script exec, and ctl status round trip latencies. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define N 10000

static long long t_event, lat_hook[N];
static int nhook;

static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, long long *v, int n, double target_us)
{
	qsort(v, n, sizeof(*v), cmp);
	printf("%-34s p50 %9.1f us   p99 %9.1f us   (%d samples; target p99 <= %.0f us)\n",
	       what, v[n / 2] / 1e3, v[n * 99 / 100] / 1e3, n, target_us);
}

static int hook(void *data, const struct vzh_event_info *ev)
{
	(void)data, (void)ev;
	if (nhook < N)
		lat_hook[nhook++] = now() - t_event;
	return 0;
}

/* the fake bridge: events come from the benchmark, through the real pipe */
static void emit(struct runner *r, enum vzh_state st)
{
	bridge_emit(r->ev[1], 0, st, VZH_REASON_HOST_REQUEST, 0, NULL);
}

static char *sock_path;
static long long rtt[N];

static void *client(void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[1024];
	int fd, i;

	(void)arg;
	strcpy(sa.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return NULL;
	for (i = 0; i < N; i++) {
		long long t = now();

		if (write(fd, "{\"command\":\"status\"}\n", 21) != 21 ||
		    read(fd, buf, sizeof(buf)) <= 0)
			break;
		rtt[i] = now() - t;
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct plugin owner = { .name = "bench" };
	struct host h;
	struct runner r = { .h = &h, .sigfd = -1 };
	struct vmrun vm = { .listen_fd = -1 };
	struct pollfd fds[64];
	struct diag d = { 0 };
	long long *lat_exec, t;
	char *why = NULL, line[64];
	int i, n, timeout;
	pthread_t th;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_events CONF STAMPFILE\n");
		return 64;
	}
	if (host_open(&h, argv[1]) < 0 || host_load_plugins(&h) < 0 ||
	    host_build(&h) < 0) {
		diag_print(&h.diag, stderr);
		return 1;
	}
	vm.m = &h.vms[0];
	vm.state = VZH_STATE_RUNNING;
	r.vms = &vm;
	if (pipe2(r.ev, O_NONBLOCK | O_CLOEXEC) < 0 || hooks_scan(&r, &d) < 0 ||
	    ctl_listen(&r, &vm, &why) < 0) {
		fprintf(stderr, "bench: setup failed: %s\n", why ? why : "");
		return 1;
	}
	registry_subscribe(&h.reg, &owner, VZH_EV_PAUSED, 0, hook, NULL, 99);
	registry_subscribe(&h.reg, &owner, VZH_EV_RESUMED, 0, hook, NULL, 99);

	/* 1. in-process hooks: the bridge's pipe to the plugin's function */
	{
		size_t keep = r.nhooks;

		r.nhooks = 0; /* scripts measured on their own below */
		for (i = 0; i < N; i++) {
			t_event = now();
			emit(&r, i % 2 ? VZH_STATE_RUNNING : VZH_STATE_PAUSED);
			runner_drain(&r);
		}
		r.nhooks = keep;
	}
	report("event -> plugin hook", lat_hook, nhook, 20);

	/* 2. hook scripts: event to the script's exec */
	lat_exec = calloc(N, sizeof(*lat_exec));
	unlink(argv[2]);
	for (i = 0; i < N; i++) {
		lat_exec[i] = now();
		emit(&r, i % 2 ? VZH_STATE_RUNNING : VZH_STATE_PAUSED);
		runner_drain(&r);
		while (!hooks_idle(&r)) {
			timeout = -1;
			n = hooks_pollfds(&r, fds, 64, &timeout);
			poll(fds, (nfds_t)n, timeout);
			hooks_dispatch(&r);
		}
	}
	f = fopen(argv[2], "r");
	for (i = 0; f && i < N && fgets(line, sizeof(line), f); i++)
		lat_exec[i] = atoll(line) - lat_exec[i];
	if (f)
		fclose(f);
	report("event -> hook script exec", lat_exec, i, 5000);

	/* 3. the control socket, served by the runner's own dispatch */
	sock_path = vm.sock_path;
	pthread_create(&th, NULL, client, NULL);
	for (t = now(); now() - t < 30000000000ll;) {
		n = ctl_pollfds(&r, fds, 64);
		if (poll(fds, (nfds_t)n, 100) > 0)
			ctl_dispatch(&r, fds, n);
		if (rtt[N - 1])
			break;
	}
	pthread_join(th, NULL);
	report("ctl status round trip", rtt, N, 1000);

	hooks_free(&r);
	ctl_free(&r);
	free(vm.sock_path);
	free(lat_exec);
	host_close(&h);
	return 0;
}
