/* backend.h: a VM's device ends for one run (backend pairs, server sockets), the plugins' run directory and helper processes. */
#ifndef VZH_BACKEND_H
#define VZH_BACKEND_H

struct plugin;
struct runner;
struct vmrun;

/* the run under way (helpers and run directories need it); NULL after */
void backend_attach(struct runner *r);
/* api->run_dir: STATE_DIR/VM.plug.PID, made at the VM's start; NULL for a
   VM this host does not have */
const char *backend_run_dir(struct plugin *p, const char *vm);
/* api->spawn, api->helper (flags: enum vzh_helper_flags) */
int backend_spawn(struct plugin *p, const char *vm, const char *const *argv,
		  const char *listen, unsigned flags);
/* before the bridge creates v: every backend's pair made and handed to its
   plugin, every socket NIC connected; 0, or -errno with *why (nothing of it
   left open) */
int backend_open(struct runner *r, struct vmrun *v, char **why);
/* v stopped (or its start is off): the sockets closed, the plugins told,
   its helpers ended, its run directory removed */
void backend_close(struct runner *r, struct vmrun *v);
/* helpers that exited on their own: logged and forgotten (each turn) */
void backend_reap(void);
/* at exit: every helper ended, everything freed */
void backend_free(void);

#endif
