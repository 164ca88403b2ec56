/* stamp.c: stands in for QEMU in the boot benchmark: notes when QEMU starts and ends. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void note(const char *path, const char *mode)
{
	struct timespec ts;
	FILE *f;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	f = fopen(path, mode);
	if (f) {
		fprintf(f, "%lld\n", ts.tv_sec * 1000000000ll + ts.tv_nsec);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	const char *real = getenv("VZH_REAL_QEMU"), *out = getenv("VZH_STAMP");
	int status = 127;
	pid_t pid;

	(void)argc;
	if (!real || !out)
		return 127;
	note(out, "w"); /* QEMU's exec, as near as the wrapper gets */
	argv[0] = (char *)real;
	/* QEMU runs as our child so its end can be noted too; vzhost sees
	   this process end right after QEMU's */
	pid = fork();
	if (pid == 0) {
		execv(real, argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		note(out, "a");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
