/* qemu.c: one QEMU process per VM: launch, QMP events to states, stop, pause, save, restore. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../core/fd.h"
#include "../../core/log.h"
#include "../../core/os.h"
#include "../../core/proc.h"
#include "../../core/statedir.h"
#include "../../core/util.h"
#include "qemu.h"

#define QMP_FD 3 /* the QMP socket's number in QEMU */
#define QMP_TIMEOUT_MS \
	10000 /* QEMU answers in milliseconds; TCG boots slowly */
#define QUIT_GRACE_MS 3000 /* after `quit`, before SIGKILL */
#define SAVE_PROGRESS_MS 250 /* between two looks at a save under way */
#define HELPER_GRACE_MS 2000 /* a helper's SIGTERM, before SIGKILL */

static void emit(struct bvm *vm, enum vzh_state st, enum vzh_reason why,
		 int error, const char *detail)
{
	vm->state = st;
	bridge_emit(vm->b->env.event_fd, vm->index, st, why, error, "%s",
		    detail ? detail : "");
}

/* ---- processes ------------------------------------------------------------ */

/* keep[]: QMP's socket, then the devices' (3, 4, ... in QEMU); in: its
   standard input (the stdio console's), or -1 for /dev/null */
static void child_exec(char **argv, char **envp, int *keep, int nkeep, int in,
		       int out, int err, pid_t parent)
{
	int null = in >= 0 ? in : open("/dev/null", O_RDONLY),
	    high = QMP_FD + nkeep, i;

	/* our terminal's ^C is for vzhost, which stops its VMs itself */
	setpgid(0, 0);
	os_die_with(parent, proc_lifeline()); /* never outlive vzhost */
	/* all above their places first: one may sit where another goes */
	for (i = 0; i < nkeep; i++)
		keep[i] = fcntl(keep[i], F_DUPFD_CLOEXEC, high);
	out = fcntl(out, F_DUPFD_CLOEXEC, high);
	err = fcntl(err, F_DUPFD_CLOEXEC, high);
	null = fcntl(null, F_DUPFD_CLOEXEC, high);
	dup2(null, 0);
	dup2(out, 1);
	dup2(err, 2);
	for (i = 0; i < nkeep; i++)
		dup2(keep[i], QMP_FD + i);
	proc_close_from(high);
	execve(argv[0], argv, envp);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* where ephemeral disks' overlays go: the run directory, unless it is in
   memory (/run, $XDG_RUNTIME_DIR), where a guest writing its disk would
   take the host's RAM: then a private directory in /var/tmp */
static const char *overlay_dir(struct bvm *vm)
{
	unsigned long long need = 0, avail;
	const char *dir = vm->run_dir;
	struct statvfs fs;
	struct stat st;
	size_t i;

	for (i = 0; i < vm->m->ndevs; i++)
		if (vm->m->devs[i].cls == DEV_DISK &&
		    vm->m->devs[i].u.disk.ephemeral &&
		    stat(vm->m->devs[i].u.disk.path, &st) == 0)
			need += (unsigned long long)st.st_size;
	if (!need)
		return dir;
	if (!vm->scratch && os_in_memory(vm->run_dir)) {
		vm->scratch = xstrdup("/var/tmp/vzhost-overlay.XXXXXX");
		if (!mkdtemp(vm->scratch)) {
			free(vm->scratch);
			vm->scratch = NULL;
		}
	}
	if (vm->scratch)
		dir = vm->scratch;
	/* the overlays grow up to the images' size as the guest writes */
	if (statvfs(dir, &fs) == 0 &&
	    (avail = (unsigned long long)fs.f_bavail * fs.f_frsize) < need)
		log_msg(LOG_WARNING, vm->m->name,
			"ephemeral disks: %s has %llu MiB free, and the "
			"guest may write up to %llu MiB there",
			dir, avail >> 20, need >> 20);
	return dir;
}

/* our environment with one variable set (before fork: the child must not
   allocate) */
static char **child_env(char *set)
{
	extern char **environ;
	size_t n = 0, k = 0, len = strcspn(set, "=") + 1;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (n = 0; environ[n]; n++)
		if (strncmp(environ[n], set, len))
			env[k++] = environ[n];
	env[k] = set;
	return env;
}

/* a share's socket, listening before virtiofsd runs: QEMU's connection
   waits in its backlog, so nobody waits for virtiofsd to come up */
static int fs_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if ((ret = fd_setup(fd, false)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0) {
		ret = ret ? ret : -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int spawn_virtiofsd(struct bvm *vm, char **why)
{
	const struct machine *m = vm->m;
	struct argv a = { 0 };
	int fd = -1, ret = 0;
	pid_t pid, parent;
	char *sock;
	size_t i;

	for (i = 0; i < m->ndevs && !ret; i++) {
		if (m->devs[i].cls != DEV_SHARE)
			continue;
		sock = xasprintf("%s/fs%zu.sock", vm->run_dir, i);
		fd = fs_socket(sock);
		if (fd < 0) {
			*why = xasprintf("virtiofsd socket %s: %s", sock,
					 strerror(-fd));
			free(sock);
			return fd;
		}
		free(sock);
		virtiofsd_argv(vm->b->virtiofsd, QMP_FD,
			       m->devs[i].u.share.path, &a);
		parent = getpid();
		pid = proc_fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);

			/* it reports its normal exit as errors; a share it
			   cannot serve makes QEMU's start fail, with a reason */
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (fd == QMP_FD) /* its socket, as --fd says */
				fcntl(fd, F_SETFD, 0);
			else
				dup2(fd, QMP_FD);
			setpgid(0, 0);
			os_die_with(parent, proc_lifeline());
			proc_close_from(QMP_FD + 1);
			execv(a.v[0], a.v);
			_exit(127);
		}
		argv_free(&a);
		if (pid < 0) {
			ret = -errno;
			*why = xasprintf("virtiofsd: %s", strerror(errno));
		} else {
			vm->fsd = xrealloc(vm->fsd,
					   (vm->nfsd + 1) * sizeof(*vm->fsd));
			vm->fsd[vm->nfsd++] = pid;
		}
		close(fd);
	}
	return ret;
}

/* virtiofsd ends when QEMU is gone; one that does not is made to, and is
   never waited for (its group with it: the guard of os_die_with) */
static void reap_virtiofsd(struct bvm *vm)
{
	size_t i;

	for (i = 0; i < vm->nfsd; i++)
		proc_retire_group(vm->fsd[i], HELPER_GRACE_MS);
	vm->nfsd = 0;
}

/* QEMU was waited for: what is left of its process group goes too (the
   guard of os_die_with, a save's cat); the group's id is not reused while
   they live */
static void end_group(pid_t pid)
{
	if (pid > 0)
		kill(-pid, SIGKILL);
}

/* a QEMU given up on while it may run: killed, waited for (no zombie while
   vzhost runs on), with what it started */
static void end_qemu(struct bvm *vm)
{
	if (vm->pid <= 0)
		return;
	kill(vm->pid, SIGKILL);
	waitpid(vm->pid, NULL, 0);
	end_group(vm->pid);
	vm->pid = -1;
}

static int q_create(struct bridge *b, const struct machine *m, unsigned index,
		    struct bvm **out)
{
	struct bvm *vm = xcalloc(1, sizeof(*vm));
	char *why = NULL;

	vm->b = b;
	vm->m = m;
	vm->index = index;
	vm->pid = -1;
	vm->out_fd = vm->err_fd = vm->in_fd = -1;
	vm->qmp.fd = -1;
	vm->save_fd = vm->restore_fd = -1;
	vm->state = VZH_STATE_STOPPED;
	/* a fresh private directory per run: QEMU unlinks what sits at a
	   socket path and SIGKILL leaves stale sockets */
	vm->run_name = statedir_rundir(b->env.state_fd, m->name, "run", &why);
	if (!vm->run_name) {
		log_msg(LOG_ERR, m->name, "%s", why);
		free(why);
		free(vm);
		return -EEXIST;
	}
	vm->run_dir = xasprintf("%s/%s", b->env.state_dir, vm->run_name);
	if (m->boot.efi)
		vm->efi_vars = xstrdup(m->boot.efi_vars);
	*out = vm;
	return 0;
}

/* a VM's own copy of a template (the EFI variables), made once; what is
   there already is kept when it is a regular file */
static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), outfd, ret = 0;
	struct stat st;
	ssize_t n;

	if (in < 0)
		return -errno;
	outfd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     0600);
	if (outfd < 0) {
		ret = -errno;
		if (ret == -EEXIST)
			ret = lstat(to, &st) == 0 && S_ISREG(st.st_mode) ?
				      0 :
				      -EINVAL;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(outfd, buf, (size_t)n) != n) {
			ret = -EIO;
			break;
		}
	close(in);
	if (close(outfd) < 0 && !ret)
		ret = -errno;
	if (ret)
		unlink(to); /* half a copy would be taken for the VM's own */
	return ret;
}

