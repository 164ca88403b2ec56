/* main.c: the command line: parse it, run the pipeline, map the outcome to a sysexits status. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctlcli.h"
#include "ctlcmd.h"
#include "state.h"
#include "exits.h"
#include "host.h"
#include "install.h"
#include "log.h"
#include "print.h"
#include "run.h"
#include "util.h"

#ifndef VZH_VERSION
#define VZH_VERSION "0.1.0"
#endif

enum mode {
	MODE_RUN,
	MODE_CHECK,
	MODE_PRINT,
	MODE_PLUGINS,
	MODE_CTL,
	MODE_LIST,
	MODE_INSTALL
};

static void usage(FILE *f)
{
	const struct ctl_command *k;
	const char *sep;
	char name[32];
	unsigned i;

	fprintf(f,
		"usage: vzhost -c FILE [--check | --print]\n"
		"       vzhost install -c FILE --vm NAME --ipsw PATH|latest\n"
		"       vzhost plugins [-c FILE]\n"
		"       vzhost ctl VM COMMAND [ARG] [-c FILE | --state-dir DIR] [--timeout S]\n"
		"       vzhost list [--json] [-c FILE | --state-dir DIR] [--timeout S]\n"
		"       vzhost --version | --help\n"
		"\n"
		"  -c, --config FILE  the host configuration (libconfig)\n"
		"      --check        validate FILE and show each machine and its\n"
		"                     devices; nothing is created or started\n"
		"      --print        print the resolved machines as JSON\n"
		"      --recovery VM  start macOS guest VM in macOS Recovery\n"
		"  -v, --verbose      log more (repeat for debug)\n"
		"  -q, --quiet        log errors only\n"
		"      --version      print the version and the plugin ABI\n"
		"  -h, --help         this text\n"
		"\n"
		"  install            create macOS guest NAME's bundle from a restore\n"
		"                     image (an .ipsw file, or \"latest\": the newest\n"
		"                     this Mac supports, downloaded); macOS only\n"
		"  plugins            list the loaded plugins, versions and kinds\n"
		"  ctl VM COMMAND     through the VM's control socket:\n");
	for (k = ctl_commands; k->name; k++) {
		ctl_command_usage(k, name, sizeof(name));
		fprintf(f, "    %-16s %s", name, k->help);
		/* the states it is taken in, when not every one */
		for (i = 0, sep = " ["; k->states != ~0u && i < VZH_STATE_COUNT;
		     i++)
			if (k->states & (1u << i)) {
				fprintf(f, "%s%s", sep, state_names[i]);
				sep = ", ";
			}
		fprintf(f, "%s\n", k->states != ~0u ? "]" : "");
	}
	fprintf(f,
		"  list               the VMs running from one state directory:\n"
		"                     state, pid, uptime, config\n"
		"      --state-dir DIR  where ctl and list find the sockets (default:\n"
		"                     host.state_dir of -c FILE, else the default)\n"
		"      --json         list as JSON\n"
		"      --timeout S    ctl and list: how long a VM has to answer\n"
		"                     (default 5 s)\n"
		"\n"
		"Exit status:\n");
	exits_print(f);
}

static int finish_errors(struct host *h, int status)
{
	diag_print(&h->diag, stderr);
	if (h->diag.n > 1)
		fprintf(stderr, "vzhost: %zu errors in %s\n", h->diag.n,
			h->cfg.path ? h->cfg.path : "the configuration");
	return status;
}

/* --recovery VM: that macOS guest starts in macOS Recovery */
static int set_recovery(struct host *h, const char *vm)
{
	struct machine *m = vm ? host_find_vm(h, vm) : NULL;

	/* (with errors in the file, they are what is said) */
	if (!vm || (!m && h->diag.n))
		return 0;
	if (!m) {
		fprintf(stderr, "vzhost: --recovery %s: no such VM in %s\n", vm,
			h->cfg.path);
		return EX_USAGE;
	}
	if (m->guest != VZH_GUEST_MACOS) {
		fprintf(stderr,
			"vzhost: --recovery %s: macOS Recovery is for macOS "
			"guests; %s is a Linux guest\n",
			vm, vm);
		return EX_USAGE;
	}
	m->recovery = true;
	return 0;
}

