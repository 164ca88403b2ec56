/* usb.c: raw disks plugged into a running guest's USB controller and pulled out again, over QMP. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/log.h"
#include "../../core/util.h"
#include "qemu.h"

#define USB_TIMEOUT_MS 10000

/* QEMU's names of slot's image (its block node) and its USB device */
static void names(unsigned slot, char node[16], char id[16])
{
	snprintf(node, 16, "usbdisk%u", slot);
	snprintf(id, 16, "usbdev%u", slot);
}

static void note(struct qusb *u, enum bridge_note n, const char *fmt,
		 const char *arg)
{
	bridge_note(u->vm->b->env.event_fd, u->vm->index, n, u->slot, fmt, arg);
}

/* a plug-in that failed: what QEMU may yet do of it undone (it runs its
   commands in order: one that timed out is done before these), the slot
   free again */
static void undo(struct qusb *u, bool device)
{
	char node[16], id[16];

	names(u->slot, node, id);
	if (device)
		qmp_send(&u->vm->qmp, "device_del",
			 json_pack("{s:s}", "id", id));
	qmp_send(&u->vm->qmp, "blockdev-del",
		 json_pack("{s:s}", "node-name", node));
	free(u->path);
	u->path = NULL;
}

static void plugged(void *data, int ret, json_t *r, const char *err)
{
	struct qusb *u = data;

	(void)r;
	if (ret) {
		note(u, BRIDGE_NOTE_USB_FAILED, "QEMU did not plug it in: %s",
		     err ? err : strerror(-ret));
		undo(u, ret == -ETIMEDOUT);
		return;
	}
	note(u, BRIDGE_NOTE_USB_ATTACHED, "%s", u->path);
}

static void opened(void *data, int ret, json_t *r, const char *err)
{
	struct qusb *u = data;
	char node[16], id[16];

	(void)r;
	if (ret) {
		note(u, BRIDGE_NOTE_USB_FAILED, "QEMU cannot open it: %s",
		     err ? err : strerror(-ret));
		undo(u, false);
		return;
	}
	names(u->slot, node, id);
	if (qmp_request(&u->vm->qmp, "device_add",
			json_pack("{s:s,s:s,s:s,s:s}", "driver", "usb-storage",
				  "bus", "usb.0", "drive", node, "id", id),
			-1, USB_TIMEOUT_MS, plugged, u) < 0) {
		note(u, BRIDGE_NOTE_USB_FAILED, "%s", "QEMU went away");
		undo(u, false);
	}
}

static void unplugging(void *data, int ret, json_t *r, const char *err)
{
	struct qusb *u = data;

	(void)r;
	/* (done: DEVICE_DELETED says when the guest has let it go) */
	if (ret && u->detaching) {
		u->detaching = false;
		u->until = 0;
		note(u, BRIDGE_NOTE_USB_FAILED, "QEMU did not pull it out: %s",
		     err ? err : strerror(-ret));
	}
}

static void released(void *data, int ret, json_t *r, const char *err)
{
	struct qusb *u = data;

	(void)r;
	if (ret)
		log_msg(LOG_WARNING, u->vm->m->name,
			"USB slot %u: the image stays open in QEMU: %s",
			u->slot, err ? err : strerror(-ret));
	note(u, BRIDGE_NOTE_USB_DETACHED, "%s", u->path);
	free(u->path);
	u->path = NULL;
}

int qemu_usb(struct bvm *vm, unsigned slot, const char *path)
{
	struct qusb *u = &vm->usb[slot < BRIDGE_USB_SLOTS ? slot : 0];
	char node[16], id[16];

	if (slot >= BRIDGE_USB_SLOTS || vm->state != VZH_STATE_RUNNING ||
	    !machine_first(vm->m, DEV_USB) || u->detaching ||
	    (path ? u->path != NULL : u->path == NULL))
		return -EINVAL;
	u->vm = vm;
	u->slot = slot;
	names(slot, node, id);
	if (!path) {
		u->detaching = true;
		u->until = util_now_ms() + USB_TIMEOUT_MS;
		return qmp_request(&vm->qmp, "device_del",
				   json_pack("{s:s}", "id", id), -1,
				   USB_TIMEOUT_MS, unplugging, u);
	}
	u->path = xstrdup(path);
	/* (a path with a comma is one value here: JSON, not an option) */
	return qmp_request(&vm->qmp, "blockdev-add",
			   json_pack("{s:s,s:s,s:{s:s,s:s}}", "driver", "raw",
				     "node-name", node, "file", "driver",
				     "file", "filename", path),
			   -1, USB_TIMEOUT_MS, opened, u);
}

long long qemu_usb_deadline(const struct bvm *vm)
{
	long long at = 0;
	unsigned i;

	for (i = 0; i < BRIDGE_USB_SLOTS; i++)
		if (vm->usb[i].detaching && vm->usb[i].until &&
		    (!at || vm->usb[i].until < at))
			at = vm->usb[i].until;
	return at;
}

/* a guest that holds on to a disk (QEMU waits for it to let go): the
   client is told, the disk stays; should QEMU let it go later, that is
   said then (DEVICE_DELETED) */
void qemu_usb_overdue(struct bvm *vm)
{
	long long now = util_now_ms();
	unsigned i;

	for (i = 0; i < BRIDGE_USB_SLOTS; i++)
		if (vm->usb[i].detaching && vm->usb[i].until &&
		    now >= vm->usb[i].until) {
			vm->usb[i].until = 0;
			note(&vm->usb[i], BRIDGE_NOTE_USB_FAILED, "%s",
			     "the guest did not let it go in time");
		}
}

void qemu_usb_deleted(struct bvm *vm, const char *id)
{
	struct qusb *u;
	char node[16], devid[16];
	unsigned slot;

	if (!id || strncmp(id, "usbdev", 6))
		return;
	slot = (unsigned)strtoul(id + 6, NULL, 10);
	if (slot >= BRIDGE_USB_SLOTS || !vm->usb[slot].detaching)
		return;
	u = &vm->usb[slot];
	u->detaching = false;
	names(slot, node, devid);
	if (qmp_request(&vm->qmp, "blockdev-del",
			json_pack("{s:s}", "node-name", node), -1,
			USB_TIMEOUT_MS, released, u) < 0)
		released(u, -EPIPE, NULL, "QEMU went away");
}