/* the tail of QEMU's stderr, for a start that failed */
static const char *stderr_tail(struct bvm *vm)
{
	char *nl;

	qemu_collect_stderr(vm);
	vm->err[vm->errlen < sizeof(vm->err) ? vm->errlen :
					       sizeof(vm->err) - 1] = 0;
	while (vm->errlen && vm->err[vm->errlen - 1] == '\n')
		vm->err[--vm->errlen] = 0;
	if (!vm->errlen)
		return vm->last_err;
	nl = strrchr(vm->err, '\n');
	return nl ? nl + 1 : vm->err;
}

static void process_events(struct bvm *vm);

/* why QEMU did not come up: its error, its last word, or how it ended */
static char *failure(struct bvm *vm, const char *qerr, int ret)
{
	const char *tail = stderr_tail(vm);
	int status;

	if (qerr)
		return xasprintf("QEMU: %s", qerr);
	if (*tail)
		return xasprintf("QEMU: %s", tail);
	/* the channel closed: it is gone, or going (never wait on a live one) */
	if (ret == -EPIPE && vm->pid > 0) {
		kill(vm->pid, SIGKILL);
		if (waitpid(vm->pid, &status, 0) == vm->pid) {
			end_group(vm->pid);
			vm->pid = -1;
			if (WIFEXITED(status))
				return xasprintf("%s exited with status %d "
						 "before it answered",
						 vm->b->binary,
						 WEXITSTATUS(status));
		}
	}
	return xasprintf("QEMU: %s", strerror(-ret));
}

static void kill_now(struct bvm *vm)
{
	if (vm->pid > 0)
		kill(vm->pid, SIGKILL);
}

static void greeted(void *data, int ret, json_t *r, const char *err);

