#!/bin/sh
# Command-line behaviour: exit statuses (sysexits), messages, and the subcommands.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
build=$(cd "$here/../${B:-build}" && pwd -P)
vzhost=$build/vzhost
export VZHOST_PLUGIN_PATH="$build/plugins"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/statuses"

# expect STATUS PATTERN CMD...: exit status and a fixed string in stdout+stderr
expect() {
	want=$1 pattern=$2
	shift 2
	out=$("$@" 2>&1)
	status=$?
	if [ "$status" = "$want" ] && printf '%s' "$out" | grep -qF -- "$pattern"; then
		pass=$((pass + 1))
		echo "$status" >> "$tmp/statuses"
	else
		fail=$((fail + 1))
		echo "FAIL: $* -> exit $status (want $want), output:"
		printf '%s\n' "$out" | sed 's/^/    /' | head -20
		echo "    (wanted: $pattern)"
	fi
}

cat > "$tmp/ok.conf" <<CONF
vms = ( { name = "demo"; boot = { kernel = "$here/fixtures/files/vmlinuz"; };
          devices = ( { kind = "nat"; }, { kind = "serial"; } ); } );
CONF

expect 0 "plugin ABI 1.4" "$vzhost" --version
expect 0 "usage: vzhost -c FILE" "$vzhost" --help
# the states a control command is taken in, as --help says them (the table the
# server refuses by); those taken in every state say none
expect 0 "answered once the guest has stopped [running]" "$vzhost" --help
expect 0 "answered once the guest runs again [paused]" "$vzhost" --help
expect 0 "then it stops (kept for restore) [running, paused]" "$vzhost" --help
expect 0 "a VM stopped by save continues from PATH [stopped]" "$vzhost" --help
expect 64 "no configuration: use -c FILE" "$vzhost"
expect 64 "usage:" "$vzhost" --frobnicate
expect 64 "exclude each other" "$vzhost" -c "$tmp/ok.conf" --check --print
expect 64 "unexpected argument" "$vzhost" -c "$tmp/ok.conf" extra
expect 66 "nope.conf: cannot read the configuration: No such file or directory" \
	"$vzhost" -c "$tmp/nope.conf" --check
expect 66 "cannot read the configuration: Is a directory" "$vzhost" -c "$tmp" --check
# a configuration read in a directory whose whole path is past PATH_MAX (the
# file opens, vzhost cannot go into its directory): said in one line, exit 66
# (bash: dash's cd cannot go that deep)
deep='mkdir -p "$1" && cd "$1" && for i in $(seq 1 18); do mkdir -p "$2" && cd "$2" || exit 1; done'
expect 66 ": File name too long" bash -c "$deep && cp \"\$3\" host.conf && exec \"\$4\" -c host.conf --check" \
	sh "$tmp/deep" "$(printf 'd%.0s' $(seq 1 250))" "$tmp/ok.conf" "$vzhost"
rm -rf "$tmp/deep"
expect 0 "ok.conf: OK (1 VM, 2 devices, 9 plugins)" "$vzhost" -c "$tmp/ok.conf" --check
expect 0 "nat via plugin nat, $tmp/ok.conf:2: vms[0].devices[0]" "$vzhost" -c "$tmp/ok.conf" --check
expect 0 '"name": "demo"' "$vzhost" -c "$tmp/ok.conf" --print
# channels at their bounds: 16 in a VM, a name of 63 characters; past them: a 64th
# character (the 17th channel: tests/bad/channel-rules.conf)
n63=$(printf 'n%.0s' $(seq 1 63))
chans() { # NAME: 16 channels, the first named NAME
	printf 'vms = ( { name = "ch"; boot = { kernel = "%s"; }; devices = (\n' "$here/fixtures/files/vmlinuz"
	printf '  { kind = "channel"; name = "%s"; socket = "/run/c0.sock"; }' "$1"
	for i in $(seq 1 15); do printf ',\n  { kind = "channel"; name = "c%d"; socket = "/run/c%d.sock"; }' $i $i; done
	printf ' ); } );\n'
}
chans "$n63" > "$tmp/chan16.conf"
chans "${n63}n" > "$tmp/chan64.conf"
expect 0 "chan16.conf: OK (1 VM, 16 devices, 9 plugins)" "$vzhost" -c "$tmp/chan16.conf" --check
expect 0 "/dev/virtio-ports/$n63  [channel via plugin channel" "$vzhost" -c "$tmp/chan16.conf" --check
expect 78 "chan64.conf:2: vms[0].devices[0].name: \"${n63}n\" is not a channel name: 1 to 63 of" \
	"$vzhost" -c "$tmp/chan64.conf" --check
