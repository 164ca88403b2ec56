/* io.c: QEMU's standard output (the stdio console) to vzhost's, its standard error to the log. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../core/log.h"
#include "qemu.h"

/* console lines to the core's stdout queue (bridge/common.c) */
void qemu_pass_output(struct bvm *vm, bool flush)
{
	bridge_pass_output(vm->b->env.several ? vm->m->name : NULL, vm->out,
			   sizeof(vm->out), &vm->outlen, flush);
}

void qemu_collect_stderr(struct bvm *vm)
{
	if (vm->err_fd >= 0)
		bridge_read_into(vm->err_fd, vm->err, sizeof(vm->err) - 1,
				 &vm->errlen);
}

/* an error about a plugin's structured device names the plugin and the
   entry: QEMU quotes the option ("-device DRIVER...: ...") */
static void blame(const struct machine *m, char *line, size_t cap)
{
	size_t i, len = strlen(line);
	char opt[96];

	for (i = 0; i < m->ndevs; i++) {
		const struct vzh_hvdev *h = &m->devs[i].u.hvdev;

		if (m->devs[i].cls != DEV_HVDEV)
			continue;
		snprintf(opt, sizeof(opt), "-%s %s", h->group,
			 h->driver ? h->driver : "");
		if (strstr(line, opt)) {
			snprintf(line + len, cap - len,
				 " [%s of plugin %s, %s]",
				 m->devs[i].origin.kind,
				 m->devs[i].origin.plugin,
				 m->devs[i].origin.loc);
			return;
		}
	}
}

/* QEMU's own messages (a pty's name, warnings) go to the log, line by line */
void qemu_log_stderr(struct bvm *vm, bool flush)
{
	char *nl, *start = vm->err;
	size_t left;

	qemu_collect_stderr(vm);
	left = vm->errlen;
	while ((nl = memchr(start, '\n', left)) || (flush && left) ||
	       left == sizeof(vm->err) - 1) {
		size_t n = nl ? (size_t)(nl - start) : left;

		if (n) {
			/* kept: the reason a start failed, if it does */
			snprintf(vm->last_err, sizeof(vm->last_err), "%.*s",
				 (int)n, start);
			blame(vm->m, vm->last_err, sizeof(vm->last_err));
			log_msg(LOG_NOTICE, vm->m->name, "qemu: %s",
				vm->last_err);
		}
		n += nl ? 1 : 0;
		start += n;
		left -= n;
	}
	memmove(vm->err, start, left);
	vm->errlen = left;
}
