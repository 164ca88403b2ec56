/* Foundation.h: the part of Foundation the vz bridge uses, declared from Apple's public API documentation (names, types, nullability, availability) for `make check-vz`; never linked. */
#ifndef VZH_DECL_FOUNDATION_H
#define VZH_DECL_FOUNDATION_H

#import <objc/NSObject.h>
#include <dispatch/dispatch.h>
#include <os/availability.h>
#include <stdint.h>

#define NS_ASSUME_NONNULL_BEGIN _Pragma("clang assume_nonnull begin")
#define NS_ASSUME_NONNULL_END _Pragma("clang assume_nonnull end")
#define NS_ENUM(_type, _name) enum _name : _type _name; enum _name : _type
#define NS_OPTIONS(_type, _name) enum _name : _type _name; enum _name : _type
#define NS_UNAVAILABLE __attribute__((unavailable))
#define NS_NOESCAPE __attribute__((noescape))
#define FOUNDATION_EXPORT extern

NS_ASSUME_NONNULL_BEGIN

typedef double NSTimeInterval;
static const NSInteger NSNotFound = __LONG_MAX__; /* NSIntegerMax */

/* geometry (CoreGraphics' types, as Foundation re-exports them on macOS) */
typedef double CGFloat;
typedef struct CGPoint {
	CGFloat x;
	CGFloat y;
} CGPoint;
typedef struct CGSize {
	CGFloat width;
	CGFloat height;
} CGSize;
typedef struct CGRect {
	CGPoint origin;
	CGSize size;
} CGRect;
typedef CGRect NSRect;
static inline NSRect NSMakeRect(CGFloat x, CGFloat y, CGFloat w, CGFloat h)
{
	NSRect r = { { x, y }, { w, h } };
	return r;
}

@class NSArray<ObjectType>, NSDictionary<KeyType, ObjectType>, NSData, NSError,
	NSString, NSURL, NSNumber;

@interface NSString : NSObject
@property (readonly) NSUInteger length;
@property (nullable, readonly) const char *UTF8String;
+ (nullable instancetype)stringWithUTF8String:(const char *)nullTerminatedCString;
+ (instancetype)stringWithFormat:(NSString *)format, ... __attribute__((format(__NSString__, 1, 2)));
- (BOOL)isEqualToString:(NSString *)aString;
@end

/* @"..." literals */
@interface NSConstantString : NSString
@end

@interface NSNumber : NSObject
@property (readonly) NSInteger integerValue;
@property (readonly) BOOL boolValue;
+ (NSNumber *)numberWithInteger:(NSInteger)value;
+ (NSNumber *)numberWithBool:(BOOL)value;
@end

@interface NSArray<__covariant ObjectType> : NSObject
@property (readonly) NSUInteger count;
@property (nullable, nonatomic, readonly) ObjectType firstObject;
- (ObjectType)objectAtIndex:(NSUInteger)index;
+ (instancetype)arrayWithObjects:(const ObjectType _Nonnull[_Nonnull])objects
			   count:(NSUInteger)cnt;
- (ObjectType)objectAtIndexedSubscript:(NSUInteger)idx;
- (NSUInteger)indexOfObjectIdenticalTo:(ObjectType)anObject;
@end

@interface NSMutableArray<ObjectType> : NSArray<ObjectType>
- (void)addObject:(ObjectType)anObject;
- (void)removeAllObjects;
- (void)removeObjectAtIndex:(NSUInteger)index;
@end

@interface NSDictionary<__covariant KeyType, __covariant ObjectType> : NSObject
- (nullable ObjectType)objectForKey:(KeyType)aKey;
- (nullable ObjectType)objectForKeyedSubscript:(KeyType)key;
+ (instancetype)dictionaryWithObjects:(const ObjectType _Nonnull[_Nullable])objects
			      forKeys:(const id _Nonnull[_Nullable])keys
				count:(NSUInteger)cnt;
@end