# two VMs on one line, each with its own cpus, and two devices each with a port: each
# setting's own literal is read back (once refused as "integer too large for 32 bits")
k=$here/fixtures/files/vmlinuz
printf 'vms = ( { name = "a"; cpus = 1; boot = { kernel = "%s"; }; }, { name = "b"; cpus = 2; boot = { kernel = "%s"; }; } );\n' "$k" "$k" > "$tmp/oneline.conf"
expect 0 "oneline.conf: OK (2 VMs" "$vzhost" -c "$tmp/oneline.conf" --check
printf 'vms = ( { name = "a"; cpus = 1; boot = { kernel = "%s"; }; }, { name = "b"; cpus = 4294967298; boot = { kernel = "%s"; }; } );\n' "$k" "$k" > "$tmp/onewrap.conf"
expect 78 "onewrap.conf:1: vms[1].cpus: integer too large for libconfig's 32 bits" "$vzhost" -c "$tmp/onewrap.conf" --check
# memory "no more than the host has" (README): all of it, in whole MiB, is taken; one MiB
# more is refused at its file:line
mib=$(( $(getconf _PHYS_PAGES) * $(getconf PAGESIZE) / 1048576 ))
over=$((mib + 1)) && said="$over MiB"
[ $((over % 1024)) = 0 ] && said="$((over / 1024)) GiB"
printf 'vms = ( { name = "m"; memory = "%sM"; boot = { kernel = "%s"; }; } );\n' $mib "$k" > "$tmp/allmem.conf"
printf 'vms = ( { name = "m"; memory = "%sM"; boot = { kernel = "%s"; }; } );\n' $over "$k" > "$tmp/overmem.conf"
expect 0 "allmem.conf: OK (1 VM" "$vzhost" -c "$tmp/allmem.conf" --check
expect 78 "overmem.conf:1: vms[0].memory: $said is more than this host's memory (" "$vzhost" -c "$tmp/overmem.conf" --check
# a hypervisor that is not there is exit 69, naming what to install
printf 'host = { qemu = "qemu-system-nonesuch"; };\n' > "$tmp/noqemu.conf"
sed -n '1,2p' "$tmp/ok.conf" >> "$tmp/noqemu.conf"
expect 69 "qemu-system-nonesuch not found: install it (Debian: apt-get install qemu-system-" \
	"$vzhost" -c "$tmp/noqemu.conf"
expect 0 "not checked against a hypervisor: qemu-system-nonesuch not found" \
	"$vzhost" -c "$tmp/noqemu.conf" --check
printf 'host = { bridge = "vz"; };\n' > "$tmp/vz.conf"
printf 'host = { bridge = "qemu"; };\nvms = ( { name = "mac"; guest = "macos"; macos = { bundle = "m.vzvm"; }; } );\n' > "$tmp/macq.conf"
sed -n '1,2p' "$tmp/ok.conf" >> "$tmp/vz.conf"
expect 69 'host.bridge = "vz": Virtualization.framework runs on macOS only (a Mac with Apple silicon, macOS 13 or later)' "$vzhost" -c "$tmp/vz.conf"
# --check with the vz bridge on Linux: what it would ask of the framework, and what only a
# Mac can verify (conf/macos.conf and conf/nested.conf as shipped)
conf=$(cd "$here/../conf" && pwd -P)
expect 0 "  VZMacPlatformConfiguration from $conf/sonoma.vzvm (HardwareModel, MachineIdentifier, AuxiliaryStorage), VZMacOSBootLoader" \
	"$vzhost" -c "$here/../conf/macos.conf" --check
expect 0 "  VZVirtioFileSystemDeviceConfiguration + VZSingleDirectoryShare $conf read-only, tag macOSGuestAutomountTag" \
	"$vzhost" -c "$here/../conf/macos.conf" --check
expect 0 "    - that this Mac supports the bundle's hardware model" "$vzhost" -c "$here/../conf/macos.conf" --check
expect 0 "  VZGenericPlatformConfiguration with nestedVirtualizationEnabled, its VZGenericMachineIdentifier kept in the state directory as builder.machine-id, VZLinuxBootLoader" \
	"$vzhost" -c "$here/../conf/nested.conf" --check
expect 0 "    - that this Mac offers nested virtualization (an M3 or later with macOS 15)" \
	"$vzhost" -c "$here/../conf/nested.conf" --check
expect 69 'host.bridge = "vz": Virtualization.framework runs on macOS only' "$vzhost" -c "$here/../conf/nested.conf"
expect 0 "    $conf/builder-agent.sock -> guest port 1024 (connectToPort:)" \
	"$vzhost" -c "$here/../conf/nested.conf" --check
expect 0 "    guest port 2000 -> /tmp/cache.sock (VZVirtioSocketListener)" \
	"$vzhost" -c "$here/../conf/nested.conf" --check
# vsock ports are the vz bridge's: QEMU refuses them, saying what to do instead
sed 's/bridge = "vz"/bridge = "qemu"/; s/nested = true/nested = false/' "$here/../conf/nested.conf" |
	sed "s|\.\./build/guest|$tmp/guest|g" > "$tmp/vsockq.conf"
mkdir -p "$tmp/guest" && cp "$here/fixtures/files/vmlinuz" "$here/fixtures/files/initrd.img" "$tmp/guest/"
expect 78 "vsock ports are served by the vz bridge; under QEMU the host reaches the guest over AF_VSOCK itself" \
	"$vzhost" -c "$tmp/vsockq.conf" --check
