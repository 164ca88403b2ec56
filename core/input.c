/* input.c: vzhost's standard input to a guest's console: byte for byte from a pipe or file, raw from a terminal with an escape key. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "log.h"
#include "ready.h"
#include "runner.h"
#include "term.h"

static struct {
	int vm; /* the VM whose console gets it, or -1: none */
	bool reading; /* standard input is read (not at its end, not
			 detached) */
	bool tty; /* it is a terminal, in raw mode until restored */
	bool escaped; /* the escape key came, the next one is a command */
	bool told_full; /* said that typing beyond buf is dropped */
	struct termios saved;
	char buf[4096]; /* read, not yet taken by the console */
	size_t len, off;
} in = { .vm = -1 };

void input_restore(void)
{
	if (in.tty)
		tcsetattr(0, TCSAFLUSH, &in.saved);
	in.tty = false;
}

void input_setup(struct runner *r)
{
	size_t i;
	int ret;

	/* the first VM, in the file's order, with a console on stdio */
	for (i = 0; i < r->h->nvms && in.vm < 0; i++)
		if (machine_stdio_console(&r->h->vms[i]))
			in.vm = (int)i;
	if (in.vm < 0 || !r->ops->console_in)
		return;
	/* a terminal we are in the background of (`vzhost ... &`) is the
	   shell's: left alone */
	ret = term_raw(&in.saved);
	if (ret == -EPERM)
		return;
	in.reading = true;
	if (ret < 0)
		return; /* a pipe or a file: byte for byte */
	in.tty = true;
	atexit(input_restore);
	log_msg(LOG_NOTICE, r->vms[in.vm].m->name,
		"console: typing goes to the guest; Ctrl-] then q stops "
		"every VM, d detaches, ? helps");
}

bool input_takes(const struct vmrun *v)
{
	if (!v->bvm)
		return false;
	switch (v->m->input_after) {
	case INPUT_AFTER_READY:
		return ready_now(v);
	case INPUT_AFTER_START:
		return true;
	default:
		return v->console_spoke;
	}
}

/* the console's descriptor when it takes input now, or -1 (the VM is not
   running, or its guest may not be typed at yet) */
static int target(struct runner *r)
{
	struct vmrun *v;

	if (in.vm < 0 || !r->ops->console_in)
		return -1;
	v = &r->vms[in.vm];
	return input_takes(v) ? r->ops->console_in(v->bvm) : -1;
}

/* what was read waits in buf[off..len) for the guest; standard input is
   read on while it fits, so that Ctrl-] commands work during a boot */
int input_pollfds(struct runner *r, struct pollfd *fds, int max)
{
	int fd = target(r);

	if (max < 1)
		return 0;
	if (in.len > in.off && fd >= 0) { /* the guest takes it: to it */
		fds[0] = (struct pollfd){ .fd = fd, .events = POLLOUT };
		return 1;
	}
	/* a pipe waits while enough waits already; a terminal is always read
	   (Ctrl-] q must work while the guest boots) */
	if (!in.reading || (!in.tty && in.len - in.off > sizeof(in.buf) / 2))
		return 0;
	fds[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
	return 1;
}

/* what the terminal typed after the escape key */
static void command(struct runner *r, char c)
{
	switch (c) {
	case 'q':
		log_msg(LOG_NOTICE, NULL, "console: stopping every VM");
		raise(SIGTERM); /* the loop's own stop chain */
		break;
	case 'd':
	case '.':
		log_msg(LOG_NOTICE, NULL,
			"console: detached (the VMs run on; stop them with "
			"SIGTERM or vzhost ctl)");
		in.reading = false;
		in.len = in.off = 0; /* (what waited is not typed) */
		input_restore();
		break;
	default:
		fprintf(stderr,
			"\r\nvzhost console (%s): Ctrl-] q stops every VM, "
			"Ctrl-] d detaches, Ctrl-] Ctrl-] types Ctrl-]\r\n",
			r->vms[in.vm].m->name);
		break;
	}
}

/* from the terminal: the escape key and its command taken out */
static void filter(struct runner *r, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (in.tty ? term_key(&in.escaped, s[i]) : TERM_PASS) {
		case TERM_PASS:
			if (in.len < sizeof(in.buf)) {
				in.buf[in.len++] = s[i];
			} else if (!in.told_full) { /* (a terminal only) */
				fprintf(stderr,
					"\r\n[vzhost: the guest cannot take "
					"input yet; more typing is dropped until "
					"it can]\r\n");
				in.told_full = true;
			}
			break;
		case TERM_COMMAND:
			command(r, s[i]);
			break;
		case TERM_SWALLOW:
			break;
		}
	}
}

void input_dispatch(struct runner *r, const struct pollfd *fds, int n)
{
	char raw[sizeof(in.buf) / 2];
	ssize_t got;
	int fd;

	if (n < 1 || !fds[0].revents)
		return;
	if (fds[0].fd == 0) {
		/* (room for what is read: what waits moves to the front) */
		memmove(in.buf, in.buf + in.off, in.len - in.off);
		in.len -= in.off;
		in.off = 0;
		got = read(0, raw,
			   !in.tty && sizeof(in.buf) - in.len < sizeof(raw) ?
				   sizeof(in.buf) - in.len :
				   sizeof(raw));
		if (got == 0 ||
		    (got < 0 && errno != EINTR && errno != EAGAIN)) {
			/* its end: the VM runs on, and gets what waits */
			in.reading = false;
			input_restore();
		}
		if (got > 0)
			filter(r, raw, (size_t)got);
	}
	fd = target(r);
	if (fd < 0 || in.len <= in.off)
		return;
	/* what the guest's console takes now; the rest waits for POLLOUT */
	got = write(fd, in.buf + in.off, in.len - in.off);
	if (got > 0) {
		in.off += (size_t)got;
		in.told_full = false;
	} else if (got < 0 && errno != EAGAIN && errno != EINTR)
		in.off = in.len; /* (the VM went away: dropped) */
}