/* QEMU is started, the rest of the way goes as it answers (greeted) */
static int launch(struct bvm *vm, const char *incoming, char **why)
{
	struct launch l = { QMP_FD, incoming, vm->efi_vars, vm->run_dir, 0 };
	int sp[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int in[2] = { -1, -1 };
	struct argv a = { 0 };
	char **env = NULL, *tmpdir = NULL;
	int *keep = NULL, nkeep = 0;
	pid_t parent;
	size_t i;
	int ret;

	*why = NULL;
	l.vsock_cid = 3 + (unsigned)getpid() % 100000 * 64 + vm->index;
	if (machine_count(vm->m, DEV_VSOCK))
		log_msg(LOG_INFO, vm->m->name, "vsock: the guest's CID is %u",
			l.vsock_cid);
	if (vm->efi_vars &&
	    (ret = copy_file(vm->b->ovmf_vars, vm->efi_vars)) < 0) {
		*why = xasprintf("cannot create %s: %s", vm->efi_vars,
				 ret == -EINVAL ? "not a regular file" :
						  strerror(-ret));
		return ret;
	}
	if ((ret = spawn_virtiofsd(vm, why)) < 0)
		goto fail;
	if ((socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0 && (ret = -errno)) ||
	    (ret = fd_setup(sp[0], false)) < 0 ||
	    (ret = fd_setup(sp[1], false)) < 0 ||
	    (ret = fd_pipe(out, false)) < 0 ||
	    (ret = fd_pipe(err, false)) < 0 ||
	    (machine_stdio_console(vm->m) && (ret = fd_pipe(in, false)) < 0)) {
		*why = xasprintf("cannot set up QEMU's channels: %s",
				 strerror(-ret));
		goto fail;
	}
	qemu_build_argv(vm->b, vm->m, &l, &a);
	if (log_level >= LOG_DEBUG) {
		for (i = 0; i < a.n; i++)
			log_msg(LOG_DEBUG, vm->m->name, "argv[%zu] %s", i,
				a.v[i]);
	}
	keep = xcalloc(vm->m->ndevs + 1, sizeof(*keep));
	keep[nkeep++] = sp[1];
	for (i = 0; i < vm->m->ndevs; i++)
		if (vm->m->devs[i].fd >= 0)
			keep[nkeep++] = vm->m->devs[i].fd;
	/* ephemeral disks' overlays: in the run directory, gone with it */
	tmpdir = xasprintf("TMPDIR=%s", overlay_dir(vm));
	env = child_env(tmpdir);
	parent = getpid();
	vm->pid = proc_fork();
	if (vm->pid == 0)
		child_exec(a.v, env, keep, nkeep, in[0], out[1], err[1],
			   parent);
	argv_free(&a);
	free(keep);
	free(env);
	free(tmpdir);
	if (vm->pid < 0) {
		ret = -errno;
		*why = xasprintf("fork: %s", strerror(errno));
		goto fail;
	}
	close(sp[1]);
	close(out[1]);
	close(err[1]);
	sp[1] = out[1] = err[1] = -1;
	if (in[0] >= 0) { /* the core types into the console through it */
		close(in[0]);
		in[0] = -1;
		if (vm->in_fd >= 0) /* (a relaunch's predecessor) */
			close(vm->in_fd);
		vm->in_fd = in[1];
		in[1] = -1;
		fcntl(vm->in_fd, F_SETFL, O_NONBLOCK);
	}
	vm->out_fd = out[0];
	vm->err_fd = err[0];
	fcntl(vm->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(vm->err_fd, F_SETFL, O_NONBLOCK);
	qmp_init(&vm->qmp, sp[0]);
	/* the rest happens as QEMU answers: greeted, then set up (greeted) */
	qmp_greet(&vm->qmp, QMP_TIMEOUT_MS, greeted, vm);
	return 0;
fail:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (sp[i] >= 0)
			close(sp[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	reap_virtiofsd(vm);
	return ret;
}

/* after a failed start: wait for QEMU, then report it stopped */
static void start_failed(struct bvm *vm, int ret, char *why)
{
	qmp_cancel(&vm->qmp);
	end_qemu(vm);
	if (vm->restore_fd >= 0)
		close(vm->restore_fd);
	vm->restore_fd = -1;
	vm->restoring = false;
	reap_virtiofsd(vm);
	emit(vm, VZH_STATE_STOPPED, VZH_REASON_START_FAILED, ret, why);
	free(why);
}

/* a step of the start (or restore) that QEMU refused, or did not answer */
static bool step_failed(struct bvm *vm, int ret, const char *err)
{
	if (!ret)
		return false;
	start_failed(vm, ret, failure(vm, err, ret));
	return true;
}

static void started(void *data, int ret, json_t *r, const char *err)
{
	(void)r;
	step_failed(data, ret, err); /* RESUME, before this, says running */
}

static void incoming(void *data, int ret, json_t *r, const char *err)
{
	(void)r;
	step_failed(data, ret, err); /* a MIGRATION event tells the rest */
}

static void restore_fd_given(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	(void)r;
	close(vm->restore_fd);
	vm->restore_fd = -1;
	if (step_failed(vm, ret, err))
		return;
	ret = qmp_request(&vm->qmp, "migrate-incoming",
			  json_pack("{s:s}", "uri", "fd:state"), -1,
			  QMP_TIMEOUT_MS, incoming, vm);
	step_failed(vm, ret, NULL);
}

/* query-chardev: [{"label": "ser1", "filename": "pty:/dev/pts/3"}, ...],
   the pseudo-terminals of pty consoles (label serN, in device order) */
static void chardevs(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;
	const char *f;
	json_t *c;
	size_t i;

	(void)err;
	vm->nptys = 0;
	json_array_foreach(ret ? NULL : r, i, c)
	{
		f = json_string_value(json_object_get(c, "filename"));
		if (vm->nptys == BRIDGE_PTYS_MAX || !f ||
		    strncmp(f, "pty:", 4) ||
		    strncmp(json_string_value(json_object_get(c, "label")) ?:
									     "",
			    "ser", 3))
			continue;
		snprintf(vm->ptys[vm->nptys++], sizeof(vm->ptys[0]), "%s",
			 f + 4);
	}
}

/* set up: run it, or take the saved state in (QEMU 7.2 has no file: URI:
   it gets the open file) */
static void set_up(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	(void)r;
	if (step_failed(vm, ret, err))
		return;
	/* (no answer is no pty shown: not a failed start) */
	qmp_request(&vm->qmp, "query-chardev", NULL, -1, QMP_TIMEOUT_MS,
		    chardevs, vm);
	if (vm->restoring)
		ret = qmp_request(&vm->qmp, "getfd",
				  json_pack("{s:s}", "fdname", "state"),
				  vm->restore_fd, QMP_TIMEOUT_MS,
				  restore_fd_given, vm);
	else
		ret = qmp_request(&vm->qmp, "cont", NULL, -1, QMP_TIMEOUT_MS,
				  started, vm);
	step_failed(vm, ret, NULL);
}

/* MIGRATION events tell when a save or restore is done */
static void capabilities(struct bvm *vm)
{
	int ret = qmp_request(&vm->qmp, "migrate-set-capabilities",
			      json_pack("{s:[{s:s,s:b}]}", "capabilities",
					"capability", "events", "state", 1),
			      -1, QMP_TIMEOUT_MS, set_up, vm);

	step_failed(vm, ret, NULL);
}

/* -accel kvm falls back to TCG with one line on stderr: ask */
static void kvm_checked(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	if (step_failed(vm, ret, err))
		return;
	if (!json_is_true(json_object_get(r, "enabled"))) {
		start_failed(vm, -ENODEV, xstrdup("QEMU did not enable KVM"));
		return;
	}
	capabilities(vm);
}

static void greeted(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	(void)r;
	if (step_failed(vm, ret, err))
		return;
	if (strcmp(vm->b->accel, "kvm")) {
		capabilities(vm);
		return;
	}
	ret = qmp_request(&vm->qmp, "query-kvm", NULL, -1, QMP_TIMEOUT_MS,
			  kvm_checked, vm);
	step_failed(vm, ret, NULL);
}

static int q_start(struct bvm *vm)
{
	char *why = NULL;
	int ret;

	emit(vm, VZH_STATE_STARTING, VZH_REASON_HOST_REQUEST, 0, NULL);
	ret = launch(vm, NULL, &why);
	if (ret)
		start_failed(vm, ret, why);
	return ret;
}

static int q_restore(struct bvm *vm, const char *path)
{
	char *why = NULL;
	int ret;

	emit(vm, VZH_STATE_RESTORING, VZH_REASON_HOST_REQUEST, 0, NULL);
	/* checked again as it is opened: the core's look was by name */
	vm->restore_fd = statedir_read(AT_FDCWD, path, path, &why);
	if (vm->restore_fd < 0) {
		ret = vm->restore_fd;
		vm->restore_fd = -1;
		start_failed(vm, ret,
			     why ? why :
				   xasprintf("%s: %s", path, strerror(-ret)));
		return ret;
	}
	vm->restoring = true;
	ret = launch(vm, "defer", &why);
	if (ret)
		start_failed(vm, ret, why);
	return ret;
}

/* an operation QEMU refused or did not answer: the VM is where it was */
static void op_failed(struct bvm *vm, enum vzh_state back, const char *what,
		      int ret, const char *err)
{
	char *why =
		xasprintf("%s failed: %s", what, err ? err : strerror(-ret));

	log_msg(LOG_WARNING, vm->m->name, "%s", why);
	if (vm->pid > 0)
		emit(vm, back, VZH_REASON_NONE, ret, why);
	free(why);
}

static void paused(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	(void)r;
	if (ret && vm->state == VZH_STATE_PAUSING)
		op_failed(vm, VZH_STATE_RUNNING, "pause", ret, err);
}

static void resumed(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	(void)r;
	if (ret && vm->state == VZH_STATE_RESUMING)
		op_failed(vm, VZH_STATE_PAUSED, "resume", ret, err);
}

/* the power button: a guest that does not react is forced at stop_timeout */
static void button_pressed(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	(void)r;
	if (ret)
		log_msg(LOG_WARNING, vm->m->name,
			"the power button was not pressed: %s",
			err ? err : strerror(-ret));
}

static int q_request_stop(struct bvm *vm)
{
	/* (a resume or pause under way goes on: the button is pressed still) */
	if (vm->state != VZH_STATE_RUNNING && vm->state != VZH_STATE_PAUSED &&
	    vm->state != VZH_STATE_RESUMING && vm->state != VZH_STATE_PAUSING)
		return -EINVAL;
	vm->stop_requested = true;
	emit(vm, VZH_STATE_STOPPING, VZH_REASON_HOST_REQUEST, 0, NULL);
	return qmp_request(&vm->qmp, "system_powerdown", NULL, -1,
			   QMP_TIMEOUT_MS, button_pressed, vm);
}

static int q_stop(struct bvm *vm)
{
	bool starting = vm->state == VZH_STATE_STARTING ||
			vm->state == VZH_STATE_RESTORING;

	if (vm->pid <= 0)
		return -EINVAL;
	if (vm->quitting) { /* asked twice: no more patience */
		kill_now(vm);
		return 0;
	}
	vm->quitting = true;
	vm->kill_at = util_now_ms() + QUIT_GRACE_MS;
	qmp_cancel(&vm->qmp); /* a start, pause or save under way ends here */
	emit(vm, VZH_STATE_STOPPING, VZH_REASON_HOST_KILL, 0, NULL);
	/* the guest has not run yet (QEMU waits for `cont`): nothing to lose,
	   and a QEMU that never greeted would not read `quit` */
	if (starting || qmp_send(&vm->qmp, "quit", NULL) < 0)
		kill_now(vm);
	return 0;
}

static int q_pause(struct bvm *vm)
{
	if (vm->state != VZH_STATE_RUNNING)
		return -EINVAL;
	emit(vm, VZH_STATE_PAUSING, VZH_REASON_HOST_REQUEST, 0, NULL);
	return qmp_request(&vm->qmp, "stop", NULL, -1, QMP_TIMEOUT_MS, paused,
			   vm);
}

static void reset_done(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	(void)r;
	if (ret)
		log_msg(LOG_WARNING, vm->m->name,
			"the reset did not happen: %s",
			err ? err : strerror(-ret));
	else if (vm->state == VZH_STATE_RUNNING)
		emit(vm, VZH_STATE_RUNNING, VZH_REASON_HOST_REQUEST, 0,
		     "reset");
}

static int q_reset(struct bvm *vm)
{
	if (vm->state != VZH_STATE_RUNNING)
		return -EINVAL;
	/* (its RESET events are this reset, not a guest's reboot) */
	vm->last_reset = util_now_ms();
	return qmp_request(&vm->qmp, "system_reset", NULL, -1, QMP_TIMEOUT_MS,
			   reset_done, vm);
}

static int q_resume(struct bvm *vm)
{
	if (vm->state != VZH_STATE_PAUSED)
		return -EINVAL;
	emit(vm, VZH_STATE_RESUMING, VZH_REASON_HOST_REQUEST, 0, NULL);
	return qmp_request(&vm->qmp, "cont", NULL, -1, QMP_TIMEOUT_MS, resumed,
			   vm);
}

/* a save that did not happen: nothing half-written stays, the VM carries on
   as it was (running again when the save paused it) */
static void save_failed(struct bvm *vm, const char *why)
{
	if (vm->save_fd >= 0)
		close(vm->save_fd);
	vm->save_fd = -1;
	if (vm->save_tmp)
		unlink(vm->save_tmp);
	free(vm->save_tmp);
	vm->save_tmp = NULL;
	vm->saving = vm->paused_for_save = false;
	log_msg(LOG_ERR, vm->m->name, "save to %s failed: %s", vm->save_path,
		why);
	emit(vm, VZH_STATE_PAUSED, VZH_REASON_NONE, -EIO, why);
	if (vm->resume_after_save) {
		vm->resume_after_save = false;
		emit(vm, VZH_STATE_RESUMING, VZH_REASON_HOST_REQUEST, 0, NULL);
		qmp_request(&vm->qmp, "cont", NULL, -1, QMP_TIMEOUT_MS, resumed,
			    vm);
	}
}

/* a step of the save that QEMU refused or did not answer */
static bool save_step_failed(struct bvm *vm, int ret, const char *err)
{
	char *why;

	if (!ret)
		return false;
	why = xasprintf("QEMU: %s", err ? err : strerror(-ret));
	save_failed(vm, why);
	free(why);
	return true;
}

static void migrating(void *data, int ret, json_t *r, const char *err)
{
	(void)r;
	save_step_failed(data, ret, err); /* MIGRATION events tell the rest */
}

static void save_fd_given(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;

	(void)r;
	if (save_step_failed(vm, ret, err))
		return;
	ret = qmp_request(&vm->qmp, "migrate",
			  json_pack("{s:s}", "uri", "fd:state"), -1,
			  QMP_TIMEOUT_MS, migrating, vm);
	save_step_failed(vm, ret, NULL);
}

/* the state goes to a new file beside its place, which it takes only once
   complete and on disk; QEMU gets the open file (getfd), then migrates */
static void start_migration(struct bvm *vm)
{
	char *dir = util_dirname(vm->save_path), *why;
	const char *base = strrchr(vm->save_path, '/');
	int ret;

	vm->save_tmp = xasprintf("%s/.%s.XXXXXX", dir,
				 base ? base + 1 : vm->save_path);
	free(dir);
	vm->save_fd = mkostemp(vm->save_tmp, O_CLOEXEC);
	if (vm->save_fd < 0) {
		why = xasprintf("%s", strerror(errno));
		free(vm->save_tmp);
		vm->save_tmp = NULL;
		save_failed(vm, why);
		free(why);
		return;
	}
	ret = qmp_request(&vm->qmp, "getfd",
			  json_pack("{s:s}", "fdname", "state"), vm->save_fd,
			  QMP_TIMEOUT_MS, save_fd_given, vm);
	save_step_failed(vm, ret, NULL);
}

/* the migration is over: the state is made stable, then put in its place */
static int finish_save(struct bvm *vm, char **why)
{
	char *dir = util_dirname(vm->save_path);
	int dfd, ret = 0;

	if (fsync(vm->save_fd) < 0 || rename(vm->save_tmp, vm->save_path) < 0)
		ret = -errno;
	else if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd); /* the rename itself */
		close(dfd);
	}
	free(dir);
	if (ret) {
		*why = xasprintf("%s", strerror(-ret));
		return ret;
	}
	free(vm->save_tmp);
	vm->save_tmp = NULL;
	close(vm->save_fd);
	vm->save_fd = -1;
	return 0;
}

/* why QEMU's migration failed, in its words */
static void migration_failed(void *data, int ret, json_t *r, const char *err)
{
	const char *desc = json_string_value(json_object_get(r, "error-desc"));

	(void)ret, (void)err;
	save_failed(data, desc ? desc : "QEMU's migration failed");
}

static void continue_save(struct bvm *vm)
{
	emit(vm, VZH_STATE_SAVING, VZH_REASON_HOST_REQUEST, 0, NULL);
	start_migration(vm);
}

static int q_save(struct bvm *vm, const char *path)
{
	if (vm->state != VZH_STATE_RUNNING && vm->state != VZH_STATE_PAUSED)
		return -EINVAL;
	free(vm->save_path);
	vm->save_path = xstrdup(path);
	vm->saving = true;
	vm->save_done = vm->save_total = 0;
	vm->progress_at = util_now_ms() + SAVE_PROGRESS_MS;
	vm->resume_after_save = vm->state == VZH_STATE_RUNNING;
	if (vm->state == VZH_STATE_RUNNING) {
		/* VZ saves paused machines only: pause first, as it does */
		vm->paused_for_save = true;
		return q_pause(vm); /* the STOP event continues the save */
	}
	continue_save(vm);
	process_events(vm);
	return 0;
}

/* ---- events --------------------------------------------------------------- */

/* the device index of QEMU's NIC "netN" (argv.c numbers the NICs in device
   order), or -1 */
static int nic_device(const struct machine *m, const char *id)
{
	unsigned long n;
	char *end;
	size_t i;

	if (!id || strncmp(id, "net", 3) || !isdigit((unsigned char)id[3]))
		return -1;
	n = strtoul(id + 3, &end, 10);
	if (*end)
		return -1;
	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].cls == DEV_NET && n-- == 0)
			return (int)i;
	return -1;
}

