/* install.m: vzhost install: a macOS guest's bundle from a restore image (a file, or the latest this Mac supports, downloaded resumably). */
#import "vzm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/log.h"
#include "../../core/progress.h"
#include "../../core/util.h"
#include "vz.h"

#define IMAGE "RestoreImage.ipsw" /* the download, in the bundle */

static bool isatty_err(void)
{
	return isatty(STDERR_FILENO);
}

static void show(struct progress *p, uint64_t done)
{
	char line[160];

	progress_format(p, done, util_now_ms(), line, sizeof(line));
	if (line[0])
		fputs(line, stderr);
}

/* ---- the download: resumable, into the bundle ---- */

@interface VZHDownload : NSObject <NSURLSessionDataDelegate> {
@public
	int _fd;
	uint64_t _have; /* bytes already in the file */
	bool _complete; /* it was all there already */
	struct progress _progress;
	NSString *_error;
	dispatch_semaphore_t _done;
}
@end

@implementation VZHDownload

- (void)URLSession:(NSURLSession *)session
		  dataTask:(NSURLSessionDataTask *)dataTask
	didReceiveResponse:(NSURLResponse *)response
	 completionHandler:(void (^)(NSURLSessionResponseDisposition))completionHandler
{
	NSHTTPURLResponse *http = (NSHTTPURLResponse *)response;
	NSInteger status = http.statusCode;
	long long rest = response.expectedContentLength;
	NSString *range;

	(void)session, (void)dataTask;
	if (status == 416) { /* nothing past what we have: complete? */
		range = [http valueForHTTPHeaderField:@"Content-Range"];
		if (range && [range isEqualToString:[NSString stringWithFormat:@"bytes */%llu",
										(unsigned long long)_have]]) {
			_complete = true;
			completionHandler(NSURLSessionResponseCancel);
			return;
		}
		/* not the file we thought we had part of: anew, next time */
		if (ftruncate(_fd, 0) == 0)
			_have = 0;
		_error = @"the partial download does not match the server's file (removed)";
		completionHandler(NSURLSessionResponseCancel);
		return;
	}
	if (status == 200 && _have) { /* the server does not resume: anew */
		if (ftruncate(_fd, 0) < 0 || lseek(_fd, 0, SEEK_SET) < 0) {
			_error = [NSString stringWithFormat:@"cannot restart the download: %s", strerror(errno)];
			completionHandler(NSURLSessionResponseCancel);
			return;
		}
		_have = 0;
	} else if (status != 200 && status != 206) {
		_error = [NSString stringWithFormat:@"the server answered HTTP %ld", (long)status];
		completionHandler(NSURLSessionResponseCancel);
		return;
	}
	_progress.total = rest > 0 ? _have + (uint64_t)rest : 0;
	_progress.start_done = _have;
	_progress.start_ms = util_now_ms();
	completionHandler(NSURLSessionResponseAllow);
}

- (void)URLSession:(NSURLSession *)session dataTask:(NSURLSessionDataTask *)dataTask didReceiveData:(NSData *)data
{
	const char *p = data.bytes;
	size_t left = data.length;
	ssize_t n;

	(void)session;
	while (left && !_error) {
		n = write(_fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) { /* a full disk: what is written stays, for a resume */
			_error = [NSString stringWithFormat:@"cannot write the restore image: %s",
							    strerror(errno)];
			[dataTask cancel];
			return;
		}
		p += n;
		left -= (size_t)n;
		_have += (uint64_t)n;
	}
	if (_progress.total)
		show(&_progress, _have < _progress.total ? _have : _progress.total - 1);
}

- (void)URLSession:(NSURLSession *)session task:(NSURLSessionTask *)task didCompleteWithError:(NSError *)error
{
	(void)session, (void)task;
	if (error && !_error && !_complete)
		_error = error.localizedDescription;
	dispatch_semaphore_signal(_done);
}

@end

/* what path was downloaded from: a resume appends to the same image only
   (Apple's "latest" moves on between runs) */
static bool same_source(NSURL *url, const char *path)
{
	char *from = xasprintf("%s.url", path);
	NSData *had = [[NSData alloc] initWithContentsOfURL:vzm_file_url(from)];
	NSString *now = url.absoluteString;
	NSData *want = [NSData dataWithBytes:now.UTF8String length:strlen(now.UTF8String)];
	bool same = had && [had isEqualToData:want];

	if (!same)
		[want writeToURL:vzm_file_url(from) atomically:YES];
	free(from);
	return same;
}

