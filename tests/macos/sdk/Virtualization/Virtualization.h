/* Virtualization.h: the part of Virtualization.framework the vz bridge uses, declared from Apple's public API documentation (names, types, nullability, availability) for `make check-vz`; never linked. */
#ifndef VZH_DECL_VIRTUALIZATION_H
#define VZH_DECL_VIRTUALIZATION_H

#import <AppKit/AppKit.h>
#import <Foundation/Foundation.h>

#define VZ_AVAIL(v) API_AVAILABLE(macos(v))

NS_ASSUME_NONNULL_BEGIN

FOUNDATION_EXPORT NSErrorDomain const VZErrorDomain VZ_AVAIL(11.0);

typedef NS_ENUM(NSInteger, VZErrorCode) {
	VZErrorInternal = 1,
	VZErrorInvalidVirtualMachineConfiguration = 2,
	VZErrorInvalidVirtualMachineState = 3,
	VZErrorInvalidVirtualMachineStateTransition = 4,
	VZErrorInvalidDiskImage = 5,
	VZErrorVirtualMachineLimitExceeded VZ_AVAIL(12.0) = 6,
	VZErrorNetworkError VZ_AVAIL(13.0) = 7,
	VZErrorOutOfDiskSpace VZ_AVAIL(13.0) = 8,
	VZErrorOperationCancelled VZ_AVAIL(13.0) = 9,
	VZErrorNotSupported VZ_AVAIL(13.0) = 10,
	VZErrorSave VZ_AVAIL(14.0) = 11,
	VZErrorRestore VZ_AVAIL(14.0) = 12,
	VZErrorRestoreImageCatalogLoadFailed VZ_AVAIL(13.0) = 10001,
	VZErrorInvalidRestoreImageCatalog VZ_AVAIL(13.0) = 10002,
	VZErrorNoSupportedRestoreImagesInCatalog VZ_AVAIL(13.0) = 10003,
	VZErrorRestoreImageLoadFailed VZ_AVAIL(13.0) = 10004,
	VZErrorInvalidRestoreImage VZ_AVAIL(13.0) = 10005,
	VZErrorInstallationRequiresUpdate VZ_AVAIL(13.0) = 10006,
	VZErrorInstallationFailed VZ_AVAIL(13.0) = 10007,
	VZErrorNetworkBlockDeviceNegotiationFailed VZ_AVAIL(14.0) = 20001,
	VZErrorNetworkBlockDeviceDisconnected VZ_AVAIL(14.0) = 20002,
	VZErrorUSBControllerNotFound VZ_AVAIL(15.0) = 30001,
	VZErrorDeviceAlreadyAttached VZ_AVAIL(15.0) = 30002,
	VZErrorDeviceInitializationFailure VZ_AVAIL(15.0) = 30003,
	VZErrorDeviceNotFound VZ_AVAIL(15.0) = 30004,
} VZ_AVAIL(11.0);

/* ---- boot loaders ---- */
VZ_AVAIL(11.0) @interface VZBootLoader : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(12.0) @interface VZMacOSBootLoader : VZBootLoader
- (instancetype)init;
@end
#endif

VZ_AVAIL(11.0) @interface VZLinuxBootLoader : VZBootLoader
- (instancetype)initWithKernelURL:(NSURL *)kernelURL NS_DESIGNATED_INITIALIZER;
@property (copy) NSURL *kernelURL;
@property (copy) NSString *commandLine;
@property (nullable, copy) NSURL *initialRamdiskURL;
@end

typedef NS_OPTIONS(NSUInteger, VZEFIVariableStoreInitializationOptions) {
	VZEFIVariableStoreInitializationOptionAllowOverwrite = 1 << 0,
} VZ_AVAIL(13.0);

VZ_AVAIL(13.0) @interface VZEFIVariableStore : NSObject
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithURL:(NSURL *)URL NS_DESIGNATED_INITIALIZER;
- (nullable instancetype)initCreatingVariableStoreAtURL:(NSURL *)URL
						options:(VZEFIVariableStoreInitializationOptions)options
						  error:(NSError **)error NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(13.0) @interface VZEFIBootLoader : VZBootLoader
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (nullable, strong) VZEFIVariableStore *variableStore;
@end