static void on_event(struct bvm *vm, json_t *ev)
{
	const char *name = json_string_value(json_object_get(ev, "event"));
	json_t *data = json_object_get(ev, "data");
	const char *status, *reason;

	if (!name)
		return;
	if (log_level >= LOG_DEBUG) {
		char *text = json_dumps(ev, JSON_COMPACT);

		log_msg(LOG_DEBUG, vm->m->name, "qmp event %s", text);
		free(text);
	}
	if (!strcmp(name, "SHUTDOWN")) {
		reason = json_string_value(json_object_get(data, "reason"));
		vm->shutdown_seen = true;
		snprintf(vm->guest_reason, sizeof(vm->guest_reason), "%s",
			 reason ? reason : "");
	} else if (!strcmp(name, "STOP")) {
		if (vm->saving && vm->paused_for_save) {
			vm->paused_for_save = false;
			emit(vm, VZH_STATE_PAUSED, VZH_REASON_HOST_REQUEST, 0,
			     NULL);
			continue_save(vm);
		} else if (vm->state == VZH_STATE_PAUSING ||
			   vm->state == VZH_STATE_RUNNING) {
			emit(vm, VZH_STATE_PAUSED, VZH_REASON_HOST_REQUEST, 0,
			     NULL);
		}
	} else if (!strcmp(name, "RESUME")) {
		if (vm->state == VZH_STATE_STARTING ||
		    vm->state == VZH_STATE_RESUMING ||
		    vm->state == VZH_STATE_PAUSED)
			emit(vm, VZH_STATE_RUNNING, VZH_REASON_HOST_REQUEST, 0,
			     NULL);
	} else if (!strcmp(name, "RESET")) {
		/* one reboot of the guest shows as two RESETs some 50 ms apart
		   (the firmware resets again on the way up): report one */
		if (json_is_true(json_object_get(data, "guest")) &&
		    util_now_ms() - vm->last_reset > 1000)
			emit(vm, vm->state, VZH_REASON_GUEST_REBOOT, 0,
			     "the guest rebooted");
		vm->last_reset = util_now_ms();
	} else if (!strcmp(name, "DEVICE_DELETED")) {
		qemu_usb_deleted(
			vm, json_string_value(json_object_get(data, "device")));
	} else if (!strcmp(name, "NETDEV_STREAM_DISCONNECTED")) {
		/* a stream NIC's server closed its end: QEMU 7.2 cannot
		   connect a NIC anew (its netdev has no reconnect yet); the
		   guest is shown its link down, as VZ shows a NIC without an
		   attachment (QEMU itself leaves the NIC's link up) */
		const char *id =
			json_string_value(json_object_get(data, "netdev-id"));
		int dev = nic_device(vm->m, id);

		if (dev < 0)
			return;
		qmp_send(&vm->qmp, "set_link",
			 json_pack("{s:s,s:b}", "name", id, "up", 0));
		bridge_note(vm->b->env.event_fd, vm->index,
			    BRIDGE_NOTE_NET_DOWN, (unsigned)dev,
			    "its server closed the socket (QEMU cannot "
			    "attach it anew)");
	} else if (!strcmp(name, "GUEST_PANICKED")) {
		emit(vm, VZH_STATE_ERROR, VZH_REASON_CRASHED, -EFAULT,
		     "the guest kernel panicked");
		vm->quitting = true;
		vm->kill_at = util_now_ms() + QUIT_GRACE_MS;
		qmp_send(&vm->qmp, "quit", NULL);
	} else if (!strcmp(name, "MIGRATION")) {
		status = json_string_value(json_object_get(data, "status"));
		if (!status)
			return;
		if (!strcmp(status, "completed") && vm->saving) {
			char *why = NULL;

			if (finish_save(vm, &why) < 0) {
				save_failed(vm, why);
				free(why);
				return;
			}
			vm->quitting = true; /* the state is on disk: done */
			vm->kill_at = util_now_ms() + QUIT_GRACE_MS;
			qmp_send(&vm->qmp, "quit", NULL);
		} else if (!strcmp(status, "completed") && vm->restoring) {
			vm->restoring = false;
			emit(vm, VZH_STATE_PAUSED, VZH_REASON_RESTORED, 0,
			     NULL);
		} else if (!strcmp(status, "failed") && vm->saving) {
			if (qmp_request(&vm->qmp, "query-migrate", NULL, -1,
					QMP_TIMEOUT_MS, migration_failed,
					vm) < 0)
				save_failed(vm, "QEMU's migration failed");
		} else if (!strcmp(status, "failed") && vm->restoring) {
			vm->restoring = false;
			emit(vm, VZH_STATE_ERROR, VZH_REASON_START_FAILED, -EIO,
			     "restoring failed: not a state file of this machine?");
			vm->quitting = true;
			vm->kill_at = util_now_ms() + QUIT_GRACE_MS;
			qmp_send(&vm->qmp, "quit", NULL);
		}
	}
}

