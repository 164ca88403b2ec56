/* window.m: display = "window": the guest's screen in an AppKit window on the main thread, while the core's loop runs on another. */
#import <AppKit/AppKit.h>
#import "vzm.h"

#include <objc/runtime.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

static NSMutableArray<NSWindow *> *windows; /* main thread only: kept open */
static id<NSApplicationDelegate> delegate; /* (NSApp holds it weakly) */
static void *watch_key = &watch_key; /* a window's VZHWindowWatch */

/* a window's delegate: closing it asks the core to stop its VM (the
   graceful chain, as ctl stop), and the window stays until the VM is over */
@interface VZHWindowWatch : NSObject <NSWindowDelegate> {
@public
	int _fd;
	unsigned _vm, _dev;
}
@end

@implementation VZHWindowWatch
- (BOOL)windowShouldClose:(NSWindow *)sender
{
	(void)sender;
	bridge_note(_fd, _vm, BRIDGE_NOTE_WINDOW_CLOSED, _dev, "%s",
		    "asking the guest to stop, as ctl stop does");
	return NO; /* (vzm_window_close takes it once the VM has stopped) */
}
@end

/* the application: Quit is vzhost's own stop (SIGTERM: every VM's
   graceful chain, the app ends with the loop; a second Quit forces, as a
   second signal does), never an exit under running VMs */
@interface VZHApp : NSObject <NSApplicationDelegate>
@end

@implementation VZHApp
- (NSApplicationTerminateReply)applicationShouldTerminate:(NSApplication *)sender
{
	struct sigaction now;

	(void)sender;
	/* (only while the loop takes SIGTERM: before it has its handler, or
	   once it gave it back, the signal would end vzhost where it stands) */
	if (sigaction(SIGTERM, NULL, &now) == 0 && now.sa_handler != SIG_DFL &&
	    now.sa_handler != SIG_IGN)
		kill(getpid(), SIGTERM);
	return NSTerminateCancel;
}
@end

/* the close button and Close Window: the delegate's answer, without the
   alert sound AppKit plays for a window that stays (it goes with its VM) */
@interface VZHWindow : NSWindow
@end

@implementation VZHWindow
- (void)performClose:(id)sender
{
	(void)sender;
	if ([self.delegate respondsToSelector:@selector(windowShouldClose:)])
		(void)[self.delegate windowShouldClose:self];
}
@end

static NSMenu *submenu(NSMenu *bar, NSString *title)
{
	NSMenuItem *item = [[NSMenuItem alloc] initWithTitle:title action:nil keyEquivalent:@""];
	NSMenu *menu = [[NSMenu alloc] initWithTitle:title];

	item.submenu = menu;
	[bar addItem:item];
	return menu;
}

/* the menu bar a Mac user expects: vzhost (Hide, Quit) and Window */
static NSMenu *menu_bar(void)
{
	NSMenu *bar = [[NSMenu alloc] initWithTitle:@""];
	NSMenu *app = submenu(bar, @"vzhost"), *win = submenu(bar, @"Window");

	[app addItemWithTitle:@"Hide vzhost" action:@selector(hide:) keyEquivalent:@"h"];
	[app addItem:[NSMenuItem separatorItem]];
	[app addItemWithTitle:@"Quit vzhost" action:@selector(terminate:) keyEquivalent:@"q"];
	[win addItemWithTitle:@"Minimize" action:@selector(performMiniaturize:) keyEquivalent:@"m"];
	[win addItemWithTitle:@"Zoom" action:@selector(performZoom:) keyEquivalent:@""];
	[win addItem:[NSMenuItem separatorItem]];
	[win addItemWithTitle:@"Close Window" action:@selector(performClose:) keyEquivalent:@"w"];
	NSApp.windowsMenu = win;
	return bar;
}

/* (on the main thread: VZVirtualMachineView is AppKit's) */
void vzm_window_open(VZVirtualMachine *vm, unsigned width, unsigned height, NSString *title,
		     int event_fd, unsigned index, unsigned dev)
{
	NSWindowStyleMask style = NSWindowStyleMaskTitled | NSWindowStyleMaskClosable |
				  NSWindowStyleMaskMiniaturizable | NSWindowStyleMaskResizable;
	NSScreen *screen = NSScreen.mainScreen;
	NSRect fit = screen ? [NSWindow contentRectForFrameRect:screen.visibleFrame styleMask:style] :
			      NSMakeRect(0, 0, 0, 0);
	VZHWindowWatch *watch = [[VZHWindowWatch alloc] init];
	double w, h;

	/* the display's pixels, a point each pixel over the screen's scale */
	vz_window_points(width, height, screen ? screen.backingScaleFactor : 1, fit.size.width,
			 fit.size.height, &w, &h);
	/* (on that screen, whose scale it was sized for: center keeps it there) */
	NSRect frame = NSMakeRect(fit.origin.x, fit.origin.y, w, h);
	NSWindow *win = [[VZHWindow alloc] initWithContentRect:frame
						    styleMask:style
						      backing:NSBackingStoreBuffered
							defer:NO];
	VZVirtualMachineView *view =
		[[VZVirtualMachineView alloc] initWithFrame:NSMakeRect(0, 0, w, h)];

	view.virtualMachine = vm;
	view.capturesSystemKeys = YES;
	if (@available(macOS 14.0, *))
		view.automaticallyReconfiguresDisplay = YES;
	watch->_fd = event_fd;
	watch->_vm = index;
	watch->_dev = dev;
	objc_setAssociatedObject(win, watch_key, watch, OBJC_ASSOCIATION_RETAIN_NONATOMIC);
	win.delegate = watch;
	win.contentView = view;
	win.title = title;
	win.releasedWhenClosed = NO;
	[win center];
	[win makeKeyAndOrderFront:nil];
	[win makeFirstResponder:view]; /* keys reach the guest without a click */
	if (@available(macOS 14.0, *))
		[NSApp activate];
	else
		[NSApp activateIgnoringOtherApps:YES];
	if (!windows)
		windows = [[NSMutableArray alloc] init];
	[windows addObject:win];
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
		windows[i].delegate = nil; /* (a close now is ours) */
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
	delegate = [[VZHApp alloc] init];
	NSApp.delegate = delegate;
	NSApp.mainMenu = menu_bar();
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
	for (NSUInteger i = 0; i < windows.count; i++) {
		windows[i].delegate = nil;
		[windows[i] close];
	}
	windows = nil;
	NSApp.delegate = nil;
	delegate = nil;
	return r.result;
}
