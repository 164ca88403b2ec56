/* window.m: display = "window": the guest's screen in an AppKit window on the main thread, while the core's loop runs on another. */
#import <AppKit/AppKit.h>
#import "vzm.h"

#include <pthread.h>
#include <stdatomic.h>

#define DEFAULT_W 1280 /* points, when the graphics device gives none */
#define DEFAULT_H 800

static NSMutableArray<NSWindow *> *windows; /* main thread only: kept open */

/* (on the main thread: VZVirtualMachineView is AppKit's) */
void vzm_window_open(VZVirtualMachine *vm, unsigned width, unsigned height, NSString *title)
{
	NSRect frame = NSMakeRect(0, 0, width ? width : DEFAULT_W, height ? height : DEFAULT_H);
	/* no close button: the VM stops by its own shutdown, vzhost ctl or
	   vzhost's own stop, never by a window going away under it */
	NSWindow *w = [[NSWindow alloc]
		initWithContentRect:frame
			  styleMask:NSWindowStyleMaskTitled | NSWindowStyleMaskMiniaturizable |
				    NSWindowStyleMaskResizable
			    backing:NSBackingStoreBuffered
			      defer:NO];
	VZVirtualMachineView *view = [[VZVirtualMachineView alloc] initWithFrame:frame];

	view.virtualMachine = vm;
	view.capturesSystemKeys = YES;
	if (@available(macOS 14.0, *))
		view.automaticallyReconfiguresDisplay = YES;
	w.contentView = view;
	w.title = title;
	w.releasedWhenClosed = NO;
	[w center];
	[w makeKeyAndOrderFront:nil];
	[w makeFirstResponder:view]; /* keys reach the guest without a click */
	if (@available(macOS 14.0, *))
		[NSApp activate];
	else
		[NSApp activateIgnoringOtherApps:YES];
	if (!windows)
		windows = [[NSMutableArray alloc] init];
	[windows addObject:w];
}

/* (on the main thread) the VM is over: its window goes, and the view lets
   go of it */
void vzm_window_close(VZVirtualMachine *vm)
{
	NSUInteger i;

	for (i = 0; i < windows.count; i++) {
		VZVirtualMachineView *view = windows[i].contentView;

		if (view.virtualMachine != vm)
			continue;
		view.virtualMachine = nil;
		[windows[i] close];
		[windows removeObjectAtIndex:i];
		return;
	}
}

struct ui_run {
	int (*body)(void *);
	void *arg;
	int result;
	_Atomic bool done;
};

static void *loop_thread(void *p)
{
	struct ui_run *r = p;

	r->result = r->body(r->arg);
	atomic_store(&r->done, true);
	return NULL;
}

/* AppKit wants the main thread: the core's loop moves to another, and the
   main thread serves events (and the main queue, where windows are opened)
   until the loop is over */
int vzm_run_ui(int (*body)(void *), void *arg)
{
	struct ui_run r = { body, arg, 0, false };
	pthread_t t;

	[NSApplication sharedApplication];
	[NSApp setActivationPolicy:NSApplicationActivationPolicyRegular];
	[NSApp finishLaunching];
	if (pthread_create(&t, NULL, loop_thread, &r) != 0)
		return body(arg); /* (headless then: the VMs still run) */
	while (!atomic_load(&r.done)) {
		@autoreleasepool {
			NSEvent *e = [NSApp nextEventMatchingMask:NSEventMaskAny
							untilDate:[NSDate dateWithTimeIntervalSinceNow:0.25]
							   inMode:NSDefaultRunLoopMode
							  dequeue:YES];

			if (e)
				[NSApp sendEvent:(NSEvent *_Nonnull)e];
			[NSApp updateWindows];
		}
	}
	pthread_join(t, NULL);
	for (NSUInteger i = 0; i < windows.count; i++)
		[windows[i] close];
	windows = nil;
	return r.result;
}
