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

@interface NSResponder : NSObject
@end

@interface NSEvent : NSObject
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
@end

APPKIT_EXTERN __kindof NSApplication *_Null_unspecified NSApp;

NS_ASSUME_NONNULL_END

#endif