@interface NSMutableDictionary<KeyType, ObjectType> : NSDictionary<KeyType, ObjectType>
- (void)setObject:(ObjectType)anObject forKey:(KeyType)aKey;
- (void)setObject:(nullable ObjectType)obj forKeyedSubscript:(KeyType)key;
@end

typedef NSString *NSErrorDomain;

@interface NSError : NSObject
@property (readonly, copy) NSErrorDomain domain;
@property (readonly) NSInteger code;
@property (readonly, copy) NSDictionary<NSString *, id> *userInfo;
@property (readonly, copy) NSString *localizedDescription;
+ (instancetype)errorWithDomain:(NSErrorDomain)domain
			   code:(NSInteger)code
		       userInfo:(nullable NSDictionary<NSString *, id> *)dict;
@end

FOUNDATION_EXPORT NSErrorDomain const NSPOSIXErrorDomain;

@interface NSURL : NSObject
+ (NSURL *)fileURLWithPath:(NSString *)path;
+ (NSURL *)fileURLWithPath:(NSString *)path isDirectory:(BOOL)isDir;
+ (NSURL *)fileURLWithFileSystemRepresentation:(const char *)path
				   isDirectory:(BOOL)isDir
				 relativeToURL:(nullable NSURL *)baseURL;
+ (nullable instancetype)URLWithString:(NSString *)URLString;
@property (nullable, readonly, copy) NSString *path;
@property (nullable, readonly, copy) NSString *absoluteString;
@property (readonly, getter=isFileURL) BOOL fileURL;
@end

@interface NSUUID : NSObject
+ (instancetype)UUID;
- (instancetype)init;
@property (readonly, copy) NSString *UUIDString;
@end

@interface NSURLQueryItem : NSObject
+ (instancetype)queryItemWithName:(NSString *)name value:(nullable NSString *)value;
@end

@interface NSURLComponents : NSObject
- (instancetype)init;
@property (nullable, copy) NSString *scheme;
@property (nullable, copy) NSString *host;
@property (null_unspecified, copy) NSString *path;
@property (nullable, copy) NSArray<NSURLQueryItem *> *queryItems;
@property (nullable, readonly, copy) NSURL *URL;
@end

@interface NSData : NSObject
@property (readonly) NSUInteger length;
@property (readonly) const void *bytes;
+ (instancetype)dataWithBytes:(nullable const void *)bytes length:(NSUInteger)length;
- (nullable instancetype)initWithContentsOfURL:(NSURL *)url;
- (BOOL)writeToURL:(NSURL *)url atomically:(BOOL)atomically;
- (BOOL)isEqualToData:(NSData *)other;
@end

@interface NSFileHandle : NSObject
- (instancetype)initWithFileDescriptor:(int)fd closeOnDealloc:(BOOL)closeopt;
@property (class, readonly, strong) NSFileHandle *fileHandleWithNullDevice;
@property (readonly) int fileDescriptor;
@end

typedef struct {
	NSInteger majorVersion;
	NSInteger minorVersion;
	NSInteger patchVersion;
} NSOperatingSystemVersion;

@interface NSProcessInfo : NSObject
@property (class, readonly, strong) NSProcessInfo *processInfo;
@property (readonly) NSOperatingSystemVersion operatingSystemVersion;
@property (readonly) NSUInteger processorCount;
@property (readonly) unsigned long long physicalMemory;
@end

@interface NSProgress : NSObject
@property int64_t totalUnitCount;
@property int64_t completedUnitCount;
@property (readonly) double fractionCompleted;
@property (readonly, getter=isFinished) BOOL finished;
- (void)cancel;
@end

@interface NSDate : NSObject
+ (instancetype)dateWithTimeIntervalSinceNow:(NSTimeInterval)secs;
@end

typedef NSString *NSRunLoopMode;
FOUNDATION_EXPORT NSRunLoopMode const NSDefaultRunLoopMode;

