/* bench_check.c: times `vzhost ARGS...` against `vzhost --version`, interleaved, and reports peak RSS. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* runs argv with stdout/stderr discarded; returns wall ns, sets *rss_kib */
static long long run(char **argv, long *rss_kib, int *status)
{
	posix_spawn_file_actions_t fa;
	struct timespec a, b;
	struct rusage ru;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		perror(argv[0]);
		exit(1);
	}
	wait4(pid, status, 0, &ru);
	clock_gettime(CLOCK_MONOTONIC, &b);
	posix_spawn_file_actions_destroy(&fa);
	*rss_kib = ru.ru_maxrss;
	return (b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec);
}

static int cmp(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	char *version[] = { argv[1], "--version", NULL };
	char *check[] = { argv[1], "-c", argv[2], "--check", NULL };
	char *demo[] = { argv[1], "-c", argv[3], "--check", NULL };
	long long *tv, *tc, mv, mc;
	int i, n, status;
	long rss, peak = 0;

	if (argc != 5) {
		fprintf(stderr,
			"usage: bench_check VZHOST BIG.conf DEMO.conf RUNS\n");
		return 64;
	}
	n = atoi(argv[4]);
	tv = calloc(n, sizeof(*tv));
	tc = calloc(n, sizeof(*tc));
	run(check, &rss, &status); /* warm the page cache */
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench: %s --check failed\n", argv[2]);
		return 1;
	}
	for (i = 0; i < n; i++) { /* interleaved: drift hits both alike */
		tv[i] = run(version, &rss, &status);
		tc[i] = run(check, &rss, &status);
	}
	qsort(tv, n, sizeof(*tv), cmp);
	qsort(tc, n, sizeof(*tc), cmp);
	mv = tv[n / 2];
	mc = tc[n / 2];
	printf("vzhost --version:              median %7.3f ms over %d runs\n",
	       mv / 1e6, n);
	printf("vzhost --check (50 plugins, 200 devices): median %7.3f ms\n",
	       mc / 1e6);
	printf("ratio check/version: %.2f; the pipeline adds %.3f ms (target <= 5 ms)\n",
	       (double)mc / mv, (mc - mv) / 1e6);
	for (i = 0; i < 5; i++) {
		run(demo, &rss, &status);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "bench: %s --check failed\n", argv[3]);
			return 1;
		}
		if (rss > peak)
			peak = rss;
	}
	printf("peak RSS of --check on %s: %ld KiB (target <= 4096 KiB)\n",
	       argv[3], peak);
	return 0;
}