static void process_events(struct bvm *vm)
{
	json_t *ev;

	while ((ev = qmp_next_event(&vm->qmp))) {
		on_event(vm, ev);
		json_decref(ev);
	}
}

static void exited(struct bvm *vm, int status)
{
	enum vzh_reason why;
	char detail[96];
	const char *tail;

	vm->pid = -1;
	/* gone before it was up (and not because we ended it): the start
	   failed, in QEMU's words if any */
	if (!vm->quitting && (vm->state == VZH_STATE_STARTING ||
			      vm->state == VZH_STATE_RESTORING)) {
		tail = stderr_tail(vm);
		start_failed(
			vm, -EPIPE,
			*tail ? xasprintf("QEMU: %s", tail) :
			WIFEXITED(status) ?
				xasprintf("%s exited with status %d "
					  "before it answered",
					  vm->b->binary, WEXITSTATUS(status)) :
				xasprintf("%s killed by signal %d before "
					  "it answered",
					  vm->b->binary, WTERMSIG(status)));
		return;
	}
	bridge_console_read(vm->index, vm->out_fd, vm->out, sizeof(vm->out),
			    &vm->outlen);
	qemu_pass_output(vm, true);
	qemu_log_stderr(vm, true);
	qmp_pump(&vm->qmp);
	process_events(vm);
	reap_virtiofsd(vm);
	if (WIFSIGNALED(status))
		snprintf(detail, sizeof(detail), "qemu killed by signal %d",
			 WTERMSIG(status));
	else
		snprintf(detail, sizeof(detail), "qemu exited with status %d",
			 WEXITSTATUS(status));
	if (vm->saving && vm->quitting) {
		vm->saving = false;
		emit(vm, VZH_STATE_STOPPED, VZH_REASON_SAVED, 0, NULL);
		return;
	}
	if (vm->quitting) {
		why = vm->state == VZH_STATE_ERROR ? VZH_REASON_CRASHED :
						     VZH_REASON_HOST_KILL;
		emit(vm, VZH_STATE_STOPPED, why, 0, NULL);
		return;
	}
	if (vm->shutdown_seen && !strcmp(vm->guest_reason, "guest-shutdown")) {
		emit(vm, VZH_STATE_STOPPED,
		     vm->stop_requested ? VZH_REASON_HOST_REQUEST :
					  VZH_REASON_GUEST_SHUTDOWN,
		     0, NULL);
		return;
	}
	if (vm->shutdown_seen && !strcmp(vm->guest_reason, "host-signal")) {
		emit(vm, VZH_STATE_STOPPED, VZH_REASON_SIGNAL, 0, detail);
		return;
	}
	/* gone without saying why: killed from outside, or QEMU died */
	emit(vm, VZH_STATE_ERROR, VZH_REASON_CRASHED, -EPIPE, detail);
	emit(vm, VZH_STATE_STOPPED, VZH_REASON_CRASHED, -EPIPE, detail);
}