/* ---- platforms ---- */
VZ_AVAIL(12.0) @interface VZPlatformConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(13.0) @interface VZGenericMachineIdentifier : NSObject
- (instancetype)init;
- (nullable instancetype)initWithDataRepresentation:(NSData *)dataRepresentation;
@property (readonly, copy) NSData *dataRepresentation;
@end

VZ_AVAIL(12.0) @interface VZGenericPlatformConfiguration : VZPlatformConfiguration
- (instancetype)init;
@property (copy) VZGenericMachineIdentifier *machineIdentifier VZ_AVAIL(13.0);
@property (class, readonly, getter=isNestedVirtualizationSupported) BOOL nestedVirtualizationSupported VZ_AVAIL(15.0);
@property (getter=isNestedVirtualizationEnabled) BOOL nestedVirtualizationEnabled VZ_AVAIL(15.0);
@end

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(12.0) @interface VZMacHardwareModel : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (nullable instancetype)initWithDataRepresentation:(NSData *)dataRepresentation;
@property (readonly, copy) NSData *dataRepresentation;
@property (readonly, getter=isSupported) BOOL supported;
@end
#endif

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(12.0) @interface VZMacMachineIdentifier : NSObject
- (instancetype)init;
- (nullable instancetype)initWithDataRepresentation:(NSData *)dataRepresentation;
@property (readonly, copy) NSData *dataRepresentation;
@end
#endif

#if defined(__arm64__)
typedef NS_OPTIONS(NSUInteger, VZMacAuxiliaryStorageInitializationOptions) {
	VZMacAuxiliaryStorageInitializationOptionAllowOverwrite = 1 << 0,
} VZ_AVAIL(12.0);
#endif

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(12.0) @interface VZMacAuxiliaryStorage : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithURL:(NSURL *)URL VZ_AVAIL(13.0);
- (nullable instancetype)initCreatingStorageAtURL:(NSURL *)URL
				    hardwareModel:(VZMacHardwareModel *)hardwareModel
					  options:(VZMacAuxiliaryStorageInitializationOptions)options
					    error:(NSError **)error;
@property (readonly, copy) NSURL *URL;
@end
#endif

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(12.0) @interface VZMacPlatformConfiguration : VZPlatformConfiguration
- (instancetype)init;
@property (copy) VZMacHardwareModel *hardwareModel;
@property (copy) VZMacMachineIdentifier *machineIdentifier;
@property (nullable, strong) VZMacAuxiliaryStorage *auxiliaryStorage;
@end
#endif

/* ---- storage ---- */
typedef NS_ENUM(NSInteger, VZDiskImageCachingMode) {
	VZDiskImageCachingModeAutomatic = 0,
	VZDiskImageCachingModeUncached = 1,
	VZDiskImageCachingModeCached = 2,
} VZ_AVAIL(12.0);

typedef NS_ENUM(NSInteger, VZDiskImageSynchronizationMode) {
	VZDiskImageSynchronizationModeFull = 1,
	VZDiskImageSynchronizationModeFsync = 2,
	VZDiskImageSynchronizationModeNone = 3,
} VZ_AVAIL(12.0);

VZ_AVAIL(11.0) @interface VZStorageDeviceAttachment : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(11.0) @interface VZDiskImageStorageDeviceAttachment : VZStorageDeviceAttachment
- (nullable instancetype)initWithURL:(NSURL *)url
			    readOnly:(BOOL)readOnly
			       error:(NSError **)error;
- (nullable instancetype)initWithURL:(NSURL *)url
			    readOnly:(BOOL)readOnly
			 cachingMode:(VZDiskImageCachingMode)cachingMode
		 synchronizationMode:(VZDiskImageSynchronizationMode)syncMode
			       error:(NSError **)error VZ_AVAIL(12.0);
@end

typedef NS_ENUM(NSInteger, VZDiskSynchronizationMode) {
	VZDiskSynchronizationModeFull = 0,
	VZDiskSynchronizationModeNone = 1,
} VZ_AVAIL(14.0);

@class VZNetworkBlockDeviceStorageDeviceAttachment;

VZ_AVAIL(14.0) @protocol VZNetworkBlockDeviceStorageDeviceAttachmentDelegate <NSObject>
@optional
- (void)attachmentWasConnected:(VZNetworkBlockDeviceStorageDeviceAttachment *)attachment;
- (void)attachment:(VZNetworkBlockDeviceStorageDeviceAttachment *)attachment
	didEncounterError:(NSError *)error;