# a stream NIC (passt) under the vz bridge: refused at --check, saying what to use
printf 'host = { bridge = "vz"; };\nvms = ( { name = "s"; boot = { kernel = "%s"; };\n  devices = ( { kind = "nic"; socket = "/run/passt.sock"; type = "stream"; } ); } );\n' \
	"$here/fixtures/files/vmlinuz" > "$tmp/vzstream.conf"
expect 78 "vzstream.conf:3: vms[0].devices[0]: Virtualization.framework takes a NIC's frames as datagrams only: use type = \"dgram\"" \
	"$vzhost" -c "$tmp/vzstream.conf" --check
# vzhost install: macOS only; its arguments checked first
expect 69 "vzhost install: macOS guests need Virtualization.framework on a Mac with Apple silicon" \
	"$vzhost" install -c "$here/../conf/macos.conf" --vm sonoma --ipsw latest
expect 69 'run vzhost install there, with host.bridge = "vz" (host.bridge = "qemu")' \
	"$vzhost" install -c "$tmp/macq.conf" --vm mac --ipsw "$tmp/x.ipsw"
expect 64 "usage: vzhost install -c FILE --vm NAME --ipsw PATH|latest" \
	"$vzhost" install -c "$here/../conf/macos.conf" --vm sonoma
expect 64 'vzhost install: no VM "nope" in' \
	"$vzhost" install -c "$here/../conf/macos.conf" --vm nope --ipsw latest
expect 64 "vzhost install: demo is a Linux guest; install creates macOS guests" \
	"$vzhost" install -c "$tmp/ok.conf" --vm demo --ipsw latest
expect 64 "--vm and --ipsw belong to vzhost install" "$vzhost" -c "$tmp/ok.conf" --vm demo
# --recovery names a macOS guest of the file
expect 0 ", started in macOS Recovery" "$vzhost" -c "$here/../conf/macos.conf" --check --recovery sonoma
expect 64 "--recovery demo: macOS Recovery is for macOS guests; demo is a Linux guest" \
	"$vzhost" -c "$tmp/ok.conf" --check --recovery demo
expect 64 "--recovery nope: no such VM in" "$vzhost" -c "$tmp/ok.conf" --check --recovery nope
expect 69 "host.accel = \"hvf\": hvf exists on macOS only" \
	sh -c "sed 's/^host = .*/host = { accel = \"hvf\"; };/' '$tmp/vz.conf' > '$tmp/hvf.conf' && '$vzhost' -c '$tmp/hvf.conf'"
# what the bridge cannot save is said by --check, before a host stop finds out
mkdir -p "$tmp/shared"
cat > "$tmp/savshare.conf" <<CONF
vms = ( { name = "demo"; on_host_stop = "save"; boot = { kernel = "$here/fixtures/files/vmlinuz"; };
          devices = ( { kind = "share"; tag = "work"; path = "$tmp/shared"; } ); } );
CONF
expect 0 '[demo] warning: on_host_stop = "save": QEMU cannot save a VM with a virtio-fs share (tag "work"): it will be shut down at host stop instead' \
	"$vzhost" -c "$tmp/savshare.conf" --check
expect 0 "kinds: entropy balloon vsock" "$vzhost" plugins
expect 0 "kinds: keyboard pointer" "$vzhost" plugins -c "$tmp/ok.conf"
# a plugin of hooks alone says it has no kinds
printf 'plugins = { load = [ "serial", "vetoer" ]; };\n' > "$tmp/kindless.conf"
expect 0 "kinds: (none)" env VZHOST_PLUGIN_PATH="$build/plugins:$build/fixtures" \
	"$vzhost" plugins -c "$tmp/kindless.conf"
# --print output is JSON a tool can read (python3 is a test dependency: make deps)
if "$vzhost" -c "$tmp/ok.conf" --print | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["vms"][0]["devices"][1]["class"]=="serial"'; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: --print is not the expected JSON (or python3 is missing)"
fi

# every exit status of the table: a VM that fails to start is 1
printf 'host = { qemu = "/bin/false"; state_dir = "%s/st"; };\n' "$tmp" > "$tmp/false.conf"
sed -n '1,2p' "$tmp/ok.conf" >> "$tmp/false.conf"
expect 1 "state starting -> stopped (start-failed)" "$vzhost" -c "$tmp/false.conf"
# a state directory that cannot be created is 73, before anything starts
printf 'host = { state_dir = "/dev/null/x"; };\n' > "$tmp/nostate.conf"
sed -n '1,2p' "$tmp/ok.conf" >> "$tmp/nostate.conf"
expect 73 "state_dir /dev/null/x: Not a directory" "$vzhost" -c "$tmp/nostate.conf"
# starved of descriptors, vzhost cannot build its event loop: 71
sed "s|/bin/false|$tmp/never-run|" "$tmp/false.conf" > "$tmp/starved.conf"
printf '#!/bin/sh\ntouch "%s/qemu-ran"\n' "$tmp" > "$tmp/never-run"
chmod 755 "$tmp/never-run"
# (the limit at which the loop's own descriptors run out depends on how many
# plugins and directories are open before it: the first limit that gets there)
for n in $(seq 6 40); do
	prlimit --nofile=$n "$vzhost" -c "$tmp/starved.conf" > /dev/null 2> "$tmp/starved.err"
	[ $? = 71 ] && break
