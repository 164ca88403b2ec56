/* helpers.c: temporary files and a one-call pipeline for the core's unit tests. */
#include "helpers.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakeapi.h"
#include "util.h"

static char dir[64];

const char *th_fmt(const char *fmt, ...)
{
	static char bufs[8][1024];
	static unsigned next;
	va_list ap;

	next = (next + 1) % 8;
	va_start(ap, fmt);
	vsnprintf(bufs[next], sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return bufs[next];
}

const char *th_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/vzh-test-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	return dir;
}

char *th_write(const char *d, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", d ? d : th_dir(), name);
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

void th_cleanup(void)
{
	char *cmd;

	if (!dir[0])
		return;
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
	dir[0] = 0;
}

enum vzh_mode th_mode = VZH_MODE_LIST;

size_t th_pipeline_path(struct host *h, const char *text, const char *pp)
{
	char *path = th_write(NULL, "host.conf", text);

	setenv("VZHOST_PLUGIN_PATH", pp, 1);
	if (host_open(h, path) == 0 || h->cfg.loaded) {
		h->mode = th_mode;
		host_load_plugins(h);
		host_build(h);
	}
	free(path);
	return h->diag.n;
}

size_t th_pipeline(struct host *h, const char *text)
{
	return th_pipeline_path(h, text,
				th_fmt("%s/plugins:%s/fixtures",
				       fake_build_dir(), fake_build_dir()));
}

bool th_has(const struct host *h, const char *part, ...)
{
	const char *p;
	va_list ap;
	size_t i;
	bool all;

	for (i = 0; i < h->diag.n; i++) {
		all = true;
		va_start(ap, part);
		for (p = part; p; p = va_arg(ap, const char *))
			if (!strstr(h->diag.msgs[i], p))
				all = false;
		va_end(ap);
		if (all)
			return true;
	}
	for (i = 0; i < h->diag.n; i++)
		fprintf(stderr, "  diag: %s\n", h->diag.msgs[i]);
	return false;
}

static int saved_err = -1;
static char err_path[96];

void th_stderr_begin(void)
{
	int fd;

	snprintf(err_path, sizeof(err_path), "%s/stderr.log", th_dir());
	fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	saved_err = dup(2);
	if (fd < 0 || saved_err < 0 || dup2(fd, 2) < 0)
		abort();
	close(fd);
}

const char *th_stderr_end(void)
{
	static char text[4096];
	int fd = open(err_path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);

	text[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	dup2(saved_err, 2);
	close(saved_err);
	saved_err = -1;
	return text;
}

int th_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}