@end

VZ_AVAIL(14.0) @interface VZNetworkBlockDeviceStorageDeviceAttachment : VZStorageDeviceAttachment
- (nullable instancetype)initWithURL:(NSURL *)URL
			     timeout:(NSTimeInterval)timeout
		      forcedReadOnly:(BOOL)forcedReadOnly
		 synchronizationMode:(VZDiskSynchronizationMode)synchronizationMode
			       error:(NSError **)error;
- (nullable instancetype)initWithURL:(NSURL *)URL error:(NSError **)error;
+ (BOOL)validateURL:(NSURL *)URL error:(NSError **)error;
@property (readonly, copy) NSURL *URL;
@property (nullable, weak) id<VZNetworkBlockDeviceStorageDeviceAttachmentDelegate> delegate;
@end

VZ_AVAIL(11.0) @interface VZStorageDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property (readonly, strong) VZStorageDeviceAttachment *attachment;
@end

VZ_AVAIL(11.0) @interface VZVirtioBlockDeviceConfiguration : VZStorageDeviceConfiguration
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithAttachment:(VZStorageDeviceAttachment *)attachment;
@end

/* ---- USB (hot-plug: macOS 15) ---- */
@class VZUSBController;

VZ_AVAIL(15.0) @protocol VZUSBDeviceConfiguration <NSObject>
@property (copy) NSUUID *uuid;
@end

VZ_AVAIL(15.0) @protocol VZUSBDevice <NSObject>
@property (readonly, nullable, weak) VZUSBController *usbController;
@property (readonly, copy) NSUUID *uuid;
@end

VZ_AVAIL(13.0) @interface VZUSBMassStorageDeviceConfiguration : VZStorageDeviceConfiguration <VZUSBDeviceConfiguration>
- (instancetype)initWithAttachment:(VZStorageDeviceAttachment *)attachment;
@end

VZ_AVAIL(15.0) @interface VZStorageDevice : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(15.0) @interface VZUSBMassStorageDevice : VZStorageDevice <VZUSBDevice>
- (instancetype)initWithConfiguration:(VZUSBMassStorageDeviceConfiguration *)configuration
	NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(15.0) @interface VZUSBControllerConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property (copy) NSArray<id<VZUSBDeviceConfiguration>> *usbDevices;
@end

VZ_AVAIL(15.0) @interface VZXHCIControllerConfiguration : VZUSBControllerConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(15.0) @interface VZUSBController : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (void)attachDevice:(id<VZUSBDevice>)device
   completionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler;
- (void)detachDevice:(id<VZUSBDevice>)device
   completionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler;
@property (readonly, copy) NSArray<id<VZUSBDevice>> *usbDevices;
@end

VZ_AVAIL(14.0) @interface VZNVMExpressControllerDeviceConfiguration : VZStorageDeviceConfiguration
- (instancetype)initWithAttachment:(VZStorageDeviceAttachment *)attachment;
@end

/* ---- network ---- */
VZ_AVAIL(11.0) @interface VZMACAddress : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (nullable instancetype)initWithString:(NSString *)string;
@property (readonly, copy) NSString *string;
@end

VZ_AVAIL(11.0) @interface VZNetworkDeviceAttachment : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(11.0) @interface VZNATNetworkDeviceAttachment : VZNetworkDeviceAttachment
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(11.0) @interface VZFileHandleNetworkDeviceAttachment : VZNetworkDeviceAttachment
- (instancetype)initWithFileHandle:(NSFileHandle *)fileHandle NS_DESIGNATED_INITIALIZER;
@property (readonly, strong) NSFileHandle *fileHandle;
@property NSInteger maximumTransmissionUnit VZ_AVAIL(13.0);
@end

VZ_AVAIL(11.0) @interface VZNetworkDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property (copy) VZMACAddress *MACAddress;
@property (nullable, strong) VZNetworkDeviceAttachment *attachment;
@end

VZ_AVAIL(11.0) @interface VZVirtioNetworkDeviceConfiguration : VZNetworkDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(12.0) @interface VZNetworkDevice : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property (nullable, strong) VZNetworkDeviceAttachment *attachment;
@end

