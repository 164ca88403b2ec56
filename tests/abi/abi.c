/* abi.c: static asserts of every published offset, size and value of the plugin ABI (LP64). */
#include <stddef.h>
#include <stdio.h>
#include <vzhost/plugin.h>

/*
 * A change that moves a field breaks every plugin built before it: this file
 * fails to compile first.  Appending a field means adding a line here and
 * bumping VZH_ABI_MINOR; anything else means a new major.
 */
#define AT(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), #type "." #field)
#define SIZE(type, n) \
	_Static_assert(sizeof(struct type) == (n), "sizeof " #type)
#define VAL(expr, v) _Static_assert((expr) == (v), #expr)

_Static_assert(sizeof(void *) == 8, "the asserted layout is LP64's");

VAL(VZH_ABI_MAJOR, 1);
VAL(VZH_ABI_MINOR, 4);
VAL(VZH_ABI_VERSION, 0x10004);
VAL(VZH_PLUGIN_MAGIC, 0x505a4856u);

AT(vzh_plugin, magic, 0);
AT(vzh_plugin, abi, 4);
AT(vzh_plugin, struct_size, 8);
AT(vzh_plugin, reserved0, 12);
AT(vzh_plugin, name, 16);
AT(vzh_plugin, version, 24);
AT(vzh_plugin, summary, 32);
AT(vzh_plugin, license, 40);
AT(vzh_plugin, init, 48);
AT(vzh_plugin, fini, 56);
AT(vzh_plugin, settings_keys, 64); /* 1.1 (reserved[0] in 1.0) */
AT(vzh_plugin, reserved, 72);
SIZE(vzh_plugin, 128);

AT(vzh_disk, struct_size, 0);
AT(vzh_disk, read_only, 4);
AT(vzh_disk, path, 8);
AT(vzh_disk, size, 16);
AT(vzh_disk, cache, 24);
AT(vzh_disk, sync, 28);
AT(vzh_disk, iface, 32);
AT(vzh_disk, ephemeral, 36); /* 1.1 (reserved0 in 1.0) */
AT(vzh_disk, nbd_socket, 40); /* 1.1 */
AT(vzh_disk, nbd_export, 48);
SIZE(vzh_disk, 56);

AT(vzh_backend, struct_size, 0); /* 1.1 */
AT(vzh_backend, open, 8);
AT(vzh_backend, close, 16);
AT(vzh_backend, data, 24);
SIZE(vzh_backend, 32);

AT(vzh_net, struct_size, 0);
AT(vzh_net, attach, 4);
AT(vzh_net, mac, 8);
AT(vzh_net, reserved0, 14);
AT(vzh_net, socket_type, 16); /* 1.1 */
AT(vzh_net, path, 24);
AT(vzh_net, backend, 32);
AT(vzh_net, nforwards, 64); /* 1.2 */
AT(vzh_net, forwards, 72);
SIZE(vzh_net, 80);
AT(vzh_forward, proto, 0); /* 1.2 */
AT(vzh_forward, host_port, 4);
AT(vzh_forward, guest_port, 6);
AT(vzh_forward, host_addr, 8);
SIZE(vzh_forward, 16);
VAL(VZH_PROTO_TCP, 0);
VAL(VZH_PROTO_UDP, 1);
VAL(VZH_FORWARDS_MAX, 16);
VAL(VZH_NET_NAT, 0);
VAL(VZH_NET_SOCKET, 1);
VAL(VZH_NET_BACKEND, 2);
VAL(VZH_SOCKET_DGRAM, 0);
VAL(VZH_SOCKET_STREAM, 1);

AT(vzh_graphics, struct_size, 0);
AT(vzh_graphics, width, 4);
AT(vzh_graphics, height, 8);
AT(vzh_graphics, ppi, 12);
AT(vzh_graphics, display, 16); /* 1.1 */
SIZE(vzh_graphics, 20);
VAL(VZH_DISPLAY_HEADLESS, 0);
VAL(VZH_DISPLAY_WINDOW, 1);

AT(vzh_keyboard, struct_size, 0);
AT(vzh_keyboard, reserved0, 4);
SIZE(vzh_keyboard, 8);

AT(vzh_pointer, struct_size, 0);
AT(vzh_pointer, type, 4);
SIZE(vzh_pointer, 8);

AT(vzh_serial, struct_size, 0);
AT(vzh_serial, output, 4);
AT(vzh_serial, path, 8);
AT(vzh_serial, backend, 16); /* 1.1 */
SIZE(vzh_serial, 48);
VAL(VZH_SERIAL_BACKEND, 4);

AT(vzh_prop, name, 0); /* 1.1 */
AT(vzh_prop, type, 8);
AT(vzh_prop, str, 16);
AT(vzh_prop, num, 24);
SIZE(vzh_prop, 32);
AT(vzh_hvdev, struct_size, 0);
AT(vzh_hvdev, nprops, 4);
AT(vzh_hvdev, bridge, 8);
AT(vzh_hvdev, group, 16);
AT(vzh_hvdev, driver, 24);
AT(vzh_hvdev, props, 32);
SIZE(vzh_hvdev, 40);
VAL(VZH_WATCH_READ, 1);
VAL(VZH_WATCH_WRITE, 2);

AT(vzh_share, struct_size, 0);
AT(vzh_share, read_only, 4);
AT(vzh_share, tag, 8);
AT(vzh_share, path, 16);
SIZE(vzh_share, 24);

AT(vzh_simple, struct_size, 0);
AT(vzh_simple, reserved0, 4);
SIZE(vzh_simple, 8);
AT(vzh_vsock, struct_size, 0); /* 1.1 */
AT(vzh_vsock, nports, 4);
AT(vzh_vsock, ports, 8);
SIZE(vzh_vsock, 16);
AT(vzh_vsock_port, port, 0);
AT(vzh_vsock_port, dir, 4);
AT(vzh_vsock_port, path, 8);
SIZE(vzh_vsock_port, 16);

AT(vzh_kind, struct_size, 0);
AT(vzh_kind, flags, 4); /* 1.1 (reserved0 in 1.0) */
AT(vzh_kind, name, 8);
AT(vzh_kind, keys, 16);
AT(vzh_kind, contribute, 24);
SIZE(vzh_kind, 32);

AT(vzh_event_info, struct_size, 0);
AT(vzh_event_info, event, 4);
AT(vzh_event_info, state, 8);
AT(vzh_event_info, prev_state, 12);
AT(vzh_event_info, reason, 16);
AT(vzh_event_info, reserved0, 20);
AT(vzh_event_info, vm, 24);
AT(vzh_event_info, timestamp_ns, 32);
SIZE(vzh_event_info, 40);

/* 1.3 */
AT(vzh_transition, struct_size, 0);
AT(vzh_transition, event, 4);
AT(vzh_transition, state, 8);
AT(vzh_transition, prev_state, 12);
AT(vzh_transition, reason, 16);
AT(vzh_transition, reserved0, 20);
AT(vzh_transition, vm, 24);
AT(vzh_transition, seq, 32);
AT(vzh_transition, timestamp_ns, 40);
AT(vzh_transition, detail, 48);
AT(vzh_transition, json, 56);
SIZE(vzh_transition, 64);

AT(vzh_machine, struct_size, 0);
AT(vzh_machine, guest, 4);
AT(vzh_machine, name, 8);
AT(vzh_machine, node, 16);
AT(vzh_machine, cpus, 24);
AT(vzh_machine, nested, 28);
AT(vzh_machine, memory, 32);
AT(vzh_machine, ndevices, 40);
AT(vzh_machine, reserved0, 44);
SIZE(vzh_machine, 48);

AT(vzh_api, struct_size, 0);
AT(vzh_api, abi, 4);
AT(vzh_api, get_string, 8);
AT(vzh_api, get_int64, 16);
AT(vzh_api, get_bool, 24);
AT(vzh_api, get_size, 32);
AT(vzh_api, get_path, 40);
AT(vzh_api, get_enum, 48);
AT(vzh_api, child, 56);
AT(vzh_api, list_len, 64);
AT(vzh_api, list_elem, 72);
AT(vzh_api, where, 80);
AT(vzh_api, error, 88);
AT(vzh_api, register_kind, 96);
AT(vzh_api, subscribe, 104);
AT(vzh_api, device_node, 112);
AT(vzh_api, device_vm, 120);
AT(vzh_api, device_index, 128);
AT(vzh_api, device_guest, 136);
AT(vzh_api, emit_disk, 144);
AT(vzh_api, emit_net, 152);
AT(vzh_api, emit_graphics, 160);
AT(vzh_api, emit_keyboard, 168);
AT(vzh_api, emit_pointer, 176);
AT(vzh_api, emit_serial, 184);
AT(vzh_api, emit_share, 192);
AT(vzh_api, emit_entropy, 200);
AT(vzh_api, emit_balloon, 208);
AT(vzh_api, emit_vsock, 216);
AT(vzh_api, log, 224);
AT(vzh_api, set_error, 232);
AT(vzh_api, check_keys, 240); /* 1.1 */
AT(vzh_api, state_name, 248);
AT(vzh_api, reason_name, 256);
AT(vzh_api, event_name, 264);
AT(vzh_api, member_name, 272);
AT(vzh_api, emit_hvdev, 280);
AT(vzh_api, watch, 288);
AT(vzh_api, timer, 296);
AT(vzh_api, timer_cancel, 304);
AT(vzh_api, spawn, 312);
AT(vzh_api, run_dir, 320);
AT(vzh_api, mode, 328);
AT(vzh_api, machine_json, 336);
AT(vzh_api, config_path, 344);
AT(vzh_api, control_path, 352);
AT(vzh_api, vm_action, 360);
AT(vzh_api, validator, 368); /* 1.3 */
AT(vzh_api, subscribe_all, 376); /* 1.3 */
AT(vzh_api, derive_mac, 384); /* 1.3 */
AT(vzh_api, vm_request, 392); /* 1.3 */
AT(vzh_api, helper, 400); /* 1.3 */
AT(vzh_api, emit_channel, 408); /* 1.3 */
AT(vzh_api, emit_sound, 416); /* 1.4 */
AT(vzh_api, emit_clipboard, 424); /* 1.4 */
AT(vzh_api, emit_rosetta, 432); /* 1.4 */
AT(vzh_api, emit_usb, 440); /* 1.4 */
SIZE(vzh_api, 448);
VAL(VZH_HELPER_ENDS_WITH_VM, 1);
AT(vzh_channel, struct_size, 0); /* 1.3 */
AT(vzh_channel, reserved0, 4);
AT(vzh_channel, name, 8);
AT(vzh_channel, backend, 16);
SIZE(vzh_channel, 48);
AT(vzh_sound, struct_size, 0); /* 1.4 */
AT(vzh_sound, output, 4);
AT(vzh_sound, input, 8);
AT(vzh_sound, record, 16);
SIZE(vzh_sound, 24);
AT(vzh_rosetta, struct_size, 0); /* 1.4 */
AT(vzh_rosetta, tag, 8);
SIZE(vzh_rosetta, 16);
VAL(VZH_CHANNEL_NAME_MAX, 63);
VAL(VZH_CHANNELS_MAX, 16);

AT(vzh_helper, struct_size, 0);
AT(vzh_helper, flags, 4);
AT(vzh_helper, vm, 8);
AT(vzh_helper, argv, 16);
AT(vzh_helper, listen, 24);
SIZE(vzh_helper, 32);
VAL(VZH_MODE_LIST, 0);
VAL(VZH_MODE_CHECK, 1);
VAL(VZH_MODE_RUN, 2);
VAL(VZH_ACTION_REQUEST_STOP, 0);
VAL(VZH_ACTION_STOP, 1);
VAL(VZH_ACTION_PAUSE, 2);
VAL(VZH_ACTION_RESUME, 3);
VAL(VZH_ACTION_SAVE, 4);
VAL(VZH_ACTION_RESTART, 5); /* 1.3 */
VAL(VZH_ACTION_RESET, 6);
VAL(VZH_ACTION_START, 7);
VAL(VZH_REASON_WORD_MAX, 32);
AT(vzh_request, struct_size, 0); /* 1.3 */
AT(vzh_request, action, 4);
AT(vzh_request, vm, 8);
AT(vzh_request, path, 16);
AT(vzh_request, reason, 24);
SIZE(vzh_request, 32);

/* enum values travel in uint32_t fields and in hook-script environments */
VAL(VZH_GUEST_MACOS, 1);
VAL(VZH_CACHE_UNCACHED, 2);
VAL(VZH_SYNC_NONE, 2);
VAL(VZH_DISK_USB, 2);
VAL(VZH_NET_NAT, 0);
VAL(VZH_POINTER_TRACKPAD, 1);
VAL(VZH_SERIAL_FILE, 3);
VAL(VZH_SHARE_TAG_MAX, 35);
VAL(VZH_STATE_STOPPED, 0);
VAL(VZH_STATE_RUNNING, 2);
VAL(VZH_STATE_ERROR, 9);
VAL(VZH_STATE_COUNT, 10);
VAL(VZH_REASON_SIGNAL, 10);
VAL(VZH_REASON_COUNT, 11);
VAL(VZH_EV_PREPARE, 0);
VAL(VZH_EV_LIMIT, 11);
VAL(VZH_EV_READY, 12); /* 1.2 */
VAL(VZH_EV_COUNT, 13);
VAL(VZH_LOG_ERR, 3);
VAL(VZH_LOG_DEBUG, 7);

int main(void)
{
	/* reaching here means every assertion above held at compile time */
	printf("abi: plugin ABI %d.%d layout holds\n", VZH_ABI_MAJOR,
	       VZH_ABI_MINOR);
	return 0;
}
