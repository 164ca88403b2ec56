/* ctlcmd.h: the control commands, one table: the server (ctl.c), the client (ctlcli.c) and --help read it. */
#ifndef VZH_CTLCMD_H
#define VZH_CTLCMD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct runner;
struct ctl_client;

/* the server's side of one command: 0 when it answered (or will, later) */
typedef void ctl_handler_fn(struct runner *r, struct ctl_client *c,
			    json_t *req);

struct ctl_command {
	const char *name;
	const char *arg; /* its argument's name in a request, or NULL */
	unsigned states; /* the VM states it is taken in: 1u << state */
	bool waits; /* answered when the hypervisor is done: the client sets
		       no deadline of its own unless given --timeout */
	bool stream; /* a stream of lines follows the answer */
	/* the client prints the answer's state alone and exits by it
	   (ctl_state_exit) */
	bool state_exit;
	ctl_handler_fn *handler;
	const char *help; /* one line for --help */
	/* the argument is this word, sent as it is ("wait ready"); NULL: a
	   file name, made absolute by the client */
	const char *arg_word;
	/* the client's exit status when its --timeout passes (0: 76) */
	int timeout_status;
	/* words the argument comes after, one of them ("usb attach PATH"):
	   sent as "verb"; NULL: none */
	const char *const *verbs;
};

/* `vzhost ctl VM state`'s exit status for a state: 0 running, 3 stopped,
   4 paused, 5 on its way between two of them */
int ctl_state_exit(const char *state);

/* every command, then {NULL} */
extern const struct ctl_command ctl_commands[];
/* the command called name, or NULL */
const struct ctl_command *ctl_command(const char *name);
/* "usb attach|detach PATH": how command k is typed, into buf */
void ctl_command_usage(const struct ctl_command *k, char *buf, size_t len);
/* "status, stop, kill, pause, resume, save PATH, ..., wait ready" into buf */
void ctl_command_list(char *buf, size_t len);

#endif