/* ---- graphics, keyboards, pointing devices ---- */
VZ_AVAIL(12.0) @interface VZGraphicsDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZMacGraphicsDisplayConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithWidthInPixels:(NSInteger)widthInPixels
		       heightInPixels:(NSInteger)heightInPixels
			pixelsPerInch:(NSInteger)pixelsPerInch NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(12.0) @interface VZMacGraphicsDeviceConfiguration : VZGraphicsDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (copy) NSArray<VZMacGraphicsDisplayConfiguration *> *displays;
@end

VZ_AVAIL(13.0) @interface VZVirtioGraphicsScanoutConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithWidthInPixels:(NSInteger)widthInPixels
		       heightInPixels:(NSInteger)heightInPixels NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(13.0) @interface VZVirtioGraphicsDeviceConfiguration : VZGraphicsDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (copy) NSArray<VZVirtioGraphicsScanoutConfiguration *> *scanouts;
@end

VZ_AVAIL(12.0) @interface VZKeyboardConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZUSBKeyboardConfiguration : VZKeyboardConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(14.0) @interface VZMacKeyboardConfiguration : VZKeyboardConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end
#endif

VZ_AVAIL(12.0) @interface VZPointingDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZUSBScreenCoordinatePointingDeviceConfiguration : VZPointingDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(13.0) @interface VZMacTrackpadConfiguration : VZPointingDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end
#endif

/* ---- serial ports ---- */
VZ_AVAIL(11.0) @interface VZSerialPortAttachment : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(11.0) @interface VZFileHandleSerialPortAttachment : VZSerialPortAttachment
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithFileHandleForReading:(nullable NSFileHandle *)fileHandleForReading
			fileHandleForWriting:(nullable NSFileHandle *)fileHandleForWriting;
@end

VZ_AVAIL(11.0) @interface VZFileSerialPortAttachment : VZSerialPortAttachment
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (nullable instancetype)initWithURL:(NSURL *)url
			      append:(BOOL)shouldAppend
			       error:(NSError **)error;
@end

VZ_AVAIL(11.0) @interface VZSerialPortConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property (nullable, strong) VZSerialPortAttachment *attachment;
@end

VZ_AVAIL(11.0) @interface VZVirtioConsoleDeviceSerialPortConfiguration : VZSerialPortConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

/* ---- console devices and their ports (channels) ---- */
VZ_AVAIL(13.0) @interface VZConsolePortConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property (nullable, strong) VZSerialPortAttachment *attachment;
@end

VZ_AVAIL(13.0) @interface VZVirtioConsolePortConfiguration : VZConsolePortConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (nullable, copy) NSString *name;
@property BOOL isConsole;
@end

VZ_AVAIL(13.0) @interface VZVirtioConsolePortConfigurationArray : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property uint32_t maximumPortCount;
- (nullable VZVirtioConsolePortConfiguration *)objectAtIndexedSubscript:(NSUInteger)portIndex;
- (void)setObject:(nullable VZVirtioConsolePortConfiguration *)configuration
    atIndexedSubscript:(NSUInteger)portIndex;
@end

VZ_AVAIL(13.0) @interface VZConsoleDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(13.0) @interface VZVirtioConsoleDeviceConfiguration : VZConsoleDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (readonly, strong) VZVirtioConsolePortConfigurationArray *ports;
@end

VZ_AVAIL(13.0) @interface VZSpiceAgentPortAttachment : VZSerialPortAttachment
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property BOOL sharesClipboard;
@property (class, readonly, copy) NSString *spiceAgentPortName;
@end

/* ---- sound ---- */
VZ_AVAIL(12.0) @interface VZAudioDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZAudioOutputStreamSink : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZHostAudioOutputStreamSink : VZAudioOutputStreamSink
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(12.0) @interface VZAudioInputStreamSource : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZHostAudioInputStreamSource : VZAudioInputStreamSource
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(12.0) @interface VZVirtioSoundDeviceStreamConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZVirtioSoundDeviceOutputStreamConfiguration : VZVirtioSoundDeviceStreamConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (nullable, strong) VZAudioOutputStreamSink *sink;
@end