static int q_pollfds(struct bvm *vm, struct pollfd *fds, int max,
		     int *timeout_ms)
{
	long long at[4];
	int n = 0;

	/* its exit wakes the loop as SIGCHLD */

	if (vm->pid <= 0 || max < 3)
		return 0;
	if (!vm->qmp.eof)
		fds[n++] =
			(struct pollfd){ .fd = vm->qmp.fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = vm->out_fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = vm->err_fd, .events = POLLIN };
	/* the kill, what QEMU owes us, and the next look at a save */
	at[0] = vm->kill_at;
	at[1] = qmp_deadline(&vm->qmp);
	at[2] = vm->saving && !vm->progress_asked ? vm->progress_at : 0;
	at[3] = qemu_usb_deadline(vm);
	for (int k = 0; k < 4; k++)
		if (at[k])
			util_lower_timeout(timeout_ms, at[k] - util_now_ms());

	return n;
}

/* what the migration has sent so far, for ctl status (and a save's bar) */
static void progress_got(void *data, int ret, json_t *r, const char *err)
{
	struct bvm *vm = data;
	json_t *ram = json_object_get(r, "ram");

	(void)err;
	vm->progress_asked = false;
	/* the next look a while after this answer, however late it came */
	vm->progress_at = util_now_ms() + SAVE_PROGRESS_MS;

	if (ret < 0 || !vm->saving || !ram)
		return;
	vm->save_done = (uint64_t)json_integer_value(
		json_object_get(ram, "transferred"));
	vm->save_total =
		(uint64_t)json_integer_value(json_object_get(ram, "total"));
}

