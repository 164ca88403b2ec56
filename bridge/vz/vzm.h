/* vzm.h: what the Objective-C files of the vz bridge share (macOS only, ARC). */
#ifndef VZH_VZM_H
#define VZH_VZM_H

#import <Foundation/Foundation.h>
#import <Virtualization/Virtualization.h>

#include "plan.h"

/* the host side of a VM's serial consoles, made while configuring */
struct vzm_io {
	int console_fd; /* read end of the first stdio console, or -1 */
	int ptys_fd[BRIDGE_PTYS_MAX]; /* pty masters, kept open while it runs */
	char ptys[BRIDGE_PTYS_MAX][64];
	size_t nptys;
};

NS_ASSUME_NONNULL_BEGIN

/* the plan as a configuration, validated (validateWithError:); nil with
   *why when the framework refuses it */
VZVirtualMachineConfiguration *_Nullable vzm_configuration(
	const struct vz_plan *p, const struct machine *m, struct vzm_io *io,
	NSString *_Nullable *_Nonnull why);
/* the bridge's host limits, from the framework */
void vzm_host(struct vz_host *h);

NS_ASSUME_NONNULL_END

#endif