done
expect 71 "cannot set up the event loop: Too many open files" \
	prlimit --nofile=$n "$vzhost" -c "$tmp/starved.conf"
[ ! -e "$tmp/qemu-ran" ] || { fail=$((fail + 1)); echo "FAIL: exit 71 ran QEMU"; }
# ctl and list read the state directory from -c FILE: a broken file is 78, a missing one 66
printf 'host = { state_dir = ; };\n' > "$tmp/syntax.conf"
expect 78 "syntax.conf:1: syntax error" "$vzhost" ctl -c "$tmp/syntax.conf" demo status
expect 78 "syntax.conf:1: syntax error" "$vzhost" list -c "$tmp/syntax.conf"
printf 'host = { state_dir = 7; };\n' > "$tmp/badhost.conf"
expect 78 "badhost.conf:1: host.state_dir: " "$vzhost" ctl -c "$tmp/badhost.conf" demo status
expect 66 "cannot read the configuration" "$vzhost" ctl -c "$tmp/nope.conf" demo status
expect 69 "no VM \"demo\" is running here" "$vzhost" ctl --state-dir "$tmp" demo status
expect 64 "a command is needed: status, state, stop, kill, pause, resume, save PATH, restore PATH, events, console" \
	"$vzhost" ctl --state-dir "$tmp" demo
expect 64 'unknown command "reboot" (status, state, stop' "$vzhost" ctl --state-dir "$tmp" demo reboot
expect 64 "save needs a file name" "$vzhost" ctl --state-dir "$tmp" demo save
expect 64 "usage: usb attach|detach PATH" "$vzhost" ctl --state-dir "$tmp" demo usb
expect 64 "usage: usb attach|detach PATH" "$vzhost" ctl --state-dir "$tmp" demo usb plug /a.img
expect 64 "usage: usb attach|detach PATH" "$vzhost" ctl --state-dir "$tmp" demo usb detach
expect 69 "no VM \"demo\" is running here" "$vzhost" ctl --state-dir "$tmp" demo usb attach /a.img
# a control socket that hangs up without a reply: 76
python3 -c '
import os, signal, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
if os.fork() == 0:
    signal.alarm(30)  # nobody came: do not outlive the test
    c, _ = s.accept(); c.recv(4096); c.close(); os._exit(0)
' "$tmp/mute.sock"
expect 76 "no reply from $tmp/mute.sock" "$vzhost" ctl --state-dir "$tmp" mute status
expect 64 "--timeout never: seconds, more than 0" "$vzhost" ctl --timeout never --state-dir "$tmp" mute status
expect 64 "--timeout 0: seconds, more than 0" "$vzhost" ctl --timeout 0 --state-dir "$tmp" mute status
expect 64 "--timeout 86401: seconds, more than 0" "$vzhost" list --timeout 86401 --state-dir "$tmp"
expect 69 'no VM "gone" is running here' "$vzhost" ctl --timeout 86400 --state-dir "$tmp" gone status

# the clients' defaults, as the README states them, against fake control sockets:
# a VM has 5 s to answer ctl and list (`--timeout`, default 5); `wait ready` waits up
# to 10 s for the socket of a VM just started; `console` from a pipe leaves once its
# input has ended and the guest has been quiet for a second
mkdir -p "$tmp/fx/vzhost" && chmod 700 "$tmp/fx" "$tmp/fx/vzhost"
python3 -c '
import os, signal, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
if os.fork() == 0:
    signal.alarm(30)
    conns = []
    while True:
        c, _ = s.accept(); conns.append(c)  # and never a word
