/* NSObjCRuntime.h: the integer types libobjc's NSObject.h needs (Zig 0.11 ships NSObject.h without it); as in Apple's libobjc. */
#ifndef _OBJC_NSOBJCRUNTIME_H_
#define _OBJC_NSOBJCRUNTIME_H_

#include <TargetConditionals.h>
#include <objc/objc.h>

#if __LP64__
typedef long NSInteger;
typedef unsigned long NSUInteger;
#else
typedef int NSInteger;
typedef unsigned int NSUInteger;
#endif

#ifndef NS_DESIGNATED_INITIALIZER
#define NS_DESIGNATED_INITIALIZER __attribute__((objc_designated_initializer))
#endif
#define NS_ENFORCE_NSOBJECT_DESIGNATED_INITIALIZER 1

#endif
