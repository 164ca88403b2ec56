/* device.h: the context of one device entry while its plugin contributes to a machine. */
#ifndef VZH_DEVICE_H
#define VZH_DEVICE_H

#include <libconfig.h>
#include <stdbool.h>

#include "host.h"

struct vzh_device {
	struct host *host;
	struct machine *m;
	const config_setting_t *node;
	int index;
	struct plugin *plugin;
	struct origin origin;
	bool open; /* emitters work only during contribute() */
};

#endif