/* url into path, resuming what an earlier run left there */
static int download(NSURL *url, const char *path, struct diag *d)
{
	VZHDownload *dl = [[VZHDownload alloc] init];
	NSMutableURLRequest *req = [NSMutableURLRequest requestWithURL:url];
	bool resume = same_source(url, path);
	NSURLSession *session;
	struct stat st;
	int err;

	dl->_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (dl->_fd < 0 || fstat(dl->_fd, &st) < 0 || (!resume && ftruncate(dl->_fd, 0) < 0)) {
		err = errno;
		diag_add(d, NULL, "%s: %s", path, strerror(err));
		if (dl->_fd >= 0)
			close(dl->_fd);
		return -err;
	}
	if (!resume)
		st.st_size = 0;
	dl->_have = (uint64_t)st.st_size;
	dl->_done = dispatch_semaphore_create(0);
	dl->_progress = (struct progress){ .what = "downloading", .bytes = true, .tty = isatty_err() };
	if (dl->_have) {
		fprintf(stderr, "resuming the download of %s\n", path);
		[req setValue:[NSString stringWithFormat:@"bytes=%llu-", (unsigned long long)dl->_have]
			forHTTPHeaderField:@"Range"];
	}
	session = [NSURLSession sessionWithConfiguration:NSURLSessionConfiguration.defaultSessionConfiguration
						delegate:dl
					   delegateQueue:nil];
	[[session dataTaskWithRequest:req] resume];
	dispatch_semaphore_wait(dl->_done, DISPATCH_TIME_FOREVER);
	[session finishTasksAndInvalidate];
	if (vzm_sync(dl->_fd) < 0 && !dl->_error)
		dl->_error = [NSString stringWithFormat:@"%s", strerror(errno)];
	close(dl->_fd);
	if (dl->_error) {
		diag_add(d, NULL, "downloading %s failed: %s (run vzhost install again to resume)",
			 url.absoluteString.UTF8String, dl->_error.UTF8String);
		return -EIO;
	}
	if (dl->_complete)
		fprintf(stderr, "%s is complete already\n", path);
	else if (dl->_progress.total)
		show(&dl->_progress, dl->_progress.total);
	return 0;
}

/* ---- the restore image ---- */

/* the URL of the latest macOS this Mac supports (Apple's catalogue) */
static NSURL *latest(struct diag *d)
{
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block NSURL *url = nil;
	__block NSString *why = nil;

	/* (its completion handler runs on a queue of the framework's) */
	[VZMacOSRestoreImage fetchLatestSupportedWithCompletionHandler:^(VZMacOSRestoreImage *img, NSError *e) {
		url = img.URL;
		why = e.localizedDescription;
		dispatch_semaphore_signal(done);
	}];
	dispatch_semaphore_wait(done, DISPATCH_TIME_FOREVER);
	if (!url)
		diag_add(d, NULL, "cannot find the latest restore image for this Mac: %s",
			 why ? why.UTF8String : "no answer");
	return url;
}

static VZMacOSRestoreImage *load(const char *path, struct diag *d)
{
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block VZMacOSRestoreImage *image = nil;
	__block NSString *why = nil;

	[VZMacOSRestoreImage loadFileURL:vzm_file_url(path)
		       completionHandler:^(VZMacOSRestoreImage *img, NSError *e) {
			       image = img;
			       why = e.localizedDescription;
			       dispatch_semaphore_signal(done);
		       }];
	dispatch_semaphore_wait(done, DISPATCH_TIME_FOREVER);
	if (!image)
		diag_add(d, NULL, "%s is not a macOS restore image: %s", path,
			 why ? why.UTF8String : "unreadable");
	return image;
}

/* ---- the bundle ---- */

static const char *const identity[] = { "HardwareModel", "MachineIdentifier", "AuxiliaryStorage",
					"Requirements", "Disk.img", VZ_INSTALLING };

/* an install cut short leaves nothing the next one trips on (the download
   stays, to resume) */
static void undo(const char *bundle)
{
	size_t i;

	for (i = 0; i < sizeof(identity) / sizeof(identity[0]); i++) {
		char *p = util_path_join(bundle, identity[i]);

		unlink(p);
		free(p);
	}
}

