/* fwdrun.c: the vz bridge's forward relay (bridge/fwd.c) alone: `fwdrun HOST_PORT GUEST_ADDR GUEST_PORT` relays TCP and UDP from 127.0.0.1:HOST_PORT until SIGTERM. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../bridge/fwd.h"

static volatile sig_atomic_t done;

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	struct vzh_forward f[2];
	struct device dev = { .cls = DEV_NET };
	struct machine m = { .name = "fwdrun", .devs = &dev, .ndevs = 1 };
	struct pollfd fds[256];
	struct fwd *fw;
	char *why = NULL;
	int n, timeout;

	if (argc != 4) {
		fprintf(stderr,
			"usage: fwdrun HOST_PORT GUEST_ADDR GUEST_PORT\n");
		return 64;
	}
	f[0] = (struct vzh_forward){ VZH_PROTO_TCP, (uint16_t)atoi(argv[1]),
				     (uint16_t)atoi(argv[3]), "127.0.0.1" };
	f[1] = f[0];
	f[1].proto = VZH_PROTO_UDP;
	dev.u.net.forwards = f;
	dev.u.net.nforwards = 2;
	if (fwd_open(&m, &fw, &why) < 0) {
		fprintf(stderr, "fwdrun: %s\n", why);
		return 1;
	}
	fwd_target(fw, argv[2]);
	signal(SIGTERM, on_term);
	printf("relaying\n");
	fflush(stdout);
	while (!done) {
		timeout = 1000;
		n = fwd_pollfds(fw, fds, 256, &timeout);
		if (poll(fds, (nfds_t)n, timeout) >= 0)
			fwd_dispatch(fw, fds, n);
	}
	fwd_close(fw);
	return 0;
}
