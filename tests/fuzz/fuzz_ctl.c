/* fuzz_ctl.c: libFuzzer target for the control protocol: any bytes from a client, a fake bridge behind. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a bridge that agrees to everything and does nothing */
static int ok_vm(struct bvm *vm)
{
	(void)vm;
	return 0;
}

static int ok_path(struct bvm *vm, const char *path)
{
	(void)vm, (void)path;
	return 0;
}

static const struct bridge_ops fake = {
	.name = "fake",
	.request_stop = ok_vm,
	.stop = ok_vm,
	.pause = ok_vm,
	.resume = ok_vm,
	.save = ok_path,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct machine m = { .name = "fuzz", .stop_timeout = 30 };
	static struct host h = { .vms = &m, .nvms = 1 };
	struct vmrun vm = { .m = &m,
			    .state = VZH_STATE_RUNNING,
			    .listen_fd = -1,
			    .bvm = (struct bvm *)1 };
	struct runner r = { .h = &h,
			    .ops = &fake,
			    .act = &run_actions,
			    .vms = &vm,
			    .sigfd = -1 };
	struct pollfd fds[4];
	char sink[65536];
	int sv[2], n, i;

	if (pipe2(r.ev, O_NONBLOCK | O_CLOEXEC) < 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		goto out;
	ctl_attach(&r, &vm, sv[0]);
	/* what fits the socket at once: the server reads it all */
	if (write(sv[1], data, size > 100000 ? 100000 : size) < 0)
		size = 0;
	shutdown(sv[1], SHUT_WR);
	for (i = 0; i < 64 && r.clients; i++) {
		n = ctl_pollfds(&r, fds, 4);
		if (poll(fds, (nfds_t)n, 0) > 0)
			ctl_dispatch(&r, fds, n);
		while (read(sv[1], sink, sizeof(sink)) > 0)
			;
	}
	ctl_free(&r); /* closes sv[0] */
	close(sv[1]);
	free(vm.saved_to); /* (a save asked for keeps the VM for a restore) */
	free(vm.restore_from);
out:
	close(r.ev[0]);
	close(r.ev[1]);
	return 0;
}
