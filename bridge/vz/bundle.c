/* bundle.c: a macOS guest's bundle in plain C: what install records in it, and the CPU and memory it runs with. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/util.h"
#include "plan.h"

/* what the restore image needs (its minimums), written by install:
   "cpus N\nmemory BYTES\n" */
#define REQUIREMENTS "Requirements"

int vz_bundle_read_req(const char *bundle, unsigned *cpus, uint64_t *memory)
{
	char *path = util_path_join(bundle, REQUIREMENTS), text[128], *end;
	unsigned long long c = 0, mem = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -EINVAL;
	ssize_t n;

	free(path);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	text[n] = 0;
	/* "cpus N\nmemory BYTES\n", digits only (no sign, no wrap) */
	if (strncmp(text, "cpus ", 5) || !isdigit((unsigned char)text[5]))
		return ret;
	c = strtoull(text + 5, &end, 10);
	if (strncmp(end, "\nmemory ", 8) || !isdigit((unsigned char)end[8]))
		return ret;
	mem = strtoull(end + 8, &end, 10);
	if (*end != '\n' || !c || c > 1024 || !mem || mem % (1024 * 1024))
		return ret;
	*cpus = (unsigned)c;
	*memory = mem;
	return 0;
}

bool vz_bundle_unfinished(const char *bundle)
{
	char *path = util_path_join(bundle, VZ_INSTALLING);
	bool yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

int vz_bundle_write_req(const char *bundle, unsigned cpus, uint64_t memory)
{
	char *path = util_path_join(bundle, REQUIREMENTS);
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		      0644);
	int ret = 0;

	free(path);
	if (fd < 0)
		return -errno;
	if (dprintf(fd, "cpus %u\nmemory %" PRIu64 "\n", cpus, memory) < 0)
		ret = -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

int vz_install_fit(const struct machine *m, unsigned min_cpus,
		   uint64_t min_memory, unsigned *cpus, uint64_t *memory,
		   struct diag *d)
{
	char want[32], need[32];
	int ret = 0;

	*cpus = m->cpus_given ? m->cpus : min_cpus;
	*memory = m->memory_given ? m->memory : min_memory;
	if (*cpus < min_cpus) {
		diag_add(d, m->loc[ML_CPUS],
			 "cpus = %u is fewer than this restore image needs "
			 "(%u): raise it, or remove it to take the image's "
			 "minimum",
			 m->cpus, min_cpus);
		ret = -EINVAL;
	}
	if (*memory < min_memory) {
		util_format_size(m->memory, want, sizeof(want));
		util_format_size(min_memory, need, sizeof(need));
		diag_add(d, m->loc[ML_MEMORY],
			 "memory = %s is less than this restore image needs "
			 "(%s): raise it, or remove it to take the image's "
			 "minimum",
			 want, need);
		ret = -EINVAL;
	}
	return ret;
}
