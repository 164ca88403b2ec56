# generate.py: writes the bad-config corpus (run from tests/bad: python3 generate.py).
# Each case: name, what is wrong, the body, and the errors with their body line, so the
# FILE:LINE in every "# error:" header is computed, not typed.
import os
K = 'boot = { kernel = "../fixtures/files/vmlinuz"; };'
cases = [
 ("syntax-value", "a setting without its value", 'vms = ( { name = "a"; ' + K + '\n  cpus = ; } );', [(2, "syntax error")]),
 ("syntax-string", "a file that ends inside a string", 'vms = ( { name = "a', [(2, "syntax error")]),
 ("syntax-unclosed", "a group never closed", 'vms = ( { name = "a";\n' + K, [(3, "syntax error")]),
 ("root-unknown", "a misspelt top-level section", 'vm = ( );\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'vm: unknown setting (did you mean "vms"?)')]),
 ("host-unknown-key", "a misspelt host setting", 'host = { stat_dir = "x"; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'host.stat_dir: unknown setting (did you mean "state_dir"?)')]),
 ("host-bridge", "an unknown bridge", 'host = { bridge = "qemo"; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'host.bridge: "qemo" is not one of auto, qemu, vz (did you mean "qemu"?)')]),
 ("host-accel", "an unknown accelerator", 'host = { accel = "whpx"; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'host.accel: "whpx" is not one of auto, kvm, hvf, tcg')]),
 ("host-max-vms", "a negative VM limit", 'host = { max_vms = -1; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'host.max_vms: -1 is out of range [0, 4096]')]),
 ("host-slots-type", "a slot count as a string", 'host = { macos_slots = "two"; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'host.macos_slots: expected an integer, got a string')]),
 ("hooks-timeout", "a zero hook timeout", 'hooks = { timeout = 0; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'hooks.timeout: 0 is out of range [1, 3600]')]),
 ("host-not-group", "host given as a string", 'host = "local";\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'host: expected a group { ... }, got a string')]),
 ("plugins-load-type", "plugins.load as a string", 'plugins = { load = "disk"; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'plugins.load: expected a list ( ... ) or array [ ... ], got a string')]),
 ("plugin-not-found", "a plugin that does not exist", 'plugins = { load = [ "disk", "nosuch" ]; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'plugins.load[1]: plugin "nosuch" not found (searched: ')]),
 ("plugin-settings-unknown", "settings for a plugin that is not loaded", 'plugins = {\n  load = [ "disk", "nat" ];\n  nta = { };\n};\nvms = ( { name = "a"; ' + K + ' } );', [(3, 'plugins.nta: no plugin "nta" is loaded (did you mean "nat"?)')]),
 ("plugin-settings-builtin", "a key given to a built-in plugin, which takes none", 'plugins = {\n  load = [ "disk", "nat" ];\n  nat = { bogus = 1; };\n};\nvms = ( { name = "a"; ' + K + ' } );', [(3, 'plugins.nat.bogus: unknown setting: plugin "nat" takes no settings')]),
 ("plugin-settings-devkey", "a device key put in the plugin's settings", 'plugins = {\n  load = [ "disk", "nat" ];\n  nat = { mac = "52:54:00:12:34:56"; };\n};\nvms = ( { name = "a"; ' + K + ' } );', [(3, 'plugins.nat.mac: unknown setting: plugin "nat" takes no settings (mac is set on each { kind = "nat"; ... } device)')]),
 ("plugin-settings-type", "plugin settings that are not a group", 'plugins = { load = [ "nat" ]; nat = 1; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'plugins.nat: plugin settings must be a group { ... }')]),
 ("no-vms", "no virtual machine at all", "host = { };", [(-2, "vms: no virtual machine declared")]),
 ("vms-type", "vms as a group", 'vms = { name = "a"; };', [(1, 'vms: expected a list ( ... ) or array [ ... ], got a group')]),
 ("vm-not-group", "a VM given as a string", 'vms = ( "a" );', [(1, 'vms[0]: a VM is a group')]),
 ("vm-no-name", "a VM without a name", 'vms = ( {\n  ' + K + '\n} );', [(1, 'vms[0].name: every VM needs a name')]),
 ("vm-bad-name", "a VM name with a slash", 'vms = ( { name = "../etc"; ' + K + ' } );', [(1, 'vms[0].name: "../etc" is not a VM name')]),
 ("vm-dup-name", "two VMs with one name", 'vms = (\n  { name = "a"; ' + K + ' },\n  { name = "a"; ' + K + ' }\n);', [(3, 'vms[1].name: VM name "a" is already used at dup-name')]),
 ("vm-unknown-key", "a misspelt VM setting", 'vms = ( { name = "a"; ' + K + '\n  memroy = "1G"; } );', [(2, 'vms[0].memroy: unknown setting (did you mean "memory"?)')]),
 ("guest-enum", "an unknown guest type", 'vms = ( { name = "a"; ' + K + '\n  guest = "windows"; } );', [(2, 'vms[0].guest: "windows" is not one of linux, macos')]),
 ("memory-over-host", "more memory than any host here has", 'vms = ( { name = "a"; ' + K + '\n  memory = "64T"; } );', [(2, 'vms[0].memory: 64 TiB is more than this host\'s memory (')]),
 ("cpus-zero", "zero CPUs", 'vms = ( { name = "a"; ' + K + '\n  cpus = 0; } );', [(2, 'vms[0].cpus: 0 is out of range [1, 1024]')]),
 ("cpus-type", "CPUs as a string", 'vms = ( { name = "a"; ' + K + '\n  cpus = "2"; } );', [(2, 'vms[0].cpus: expected an integer, got a string')]),
 ("memory-wrapped", "8 GiB as a plain integer, which libconfig 1.5 wraps to 0", 'vms = ( { name = "a"; ' + K + '\n  memory = 8589934592; } );', [(2, 'vms[0].memory: integer too large for libconfig\'s 32 bits')]),
 ("memory-small", "one MiB less than the minimum (64M passes: golden bounds-low)", 'vms = ( { name = "a"; ' + K + '\n  memory = "63M"; } );', [(2, 'vms[0].memory: 63 MiB is below the minimum of 64 MiB')]),
 ("memory-granularity", "memory not a multiple of 1 MiB", 'vms = ( { name = "a"; ' + K + '\n  memory = 100000000; } );', [(2, 'vms[0].memory: 100000000 bytes is not a multiple of 1 MiB')]),
 ("memory-suffix", "an unknown size suffix", 'vms = ( { name = "a"; ' + K + '\n  memory = "8Q"; } );', [(2, 'vms[0].memory: "8Q" is not a size')]),
 ("memory-float", "memory as a fraction", 'vms = ( { name = "a"; ' + K + '\n  memory = 1.5; } );', [(2, 'vms[0].memory: expected a size such as "512M" or "8G", got a number with a fraction')]),
 ("nested-macos", "nested virtualization asked of a macOS guest", 'vms = ( { name = "mac"; guest = "macos";\n  macos = { bundle = "mac.vzvm"; };\n  nested = true; } );', [(3, 'vms[0].nested: nested virtualization is not available to macOS guests: Virtualization.framework offers it only on the generic (Linux) platform')]),
 ("macos-no-bundle", "a macOS guest without its bundle", 'vms = ( { name = "mac"; guest = "macos"; } );', [(1, 'vms[0]: a macOS guest needs macos = { bundle = "NAME.vzvm"; }')]),
 ("macos-kernel", "a macOS guest with a Linux kernel", 'vms = ( { name = "mac"; guest = "macos"; macos = { bundle = "m.vzvm"; };\n  ' + K + ' } );', [(2, 'vms[0].boot: a macOS guest boots from its bundle')]),
 ("linux-no-boot", "a Linux guest with no way to boot", 'vms = ( { name = "a"; } );', [(1, 'vms[0]: a Linux guest needs boot = { kernel = "..."; }')]),
 ("boot-missing-kernel", "a kernel file that does not exist", 'vms = ( { name = "a";\n  boot = { kernel = "vmlinuz-nope"; }; } );', [(2, 'vms[0].boot.kernel: ')]),
 ("boot-two-ways", "EFI and a kernel at once", 'vms = ( { name = "a";\n  boot = { efi = { }; kernel = "../fixtures/files/vmlinuz"; }; } );', [(2, 'vms[0].boot: choose one way to boot')]),
 ("boot-unknown-key", "a misspelt boot setting", 'vms = ( { name = "a";\n  boot = { kernel = "../fixtures/files/vmlinuz"; initramfs = "x"; }; } );', [(2, 'vms[0].boot.initramfs: unknown setting')]),
 ("stop-timeout", "a negative stop timeout", 'vms = ( { name = "a"; ' + K + '\n  stop_timeout = -1; } );', [(2, 'vms[0].stop_timeout: -1 is out of range [0, 86400] seconds')]),
 ("on-poweroff", "an unknown power-off policy", 'vms = ( { name = "a"; ' + K + '\n  on_poweroff = "restrat"; } );', [(2, 'vms[0].on_poweroff: "restrat" is not one of stop, restart (did you mean "restart"?)')]),
 ("on-host-stop", "an unknown host-stop policy", 'vms = ( { name = "a"; ' + K + '\n  on_host_stop = "hibernate"; } );', [(2, 'vms[0].on_host_stop: "hibernate" is not one of shutdown, save')]),
 ("nested-type", "nested as a string", 'vms = ( { name = "a"; ' + K + '\n  nested = "yes"; } );', [(2, 'vms[0].nested: expected true or false, got a string')]),
 ("device-no-kind", "a device without a kind", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { path = "x.img"; } ); } );', [(2, 'vms[0].devices[0]: a device needs a kind')]),
 ("device-unknown-kind", "a misspelt device kind", 'vms = ( { name = "a"; ' + K + '\n  devices = (\n    { kind = "dsik"; } ); } );', [(3, 'vms[0].devices[0].kind: unknown device kind "dsik" (did you mean "disk"?)')]),
 ("device-unloaded-kind", "a built-in kind whose plugin is not loaded", 'plugins = { load = [ "disk" ]; };\nvms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "nat"; } ); } );', [(3, 'vms[0].devices[0].kind: no loaded plugin provides kind "nat" (add "nat" to plugins.load)')]),
 ("device-unknown-key", "a key the kind does not take", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "nat";\n    maac = "52:54:00:12:34:56"; } ); } );', [(3, 'vms[0].devices[0].maac: unknown setting (did you mean "mac"?)')]),
 ("disk-missing", "a missing image without a size", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "disk";\n    path = "nope.img"; } ); } );', [(3, 'vms[0].devices[0].path: ')]),
 ("disk-no-path", "a disk without a path", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "disk"; size = "1G"; } ); } );', [(2, 'vms[0].devices[0].path: a disk needs a path to a raw image')]),
 ("disk-size-512", "a size that is not whole sectors", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "disk"; path = "new.img";\n    size = 1000; } ); } );', [(3, 'vms[0].devices[0].size: 1000 bytes is not a multiple of 512')]),
 ("disk-cache", "an unknown cache mode", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "disk"; path = "../fixtures/files/base.img";\n    cache = "writeback"; } ); } );', [(3, 'vms[0].devices[0].cache: "writeback" is not one of automatic, cached, uncached')]),
 ("disk-readonly-type", "read_only as a word", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "disk"; path = "../fixtures/files/base.img";\n    read_only = "yes"; } ); } );', [(3, 'vms[0].devices[0].read_only: expected true or false, got a string')]),
 ("disk-readonly-missing", "a read-only disk that would have to be created", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "disk";\n    path = "ro.img"; size = "1G"; read_only = true; } ); } );', [(3, 'vms[0].devices[0].path: ')]),
 ("nat-bad-mac", "a MAC with a non-hex pair", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "nat";\n    mac = "52:54:00:zz:00:01"; } ); } );', [(3, 'vms[0].devices[0].mac: "52:54:00:zz:00:01" is not a MAC address')]),
 ("nat-multicast", "a multicast MAC", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "nat";\n    mac = "01:00:5e:00:00:01"; } ); } );', [(3, 'vms[0].devices[0].mac: 01:00:5e:00:00:01 is a multicast address')]),
 ("nat-dup-mac", "one MAC in two VMs", 'vms = (\n  { name = "a"; ' + K + ' devices = ( { kind = "nat"; mac = "52:54:00:00:00:01"; } ); },\n  { name = "b"; ' + K + ' devices = ( { kind = "nat"; mac = "52:54:00:00:00:01"; } ); }\n);', [(3, 'vms[1].devices[0]: MAC address 52:54:00:00:00:01 is already used at ')]),
 ("share-missing", "a share of a missing directory", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "share"; tag = "t";\n    path = "no-such-dir"; } ); } );', [(3, 'vms[0].devices[0].path: ')]),
 ("share-long-tag", "a tag of 36 bytes", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "share"; path = "../fixtures/files/work";\n    tag = "abcdefghijklmnopqrstuvwxyz0123456789"; } ); } );', [(3, 'vms[0].devices[0].tag: "abcdefghijklmnopqrstuvwxyz0123456789" is 36 bytes')]),
 ("share-dup-tag", "two shares with one tag", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "share"; tag = "t"; path = "../fixtures/files/work"; },\n    { kind = "share"; tag = "t"; path = "../fixtures/files/sub.d"; } ); } );', [(3, 'vms[0].devices[1]: share tag "t" is already used at ')]),
 ("balloon-twice", "two memory balloons", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "balloon"; },\n    { kind = "balloon"; } ); } );', [(3, 'vms[0].devices[1]: a VM has at most one balloon device')]),
 ("vsock-twice", "two vsock devices", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "vsock"; },\n    { kind = "vsock"; } ); } );', [(3, 'vms[0].devices[1]: a VM has at most one vsock device')]),
 ("graphics-zero", "a display zero pixels wide", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "graphics";\n    width = 0; } ); } );', [(3, 'vms[0].devices[0].width: 0 is out of range [1, 16384]')]),
 ("trackpad-linux", "a Mac trackpad on a Linux guest", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "pointer";\n    type = "trackpad"; } ); } );', [(3, 'vms[0].devices[0].type: a trackpad needs a macOS guest')]),
 ("serial-bad-dir", "a serial log in a missing directory", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "serial";\n    output = "no/such/dir/console.log"; } ); } );', [(3, 'vms[0].devices[0].output: "no/such/dir/console.log" is not stdio, none or pty')]),
 ("include-directory", "an @include of a directory (libconfig 1.5 would exit)", '@include "../fixtures/files/work"\nvms = ( { name = "a"; ' + K + ' } );', [(1, '@include "../fixtures/files/work": Is a directory')]),
 ("include-missing", "an @include of a missing file", '@include "nothere.conf"\nvms = ( { name = "a"; ' + K + ' } );', [(1, '@include "nothere.conf": No such file or directory')]),
 ("qemu-macos", "a macOS guest on the QEMU bridge", 'host = { bridge = "qemu"; };\nvms = ( { name = "mac";\n  guest = "macos"; macos = { bundle = "m.vzvm"; }; } );', [(3, 'vms[0].guest: macOS guests need the Virtualization.framework bridge')]),
 ("qemu-nested-tcg", "nested virtualization on QEMU without KVM", 'host = { bridge = "qemu"; accel = "tcg"; };\nvms = ( { name = "a"; ' + K + '\n  nested = true; } );', [(3, 'vms[0].nested: nested virtualization needs KVM; this host runs QEMU with TCG')]),
 ("qemu-readonly-share", "a read-only share, which QEMU 7.2's virtiofsd cannot export", 'host = { bridge = "qemu"; };\nvms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "share"; tag = "t"; path = "../fixtures/files/work";\n    read_only = true; } ); } );', [(3, 'vms[0].devices[0]: QEMU 7.2\'s virtiofsd cannot export read-only')]),
 ("many-errors", "three independent mistakes, all reported", 'vms = ( { name = "a"; ' + K + '\n  cpus = 0;\n  memory = "1X";\n  devices = ( { kind = "nat"; mac = "zz"; } ); } );', [(2, 'vms[0].cpus: 0 is out of range'), (3, 'vms[0].memory: "1X" is not a size'), (4, 'vms[0].devices[0].mac: "zz" is not a MAC address')]),
]
# One past each bound (at the bound, taken: golden bounds-high and bounds-low).
N65 = "n" * 65
S104 = "/run/" + "s" * 94 + ".sock"  # 104 bytes: a socket path has 103 at most
NAT17 = ", ".join('"%d:%d"' % (3000 + i, i + 1) for i in range(17))
VSOCK17 = ",\n    ".join('{ port = %d; listen = "p%d.sock"; }' % (i, i) for i in range(17))
cases += [
 ("vm-bounds", "a VM name of 65 bytes and one of none, cpus 1025, stop_timeout 86401", 'vms = ( { name = "' + N65 + '"; ' + K + '\n  cpus = 1025; stop_timeout = 86401; },\n  { name = ""; ' + K + ' } );', [(1, 'vms[0].name: "' + N65 + '" is not a VM name (1-64 letters, digits,'), (2, 'vms[0].cpus: 1025 is out of range [1, 1024]'), (2, 'vms[0].stop_timeout: 86401 is out of range [0, 86400] seconds'), (3, 'vms[1].name: "" is not a VM name')]),
 ("host-bounds", "host and hooks settings one past their largest values", 'host = { max_vms = 4097; macos_slots = 65; wait_for_slot = 86401; };\nhooks = { timeout = 3601; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'host.max_vms: 4097 is out of range [0, 4096]'), (1, 'host.macos_slots: 65 is out of range [0, 64]'), (1, 'host.wait_for_slot: 86401 is out of range [0, 86400]'), (2, 'hooks.timeout: 3601 is out of range [1, 3600]')]),
 ("host-bounds-low", "negative slot settings (max_vms -1: host-max-vms)", 'host = { macos_slots = -1; wait_for_slot = -1; };\nvms = ( { name = "a"; ' + K + ' } );', [(1, 'host.macos_slots: -1 is out of range [0, 64]'), (1, 'host.wait_for_slot: -1 is out of range [0, 86400]')]),
 ("ready-bounds", "ready settings past their bounds: an empty pattern, timeouts 0 and 86401, ports 0 and 65536, a send of 1025 bytes and one of none", 'vms = ( { name = "a"; ' + K + '\n  ready = { console = ""; timeout = 0; }; },\n  { name = "b"; ' + K + '\n  ready = { port = 65536; timeout = 86401;\n    send = "' + "s" * 1025 + '"; };\n  devices = ( { kind = "nat"; forwards = ( "2222:22" ); } ); },\n  { name = "c"; ' + K + '\n  ready = { port = 0; send = ""; };\n  devices = ( { kind = "nat"; forwards = ( "2223:22" ); } ); } );', [(2, 'vms[0].ready.console: an empty pattern matches any line'), (2, 'vms[0].ready.timeout: 0 is out of range [1, 86400] seconds'), (4, 'vms[1].ready.port: 65536 is not a port (1 to 65535)'), (4, 'vms[1].ready.timeout: 86401 is out of range [1, 86400] seconds'), (5, 'vms[1].ready.send: 1 to 1024 bytes'), (8, 'vms[2].ready.port: 0 is not a port (1 to 65535)'), (8, 'vms[2].ready.send: 1 to 1024 bytes')]),
 ("graphics-bounds", "display sizes and densities one past their bounds (width 0: graphics-zero)", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "graphics"; width = 16385; height = 16385; ppi = 1001; },\n    { kind = "graphics"; height = 0; ppi = 0; } ); } );', [(2, 'vms[0].devices[0].width: 16385 is out of range [1, 16384]'), (2, 'vms[0].devices[0].height: 16385 is out of range [1, 16384]'), (2, 'vms[0].devices[0].ppi: 1001 is out of range [1, 1000]'), (3, 'vms[0].devices[1].height: 0 is out of range [1, 16384]'), (3, 'vms[0].devices[1].ppi: 0 is out of range [1, 1000]')]),
 ("nat-forward-count", "17 forwards on one NAT device", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "nat";\n    forwards = ( ' + NAT17 + ' ); } ); } );', [(3, 'vms[0].devices[0].forwards: 17 forwards; at most 16 per device')]),
 ("vsock-bounds", "17 vsock port mappings; a guest port of -1 (4294967295: vsock-ports)", 'plugins = { load = [ "virtio" ]; };\nvms = ( { name = "a"; ' + K + ' devices = ( { kind = "vsock"; ports = (\n    ' + VSOCK17 + ' ); } ); },\n  { name = "b"; ' + K + ' devices = ( { kind = "vsock";\n    ports = ( { port = -1; listen = "b.sock"; } ); } ); } );', [(2, 'vms[0].devices[0].ports: 17 port mappings: at most 16'), (21, 'vms[1].devices[0].ports[0].port: -1 is not a vsock port (0-4294967294)')]),
 ("socket-path-104", "socket paths of 104 bytes: a nic's, an NBD disk's, a vsock mapping's", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "nic"; socket = "' + S104 + '"; },\n    { kind = "disk"; nbd_socket = "' + S104 + '"; },\n    { kind = "vsock"; ports = ( { port = 1; connect = "' + S104 + '"; } ); } ); } );', [(2, 'vms[0].devices[0].socket: ' + S104 + ': a socket path is shorter than 104 bytes'), (3, 'vms[0].devices[1].nbd_socket: a socket path is shorter than 104 bytes'), (4, 'vms[0].devices[2].ports[0].connect: ' + S104 + ' is longer than a unix socket path can be (103 bytes)')]),
 ("macos-disk-size", "a macOS disk 512 bytes short of 1 GiB", 'vms = ( { name = "mac"; guest = "macos";\n  macos = { bundle = "m.vzvm"; disk_size = 1073741312; }; } );', [(2, 'vms[0].macos.disk_size: a macOS disk is at least 1 GiB, in 512-byte sectors')]),
 ("share-empty-tag", "a share with an empty tag (36 bytes: share-long-tag)", 'vms = ( { name = "a"; ' + K + '\n  devices = ( { kind = "share"; path = "../fixtures/files/work";\n    tag = ""; } ); } );', [(3, 'vms[0].devices[0].tag: a share needs a tag')]),
]
assert len(cases) >= 40, len(cases)
for name, desc, body, errs in cases:
    fname = name + ".conf"
    header = ["# " + desc, "# expect: 78"]
    for ln, msg in errs:
        pass
    nhead = len(header) + len(errs)
    lines = []
    for ln, msg in errs:
        if ln == -2:
            lines.append("# error: %s:1: %s" % (fname, msg))
        else:
            msg = msg.replace("dup-name", "%s:%d" % (fname, nhead + 2))
            lines.append("# error: %s:%d: %s" % (fname, nhead + ln, msg))
    with open(fname, "w") as f:
        f.write("\n".join(header + lines) + "\n" + body + "\n")
print(len(cases))
