/* state.c: names of the states, reasons and events that logs, hooks and clients see. */
#include "state.h"

/* Virtualization.framework's ten states, in the SDK's order */
const char *const state_names[VZH_STATE_COUNT] = {
	"stopped",  "starting", "running", "pausing",	"paused",
	"resuming", "stopping", "saving",  "restoring", "error",
};

const char *const reason_names[VZH_REASON_COUNT] = {
	"none",	     "host-request",   "guest-shutdown", "guest-reboot",
	"host-kill", "crashed",	       "start-failed",	 "saved",
	"restored",  "limit-exceeded", "signal",
};

/* the hook points */
const char *const event_names[VZH_EV_COUNT] = {
	"prepare", "start",    "started",  "paused",  "resumed",
	"saved",   "restored", "stopping", "stopped", "release",
	"error",   "limit",    "ready",
};