static void ask_progress(struct bvm *vm)
{
	/* (not once `quit` is sent: a QEMU on its way out answers no more) */
	if (!vm->saving || vm->quitting || !vm->progress_at ||
	    vm->progress_asked || util_now_ms() < vm->progress_at)
		return;
	vm->progress_at = util_now_ms() + SAVE_PROGRESS_MS;
	vm->progress_asked = qmp_request(&vm->qmp, "query-migrate", NULL, -1,
					 QMP_TIMEOUT_MS, progress_got, vm) == 0;
}

static void q_dispatch(struct bvm *vm, const struct pollfd *fds, int n)
{
	int i, status;

	if (vm->pid <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == vm->out_fd) {
			bridge_console_read(vm->index, vm->out_fd, vm->out,
					    sizeof(vm->out), &vm->outlen);
			qemu_pass_output(vm, false);
		} else if (fds[i].fd == vm->err_fd) {
			qemu_log_stderr(vm, false);
		} else if (fds[i].fd == vm->qmp.fd) {
			qmp_pump(&vm->qmp);
			process_events(
				vm); /* RESUME comes before cont's reply */
		}
	}
	/* replies that came, and requests overdue: their steps go on */
	qmp_dispatch(&vm->qmp);
	process_events(vm);
	ask_progress(vm);
	qemu_usb_overdue(vm);
	if (vm->pid <= 0)
		return; /* a start given up on */
	if (vm->kill_at && util_now_ms() >= vm->kill_at) {
		vm->kill_at = 0;
		log_msg(LOG_WARNING, vm->m->name,
			"QEMU did not quit within %d ms: killing it",
			QUIT_GRACE_MS);
		kill_now(vm);
	}
	if (waitpid(vm->pid, &status, WNOHANG) == vm->pid) {
		end_group(vm->pid);
		exited(vm, status);
	}
}

