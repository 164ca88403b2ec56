/* AppKit.h: the part of AppKit the vz bridge's window uses, declared from Apple's public API documentation (names, types, nullability) for `make check-vz`; never linked. */
#ifndef VZH_DECL_APPKIT_H
#define VZH_DECL_APPKIT_H

#import <Foundation/Foundation.h>

#define APPKIT_EXTERN extern

NS_ASSUME_NONNULL_BEGIN

typedef NS_ENUM(NSInteger, NSApplicationActivationPolicy) {
	NSApplicationActivationPolicyRegular = 0,
	NSApplicationActivationPolicyAccessory = 1,
	NSApplicationActivationPolicyProhibited = 2,
};

typedef NS_OPTIONS(NSUInteger, NSWindowStyleMask) {
	NSWindowStyleMaskBorderless = 0,
	NSWindowStyleMaskTitled = 1 << 0,
	NSWindowStyleMaskClosable = 1 << 1,
	NSWindowStyleMaskMiniaturizable = 1 << 2,
	NSWindowStyleMaskResizable = 1 << 3,
};

typedef NS_ENUM(NSUInteger, NSBackingStoreType) {
	NSBackingStoreRetained = 0,
	NSBackingStoreNonretained = 1,
	NSBackingStoreBuffered = 2,
};

typedef NS_OPTIONS(unsigned long long, NSEventMask) {
	NSEventMaskAny = ~0ULL,
};

typedef NS_ENUM(NSUInteger, NSApplicationTerminateReply) {
	NSTerminateCancel = 0,
	NSTerminateNow = 1,
	NSTerminateLater = 2,
};

@interface NSResponder : NSObject
@end

@class NSMenu;

@interface NSMenuItem : NSObject
+ (NSMenuItem *)separatorItem;
- (instancetype)initWithTitle:(NSString *)string
		       action:(nullable SEL)selector
		keyEquivalent:(NSString *)charCode;
@property (nullable, strong) NSMenu *submenu;
@end

@interface NSMenu : NSObject
- (instancetype)initWithTitle:(NSString *)title;
- (void)addItem:(NSMenuItem *)newItem;
- (NSMenuItem *)addItemWithTitle:(NSString *)string
			  action:(nullable SEL)selector
		   keyEquivalent:(NSString *)charCode;
@end

@interface NSScreen : NSObject
@property (class, readonly, nullable, strong) NSScreen *mainScreen;
@property (readonly) NSRect visibleFrame;
@property (readonly) CGFloat backingScaleFactor;
@end

@interface NSEvent : NSObject
@end

@class NSWindow, NSApplication;

@protocol NSWindowDelegate <NSObject>
@optional
- (BOOL)windowShouldClose:(NSWindow *)sender;
@end

@protocol NSApplicationDelegate <NSObject>
@optional
- (NSApplicationTerminateReply)applicationShouldTerminate:(NSApplication *)sender;
@end

@interface NSView : NSResponder
- (instancetype)initWithFrame:(NSRect)frameRect;
@end

@interface NSWindow : NSResponder
- (instancetype)initWithContentRect:(NSRect)contentRect
			  styleMask:(NSWindowStyleMask)style
			    backing:(NSBackingStoreType)backingStoreType
			      defer:(BOOL)flag;
@property (copy) NSString *title;
@property (nullable, strong) __kindof NSView *contentView;
@property (getter=isReleasedWhenClosed) BOOL releasedWhenClosed;
- (void)center;
- (void)makeKeyAndOrderFront:(nullable id)sender;
- (void)close;
- (BOOL)makeFirstResponder:(nullable NSResponder *)responder;
@property (nullable, weak) id<NSWindowDelegate> delegate;
+ (NSRect)contentRectForFrameRect:(NSRect)fRect styleMask:(NSWindowStyleMask)style;
- (void)performClose:(nullable id)sender;
- (void)performMiniaturize:(nullable id)sender;
- (void)performZoom:(nullable id)sender;
@end

@interface NSApplication : NSResponder
@property (class, readonly, strong) __kindof NSApplication *sharedApplication;
- (BOOL)setActivationPolicy:(NSApplicationActivationPolicy)activationPolicy;
- (void)activateIgnoringOtherApps:(BOOL)flag API_DEPRECATED("use -activate", macos(10.0, 14.0));
- (void)activate API_AVAILABLE(macos(14.0));
- (void)updateWindows;
- (void)finishLaunching;
- (nullable NSEvent *)nextEventMatchingMask:(NSEventMask)mask
				  untilDate:(nullable NSDate *)expiration
				     inMode:(NSRunLoopMode)mode
				    dequeue:(BOOL)deqFlag;
- (void)sendEvent:(NSEvent *)event;
@property (nullable, weak) id<NSApplicationDelegate> delegate;
@property (nullable, strong) NSMenu *mainMenu;
@property (nullable, strong) NSMenu *windowsMenu;
- (void)terminate:(nullable id)sender;
- (void)hide:(nullable id)sender;
@end

APPKIT_EXTERN __kindof NSApplication *_Null_unspecified NSApp;

NS_ASSUME_NONNULL_END

#endif
