/* serial.c: the `serial` kind: a console port shown on stdout, a pty, a file, or nowhere. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <vzhost/plugin.h>

static const struct vzh_api *api;

static const char *const keys[] = { "output", NULL };

static int contribute(void *state, struct vzh_device *d)
{
	static const char *const words[] = { "stdio", "none", "pty" };
	const struct vzh_node *n = api->device_node(d);
	struct vzh_serial s = { .struct_size = sizeof(s) };
	const char *out, *path, *slash;
	char dir[4096];
	struct stat st;
	unsigned i;

	(void)state;
	if (api->get_string(n, "output", "stdio", &out) < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcmp(out, words[i])) {
			s.output = i;
			return api->emit_serial(d, &s);
		}
	}
	/* anything else names a log file, appended to at start */
	if (!*out)
		return api->error(n, "output",
				  "empty output: use \"stdio\", "
				  "\"none\", \"pty\" or a file path");
	api->get_path(n, "output", NULL, &path);
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s",
		 slash == path ? 1 : (int)(slash - path), path);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return api->error(
			n, "output",
			"\"%s\" is not stdio, none or pty, and %s is not "
			"a directory to write a log file in",
			out, dir);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return api->error(n, "output", "%s is a directory", path);
	s.output = VZH_SERIAL_FILE;
	s.path = path;
	return api->emit_serial(d, &s);
}

static int init(const struct vzh_api *a, struct vzh_host *h,
		const struct vzh_node *settings, void **state)
{
	static const struct vzh_kind kind = {
		.struct_size = sizeof(kind),
		.name = "serial",
		.keys = keys,
		.contribute = contribute,
	};

	(void)settings;
	(void)state;
	api = a;
	return api->register_kind(h, &kind);
}

/* (no settings of its own: a plugins.serial group must be empty) */
static const char *const no_settings[] = { NULL };

VZH_PLUGIN_DEFINE_SETTINGS("serial", "1.0.0",
			   "serial consoles: stdio, pty, a file or none", "MIT",
			   no_settings, init, NULL);