' "$tmp/fx/vzhost/silent.sock"
# timed NAME CMD...: CMD in the background; its output, then "STATUS MILLISECONDS", in
# $tmp/NAME.out and $tmp/NAME.res
timed() {
	name=$1
	shift
	(t0=$(date +%s%N); "$@" > "$tmp/$name.out" 2>&1 < /dev/null
	 echo "$? $((($(date +%s%N) - t0) / 1000000))" > "$tmp/$name.res") &
}
timed ctl5 "$vzhost" ctl --state-dir "$tmp/fx/vzhost" silent status
ctl5=$!
timed list5 env XDG_RUNTIME_DIR="$tmp/fx" "$vzhost" list
list5=$!
timed wait10 "$vzhost" ctl --state-dir "$tmp/fx/vzhost" starting wait ready
wait10=$!
# the least timeout given is a timeout (not the default): 0.0004 s is 1 ms
timed ctltiny "$vzhost" ctl --timeout 0.0004 --state-dir "$tmp/fx/vzhost" silent status
ctltiny=$!
wait $ctl5 $list5 $wait10 $ctltiny
# took WANT-STATUS MIN-MS MAX-MS NAME TEXT: what timed NAME saw
took() {
	read -r st ms < "$tmp/$4.res"
	if [ "$st" = "$1" ] && [ "$ms" -ge "$2" ] && [ "$ms" -lt "$3" ] && grep -qF -- "$5" "$tmp/$4.out"; then
		pass=$((pass + 1))
		echo "$st" >> "$tmp/statuses"
	else
		fail=$((fail + 1))
		echo "FAIL: $4: exit $st after $ms ms (want $1 after $2 to $3 ms), output:"
		sed 's/^/    /' "$tmp/$4.out"
		echo "    (wanted: $5)"
	fi
}
took 76 5000 8000 ctl5 'vzhost ctl: VM "silent" did not answer within 5.0 s'
took 76 5000 8000 list5 'vzhost list: VM "silent" did not answer within 5.0 s'
# started with 0, 1 and 2 closed: /dev/null takes their places (else the first
# files vzhost opens would be written its log)
"$vzhost" ctl --timeout 3 --state-dir "$tmp/fx/vzhost" silent status <&- >&- 2>&- &
closed=$!
sleep 1
std=$(for n in 0 1 2; do readlink "/proc/$closed/fd/$n"; done | tr '\n' ' ')
wait $closed
st=$?
if [ "$std" = "/dev/null /dev/null /dev/null " ] && [ $st = 76 ]; then
	pass=$((pass + 1))
	echo 76 >> "$tmp/statuses"
else
	fail=$((fail + 1))
	echo "FAIL: started with 0-2 closed: they are \"$std\" (exit $st, want 76)"