static int write_data(NSData *data, const char *bundle, const char *name, struct diag *d)
{
	char *p = util_path_join(bundle, name);
	int ret = [data writeToURL:vzm_file_url(p) atomically:YES] ? 0 : -EIO;

	if (ret)
		diag_add(d, NULL, "cannot write %s", p);
	free(p);
	return ret;
}

/* a new identity from the image's hardware model, the disk, and what the
   image needs; -EEXIST when the bundle already holds an installed guest */
static int create_bundle(const struct machine *m, VZMacOSConfigurationRequirements *req, struct diag *d)
{
	const char *bundle = m->macos_bundle;
	char *hw = util_path_join(bundle, "HardwareModel"), *mark = util_path_join(bundle, VZ_INSTALLING);
	char *aux = util_path_join(bundle, "AuxiliaryStorage");
	NSError *e = nil;
	int fd, ret = 0;
	size_t i;

	if (access(hw, F_OK) == 0 && access(mark, F_OK) != 0) {
		diag_add(d, m->loc[ML_MACOS],
			 "%s already holds an installed guest: remove the bundle to install "
			 "afresh",
			 bundle);
		ret = -EEXIST;
		goto out;
	}
	if (mkdir(bundle, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		diag_add(d, m->loc[ML_MACOS], "cannot create %s: %s", bundle, strerror(-ret));
		goto out;
	}
	undo(bundle); /* what an install cut short left */
	fd = open(mark, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		diag_add(d, NULL, "%s: %s", mark, strerror(-ret));
		goto out;
	}
	close(fd);
	if ((ret = write_data(req.hardwareModel.dataRepresentation, bundle, "HardwareModel", d)) ||
	    (ret = write_data([[VZMacMachineIdentifier alloc] init].dataRepresentation, bundle,
			      "MachineIdentifier", d)))
		goto out;
	if (![[VZMacAuxiliaryStorage alloc] initCreatingStorageAtURL:vzm_file_url(aux)
						       hardwareModel:req.hardwareModel
							     options:0
							       error:&e]) {
		diag_add(d, NULL, "cannot create %s: %s", aux, e.localizedDescription.UTF8String);
		ret = -EIO;
		goto out;
	}
	/* the image's minimums: what a guest without figures of its own
	   takes, whatever this install was given */
	if ((ret = vz_bundle_write_req(bundle, (unsigned)req.minimumSupportedCPUCount,
				       req.minimumSupportedMemorySize)) < 0) {
		diag_add(d, NULL, "%s: cannot record the image's requirements: %s", bundle,
			 strerror(-ret));
		goto out;
	}
	/* the bundle's disk, sparse, as a start would create it */
	for (i = 0; i < m->ndevs; i++) {
		const struct vzh_disk *disk = &m->devs[i].u.disk;

		if (m->devs[i].cls != DEV_DISK || strcmp(m->devs[i].origin.kind, "macos"))
			continue;
		fd = open(disk->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)disk->size) < 0) {
			ret = -errno;
			diag_add(d, NULL, "cannot create %s: %s", disk->path, strerror(-ret));
		}
		if (fd >= 0)
			close(fd);
	}
out:
	free(hw);
	free(mark);
	free(aux);
	return ret;
}

/* ---- the installer, on the VM's queue ---- */

