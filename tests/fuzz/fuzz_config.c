/* fuzz_config.c: libFuzzer target for the whole config pipeline: parse, plugins, machines, checks, JSON. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "print.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/vzh-fuzz-XXXXXX";
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *exe_dir, *plugins, *kernel;
	FILE *f;

	(void)argc;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/fuzz.conf", dir);
	/* files the seeds name, so inputs reach past "missing kernel" */
	kernel = xasprintf("%s/vmlinuz", dir);
	f = fopen(kernel, "w");
	if (f)
		fclose(f);
	free(kernel);
	kernel = xasprintf("%s/work", dir);
	mkdir(kernel, 0755);
	free(kernel);
	if (!getenv("VZHOST_PLUGIN_PATH")) {
		exe_dir = util_dirname((*argv)[0]);
		plugins = xasprintf("%s/plugins", exe_dir);
		setenv("VZHOST_PLUGIN_PATH", plugins, 1);
		free(plugins);
		free(exe_dir);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host h;
	json_t *j;
	FILE *f = fopen(path, "w");

	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (host_open(&h, path) == 0 || h.cfg.loaded) {
		host_load_plugins(&h);
		host_build(&h);
		if (!h.diag.n) {
			j = print_host_json(&h);
			free(json_dumps(j, 0));
			json_decref(j);
		}
	}
	host_close(&h);
	return 0;
}
