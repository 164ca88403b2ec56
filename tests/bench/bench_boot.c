/* bench_boot.c: boots one guest to power-off with a plain QEMU command line and with vzhost, interleaved. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* runs argv to completion, output discarded; returns wall ns or -1 */
static long long run(char **argv, long long *start)
{
	posix_spawn_file_actions_t fa;
	int status;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
	*start = now();
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ))
		return -1;
	waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? now() - *start : -1;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* argv from a file, one argument a line */
static char **read_argv(const char *path)
{
	static char *v[512];
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return NULL;
	while (n < 511 && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		v[n++] = strdup(buf);
	}
	fclose(f);
	v[n] = NULL;
	return v;
}

int main(int argc, char **argv)
{
	char *vz[] = { argv[1], "-q", "-c", argv[2], NULL };
	long long raw[32], via[32], e2e[32], pair[32], own[32], t0, qend;
	char **qemu;
	int i, n = argc > 5 ? atoi(argv[5]) : 9;
	FILE *f;

	if (argc < 5 || n < 1 || n > 32) {
		fprintf(stderr,
			"usage: bench_boot VZHOST CONF RAW_ARGV STAMP [RUNS]\n");
		return 64;
	}
	qemu = read_argv(argv[3]);
	if (!qemu || !qemu[0])
		return 1;
	for (i = 0; i < n; i++) { /* interleaved: drift hits both alike */
		raw[i] = run(qemu, &t0);
		via[i] = run(vz, &t0);
		f = fopen(argv[4], "r");
		if (raw[i] < 0 || via[i] < 0 || !f ||
		    fscanf(f, "%lld %lld", &e2e[i], &qend) != 2) {
			fprintf(stderr, "bench: run %d failed\n", i);
			return 1;
		}
		fclose(f);
		unlink(argv[4]);
		/* vzhost's own share: its run less QEMU's lifetime in it */
		own[i] = via[i] - (qend - e2e[i]);
		e2e[i] -= t0;
		/* ratio of the pair run back to back: drift cancels */
		pair[i] = via[i] * 1000000 / raw[i];
	}
	qsort(raw, n, sizeof(*raw), cmp);
	qsort(via, n, sizeof(*via), cmp);
	qsort(e2e, n, sizeof(*e2e), cmp);
	qsort(pair, n, sizeof(*pair), cmp);
	qsort(own, n, sizeof(*own), cmp);
	printf("boot to power-off, %d runs each, interleaved:\n", n);
	printf("  plain qemu-system command line: median %8.1f ms (min %.1f, max %.1f)\n",
	       raw[n / 2] / 1e6, raw[0] / 1e6, raw[n - 1] / 1e6);
	printf("  vzhost (builds that command):   median %8.1f ms (min %.1f, max %.1f)\n",
	       via[n / 2] / 1e6, via[0] / 1e6, via[n - 1] / 1e6);
	/* the guest's own boot under TCG varies by more than 3% between runs:
	   the ratio of each back-to-back pair says more than one of medians */
	printf("  ratio vzhost/plain: %.3f of medians, %.3f median of pairs "
	       "(target <= 1.03)\n",
	       (double)via[n / 2] / raw[n / 2], pair[n / 2] / 1e6);
	printf("  vzhost exec -> QEMU exec: median %.2f ms (target <= 10 ms)\n",
	       e2e[n / 2] / 1e6);
	printf("  vzhost's time outside QEMU's lifetime (its start, exec, teardown; "
	       "QMP setup happens inside it): "
	       "median %.1f ms = %.2f%% of the run\n",
	       own[n / 2] / 1e6, 100.0 * own[n / 2] / via[n / 2]);
	return 0;
}