VZ_AVAIL(12.0) @interface VZVirtioSoundDeviceInputStreamConfiguration : VZVirtioSoundDeviceStreamConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (nullable, strong) VZAudioInputStreamSource *source;
@end

VZ_AVAIL(12.0) @interface VZVirtioSoundDeviceConfiguration : VZAudioDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (copy) NSArray<VZVirtioSoundDeviceStreamConfiguration *> *streams;
@end

/* ---- shared directories ---- */
VZ_AVAIL(12.0) @interface VZSharedDirectory : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithURL:(NSURL *)url readOnly:(BOOL)readOnly;
@end

VZ_AVAIL(12.0) @interface VZDirectoryShare : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZSingleDirectoryShare : VZDirectoryShare
- (instancetype)initWithDirectory:(VZSharedDirectory *)directory;
@end

VZ_AVAIL(12.0) @interface VZMultipleDirectoryShare : VZDirectoryShare
- (instancetype)init;
- (instancetype)initWithDirectories:(NSDictionary<NSString *, VZSharedDirectory *> *)directories
	NS_DESIGNATED_INITIALIZER;
@property (readonly, copy) NSDictionary<NSString *, VZSharedDirectory *> *directories;
+ (BOOL)validateName:(NSString *)name error:(NSError **)error;
+ (nullable NSString *)canonicalizedNameFromName:(NSString *)name;
@end

VZ_AVAIL(12.0) @interface VZDirectorySharingDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(12.0) @interface VZVirtioFileSystemDeviceConfiguration : VZDirectorySharingDeviceConfiguration
- (instancetype)initWithTag:(NSString *)tag NS_DESIGNATED_INITIALIZER;
+ (BOOL)validateTag:(NSString *)tag error:(NSError **)error;
@property (copy) NSString *tag;
@property (nullable, strong) VZDirectoryShare *share;
@property (class, readonly, copy) NSString *macOSGuestAutomountTag VZ_AVAIL(13.0);
@end

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
typedef NS_ENUM(NSInteger, VZLinuxRosettaAvailability) {
	VZLinuxRosettaAvailabilityNotSupported,
	VZLinuxRosettaAvailabilityNotInstalled,
	VZLinuxRosettaAvailabilityInstalled,
} VZ_AVAIL(13.0);

VZ_AVAIL(13.0) @interface VZLinuxRosettaDirectoryShare : VZDirectoryShare
- (nullable instancetype)initWithError:(NSError **)error NS_DESIGNATED_INITIALIZER;
+ (void)installRosettaWithCompletionHandler:(void (^)(NSError *_Nullable error))completionHandler;
@property (class, readonly) VZLinuxRosettaAvailability availability;
@end
#endif

/* ---- entropy, balloon, sockets ---- */
VZ_AVAIL(11.0) @interface VZEntropyDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(11.0) @interface VZVirtioEntropyDeviceConfiguration : VZEntropyDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(11.0) @interface VZMemoryBalloonDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(11.0) @interface VZVirtioTraditionalMemoryBalloonDeviceConfiguration : VZMemoryBalloonDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

VZ_AVAIL(11.0) @interface VZSocketDeviceConfiguration : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(11.0) @interface VZVirtioSocketDeviceConfiguration : VZSocketDeviceConfiguration
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@end

/* the running VM's socket device */
VZ_AVAIL(11.0) @interface VZSocketDevice : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@end

VZ_AVAIL(11.0) @interface VZVirtioSocketConnection : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property (readonly) uint32_t destinationPort;
@property (readonly) uint32_t sourcePort;
@property (readonly) int fileDescriptor;
- (void)close;
@end

@class VZVirtioSocketDevice, VZVirtioSocketListener;

VZ_AVAIL(11.0) @protocol VZVirtioSocketListenerDelegate <NSObject>
@optional
- (BOOL)listener:(VZVirtioSocketListener *)listener
	shouldAcceptNewConnection:(VZVirtioSocketConnection *)connection
		 fromSocketDevice:(VZVirtioSocketDevice *)socketDevice;
@end

VZ_AVAIL(11.0) @interface VZVirtioSocketListener : NSObject
- (instancetype)init NS_DESIGNATED_INITIALIZER;
@property (nullable, weak) id<VZVirtioSocketListenerDelegate> delegate;
@end

