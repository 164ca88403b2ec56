/* ctlcli.c: `vzhost ctl VM COMMAND` and `vzhost list`: the control socket's client side. */
#include "ctlcli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ctlcmd.h"
#include "fd.h"
#include "os.h"
#include "progress.h"
#include "slots.h"
#include "util.h"

/* milliseconds left until deadline (ms, util_now_ms), or -1 for none */
static int left(long long deadline)
{
	long long ms = deadline - util_now_ms();

	if (deadline < 0)
		return -1;
	return ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

/* wait until fd is ready for events, or -ETIMEDOUT at the deadline */
static int ready(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, left(deadline));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/* a server that never accepts must not hold us: connect with a deadline */
static int connect_to(const char *path, long long deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = fd_unix_socket(true);
	if (fd < 0)
		return fd;
	/* a full backlog says EAGAIN on a Unix socket: try again, in time */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		if ((err != -EAGAIN && err != -EINPROGRESS) ||
		    left(deadline) == 0) {
			close(fd);
			return err == -EAGAIN ? -ETIMEDOUT : err;
		}
		if (err == -EINPROGRESS) {
			err = ready(fd, POLLOUT, deadline);
			if (err < 0) {
				close(fd);
				return err;
			}
			break;
		}
		usleep(20000);
	}
	return fd;
}

/* one line from fd (without its newline); NULL at the end, or with errno
   ETIMEDOUT at the deadline */
static char *read_line(int fd, char *buf, size_t cap, size_t *len,
		       long long deadline)
{
	static char line[65536];
	char *nl;
	ssize_t n;
	int err;

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
		if ((err = ready(fd, POLLIN, deadline)) < 0) {
			errno = -err;
			return NULL;
		}
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			errno = 0;
			return NULL;
		}
		*len += (size_t)n;
	}
}

/* send one request, return the reply object (or NULL, errno ETIMEDOUT when
   the deadline passed); a server that refuses us answers first and hangs up,
   so the reply is read even when the request could not be written */
static json_t *request(int fd, json_t *req, char *buf, size_t cap, size_t *len,
		       long long deadline)
{
	char *s = json_dumps(req, JSON_COMPACT), *line;
	json_t *rep = NULL;

	/* (a request is far smaller than a socket buffer: this never waits) */
	if (s)
		dprintf(fd, "%s\n", s);
	if ((line = read_line(fd, buf, cap, len, deadline)))
		rep = json_loads(line, 0, NULL);
	free(s);
	return rep;
}

/* a save on a terminal: its progress as a bar (the VM's status, asked on a
   second connection, says what the hypervisor has written), then the
   answer, with the file's size */
static json_t *save_with_bar(int fd, json_t *req, const char *sock, char *buf,
			     size_t cap, size_t *len, long long deadline)
{
	struct progress p = { .what = "saving",
			      .bytes = true,
			      .tty = true,
			      .start_ms = util_now_ms() };
	json_t *rep = NULL, *st, *sp,
	       *status = json_pack("{s:s}", "command", "status");
	char *s = json_dumps(req, JSON_COMPACT), *line, bar[256], sbuf[8192];
	long long step;
	size_t slen;
	int sfd;

	if (s)
		dprintf(fd, "%s\n", s);
	free(s);
	for (;;) {
		step = util_now_ms() + 250;
		if (deadline >= 0 && step > deadline)
			step = deadline;
		if ((line = read_line(fd, buf, cap, len, step))) {
			rep = json_loads(line, 0, NULL);
			break;
		}
		if (errno != ETIMEDOUT ||
		    (deadline >= 0 && util_now_ms() >= deadline))
			break;
		slen = 0;
		sfd = connect_to(sock, util_now_ms() + 1000);
		st = sfd < 0 ? NULL :
			       request(sfd, status, sbuf, sizeof(sbuf), &slen,
				       util_now_ms() + 1000);
		if (sfd >= 0)
			close(sfd);
		sp = json_object_get(st, "save_progress");
		if (sp) {
			p.total = (uint64_t)json_integer_value(
				json_object_get(sp, "total"));
			progress_format(&p,
					(uint64_t)json_integer_value(
						json_object_get(sp, "bytes")),
					util_now_ms(), bar, sizeof(bar));
			fputs(bar, stderr);
		}
		json_decref(st);
	}
	/* done: the whole file, as written */
	if (json_is_integer(json_object_get(rep, "bytes"))) {
		p.total = (uint64_t)json_integer_value(
			json_object_get(rep, "bytes"));
		progress_format(&p, p.total, util_now_ms(), bar, sizeof(bar));
		fputs(bar, stderr);
	} else if (p.drawn_ms) {
		fputc('\n', stderr);
	}
	json_decref(status);
	return rep;
}