/* key-value observing */
typedef NS_OPTIONS(NSUInteger, NSKeyValueObservingOptions) {
	NSKeyValueObservingOptionNew = 0x01,
	NSKeyValueObservingOptionOld = 0x02,
	NSKeyValueObservingOptionInitial = 0x04,
	NSKeyValueObservingOptionPrior = 0x08
};

typedef NSString *NSKeyValueChangeKey;
FOUNDATION_EXPORT NSKeyValueChangeKey const NSKeyValueChangeNewKey;

@interface NSObject (NSKeyValueObserving)
- (void)observeValueForKeyPath:(nullable NSString *)keyPath
		      ofObject:(nullable id)object
			change:(nullable NSDictionary<NSKeyValueChangeKey, id> *)change
		       context:(nullable void *)context;
@end

@interface NSObject (NSKeyValueObserverRegistration)
- (void)addObserver:(NSObject *)observer
	 forKeyPath:(NSString *)keyPath
	    options:(NSKeyValueObservingOptions)options
	    context:(nullable void *)context;
- (void)removeObserver:(NSObject *)observer
	    forKeyPath:(NSString *)keyPath
	       context:(nullable void *)context;
@end

/* downloads */
@interface NSURLRequest : NSObject
@property (nullable, readonly, copy) NSURL *URL;
@end

@interface NSMutableURLRequest : NSURLRequest
+ (instancetype)requestWithURL:(NSURL *)URL;
- (void)setValue:(nullable NSString *)value forHTTPHeaderField:(NSString *)field;
@end

@interface NSURLResponse : NSObject
@property (readonly) long long expectedContentLength;
@end

@interface NSHTTPURLResponse : NSURLResponse
@property (readonly) NSInteger statusCode;
- (nullable NSString *)valueForHTTPHeaderField:(NSString *)field API_AVAILABLE(macos(10.15));
@end

@interface NSOperationQueue : NSObject
@end

@interface NSURLSessionConfiguration : NSObject
@property (class, readonly, strong) NSURLSessionConfiguration *defaultSessionConfiguration;
@end

typedef NS_ENUM(NSInteger, NSURLSessionResponseDisposition) {
	NSURLSessionResponseCancel = 0,
	NSURLSessionResponseAllow = 1,
	NSURLSessionResponseBecomeDownload = 2,
	NSURLSessionResponseBecomeStream = 3,
};

@interface NSURLSessionTask : NSObject
@property (nullable, readonly, copy) NSURLResponse *response;
- (void)resume;
- (void)cancel;
@end

@interface NSURLSessionDataTask : NSURLSessionTask
@end

@class NSURLSession;

@protocol NSURLSessionDelegate <NSObject>
@end

@protocol NSURLSessionTaskDelegate <NSURLSessionDelegate>
@optional
- (void)URLSession:(NSURLSession *)session
		    task:(NSURLSessionTask *)task
	didCompleteWithError:(nullable NSError *)error;
@end

@protocol NSURLSessionDataDelegate <NSURLSessionTaskDelegate>
@optional
- (void)URLSession:(NSURLSession *)session
	      dataTask:(NSURLSessionDataTask *)dataTask
	didReceiveResponse:(NSURLResponse *)response
	 completionHandler:(void (^)(NSURLSessionResponseDisposition disposition))completionHandler;
- (void)URLSession:(NSURLSession *)session
	  dataTask:(NSURLSessionDataTask *)dataTask
	didReceiveData:(NSData *)data;
@end

@interface NSURLSession : NSObject
+ (NSURLSession *)sessionWithConfiguration:(NSURLSessionConfiguration *)configuration
				  delegate:(nullable id<NSURLSessionDelegate>)delegate
			     delegateQueue:(nullable NSOperationQueue *)queue;
- (NSURLSessionDataTask *)dataTaskWithRequest:(NSURLRequest *)request;
- (void)invalidateAndCancel;
- (void)finishTasksAndInvalidate;
@end

NS_ASSUME_NONNULL_END

#endif