VZ_AVAIL(11.0) @interface VZVirtioSocketDevice : VZSocketDevice
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (void)setSocketListener:(VZVirtioSocketListener *)listener forPort:(uint32_t)port;
- (void)removeSocketListenerForPort:(uint32_t)port;
- (void)connectToPort:(uint32_t)port
    completionHandler:(void (^)(VZVirtioSocketConnection *_Nullable connection,
				NSError *_Nullable error))completionHandler;
@end

/* ---- the configuration ---- */
VZ_AVAIL(11.0) @interface VZVirtualMachineConfiguration : NSObject
- (instancetype)init;
@property (nullable, strong) VZBootLoader *bootLoader;
@property NSUInteger CPUCount;
@property uint64_t memorySize;
@property (strong) VZPlatformConfiguration *platform VZ_AVAIL(12.0);
@property (copy) NSArray<VZStorageDeviceConfiguration *> *storageDevices;
@property (copy) NSArray<VZNetworkDeviceConfiguration *> *networkDevices;
@property (copy) NSArray<VZGraphicsDeviceConfiguration *> *graphicsDevices VZ_AVAIL(12.0);
@property (copy) NSArray<VZKeyboardConfiguration *> *keyboards VZ_AVAIL(12.0);
@property (copy) NSArray<VZPointingDeviceConfiguration *> *pointingDevices VZ_AVAIL(12.0);
@property (copy) NSArray<VZSerialPortConfiguration *> *serialPorts;
@property (copy) NSArray<VZDirectorySharingDeviceConfiguration *> *directorySharingDevices VZ_AVAIL(12.0);
@property (copy) NSArray<VZEntropyDeviceConfiguration *> *entropyDevices;
@property (copy) NSArray<VZMemoryBalloonDeviceConfiguration *> *memoryBalloonDevices;
@property (copy) NSArray<VZSocketDeviceConfiguration *> *socketDevices;
@property (copy) NSArray<VZConsoleDeviceConfiguration *> *consoleDevices VZ_AVAIL(13.0);
@property (copy) NSArray<VZAudioDeviceConfiguration *> *audioDevices VZ_AVAIL(12.0);
@property (copy) NSArray<VZUSBControllerConfiguration *> *usbControllers VZ_AVAIL(15.0);
@property (class, readonly) NSUInteger minimumAllowedCPUCount;
@property (class, readonly) NSUInteger maximumAllowedCPUCount;
@property (class, readonly) uint64_t minimumAllowedMemorySize;
@property (class, readonly) uint64_t maximumAllowedMemorySize;
- (BOOL)validateWithError:(NSError **)error;
#if defined(__arm64__)
- (BOOL)validateSaveRestoreSupportWithError:(NSError **)error VZ_AVAIL(14.0);
#endif
@end

/* ---- the virtual machine ---- */
typedef NS_ENUM(NSInteger, VZVirtualMachineState) {
	VZVirtualMachineStateStopped = 0,
	VZVirtualMachineStateRunning = 1,
	VZVirtualMachineStatePaused = 2,
	VZVirtualMachineStateError = 3,
	VZVirtualMachineStateStarting = 4,
	VZVirtualMachineStatePausing = 5,
	VZVirtualMachineStateResuming = 6,
	VZVirtualMachineStateStopping VZ_AVAIL(12.0) = 7,
	VZVirtualMachineStateSaving VZ_AVAIL(14.0) = 8,
	VZVirtualMachineStateRestoring VZ_AVAIL(14.0) = 9,
} VZ_AVAIL(11.0);

@class VZVirtualMachine;

VZ_AVAIL(11.0) @protocol VZVirtualMachineDelegate <NSObject>
@optional
- (void)guestDidStopVirtualMachine:(VZVirtualMachine *)virtualMachine;
- (void)virtualMachine:(VZVirtualMachine *)virtualMachine
      didStopWithError:(NSError *)error;
- (void)virtualMachine:(VZVirtualMachine *)virtualMachine
		     networkDevice:(VZNetworkDevice *)networkDevice
	attachmentWasDisconnectedWithError:(NSError *)error VZ_AVAIL(12.0);
@end

VZ_AVAIL(13.0) @interface VZVirtualMachineStartOptions : NSObject
@end

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(13.0) @interface VZMacOSVirtualMachineStartOptions : VZVirtualMachineStartOptions
@property BOOL startUpFromMacOSRecovery;
@end
#endif

