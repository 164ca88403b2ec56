/* state.h: names of the states, reasons and events that logs, hooks and clients see. */
#ifndef VZH_STATE_H
#define VZH_STATE_H

#include "../sdk/vzhost/plugin.h"

extern const char *const state_names[VZH_STATE_COUNT];
extern const char *const reason_names[VZH_REASON_COUNT];
extern const char *const event_names[VZH_EV_COUNT];

#endif