fi
took 76 0 2000 ctltiny 'vzhost ctl: VM "silent" did not answer within 0.0 s'
took 69 10000 14000 wait10 "no VM \"starting\" is running here ($tmp/fx/vzhost/starting.sock"
# waiting for a socket that never comes: it looks ten times a second, the CPU
# idle meanwhile (2 s cost a spinning client some 2 s of CPU, this one 0.05)
# (vzhost's own rusage: a python3 that is a pyenv shim counts the shim's children too)
cpu=$(python3 -c '
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r = os.wait4(p.pid, 0)[2]
print(int((r.ru_utime + r.ru_stime) * 1000))' "$vzhost" ctl --timeout 2 --state-dir "$tmp/fx/vzhost" starting wait ready)
if [ "$cpu" -lt 400 ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: ctl wait ready for a socket that never comes used $cpu ms of CPU in 2 s"
fi
# the console: "a" half a second after the answer, "b" 1.5 s after that; a second of
# quiet ends the client in between
python3 -c '
import os, signal, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
if os.fork() == 0:
    signal.alarm(30)
    c, _ = s.accept(); c.recv(4096)
    try:
        c.sendall(b"{\"ok\":true}\n")
        time.sleep(0.5); c.sendall(b"a")
        time.sleep(1.5); c.sendall(b"b")
        time.sleep(1)
    except OSError:
        pass  # the client is gone: as it should be
    os._exit(0)
' "$tmp/fx/vzhost/quiet.sock"
out=$("$vzhost" ctl --state-dir "$tmp/fx/vzhost" quiet console < /dev/null 2> "$tmp/quiet.err")
status=$?
if [ $status = 0 ] && [ "$out" = a ] && grep -qF "[vzhost: detached from quiet; it runs on]" "$tmp/quiet.err"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: ctl console from a pipe: exit $status, output \"$out\" (want \"a\": a second of quiet ends it)"
	sed 's/^/    /' "$tmp/quiet.err"
fi
# an installed layout finds its plugins in ../lib/vzhost/plugins without help
mkdir -p "$tmp/inst/bin" "$tmp/inst/lib/vzhost/plugins"
cp "$vzhost" "$tmp/inst/bin/" && cp "$build"/plugins/*.so "$tmp/inst/lib/vzhost/plugins/"
chmod -R go-w "$tmp/inst"
expect 0 "$tmp/inst/lib/vzhost/plugins/nat.so" env -u VZHOST_PLUGIN_PATH "$tmp/inst/bin/vzhost" plugins
# VZHOST_PLUGIN_PATH replaces that directory (vzhost(1)), plugins.dirs still come
# first, and a built-in kind none of them holds is said to be missing there (adding it
# to plugins.load would only be "not found")
mkdir -p "$tmp/only" "$tmp/first"
cp "$build/plugins/nat.so" "$tmp/only/" && cp "$build/plugins/serial.so" "$tmp/first/"
chmod -R go-w "$tmp/only" "$tmp/first"
sed '1i plugins = { dirs = [ "first" ]; load = [ "serial", "nat" ]; };' "$tmp/ok.conf" > "$tmp/pp.conf"
listed=$(VZHOST_PLUGIN_PATH="$tmp/only" "$tmp/inst/bin/vzhost" plugins -c "$tmp/pp.conf" 2>&1 | grep '\.so$' | tr '\n' ' ')
if [ "$listed" = "                    $tmp/first/serial.so                     $tmp/only/nat.so " ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: VZHOST_PLUGIN_PATH=$tmp/only, plugins.dirs = [ \"first\" ] and load = [ \"serial\", \"nat\" ] load: $listed"
fi
printf 'vms = ( { name = "d"; boot = { kernel = "%s/fixtures/files/vmlinuz"; };\n  devices = ( { kind = "disk"; path = "/x.img"; } ); } );\n' "$here" > "$tmp/nodisk.conf"
expect 78 "nodisk.conf:2: vms[0].devices[0].kind: no loaded plugin provides kind \"disk\": disk.so is in none of the plugin directories (searched: $tmp/only; VZHOST_PLUGIN_PATH replaces the built-in directory)" \
	env VZHOST_PLUGIN_PATH="$tmp/only" "$tmp/inst/bin/vzhost" -c "$tmp/nodisk.conf" --check
sed '1i plugins = { load = [ "nat" ]; };' "$tmp/nodisk.conf" > "$tmp/unloaded.conf"
expect 78 "unloaded.conf:3: vms[0].devices[0].kind: no loaded plugin provides kind \"disk\" (add \"disk\" to plugins.load)" \
	"$tmp/inst/bin/vzhost" -c "$tmp/unloaded.conf" --check

# the shipped examples stay valid (conf/ must stay true)
for conf in "$here"/../conf/*.conf; do
	expect 0 ": OK (" "$vzhost" -c "$conf" --check
done
# conf/host.conf shows each setting "with its default": without it, --print is the same
# (its guest files are the fixtures here)
sed "s|\.\./build/guest/|$here/fixtures/files/|g" "$here/../conf/host.conf" > "$tmp/hc.orig"
cp "$tmp/hc.orig" "$tmp/hc.conf"
XDG_RUNTIME_DIR=/xdg "$vzhost" -c "$tmp/hc.conf" --print > "$tmp/hc.json" 2>&1
for key in bridge accel max_vms macos_slots wait_for_slot timeout guest cpus memory nested \
	on_poweroff on_crash stop_timeout on_host_stop input_after read_only cache sync interface \
	width height ppi type output; do
	sed -E "s/(^|[ {;])$key = [^;]*;/\1/g" "$tmp/hc.orig" > "$tmp/hc.conf"
	if cmp -s "$tmp/hc.orig" "$tmp/hc.conf"; then
		fail=$((fail + 1))
		echo "FAIL: conf/host.conf no longer shows $key"
	elif XDG_RUNTIME_DIR=/xdg "$vzhost" -c "$tmp/hc.conf" --print 2>&1 | cmp -s "$tmp/hc.json" -; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: conf/host.conf's $key is not its default: --print without it differs"
		XDG_RUNTIME_DIR=/xdg "$vzhost" -c "$tmp/hc.conf" --print 2>&1 | diff "$tmp/hc.json" - | sed 's/^/    /' | head -20
	fi
done

# the run's own errors, each before anything starts or with its reason
runconf() { # NAME HOST-SETTINGS [HOOKS-SETTINGS]: the demo VM with these settings
	{ printf 'host = { state_dir = "%s/st"; %s };\n' "$tmp" "$2"
	  [ -n "${3:-}" ] && printf 'hooks = { %s };\n' "$3"
	  sed -n '1,2p' "$tmp/ok.conf"; } > "$tmp/$1.conf"
}
# host.qemu's default: qemu-system-<host arch>, looked for in PATH
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexit 1\n' > "$tmp/bin/qemu-system-$(uname -m)"
chmod 755 "$tmp/bin/qemu-system-$(uname -m)"
runconf pathqemu ''
expect 1 "state starting -> stopped (start-failed): $tmp/bin/qemu-system-$(uname -m) exited with status 1 before it answered" \
	env PATH="$tmp/bin:/usr/bin:/bin" "$vzhost" -c "$tmp/pathqemu.conf"
expect 0 "not checked against a hypervisor: qemu-system-$(uname -m) not found" \
	env PATH="$tmp/nowhere" "$vzhost" -c "$tmp/ok.conf" --check
# host.virtiofsd's default: /usr/lib/qemu/virtiofsd, else /usr/libexec/virtiofsd, each
# shown by a file there that cannot run (in a mount namespace of this test's own): the
# first when both are there, the second when only it is
if [ "$(id -u)" != 0 ] || ! unshare -m true 2> /dev/null || [ ! -d /usr/lib/qemu ] ||
	[ ! -d /usr/libexec ] || ! command -v "qemu-system-$(uname -m)" > /dev/null; then
	echo "SKIP: host.virtiofsd's default: needs root, unshare -m, /usr/lib/qemu, /usr/libexec and QEMU"
	skip=$((skip + 1))
else
	mkdir -p "$tmp/fsd/none" "$tmp/fsd/noexec"
	: > "$tmp/fsd/noexec/virtiofsd"
	chmod 644 "$tmp/fsd/noexec/virtiofsd"
	printf 'vms = ( { name = "f"; boot = { kernel = "%s"; };\n  devices = ( { kind = "share"; tag = "t"; path = "%s"; } ); } );\n' \
		"$k" "$tmp/fsd" > "$tmp/fsd.conf"
	expect 78 "fsd.conf:2: vms[0].devices[0]: shares need virtiofsd: /usr/lib/qemu/virtiofsd: Permission denied" \
		unshare -m sh -c "mount --bind '$tmp/fsd/noexec' /usr/lib/qemu && mount --bind '$tmp/fsd/noexec' /usr/libexec &&
			exec '$vzhost' -c '$tmp/fsd.conf' --check"
	expect 78 "fsd.conf:2: vms[0].devices[0]: shares need virtiofsd: /usr/libexec/virtiofsd: Permission denied" \
		unshare -m sh -c "mount --bind '$tmp/fsd/none' /usr/lib/qemu && mount --bind '$tmp/fsd/noexec' /usr/libexec &&
			exec '$vzhost' -c '$tmp/fsd.conf' --check"
fi
# a QEMU that refuses its command line: its own words are the reason
printf '#!/bin/sh\necho "qemu-system-x86_64: -device nope: not found" >&2\nexit 1\n' > "$tmp/badqemu"
chmod 755 "$tmp/badqemu"
runconf badqemu "qemu = \"$tmp/badqemu\"; accel = \"tcg\";"
expect 1 "state starting -> stopped (start-failed): QEMU: qemu-system-x86_64: -device nope: not found" \
	"$vzhost" -c "$tmp/badqemu.conf"
# no slot: the ledger's one record is held by a live process (its write lock),
# max_vms = 1
runconf full 'qemu = "/bin/false"; max_vms = 1;'
mkdir -p "$tmp/st/slots" && chmod 700 "$tmp/st" "$tmp/st/slots"
printf 'A{"vm":"other","pid":1,"guest":"linux","bridge":"qemu","config":"/x.conf","since":0}' \
	> "$tmp/st/slots/other.1.slot"
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(10)
' "$tmp/st/slots/other.1.slot" > "$tmp/held" &
holder=$!
n=0
while [ ! -s "$tmp/held" ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
expect 75 "no slot for this VM: host.max_vms = 1 and 1 VM runs: other (vzhost pid 1, /x.conf, since " \
	"$vzhost" -c "$tmp/full.conf"
# beside that holder: max_vms = 0 (the default) is no limit, and max_vms = 2 leaves a
# slot (each admitted: its start fails on /bin/false, exit 1, not 75)
runconf nolimit 'qemu = "/bin/false";'
expect 1 "state starting -> stopped (start-failed)" "$vzhost" -c "$tmp/nolimit.conf"
runconf roomy 'qemu = "/bin/false"; max_vms = 2;'
expect 1 "state starting -> stopped (start-failed)" "$vzhost" -c "$tmp/roomy.conf"
kill $holder 2>/dev/null
wait $holder 2>/dev/null
# -q keeps errors only; -vv shows the command line
expect 1 "error: state starting -> stopped (start-failed): /bin/false exited with status 1 before it answered" \
	"$vzhost" -q -c "$tmp/false.conf"
if "$vzhost" -q -c "$tmp/false.conf" 2>&1 | grep -q "notice:"; then
	fail=$((fail + 1)); echo "FAIL: -q still shows notices"
else
	pass=$((pass + 1))
fi
expect 1 "debug: argv[0] /bin/false" "$vzhost" -vv -c "$tmp/false.conf"
# KVM asked for where it cannot run ordinary guests: 69 with the reason
if [ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ]; then
	echo "SKIP: host.accel = kvm refused: this host has a usable KVM"
	skip=$((skip + 1))
else
	runconf kvm 'accel = "kvm"; qemu = "/bin/false";'
	expect 69 'host.accel = "kvm": ' "$vzhost" -c "$tmp/kvm.conf"
fi
# vsock where the host has no vhost-vsock: a validation error at the device
if [ -e /dev/vhost-vsock ]; then
	echo "SKIP: vsock refused: this host has /dev/vhost-vsock"
	skip=$((skip + 1))
else
	printf 'vms = ( { name = "v"; boot = { kernel = "%s/fixtures/files/vmlinuz"; };\n  devices = ( { kind = "vsock"; } ); } );\n' "$here" > "$tmp/vsock.conf"
	expect 78 "vsock.conf:2: vms[0].devices[0]: vsock needs /dev/vhost-vsock on this host" \
		"$vzhost" -c "$tmp/vsock.conf" --check
fi
# a hooks.dir that is not there: 78 before anything starts
runconf nohooks 'qemu = "/bin/false";' 'dir = "no-such-hooks";'
expect 78 "hooks.dir $tmp/no-such-hooks: No such file or directory" "$vzhost" -c "$tmp/nohooks.conf"
# a control socket path longer than a socket address: the start is abandoned
long=$tmp/$(printf '%0100d' 0)
mkdir -p "$long"
printf 'host = { state_dir = "%s"; qemu = "/bin/false"; };\n' "$long" > "$tmp/long.conf"
sed -n '1,2p' "$tmp/ok.conf" >> "$tmp/long.conf"
expect 1 "start abandoned: control socket path $long/demo.sock is too long" "$vzhost" -c "$tmp/long.conf"
# a disk image that cannot be created at start: the start is abandoned, QEMU never runs
printf 'host = { state_dir = "%s/st"; qemu = "%s/never-run"; };\n' "$tmp" "$tmp" > "$tmp/noimg.conf"
printf 'vms = ( { name = "demo"; boot = { kernel = "%s/fixtures/files/vmlinuz"; };\n  devices = ( { kind = "disk"; path = "/proc/vzh-%s.img"; size = "1M"; } ); } );\n' "$here" $$ >> "$tmp/noimg.conf"
rm -f "$tmp/qemu-ran"
expect 1 "start abandoned: cannot create /proc/vzh-$$.img: " "$vzhost" -c "$tmp/noimg.conf"
[ ! -e "$tmp/qemu-ran" ] || { fail=$((fail + 1)); echo "FAIL: an image that could not be created ran QEMU"; }
# `vzhost plugins` shows a broken file's errors: 78
expect 78 "syntax.conf:1: syntax error" "$vzhost" plugins -c "$tmp/syntax.conf"
# ctl and list: the state directory from -c FILE, or the default one
expect 64 "which VM?" "$vzhost" ctl --state-dir "$tmp"
runconf listed 'qemu = "/bin/false";'
mkdir -p "$tmp/st"
expect 0 "VM                   STATE      READY PID      UPTIME     CONFIG" "$vzhost" list -c "$tmp/listed.conf"
# a VM of a one-letter name is listed too (its socket: a.sock), as its vzhost answers
mkdir -m 700 "$tmp/one"
python3 - "$tmp/one/a.sock" <<'PY' &
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.recv(4096)
c.sendall(json.dumps({"ok": True, "vm": "a", "state": "running", "ready": True, "pid": 4242,
                      "uptime_s": 61, "config": "/etc/a.conf"}).encode() + b"\n")
c.close()
PY
srv=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$tmp/one/a.sock" ] && break; sleep 0.2; done
expect 0 "a                    running    yes   4242     0h01m01s   /etc/a.conf" "$vzhost" list --state-dir "$tmp/one"
kill $srv 2> /dev/null
wait $srv
expect 69 "no VM \"demo\" is running here ($tmp/st/demo.sock" "$vzhost" ctl -c "$tmp/listed.conf" demo status
expect 69 "no VM \"demo\" is running here ($tmp/xdg/vzhost/demo.sock" \
	env XDG_RUNTIME_DIR="$tmp/xdg" "$vzhost" ctl demo status
# without XDG_RUNTIME_DIR: root's is /run/vzhost; another user's $XDG_STATE_HOME/vzhost,
# else ~/.local/state/vzhost (vzhost(1), host.conf)
vm=nosuch-$$
if [ "$(id -u)" = 0 ]; then
	expect 69 "no VM \"$vm\" is running here (/run/vzhost/$vm.sock" env -u XDG_RUNTIME_DIR "$vzhost" ctl $vm status
fi
as=
[ "$(id -u)" = 0 ] && as="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ -n "$as" ] && ! $as true 2> /dev/null; then
	echo "SKIP: another user's default state directory: root without setpriv"
	skip=$((skip + 1))
else
	expect 69 "no VM \"$vm\" is running here (/home/u/.local/state/vzhost/$vm.sock" \
		$as env -u XDG_RUNTIME_DIR -u XDG_STATE_HOME HOME=/home/u "$vzhost" ctl $vm status
	expect 69 "no VM \"$vm\" is running here (/var/lib/u/vzhost/$vm.sock" \
		$as env -u XDG_RUNTIME_DIR XDG_STATE_HOME=/var/lib/u HOME=/home/u "$vzhost" ctl $vm status
	# no HOME, or one that is no absolute path: the home the password file says
	pwhome=$(getent passwd 65534 | cut -d: -f6)
	expect 69 "no VM \"$vm\" is running here ($pwhome/.local/state/vzhost/$vm.sock" \
		$as env -u XDG_RUNTIME_DIR -u XDG_STATE_HOME -u HOME "$vzhost" ctl $vm status
	expect 69 "no VM \"$vm\" is running here ($pwhome/.local/state/vzhost/$vm.sock" \
		$as env -u XDG_RUNTIME_DIR -u XDG_STATE_HOME HOME=u "$vzhost" ctl $vm status
fi

# every status --help lists was produced by a test above
codes=$("$vzhost" --help | sed -n '/^Exit status:/,$s/^  \([0-9][0-9]*\) .*/\1/p')
if [ "$(printf '%s\n' $codes | wc -l)" -lt 9 ]; then
	fail=$((fail + 1))
	echo "FAIL: --help lists only these exit statuses: $codes"
fi
for code in $codes; do
	if grep -qx "$code" "$tmp/statuses"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: exit status $code is in --help but no test produced it"
	fi
done

echo "cli: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