VZ_AVAIL(11.0) @interface VZVirtualMachine : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithConfiguration:(VZVirtualMachineConfiguration *)configuration;
- (instancetype)initWithConfiguration:(VZVirtualMachineConfiguration *)configuration
				queue:(dispatch_queue_t)queue NS_DESIGNATED_INITIALIZER;
@property (class, readonly, getter=isSupported) BOOL supported;
@property (readonly) VZVirtualMachineState state;
@property (nullable, weak) id<VZVirtualMachineDelegate> delegate;
@property (readonly) BOOL canStart;
@property (readonly) BOOL canPause;
@property (readonly) BOOL canResume;
@property (readonly) BOOL canRequestStop;
@property (readonly) BOOL canStop VZ_AVAIL(12.0);
@property (readonly, copy) NSArray<VZNetworkDevice *> *networkDevices VZ_AVAIL(12.0);
@property (readonly, copy) NSArray<VZSocketDevice *> *socketDevices;
@property (readonly, copy) NSArray<VZUSBController *> *usbControllers VZ_AVAIL(15.0);
- (void)startWithCompletionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler;
- (void)startWithOptions:(VZVirtualMachineStartOptions *)options
       completionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler VZ_AVAIL(13.0);
- (void)stopWithCompletionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler VZ_AVAIL(12.0);
- (void)pauseWithCompletionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler;
- (void)resumeWithCompletionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler;
#if defined(__arm64__)
- (void)restoreMachineStateFromURL:(NSURL *)saveFileURL
		 completionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler VZ_AVAIL(14.0);
- (void)saveMachineStateToURL:(NSURL *)saveFileURL
	    completionHandler:(void (^)(NSError *_Nullable errorOrNil))completionHandler VZ_AVAIL(14.0);
#endif
- (BOOL)requestStopWithError:(NSError **)error;
@end

/* ---- installing macOS ---- */
#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(12.0) @interface VZMacOSConfigurationRequirements : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
@property (readonly) VZMacHardwareModel *hardwareModel;
@property (readonly) NSUInteger minimumSupportedCPUCount;
@property (readonly) uint64_t minimumSupportedMemorySize;
@end
#endif

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(12.0) @interface VZMacOSRestoreImage : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
+ (void)loadFileURL:(NSURL *)fileURL
  completionHandler:(void (^)(VZMacOSRestoreImage *_Nullable restoreImage,
			      NSError *_Nullable error))completionHandler;
+ (void)fetchLatestSupportedWithCompletionHandler:(void (^)(VZMacOSRestoreImage *_Nullable restoreImage,
							    NSError *_Nullable error))completionHandler;
@property (readonly, copy) NSURL *URL;
@property (readonly, copy) NSString *buildVersion;
@property (readonly) NSOperatingSystemVersion operatingSystemVersion;
@property (readonly, getter=isSupported) BOOL supported VZ_AVAIL(13.0);
@property (readonly, nullable, copy) VZMacOSConfigurationRequirements *mostFeaturefulSupportedConfiguration VZ_AVAIL(12.0);
@end
#endif

#if defined(__arm64__) /* (Apple silicon only, as Apple's header) */
VZ_AVAIL(12.0) @interface VZMacOSInstaller : NSObject
+ (instancetype)new NS_UNAVAILABLE;
- (instancetype)init NS_UNAVAILABLE;
- (instancetype)initWithVirtualMachine:(VZVirtualMachine *)virtualMachine
		       restoreImageURL:(NSURL *)restoreImageFileURL NS_DESIGNATED_INITIALIZER;
- (void)installWithCompletionHandler:(void (^)(NSError *_Nullable error))completionHandler;
@property (readonly) NSProgress *progress;
@property (readonly) VZVirtualMachine *virtualMachine;
@property (readonly) NSURL *restoreImageURL;
@end
#endif

/* ---- its view (AppKit: main thread only) ---- */
VZ_AVAIL(12.0) @interface VZVirtualMachineView : NSView
@property (nullable, strong) VZVirtualMachine *virtualMachine;
@property BOOL capturesSystemKeys;
@property BOOL automaticallyReconfiguresDisplay VZ_AVAIL(14.0);
@end

NS_ASSUME_NONNULL_END

#endif