int ctl_client_main(const char *state_dir, const char *vm, int argc,
		    char **argv, int timeout_ms)
{
	char *path = xasprintf("%s/%s.sock", state_dir, vm), buf[65536], *line;
	bool given = timeout_ms > 0;
	const struct ctl_command *k;
	long long start, deadline;
	int verb = 0;

	json_t *req, *rep;
	size_t len = 0;
	int fd, status = EX_OK;

	if (!given)
		timeout_ms = CTL_DEFAULT_TIMEOUT_MS;
	start = util_now_ms();
	deadline = start + timeout_ms;
	k = argc < 1 ? NULL : ctl_command(argv[0]);
	/* "usb attach PATH": the verb, then the argument */
	if (k && k->verbs) {
		for (verb = 0; argc > 1 && k->verbs[verb] &&
			       strcmp(k->verbs[verb], argv[1]);
		     verb++)
			;
		if (argc < 2 || !k->verbs[verb])
			verb = -1;
		else
			argc--, argv++;
	}
	if (!k || (k->arg && argc < 2) || (k->verbs && verb < 0) ||
	    (k->arg_word && strcmp(argv[1], k->arg_word))) {
		ctl_command_list(buf, sizeof(buf));
		if (argc < 1)
			fprintf(stderr, "vzhost ctl: a command is needed: %s\n",
				buf);
		else if (!k)
			fprintf(stderr,
				"vzhost ctl: unknown command \"%s\" (%s)\n",
				argv[0], buf);
		else if (k->arg_word)
			fprintf(stderr, "vzhost ctl: %s takes \"%s\"\n",
				k->name, k->arg_word);
		else if (k->verbs) {
			ctl_command_usage(k, buf, sizeof(buf));
			fprintf(stderr, "vzhost ctl: usage: %s\n", buf);
		} else
			fprintf(stderr, "vzhost ctl: %s needs a file name\n",
				k->name);
		free(path);
		return EX_USAGE;
	}
	fd = connect_to(path, deadline);
	/* waiting for a VM just started in the background: its vzhost may
	   not have made its socket yet (for --timeout, or 10 s) */
	while (k->timeout_status && (fd == -ENOENT || fd == -ECONNREFUSED) &&
	       util_now_ms() < (given ? deadline : start + 10000)) {
		usleep(100000);
		fd = connect_to(path, deadline);
	}
	if (fd == -ETIMEDOUT) {
		fprintf(stderr,
			"vzhost ctl: VM \"%s\" did not take the connection "
			"within %.1f s (%s)\n",
			vm, timeout_ms / 1000.0, path);
		free(path);
		return EX_PROTOCOL;
	}
	if (fd < 0) {
		fprintf(stderr,
			"vzhost ctl: no VM \"%s\" is running here (%s: %s)\n",
			vm, path, strerror(-fd));
		free(path);
		return EX_UNAVAILABLE;
	}
	req = json_pack("{s:s}", "command", k->name);
	if (k->verbs)
		json_object_set_new(req, "verb", json_string(k->verbs[verb]));
	if (k->arg) {
		char *abs;

		/* the server resolves nothing: send an absolute path */
		abs = k->arg_word || argv[1][0] == '/' ?
			      xstrdup(argv[1]) :
			      xasprintf("%s/%s", getcwd(buf, sizeof(buf)),
					argv[1]);
		json_object_set_new(req, k->arg, json_string(abs));
		free(abs);
	}
	/* pause, resume and save are answered when the hypervisor is done (it
	   has its own deadline): only a --timeout given cuts them short */
	if (!strcmp(k->name, "save") && isatty(2))
		rep = save_with_bar(fd, req, path, buf, sizeof(buf), &len,
				    given ? deadline : -1);
	else
		rep = request(fd, req, buf, sizeof(buf), &len,
			      k->waits && !given ? -1 : deadline);
	if (!rep && errno == ETIMEDOUT && k->timeout_status) {
		fprintf(stderr,
			"vzhost ctl: VM \"%s\" was not %s within %.1f s\n", vm,
			k->arg_word, timeout_ms / 1000.0);
		status = k->timeout_status;
		goto out;
	}
	if (!rep && errno == ETIMEDOUT) {
		fprintf(stderr,
			"vzhost ctl: VM \"%s\" did not answer within %.1f s "
			"(%s)\n",
			vm, timeout_ms / 1000.0, path);
		status = EX_PROTOCOL;
		goto out;
	}
	if (!rep) {
		fprintf(stderr, "vzhost ctl: no reply from %s\n", path);
		status = EX_PROTOCOL;
		goto out;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		fprintf(stderr, "vzhost ctl: %s\n",
			json_string_value(json_object_get(rep, "error")));
		/* gone while we waited: as if it had not been there */
		status = json_is_true(json_object_get(rep, "gone")) ?
				 EX_UNAVAILABLE :
				 1;
	} else if (!strcmp(k->name, "console")) {
		json_t *w = json_object_get(rep, "writer");

		if (w)
			fprintf(stderr,
				"[vzhost: pid %lld (uid %lld) types into this "
				"console: you watch until it detaches]\n",
				(long long)json_integer_value(
					json_object_get(w, "pid")),
				(long long)json_integer_value(
					json_object_get(w, "uid")));
		status = ctl_console_session(fd, vm, buf, len,
					     given ? timeout_ms : 1000);
	} else if (k->stream) {
		/* the state when the stream starts, then one JSON object a
		   line, until the VM is gone */
		json_dumpf(rep, stdout, JSON_COMPACT);
		putchar('\n');
		fflush(stdout);
		while ((line = read_line(fd, buf, sizeof(buf), &len, -1))) {
			printf("%s\n", line);
			fflush(stdout);
		}
	} else if (k->state_exit) { /* for scripts: a word, and the status */
		const char *st =
			json_string_value(json_object_get(rep, "state"));

		printf("%s\n", st ? st : "unknown");
		status = ctl_state_exit(st);
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

/* the ledger: {used, macos, max_vms, macos_slots, holders}; null limits
   when not known */
static json_t *slots_json(const char *state_dir, const char *slots_dir,
			  int max_vms, int macos_slots)
{
	char *path = slots_dir ? xstrdup(slots_dir) :
				 xasprintf("%s/slots", state_dir);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	json_t *h = fd >= 0 ? slots_holders(fd) : NULL, *leak = json_null();
	long long since = 0;
	unsigned leaked;
	char boot[64];

	os_boot_id(boot, sizeof(boot));
	leaked = fd >= 0 ? slots_leaked(fd, boot, &since) : 0;
	free(path);
	if (fd >= 0)
		close(fd);
	if (leaked) {
		json_decref(leak);
		leak = json_pack("{s:i,s:I}", "count", (int)leaked, "since",
				 (json_int_t)since);
	}
	if (!h)
		h = json_array();
	return json_pack("{s:o,s:I,s:I,s:o,s:o,s:o}", "leaked", leak, "used",
			 (json_int_t)json_array_size(h), "macos",
			 (json_int_t)slots_macos(h), "max_vms",
			 max_vms < 0 ? json_null() : json_integer(max_vms),
			 "macos_slots",
			 macos_slots < 0 ? json_null() :
					   json_integer(macos_slots),
			 "holders", h);
}

static void print_slots(json_t *s)
{
	json_t *h = json_object_get(s, "holders"), *r;
	size_t i;
	char when[16];
	time_t t;

	printf("\nSLOTS: %lld in use (%lld macOS)",
	       (long long)json_integer_value(json_object_get(s, "used")),
	       (long long)json_integer_value(json_object_get(s, "macos")));
	if (json_is_integer(json_object_get(s, "max_vms")))
		printf(" of max_vms %lld (0: no limit), macos_slots %lld",
		       (long long)json_integer_value(
			       json_object_get(s, "max_vms")),
		       (long long)json_integer_value(
			       json_object_get(s, "macos_slots")));
	putchar('\n');
	if (json_is_object(json_object_get(s, "leaked"))) {
		json_t *l = json_object_get(s, "leaked");

		t = (time_t)(json_integer_value(json_object_get(l, "since")) /
			     1000);
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
		printf("  %lld slot(s) apparently leaked by the host kernel "
		       "since %s (until the host restarts)\n",
		       (long long)json_integer_value(
			       json_object_get(l, "count")),
		       when);
	}
	json_array_foreach(h, i, r)
	{
		t = (time_t)(json_integer_value(json_object_get(r, "since")) /
			     1000);
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
		printf("  %-20s pid %-8lld %-6s since %s  %s\n",
		       json_string_value(json_object_get(r, "vm")),
		       (long long)json_integer_value(json_object_get(r, "pid")),
		       json_string_value(json_object_get(r, "guest")), when,
		       json_string_value(json_object_get(r, "config")));
	}
}

int list_main(const char *state_dir, bool as_json, int timeout_ms,
	      const char *slots_dir, int max_vms, int macos_slots)
{
	if (timeout_ms <= 0)
		timeout_ms = CTL_DEFAULT_TIMEOUT_MS;
	char buf[4096];
	json_t *all = json_array(), *rep, *slots,
	       *req = json_pack("{s:s}", "command", "status");
	struct dirent *de;
	size_t len, i, n;
	DIR *d = opendir(state_dir);
	int fd, status = EX_OK;

	/* each VM has its own time to answer: one that hangs is named, the
	   others are still listed */
	while (d && (de = readdir(d))) {
		long long deadline = util_now_ms() + timeout_ms;

		n = strlen(de->d_name);
		if (n <= 5 || strcmp(de->d_name + n - 5, ".sock"))
			continue;
		snprintf(buf, sizeof(buf), "%s/%s", state_dir, de->d_name);
		fd = connect_to(buf, deadline);
		rep = NULL;
		if (fd >= 0) {
			len = 0;
			rep = request(fd, req, buf, sizeof(buf), &len,
				      deadline);
			close(fd);
		}
		if (json_is_true(json_object_get(rep, "ok"))) {
			json_array_append(all, rep);
		} else if (fd == -ETIMEDOUT || (fd >= 0 && !rep)) {
			fprintf(stderr,
				"vzhost list: VM \"%.*s\" did not answer "
				"within %.1f s\n",
				(int)(n - 5), de->d_name, timeout_ms / 1000.0);
			status = EX_PROTOCOL;
		} /* else stale: its vzhost is gone */
		json_decref(rep);
	}
	if (d)
		closedir(d);
	slots = slots_json(state_dir, slots_dir, max_vms, macos_slots);
	if (as_json) {
		json_t *o = json_pack("{s:O,s:O}", "vms", all, "slots", slots);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("%-20s %-10s %-5s %-8s %-10s %s\n", "VM", "STATE",
		       "READY", "PID", "UPTIME", "CONFIG");
		json_array_foreach(all, i, rep)
		{
			json_int_t up = json_integer_value(
				json_object_get(rep, "uptime_s"));

			snprintf(buf, sizeof(buf), "%lldh%02lldm%02llds",
				 (long long)up / 3600, (long long)up / 60 % 60,
				 (long long)up % 60);
			printf("%-20s %-10s %-5s %-8lld %-10s %s\n",
			       json_string_value(json_object_get(rep, "vm")),
			       json_string_value(json_object_get(rep, "state")),
			       json_is_true(json_object_get(rep, "ready")) ?
				       "yes" :
				       "no",
			       (long long)json_integer_value(
				       json_object_get(rep, "pid")),
			       buf,
			       json_string_value(
				       json_object_get(rep, "config")));
		}
	}
	if (!as_json)
		print_slots(slots);
	json_decref(slots);
	json_decref(all);
	json_decref(req);
	return status;
}