static int run_installer(struct bridge *b, const struct machine *m, const char *image, struct diag *d)
{
	struct vzm_io io = { .dry = true }; /* no console while installing */
	dispatch_queue_t queue = dispatch_queue_create(m->name, DISPATCH_QUEUE_SERIAL);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	struct progress p = { .what = "installing", .total = PROGRESS_FRACTION, .tty = isatty_err() };
	__block VZMacOSInstaller *installer = nil;
	__block NSError *failure = nil;
	VZVirtualMachineConfiguration *c;
	struct vz_error_class cls;
	struct vz_plan plan;
	NSString *why = nil;
	NSURL *url = vzm_file_url(image);
	int ret;

	if ((ret = vz_plan_make(m, vzm_bridge_host(b), &plan, d)) < 0)
		return ret;
	c = vzm_configuration(&plan, m, &io, &why);
	vz_plan_free(&plan);
	if (!c) {
		diag_add(d, m->loc[ML_VM], "Virtualization.framework refuses this VM: %s",
			 why.UTF8String);
		return -EINVAL;
	}
	p.start_ms = util_now_ms();
	/* created and run on the VM's queue, as the framework asserts */
	dispatch_async(queue, ^{
		VZVirtualMachine *vm = [[VZVirtualMachine alloc] initWithConfiguration:c queue:queue];

		installer = [[VZMacOSInstaller alloc] initWithVirtualMachine:vm restoreImageURL:url];
		[installer installWithCompletionHandler:^(NSError *e) {
			failure = e;
			dispatch_semaphore_signal(done);
		}];
	});
	while (dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 500 * NSEC_PER_MSEC))) {
		__block double f = 0;

		dispatch_sync(queue, ^{
			f = installer.progress.fractionCompleted;
		});
		show(&p, f >= 1 ? PROGRESS_FRACTION - 1 : (uint64_t)(f * PROGRESS_FRACTION));
	}
	/* the VM goes on its queue, as it lived */
	dispatch_sync(queue, ^{
		installer = nil;
	});
	if (failure) {
		why = vzm_error_text(failure, &cls);
		diag_add(d, NULL, "installing %s failed: %s", image, why.UTF8String);
		return -EIO;
	}
	show(&p, PROGRESS_FRACTION);
	return 0;
}

static int install(struct bridge *b, const struct machine *m, const char *ipsw, struct diag *d)
{
	char *cache = util_path_join(m->macos_bundle, IMAGE), *mark = NULL;
	const char *image = ipsw;
	VZMacOSConfigurationRequirements *req;
	VZMacOSRestoreImage *img;
	NSOperatingSystemVersion v;
	uint64_t memory;
	unsigned cpus;
	NSURL *url;
	int ret;

	if (!strcmp(ipsw, "latest")) {
		if (mkdir(m->macos_bundle, 0700) < 0 && errno != EEXIST) {
			ret = -errno;
			diag_add(d, m->loc[ML_MACOS], "cannot create %s: %s", m->macos_bundle,
				 strerror(-ret));
			goto out;
		}
		url = latest(d);
		if (!url) {
			ret = -EIO;
			goto out;
		}
		fprintf(stderr, "restore image: %s\n", url.absoluteString.UTF8String);
		if ((ret = download(url, cache, d)) < 0)
			goto out;
		image = cache;
	}
	if (!(img = load(image, d))) {
		ret = -EINVAL;
		goto out;
	}
	v = img.operatingSystemVersion;
	req = img.mostFeaturefulSupportedConfiguration;
	if (!req || !req.hardwareModel.supported) {
		diag_add(d, NULL,
			 "this Mac cannot run macOS %ld.%ld (%s) from %s: a later macOS on the host, "
			 "or an older restore image, is needed",
			 (long)v.majorVersion, (long)v.minorVersion, img.buildVersion.UTF8String,
			 image);
		ret = -ENOTSUP;
		goto out;
	}
	if ((ret = vz_install_fit(m, (unsigned)req.minimumSupportedCPUCount,
				  req.minimumSupportedMemorySize, &cpus, &memory, d)) < 0)
		goto out;
	if ((ret = create_bundle(m, req, d)) < 0) {
		if (ret != -EEXIST)
			undo(m->macos_bundle);
		goto out;
	}
	fprintf(stderr, "installing macOS %ld.%ld (%s) into %s: %u CPUs, %llu MiB\n",
		(long)v.majorVersion, (long)v.minorVersion, img.buildVersion.UTF8String,
		m->macos_bundle, cpus, (unsigned long long)(memory >> 20));
	if ((ret = run_installer(b, m, image, d)) < 0) {
		undo(m->macos_bundle);
		goto out;
	}
	mark = util_path_join(m->macos_bundle, VZ_INSTALLING);
	unlink(mark);
	/* the download served its purpose; a given file is the user's */
	if (image == cache && unlink(cache) == 0) {
		free(mark);
		mark = xasprintf("%s.url", cache);
		unlink(mark);
		fprintf(stderr, "removed the downloaded %s\n", cache);
	}
out:
	free(cache);
	free(mark);
	return ret;
}

int vzm_install(struct bridge *b, const struct machine *m, const char *ipsw, struct diag *d)
{
	@autoreleasepool {
		return install(b, m, ipsw, d);
	}
}
