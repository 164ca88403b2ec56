/* hookstamp.c: a hook "script" for the event benchmark: appends when it was exec'd. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void)
{
	struct timespec ts;
	const char *out = getenv("VZH_STAMP");
	FILE *f;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	f = out ? fopen(out, "a") : NULL;
	if (!f)
		return 1;
	fprintf(f, "%lld\n", ts.tv_sec * 1000000000ll + ts.tv_nsec);
	fclose(f);
	return 0;
}
