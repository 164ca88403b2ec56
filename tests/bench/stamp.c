/* stamp.c: stands in for QEMU in the boot benchmark: notes when it was exec'd, then execs QEMU. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *real = getenv("VZH_REAL_QEMU"), *out = getenv("VZH_STAMP");
	struct timespec ts;
	FILE *f;

	(void)argc;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!real || !out)
		return 127;
	f = fopen(out, "w");
	if (f) {
		fprintf(f, "%lld\n", ts.tv_sec * 1000000000ll + ts.tv_nsec);
		fclose(f);
	}
	argv[0] = (char *)real;
	execv(real, argv);
	return 127;
}