static int run(enum mode mode, const char *path, const char *recovery)
{
	struct host h;
	json_t *json;
	FILE *plan;
	char *said = NULL;
	size_t nsaid = 0;
	int ret, status = EX_OK;

	/* `vzhost plugins` without a file shows what is installed */
	memset(&h, 0, sizeof(h));
	ret = path ? host_open(&h, path) : 0;
	if (ret < 0 && !h.cfg.loaded) {
		status = finish_errors(&h,
				       ret == -EINVAL ? EX_CONFIG : EX_NOINPUT);
		goto out;
	}
	h.mode = mode == MODE_PLUGINS ? VZH_MODE_LIST :
		 mode == MODE_RUN     ? VZH_MODE_RUN :
					VZH_MODE_CHECK;
	host_load_plugins(&h);
	if (mode == MODE_PLUGINS) {
		print_plugins(&h, stdout);
		if (h.diag.n)
			status = finish_errors(&h, EX_CONFIG);
		goto out;
	}
	host_build(&h);
	ret = set_recovery(&h, recovery);
	if (ret) {
		status = ret;
		goto out;
	}
	/* --check and --print also ask the bridge; a missing hypervisor only
	   warns there, as the file itself may be right.  What the bridge
	   would do is said after the machines */
	if (!h.diag.n && mode != MODE_RUN) {
		plan = mode == MODE_CHECK ? open_memstream(&said, &nsaid) :
					    NULL;
		run_check_bridge(&h, false, plan);
		if (plan)
			fclose(plan);
	}
	if (h.diag.n) {
		status = finish_errors(&h, EX_CONFIG);
		goto out;
	}
	switch (mode) {
	case MODE_CHECK:
		print_check(&h, stdout);
		if (said)
			fputs(said, stdout);
		break;
	case MODE_PRINT:
		json = print_host_json(&h);
		json_dumpf(json, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(json);
		break;
	default:
		status = run_machines(&h);
		break;
	}
out:
	free(said);
	host_close(&h);
	return status;
}

/* ctl and list: find the state directory, then talk to the sockets */
static int client(enum mode mode, const char *path, const char *state_dir,
		  bool json, int timeout_ms, int argc, char **argv)
{
	struct host h;
	char *dir = NULL, *slots_dir = NULL;
	int ret, status, max_vms = -1, macos_slots = -1;

	if (state_dir) {
		dir = xstrdup(state_dir);
	} else if (path) {
		/* the file names the state directory: it must be right */
		ret = host_open(&h, path);
		if (ret < 0) {
			status = finish_errors(&h, ret == -EINVAL ? EX_CONFIG :
								    EX_NOINPUT);
			host_close(&h);
			return status;
		}
		dir = xstrdup(h.set.state_dir);
		max_vms = (int)h.set.max_vms;
		slots_dir = h.set.slots_dir ? xstrdup(h.set.slots_dir) : NULL;
		macos_slots = (int)h.set.macos_slots;
		host_close(&h);
	} else {
		dir = host_default_state_dir();
	}
	/* a server that hangs up is an answer, not a reason to die */
	signal(SIGPIPE, SIG_IGN);
	if (mode == MODE_LIST) {
		status = argc ? EX_USAGE :
				list_main(dir, json, timeout_ms, slots_dir,
					  max_vms, macos_slots);
	} else if (argc < 1) {
		fprintf(stderr,
			"vzhost ctl: which VM? (vzhost ctl VM COMMAND)\n");
		status = EX_USAGE;
	} else {
		status = ctl_client_main(dir, argv[0], argc - 1, argv + 1,
					 timeout_ms);
	}
	free(dir);
	free(slots_dir);
	return status;
}

/* 0, 1 and 2 closed by whoever started us would be the first files we
   open (a disk image, a saved state, the ledger), and the log would be
   written into them: /dev/null takes their place */
static void std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
		fcntl(fd, F_SETFD, 0);
	if (fd > 2)
		close(fd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "print", no_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'J' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "recovery", required_argument, NULL, 'R' },
		{ "vm", required_argument, NULL, 'M' },
		{ "ipsw", required_argument, NULL, 'I' },
		{ 0 },
	};
	enum mode mode = MODE_RUN;
	const char *path = NULL, *state_dir = NULL, *recovery = NULL,
		   *vm = NULL, *ipsw = NULL;
	bool json = false;
	int c, timeout_ms = 0; /* the default */
	double secs;
	char *end;

	std_fds();
	while ((c = getopt_long(argc, argv, "c:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'C':
		case 'P':
			if (mode != MODE_RUN) {
				fprintf(stderr, "vzhost: --check and --print "
						"exclude each other\n");
				return EX_USAGE;
			}
			mode = c == 'C' ? MODE_CHECK : MODE_PRINT;
			break;
		case 'v':
			log_level++;
			break;
		case 'q':
			log_level = LOG_ERR;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'R':
			recovery = optarg;
			break;
		case 'M':
			vm = optarg;
			break;
		case 'I':
			ipsw = optarg;
			break;
		case 'J':
			json = true;
			break;
		case 'T':
			secs = strtod(optarg, &end);
			if (*end || end == optarg ||
			    !(secs > 0 && secs <= 86400)) {
				fprintf(stderr,
					"vzhost: --timeout %s: seconds, more "
					"than 0 (such as 5 or 0.5)\n",
					optarg);
				return EX_USAGE;
			}
			/* (0 ms would read as "not given": the least
			   given is 1 ms) */
			timeout_ms = (int)(secs * 1000 + 0.5);
			if (timeout_ms < 1)
				timeout_ms = 1;
			break;
		case 'V':
			printf("vzhost %s (plugin ABI %d.%d)\n", VZH_VERSION,
			       VZH_ABI_MAJOR, VZH_ABI_MINOR);
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc && mode == MODE_RUN) {
		if (!strcmp(argv[optind], "plugins"))
			mode = MODE_PLUGINS;
		else if (!strcmp(argv[optind], "ctl"))
			mode = MODE_CTL;
		else if (!strcmp(argv[optind], "list"))
			mode = MODE_LIST;
		else if (!strcmp(argv[optind], "install"))
			mode = MODE_INSTALL;
		if (mode != MODE_RUN)
			optind++;
	}
	if (mode == MODE_CTL || mode == MODE_LIST)
		return client(mode, path, state_dir, json, timeout_ms,
			      argc - optind, argv + optind);
	if (optind < argc) {
		fprintf(stderr,
			"vzhost: unexpected argument \"%s\" (try --help)\n",
			argv[optind]);
		return EX_USAGE;
	}
	if (!path && mode != MODE_PLUGINS) {
		fprintf(stderr,
			"vzhost: no configuration: use -c FILE (try --help)\n");
		return EX_USAGE;
	}
	if ((vm || ipsw) && mode != MODE_INSTALL) {
		fprintf(stderr, "vzhost: --vm and --ipsw belong to vzhost "
				"install (try --help)\n");
		return EX_USAGE;
	}
	if (mode == MODE_INSTALL)
		return install_main(path, vm, ipsw);
	return run(mode, path, recovery);
}