static void q_destroy(struct bvm *vm)
{
	if (!vm)
		return;
	end_qemu(vm);
	reap_virtiofsd(vm);
	qmp_close(&vm->qmp);
	if (vm->out_fd >= 0)
		close(vm->out_fd);
	if (vm->err_fd >= 0)
		close(vm->err_fd);
	if (vm->in_fd >= 0)
		close(vm->in_fd);
	statedir_rmrun(vm->b->env.state_fd, vm->run_name);
	free(vm->run_name);
	free(vm->run_dir);
	if (vm->scratch)
		statedir_rmrun(AT_FDCWD, vm->scratch);
	free(vm->scratch);
	free(vm->efi_vars);
	for (unsigned i = 0; i < BRIDGE_USB_SLOTS; i++)
		free(vm->usb[i].path);
	if (vm->save_fd >= 0)
		close(vm->save_fd);
	if (vm->save_tmp)
		unlink(vm->save_tmp); /* a save cut short by the end */
	free(vm->save_tmp);
	free(vm->save_path);
	free(vm->fsd);
	free(vm);
}

/* QEMU cannot migrate a vhost-user-fs device */
static bool q_can_save(const struct machine *m, char **why)
{
	size_t i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].cls == DEV_SHARE) {
			*why = xasprintf("QEMU cannot save a VM with a "
					 "virtio-fs share (tag \"%s\")",
					 m->devs[i].u.share.tag);
			return false;
		} else if (m->devs[i].cls == DEV_CLIPBOARD) {
			/* (QEMU 7.2: "The vdagent chardev doesn't yet
			   support migration") */
			*why = xasprintf("QEMU cannot save a VM with the "
					 "clipboard's agent (qemu-vdagent, %s)",
					 m->devs[i].origin.loc);
			return false;
		}
	return true;
}

static const char *const accels[] = { "auto", "kvm", "hvf", "tcg", NULL };

static const struct bridge_key keys[] = {
	{ "accel", BRIDGE_KEY_ENUM, accels },
	{ "qemu", BRIDGE_KEY_PROGRAM, NULL },
	{ "virtiofsd", BRIDGE_KEY_PATH, NULL },
	{ NULL, 0, NULL },
};

/* what QEMU takes in the state it is in (VZ's canStart, canPause, ...) */
static int q_console_in(struct bvm *vm)
{
	return vm->pid > 0 ? vm->in_fd : -1;
}

static void q_info(struct bvm *vm, struct bridge_info *out)
{
	static const unsigned can[VZH_STATE_COUNT] = {
		[VZH_STATE_STOPPED] = BRIDGE_CAN_START,
		[VZH_STATE_STARTING] = BRIDGE_CAN_STOP,
		[VZH_STATE_RUNNING] = BRIDGE_CAN_PAUSE |
				      BRIDGE_CAN_REQUEST_STOP | BRIDGE_CAN_STOP,
		/* (q_request_stop's states) */
		[VZH_STATE_PAUSING] = BRIDGE_CAN_REQUEST_STOP | BRIDGE_CAN_STOP,
		[VZH_STATE_PAUSED] = BRIDGE_CAN_RESUME |
				     BRIDGE_CAN_REQUEST_STOP | BRIDGE_CAN_STOP,
		[VZH_STATE_RESUMING] = BRIDGE_CAN_REQUEST_STOP |
				       BRIDGE_CAN_STOP,
		[VZH_STATE_STOPPING] = BRIDGE_CAN_STOP,
		[VZH_STATE_SAVING] = BRIDGE_CAN_STOP,
		[VZH_STATE_RESTORING] = BRIDGE_CAN_STOP,
	};

	out->can = can[vm->state];
	/* a stop already asked for is not asked again */
	if (vm->stop_requested)
		out->can &= ~(unsigned)BRIDGE_CAN_REQUEST_STOP;
	memcpy(out->ptys, vm->ptys, sizeof(out->ptys));
	out->nptys = vm->nptys;
	if (vm->saving) {
		out->save_done = vm->save_done;
		out->save_total = vm->save_total;
	}
}

const struct bridge_ops qemu_bridge = {
	.name = "qemu",
	.keys = keys,
	.probe = qemu_probe,
	.validate = qemu_validate,
	.create = q_create,
	.start = q_start,
	.request_stop = q_request_stop,
	.stop = q_stop,
	.reset = q_reset,
	.usb = qemu_usb,
	.pause = q_pause,
	.resume = q_resume,
	.can_save = q_can_save,
	.save = q_save,
	.restore = q_restore,
	.info = q_info,
	.console_in = q_console_in,
	.destroy = q_destroy,
	.pollfds = q_pollfds,
	.dispatch = q_dispatch,
	.free = qemu_free,
};
