/* ctlcli.c: `vzhost ctl VM COMMAND` and `vzhost list`: the control socket's client side. */
#include "ctlcli.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "util.h"

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* one line from fd (without its newline), NULL at the end */
static char *read_line(int fd, char *buf, size_t cap, size_t *len)
{
	static char line[65536];
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(buf, '\n', *len);
		if (nl) {
			size_t k = (size_t)(nl - buf);

			snprintf(line, sizeof(line), "%.*s", (int)k, buf);
			memmove(buf, nl + 1, *len - k - 1);
			*len -= k + 1;
			return line;
		}
		if (*len == cap)
			*len = 0; /* a line longer than we keep: drop it */
		n = read(fd, buf + *len, cap - *len);
		if (n <= 0)
			return NULL;
		*len += (size_t)n;
	}
}

/* send one request, return the reply object (or NULL); a server that
   refuses us answers first and hangs up, so the reply is read even when the
   request could not be written */
static json_t *request(int fd, json_t *req, char *buf, size_t cap, size_t *len)
{
	char *s = json_dumps(req, JSON_COMPACT), *line;
	json_t *rep = NULL;

	if (s)
		dprintf(fd, "%s\n", s);
	if ((line = read_line(fd, buf, cap, len)))
		rep = json_loads(line, 0, NULL);
	free(s);
	return rep;
}

int ctl_client_main(const char *state_dir, const char *vm, int argc,
		    char **argv)
{
	char *path = xasprintf("%s/%s.sock", state_dir, vm), buf[65536], *line;
	json_t *req, *rep;
	size_t len = 0;
	int fd, status = EX_OK;

	if (argc < 1) {
		fprintf(stderr,
			"vzhost ctl: a command is needed: status, stop, kill, "
			"pause, resume, save PATH, events\n");
		free(path);
		return EX_USAGE;
	}
	fd = connect_to(path);
	if (fd < 0) {
		fprintf(stderr,
			"vzhost ctl: no VM \"%s\" is running here (%s: %s)\n",
			vm, path, strerror(-fd));
		free(path);
		return EX_UNAVAILABLE;
	}
	req = json_pack("{s:s}", "command", argv[0]);
	if (!strcmp(argv[0], "save")) {
		char *abs;

		if (argc < 2) {
			fprintf(stderr, "vzhost ctl: save needs a file name\n");
			status = EX_USAGE;
			goto out;
		}
		/* the server resolves nothing: send an absolute path */
		abs = argv[1][0] == '/' ?
			      xstrdup(argv[1]) :
			      xasprintf("%s/%s", getcwd(buf, sizeof(buf)),
					argv[1]);
		json_object_set_new(req, "path", json_string(abs));
		free(abs);
	}
	rep = request(fd, req, buf, sizeof(buf), &len);
	if (!rep) {
		fprintf(stderr, "vzhost ctl: no reply from %s\n", path);
		status = EX_PROTOCOL;
		goto out;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		fprintf(stderr, "vzhost ctl: %s\n",
			json_string_value(json_object_get(rep, "error")));
		status = 1;
	} else if (!strcmp(argv[0], "events")) {
		/* the state when the stream starts, then one JSON object a
		   line, until the VM is gone */
		json_dumpf(rep, stdout, JSON_COMPACT);
		putchar('\n');
		fflush(stdout);
		while ((line = read_line(fd, buf, sizeof(buf), &len))) {
			printf("%s\n", line);
			fflush(stdout);
		}
	} else {
		json_dumpf(rep, stdout, JSON_COMPACT);
		putchar('\n');
	}
	json_decref(rep);
out:
	json_decref(req);
	close(fd);
	free(path);
	return status;
}

int list_main(const char *state_dir, bool as_json)
{
	char buf[4096];
	json_t *all = json_array(), *rep,
	       *req = json_pack("{s:s}", "command", "status");
	struct dirent *de;
	size_t len, i, n;
	DIR *d = opendir(state_dir);
	int fd;

	while (d && (de = readdir(d))) {
		n = strlen(de->d_name);
		if (n <= 5 || strcmp(de->d_name + n - 5, ".sock"))
			continue;
		snprintf(buf, sizeof(buf), "%s/%s", state_dir, de->d_name);
		fd = connect_to(buf);
		if (fd < 0)
			continue; /* stale: its vzhost is gone */
		len = 0;
		rep = request(fd, req, buf, sizeof(buf), &len);
		close(fd);
		if (json_is_true(json_object_get(rep, "ok")))
			json_array_append(all, rep);
		json_decref(rep);
	}
	if (d)
		closedir(d);
	if (as_json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-20s %-10s %-8s %-10s %s\n", "VM", "STATE", "PID",
		       "UPTIME", "CONFIG");
		json_array_foreach(all, i, rep)
		{
			json_int_t up = json_integer_value(
				json_object_get(rep, "uptime_s"));

			snprintf(buf, sizeof(buf), "%lldh%02lldm%02llds",
				 (long long)up / 3600, (long long)up / 60 % 60,
				 (long long)up % 60);
			printf("%-20s %-10s %-8lld %-10s %s\n",
			       json_string_value(json_object_get(rep, "vm")),
			       json_string_value(json_object_get(rep, "state")),
			       (long long)json_integer_value(
				       json_object_get(rep, "pid")),
			       buf,
			       json_string_value(
				       json_object_get(rep, "config")));
		}
	}
	json_decref(all);
	json_decref(req);
	return EX_OK;
}
