#!/bin/sh
# Device backends on real guests (QEMU, TCG here): NICs on a server's socket (passt)
# and served by a plugin (sdk/examples/netback.c), a console served by a plugin, NBD
# disks (nbdkit, and sdk/examples/qcow2.c's helper), ephemeral disks, a QEMU-only
# device (sdk/examples/watchdog.c), and a backend that stalls while the control
# socket of another VM keeps answering.  The examples are built against the
# installed SDK with the command PLUGINS.md gives.  Each test first asserts what the
# guest itself printed.  VZH_TESTS="netback ephemeral" runs only those.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
guest=${VZH_GUEST:-$top/build/guest}
tmp=$(mktemp -d)
SHOW="out err"
. "$top/tests/integration/lib.sh"
cleanup() {
	pkill -KILL -f "guest=bk-$$-" 2>/dev/null
	[ -n "${ping_range:-}" ] && echo "$ping_range" > /proc/sys/net/ipv4/ping_group_range
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"

# the SDK as a third party has it, and the examples built with it
make -s -C "$top" install B="${B:-build}" SAN="${SAN:-}" PREFIX="$tmp/prefix" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; exit 1; }
vzhost=$tmp/prefix/bin/vzhost
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
mkdir -p "$tmp/plugins"
for ex in netback watchdog qcow2 audit hangwatch tpm chanreply; do
	cc -Wall -Wextra -Werror $(pkg-config --cflags --libs vzhost-plugin) \
		-o "$tmp/plugins/$ex.so" "$top/sdk/examples/$ex.c" 2> "$tmp/cc.log" ||
		{ echo "FAIL: sdk/examples/$ex.c does not build:"; cat "$tmp/cc.log"; exit 1; }
done
cp "$build/fixtures/backer.so" "$build/fixtures/asker.so" "$tmp/plugins/"
chmod -R go-w "$tmp/plugins"
unset VZHOST_PLUGIN_PATH

# conf NAME CMDLINE DEVICES [VMS...]: one VM (bk-PID-NAME) with these devices
conf() {
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$tmp/state"; };
plugins = { dirs = [ "$tmp/plugins", "$tmp/prefix/lib/vzhost/plugins" ];
            load = [ "netback", "watchdog", "qcow2", "backer", "serial", "disk", "nat" ]; };
vms = ( { name = "bk-$$-$1"; memory = "256M";
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet $2"; };
  devices = ( $3 ); } ${4:-} );
CONF
}

run() {
	timeout -k 5 60 "$vzhost" ${V:-} -c "$tmp/$1.conf" > "$tmp/out" 2> "$tmp/err"
	st=$?
}

# guest PATTERN [FILE]: the guest printed this marker (with several VMs, after
# its "[name] " prefix)
guest() {
	tr -d '\r' < "${2:-$tmp/out}" | grep -q -- "^\(\[[^]]*\] \)\?VZH-GUEST: $1" && return 0
	echo "  the guest never printed \"VZH-GUEST: $1\""
	return 1
}

logged() {
	grep -qF -- "$1" "$tmp/err" && return 0
	echo "  the log never said \"$1\""
	return 1
}

SERIAL='{ kind = "serial"; }'

# passt, the built-in nic kind on a stream socket: a lease, and the gateway answers
t_passt() {
	if ! command -v passt > /dev/null; then
		skipped "passt: not installed (Debian: apt-get install passt)"
		return
	fi
	mkdir -p "$tmp/passt" && chmod 1777 "$tmp/passt" # (passt drops to nobody)
	# passt answers pings through ping sockets: the groups allowed to open them
	ping_range=$(cat /proc/sys/net/ipv4/ping_group_range)
	ping=0
	echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range 2>/dev/null && ping=1
	passt -f -1 -s "$tmp/passt/passt.sock" > "$tmp/passt.log" 2>&1 &
	ppid=$!
	wait_for "$tmp/passt.log" "bound at" 10
	conf passt "vzh=dhcp vzh.ping=1" \
		"{ kind = \"nic\"; socket = \"$tmp/passt/passt.sock\"; type = \"stream\"; }, $SERIAL"
	run passt
	kill $ppid 2>/dev/null
	if guest "lease " && [ $st = 0 ]; then ok; else bad "passt: no DHCP lease from passt"; fi
	if [ $ping = 0 ]; then
		skipped "passt ping: cannot allow ping sockets (net.ipv4.ping_group_range)"
	elif guest "ping ok"; then ok; else bad "passt: its gateway did not answer a ping"; fi
}

# the nic kind on a datagram server (gvproxy's and vfkit's convention): vzhost binds
# its end in the VM's run directory, where the server answers, and connects
t_dgram() {
	python3 "$top/tests/integration/listen.py" "$tmp/gv.sock" "$tmp/dgram.log" &
	spid=$!
	wait_for "$tmp/dgram.log" listening 10
	conf dgram "vzh=dhcp" \
		"{ kind = \"nic\"; socket = \"$tmp/gv.sock\"; mac = \"52:54:00:d6:00:01\"; }, $SERIAL"
	run dgram
	kill $spid 2>/dev/null
	if guest "no lease" && [ $st = 0 ] &&
		grep -q "^frame 342 from $tmp/state/bk-$$-dgram\.plug\.[0-9]*/net0\.sock src 52:54:00:d6:00:01" "$tmp/dgram.log"; then
		ok
	else
		bad "dgram: the server never got the guest's DHCP discover from vzhost's bound end:"
		sed 's/^/    /' "$tmp/dgram.log" | head -5
	fi
}

# a stream NIC whose server hangs up while the guest runs: the guest sees its link go
# down (QEMU 7.2 cannot attach the NIC anew), the VM runs on, and vzhost says so:
# the log names the device, `ctl events` streams network-disconnected with its index,
# `ctl status` counts it (drops 1, reattached 0, down 1)
t_netdrop() {
	cat > "$tmp/hangup.py" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[2], "w").write("listening\n")
c, _ = s.accept()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
c.close()
open(sys.argv[2], "a").write("hung up\n")
time.sleep(60)
PY
	rm -f "$tmp/hangup.go"
	python3 "$tmp/hangup.py" "$tmp/hang.sock" "$tmp/hang.log" "$tmp/hangup.go" &
	spid=$!
	wait_for "$tmp/hang.log" listening 10
	conf netdrop "vzh=carrier" \
		"$SERIAL, { kind = \"nic\"; socket = \"$tmp/hang.sock\"; type = \"stream\"; }"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/netdrop.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	ctl="$vzhost ctl bk-$$-netdrop --state-dir $tmp/state"
	seen=0
	if wait_for "$tmp/out" "VZH-GUEST: carrier up" 60 "" $pid; then
		timeout 60 $ctl events > "$tmp/netdrop.events" 2>&1 &
		epid=$!
		sleep 0.5
		touch "$tmp/hangup.go"
		if wait_for "$tmp/out" "VZH-GUEST: carrier lost" 30 "" $pid; then
			$ctl status > "$tmp/netdrop.status" 2>&1 && seen=1
		fi
	fi
	$ctl stop > /dev/null 2>&1
	reap $pid 30
	[ -n "${epid:-}" ] && wait $epid
	kill $spid 2>/dev/null
	if [ $seen = 1 ] && [ $st = 0 ] && python3 - "$tmp/netdrop.status" "$tmp/netdrop.events" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
assert st["state"] == "running", st
assert st["network"] == {"drops": 1, "reattached": 0, "down": 1}, st["network"]
ev = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
drops = [e for e in ev if e.get("event") == "network-disconnected"]
assert len(drops) == 1, ev
d = drops[0]
assert (d["device"], d["state"], d["prev_state"], d["reason"]) == (1, "running", "running", "none"), d
assert "its server closed the socket" in d["detail"], d
seqs = [e["seq"] for e in ev if "seq" in e]
assert len(seqs) >= 3 and all(b == a + 1 for a, b in zip(seqs, seqs[1:])), seqs
PY
	then
		if grep -q "bk-$$-netdrop\] warning: $tmp/netdrop.conf:[0-9]*: vms\[0\].devices\[1\]: network-disconnected: its server closed the socket" "$tmp/err"; then
			ok
		else
			bad "netdrop: the log did not name the NIC that dropped"
		fi
	else
		bad "netdrop: the drop was not seen by the guest, counted or streamed (exit $st)"
		cat "$tmp/netdrop.status" "$tmp/netdrop.events" 2>/dev/null | sed 's/^/    /'
	fi
}

# a NIC served by a plugin: its DHCP, ARP and ping, and a summary of every frame
t_netback() {
	conf netback "vzh=dhcp vzh.ping=1" \
		"{ kind = \"example.netback\"; address = \"10.77.0.9\"; }, $SERIAL"
	V=-v run netback
	if guest "lease 10.77.0.9" && guest "ping ok 10.77.0.1" && [ $st = 0 ]; then
		ok
	else
		bad "netback: the guest got no lease from the plugin or no ping answer"
	fi
	if logged "[netback] notice: DHCP ack: 10.77.0.9" && logged "ARP request" &&
		grep -q "\[netback\] info: frame [0-9]*: 98 bytes .* IPv4 proto 1" "$tmp/err"; then
		ok
	else
		bad "netback: the plugin did not log the frames"
	fi
}

# a console served by a plugin: it has the guest's output and types a line
t_console() {
	conf console "vzh=echo" \
		"{ kind = \"backer.console\"; log = \"$tmp/console.log\"; answer = \"typed-by-plugin\"; }"
	run console
	if guest "got typed-by-plugin" "$tmp/console.log" && [ $st = 0 ]; then
		ok
	else
		bad "console: the guest did not read the plugin's line"
	fi
}

# a disk from an NBD server (nbdkit) named by the config
t_nbd() {
	if ! command -v nbdkit > /dev/null; then
		skipped "nbd: nbdkit not installed (Debian: apt-get install nbdkit)"
		return
	fi
	printf 'VZH-MARK from-nbdkit\n' > "$tmp/nbd.img" && truncate -s 16M "$tmp/nbd.img"
	nbdkit -f -U "$tmp/nbd.sock" file "$tmp/nbd.img" > "$tmp/nbdkit.log" 2>&1 &
	npid=$!
	conf nbd "vzh=read" "{ kind = \"disk\"; nbd_socket = \"$tmp/nbd.sock\"; }, $SERIAL"
	wait_for "$tmp/nbdkit.log" "x" 1 # (a moment to bind)
	run nbd
	kill $npid 2>/dev/null
	if guest "read VZH-MARK from-nbdkit" && [ $st = 0 ]; then ok; else bad "nbd: the guest did not read the export"; fi
	# nbdkit as a plugin's helper on the socket vzhost binds: it takes
	# descriptor 3 only when LISTEN_PID is its own pid (else it listens on TCP
	# and the disk waits in the backlog)
	printf 'VZH-MARK activated\n' > "$tmp/nbd2.img" && truncate -s 16M "$tmp/nbd2.img"
	conf nbdact "vzh=read" "{ kind = \"backer.nbdkit\"; image = \"$tmp/nbd2.img\"; }, $SERIAL"
	run nbdact
	if guest "read VZH-MARK activated" && [ $st = 0 ]; then ok; else bad "nbd: nbdkit as a socket-activated helper did not serve the disk"; fi
}

# a qcow2 image through the qcow2 example's helper (qemu-storage-daemon): written
# by the guest; the helper ends with its VM while vzhost runs on (another VM)
t_qcow2() {
	qemu-img create -q -f qcow2 "$tmp/q.qcow2" 16M
	conf qcow2 "vzh=write vzh.mark=in-qcow2" \
		"{ kind = \"example.qcow2\"; path = \"$tmp/q.qcow2\"; }, $SERIAL" \
		", { name = \"bk-$$-keeper\"; memory = \"256M\";
  boot = { kernel = \"$guest/vmlinuz\"; initrd = \"$guest/initrd.img\";
           cmdline = \"console=ttyS0 quiet vzh=acpi\"; };
  devices = ( { kind = \"serial\"; output = \"none\"; } ); }"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/qcow2.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	gone=0
	if wait_for "$tmp/err" "bk-$$-qcow2\] notice: state running -> stopped" 60 "" $pid; then
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
			pgrep -f "qemu-storage-daemon.*$tmp" > /dev/null || { gone=1; break; }
			sleep 0.1
		done
	fi
	kill -TERM $pid
	reap $pid 30
	if guest "reread VZH-MARK in-qcow2" &&
		qemu-img convert -O raw "$tmp/q.qcow2" "$tmp/q.raw" &&
		[ "$(head -c 17 "$tmp/q.raw")" = "VZH-MARK in-qcow2" ]; then
		ok
	else
		bad "qcow2: the guest's write did not reach the image"
	fi
	if [ $gone = 1 ]; then ok; else bad "qcow2: the helper outlived its VM"; fi
}

# a VM that powers off and is restarted, again and again, each start with a helper
# (qcow2), a NAT and hook scripts: vzhost's own descriptors do not grow from one
# start to the next (a `started` hook counts them)
t_fdleak() {
	qemu-img create -q -f qcow2 "$tmp/fl.qcow2" 16M
	conf fdleak "vzh=poweroff" "{ kind = \"example.qcow2\"; path = \"$tmp/fl.qcow2\"; }, { kind = \"nat\"; }, $SERIAL"
	sed -i 's|memory = "256M";|memory = "256M"; on_poweroff = "restart";|' "$tmp/fdleak.conf"
	mkdir -p "$tmp/fdhooks"
	printf 'hooks = { dir = "%s"; };\n' "$tmp/fdhooks" >> "$tmp/fdleak.conf"
	cat > "$tmp/fdhooks/10-count" <<'HOOK'
#!/bin/sh
[ "$2" = started ] && [ "$(cat /proc/$PPID/comm)" = vzhost ] && ls /proc/$PPID/fd | wc -l >> "$FDREC"
exit 0
HOOK
	chmod 755 "$tmp/fdhooks/10-count"
	export FDREC="$tmp/fdrec"
	rm -f "$FDREC"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/fdleak.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	_n=0
	while [ "$(cat "$FDREC" 2>/dev/null | wc -l)" -lt 4 ] && [ $_n -lt 900 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.1
		_n=$((_n + 1))
	done
	kill -TERM $pid
	reap $pid 30
	boots=$(tr -d '\r' < "$tmp/out" | grep -c "^VZH-GUEST: booted action=poweroff")
	counts=$(tr '\n' ' ' < "$FDREC" 2>/dev/null)
	set -- $counts
	if [ "$boots" -ge 4 ] && [ $# -ge 4 ] && [ "$2" = "$3" ] && [ "$3" = "$4" ] && [ "$4" -le "$2" ]; then
		ok
	else
		bad "descriptors across restarts: $counts(the guest booted $boots times, exit $st)"
		sed 's/^/    /' "$tmp/err" | tail -8
	fi
}

# a helper that fails: what it said and its exit in the log, the start failed
t_badhelper() {
	truncate -s 1M "$tmp/notq.img"
	conf badhelper "vzh=read" "{ kind = \"example.qcow2\"; path = \"$tmp/notq.img\"; }, $SERIAL"
	run badhelper
	if [ $st = 1 ] && grep -q "qcow2 helper [0-9]*: qemu-storage-daemon: .*qcow2" "$tmp/err" &&
		grep -q "qcow2 helper [0-9]* exited with status 1 before its VM stopped" "$tmp/err" &&
		logged "state starting -> stopped (start-failed)"; then
		ok
	else
		bad "badhelper: a helper's failure is not in the log (exit $st)"
	fi
}

# a helper never outlives vzhost, even one SIGKILLed
t_orphan() {
	qemu-img create -q -f qcow2 "$tmp/o.qcow2" 16M
	conf orphan "vzh=acpi" "{ kind = \"example.qcow2\"; path = \"$tmp/o.qcow2\"; }, $SERIAL"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/orphan.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	if ! wait_count "$tmp/out" 2 30 $pid || ! pgrep -f "qemu-storage-daemon.*$tmp/o.qcow2" > /dev/null; then
		bad "orphan: the guest never counted with its helper up"
		kill -KILL $pid
		return
	fi
	kill -KILL $pid
	wait $pid 2>/dev/null
	gone=0
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		pgrep -f "qemu-storage-daemon.*$tmp/o.qcow2" > /dev/null || { gone=1; break; }
		sleep 0.1
	done
	if [ $gone = 1 ]; then ok; else bad "orphan: the helper outlived a SIGKILLed vzhost"; fi
	pkill -KILL -f "qemu-storage-daemon.*$tmp/o.qcow2" 2>/dev/null
}

# ephemeral: the guest writes, the next boot sees the image as it was; two VMs
# share the base at once
t_ephemeral() {
	printf 'VZH-MARK original\n' > "$tmp/base.img" && truncate -s 16M "$tmp/base.img"
	cp "$tmp/base.img" "$tmp/base.orig"
	conf eph1 "vzh=write vzh.mark=scratch" \
		"{ kind = \"disk\"; path = \"$tmp/base.img\"; ephemeral = true; }, $SERIAL" \
		", { name = \"bk-$$-eph2\"; memory = \"256M\";
  boot = { kernel = \"$guest/vmlinuz\"; initrd = \"$guest/initrd.img\";
           cmdline = \"console=ttyS0 quiet vzh=write vzh.mark=other\"; };
  devices = ( { kind = \"disk\"; path = \"$tmp/base.img\"; ephemeral = true; }, $SERIAL ); }"
	run eph1
	if guest "reread VZH-MARK scratch" && guest "reread VZH-MARK other" && [ $st = 0 ]; then
		ok
	else
		bad "ephemeral: two VMs on one base did not both write their disk"
	fi
	conf eph3 "vzh=read" "{ kind = \"disk\"; path = \"$tmp/base.img\"; ephemeral = true; }, $SERIAL"
	run eph3
	if guest "read VZH-MARK original" && cmp -s "$tmp/base.img" "$tmp/base.orig" &&
		! grep -q "ephemeral disks: .* free" "$tmp/err"; then
		ok
	else
		bad "ephemeral: the guest's writes reached the image, or room was said short for 16 MiB"
	fi
	# an image larger than the free space (sparse): the overlay may outgrow it, said
	if truncate -s 8T "$tmp/huge.img" 2>/dev/null; then
		conf eph4 "vzh=poweroff" "{ kind = \"disk\"; path = \"$tmp/huge.img\"; ephemeral = true; }, $SERIAL"
		run eph4
		if [ $st = 0 ] && guest "powering off" &&
			grep -q "warning: ephemeral disks: .* has [0-9]* MiB free, and the guest may write up to 8388608 MiB there" "$tmp/err"; then
			ok
		else
			bad "ephemeral: an 8 TiB image's overlay was not said to outgrow the free space (exit $st)"
		fi
		rm -f "$tmp/huge.img"
	else
		skipped "ephemeral: this file system has no 8 TiB sparse files"
	fi
}

# a state directory in memory (/dev/shm here, /run for root by default): the
# overlay a guest fills goes to a private directory on disk, not into the host's RAM
t_ephemeral_mem() {
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" != tmpfs ]; then
		skipped "ephemeral_mem: /dev/shm is not a tmpfs here"
		return
	fi
	shm=$(mktemp -d /dev/shm/vzh-test.XXXXXX)
	before=$(ls -d /var/tmp/vzhost-overlay.* 2>/dev/null | wc -l)
	truncate -s 16M "$tmp/mem.img"
	conf ephmem "vzh=acpi" "{ kind = \"disk\"; path = \"$tmp/mem.img\"; ephemeral = true; }, $SERIAL"
	sed -i "s|state_dir = \"$tmp/state\"|state_dir = \"$shm\"|" "$tmp/ephmem.conf"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/ephmem.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	where=
	if wait_count "$tmp/out" 1 30 $pid; then
		qpid=$(pgrep -f "guest=bk-$$-ephmem" | head -n 1)
		where=$(ls -l "/proc/$qpid/fd" 2>/dev/null | grep -o '/[^ ]*/vl\.[A-Za-z0-9]*' | head -n 1)
	fi
	kill -TERM $pid
	reap $pid 30
	rm -rf "$shm"
	case "$where" in
	/var/tmp/vzhost-overlay.*) ok ;;
	*) bad "ephemeral_mem: the overlay is at \"$where\", not on disk in /var/tmp" ;;
	esac
	if [ "$(ls -d /var/tmp/vzhost-overlay.* 2>/dev/null | wc -l)" = "$before" ]; then
		ok
	else
		bad "ephemeral_mem: its overlay directory stayed behind"
	fi
}

# a QEMU-only device from a plugin; QEMU's error names the plugin and the entry
t_watchdog() {
	conf watchdog "vzh=pci" "{ kind = \"example.watchdog\"; action = \"poweroff\"; }, $SERIAL"
	run watchdog
	if tr -d '\r' < "$tmp/out" | grep -q "^VZH-GUEST: pci.* 8086:25ab" && [ $st = 0 ]; then
		ok
	else
		bad "watchdog: the guest has no i6300esb (8086:25ab)"
	fi
	# the vz bridge has no such device: refused at --check, entry and plugin named
	sed 's/^host = { /host = { bridge = "vz"; /' "$tmp/watchdog.conf" > "$tmp/wdvz.conf"
	"$vzhost" -c "$tmp/wdvz.conf" --check > "$tmp/out" 2> "$tmp/err"
	st=$?
	if [ $st = 78 ] && logged "$tmp/wdvz.conf:7: vms[0].devices[0]: plugin watchdog emitted a device for the qemu bridge (device i6300esb); this VM runs on the vz bridge, which has no such device"; then
		ok
	else
		bad "watchdog: the vz bridge did not refuse a QEMU-only device at --check (exit $st)"
	fi
	# a type this QEMU does not have: refused at --check, at the entry, with the
	# nearest (asked of the QEMU itself); one it has but cannot plug in here:
	# QEMU's refusal at the start names the plugin and the entry
	conf wdbad "vzh=pci" "{ kind = \"example.watchdog\"; model = \"i6300esbx\"; }, $SERIAL"
	XDG_CACHE_HOME="$tmp/cache" "$vzhost" -c "$tmp/wdbad.conf" --check > "$tmp/out" 2> "$tmp/err"
	st1=$?
	cp "$tmp/err" "$tmp/err1"
	conf wdbad "vzh=pci" "{ kind = \"example.watchdog\"; model = \"virtio-rng-device\"; }, $SERIAL"
	run wdbad
	if [ $st1 = 78 ] && grep -qF "$tmp/wdbad.conf:7: vms[0].devices[0]: plugin watchdog emitted a qemu device of type \"i6300esbx\", which this host's QEMU (" "$tmp/err1" &&
		grep -qF ") does not have (did you mean \"i6300esb\"?)" "$tmp/err1" && [ $st = 1 ] &&
		logged "No 'virtio-bus' bus found for device 'virtio-rng-device' [example.watchdog of plugin watchdog, $tmp/wdbad.conf:7: vms[0].devices[0]]"; then
		ok
	else
		bad "watchdog: an unknown type at --check (exit $st1: $(head -c 300 "$tmp/err1")), QEMU's refusal at the start (exit $st)"
	fi
}

# a second VM beside the one under test, idle, for ask_other
OTHER=", { name = \"bk-$$-other\"; memory = \"256M\";
  boot = { kernel = \"$guest/vmlinuz\"; initrd = \"$guest/initrd.img\";
           cmdline = \"console=ttyS0 quiet vzh=acpi\"; };
  devices = ( { kind = \"serial\"; output = \"none\"; } ); }"

# ask_other SECONDS BOUND_MS: `ctl status` of that VM again and again for SECONDS;
# asked counts the requests, slow those over BOUND_MS (100 for one that failed);
# the last answer in $tmp/status
ask_other() {
	_end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt $_end ]; do
		_t0=$(date +%s%N)
		timeout 5 "$vzhost" ctl "bk-$$-other" status --state-dir "$tmp/state" > "$tmp/status" 2>&1 ||
			slow=$((slow + 100))
		_t1=$(date +%s%N)
		asked=$((asked + 1))
		[ $(((_t1 - _t0) / 1000000)) -gt $2 ] && slow=$((slow + 1))
		sleep 0.2
	done
}

# a backend that does not read for 10 s: another VM's control socket answers all along
t_stall() {
	# (its DHCP client sends while nobody reads)
	# (a pause long enough for a busy machine's guest to boot and ask within it)
	conf stall "vzh=dhcp" "{ kind = \"backer.stall\"; pause = 15000; }, $SERIAL" \
		"$OTHER"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/stall.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	slow=0 asked=0
	if wait_for "$tmp/err" "not reading for 15000 ms" 30 "" $pid; then
		ask_other 10 500
	fi
	wait_for "$tmp/err" "reading again after" 30
	kill -TERM $pid
	reap $pid 30
	# (at least one a second: each ask is a vzhost process, slow to start under a
	# sanitizer on a busy machine; what counts is that none was slow or failed)
	if [ $asked -ge 10 ] && [ $slow = 0 ] && grep -q '"state": *"running"' "$tmp/status" &&
		grep -q "reading again after 15000 ms: [1-9][0-9]* frames were waiting" "$tmp/err"; then
		ok
	else
		bad "stall: $asked status requests during the stall, $slow slow or failed; the last: $(cat "$tmp/status")"
	fi
}

# the built-in channel kind: the guest's /dev/virtio-ports/vzh.test served on a unix
# socket (0600, there while the VM runs): a client's line reaches the guest, which
# answers it on the channel; a second client, after the first left, is served too
t_channel() {
	conf channel "vzh=channel" "$SERIAL, { kind = \"channel\"; name = \"vzh.test\"; socket = \"$tmp/chan.sock\"; }"
	sed -i 's|"nat" \]; };|"nat", "channel" ]; };|' "$tmp/channel.conf"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/channel.conf" > "$tmp/out" 2> "$tmp/err" < /dev/null &
	pid=$!
	got1= got2= mode=
	if wait_for "$tmp/out" "VZH-GUEST: channel vzh.test open" 60 "" $pid; then
		mode=$(stat -c %a "$tmp/chan.sock")
		got1=$(python3 "$top/tests/integration/chanclient.py" "$tmp/chan.sock" say "ping 1")
		got2=$(python3 "$top/tests/integration/chanclient.py" "$tmp/chan.sock" say "ping 2")
		python3 "$top/tests/integration/chanclient.py" "$tmp/chan.sock" send off
	fi
	reap $pid 60
	if guest "channel got ping 1" && guest "channel got ping 2" && [ "$got1" = "echo ping 1" ] &&
		[ "$got2" = "echo ping 2" ] && [ "$mode" = 600 ] && [ $st = 0 ] && [ ! -e "$tmp/chan.sock" ]; then
		ok
	else
		bad "channel: answers \"$got1\", \"$got2\", socket mode $mode, exit $st, socket left: $(ls "$tmp/chan.sock" 2>&1)"
	fi
}

# the built-in channel kind as qemu-guest-agent's channel, with no plugin of one's own:
# the guest (initrd-qga.img) runs qemu-ga on /dev/virtio-ports/org.qemu.guest_agent.0;
# a client of the socket syncs with it, pings it, reads its version and has it run a
# command in the guest, which prints on the guest's console
t_qga() {
	if [ ! -s "$guest/initrd-qga.img" ]; then
		skipped "qga: no $guest/initrd-qga.img (make guest)"
		return
	fi
	conf qga "vzh=qga" "$SERIAL, { kind = \"channel\"; name = \"org.qemu.guest_agent.0\"; socket = \"$tmp/qga.sock\"; }"
	sed -i -e 's|"nat" \]; };|"nat", "channel" ]; };|' -e 's|/initrd.img"|/initrd-qga.img"|' "$tmp/qga.conf"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/qga.conf" > "$tmp/out" 2> "$tmp/err" < /dev/null &
	pid=$!
	said=
	if wait_for "$tmp/out" "VZH-GUEST: qga started" 60 "" $pid; then
		said=$(python3 - "$tmp/qga.sock" <<'PY' 2>&1
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
f = s.makefile("rwb")
def ask(cmd):
    f.write((json.dumps(cmd) + "\n").encode())
    f.flush()
    while True:  # (qemu-ga may not be listening yet: guest-sync says when)
        r = json.loads(f.readline())
        if cmd["execute"] != "guest-sync" or r.get("return") == cmd["arguments"]["id"]:
            return r
print("sync", ask({"execute": "guest-sync", "arguments": {"id": 4242}})["return"])
print("ping", ask({"execute": "guest-ping"})["return"])
print("version", ask({"execute": "guest-info"})["return"]["version"])
r = ask({"execute": "guest-exec", "arguments": {"path": "/bin/sh", "arg": ["-c",
        "echo VZH-GUEST: run by qga > /dev/ttyS0"]}})
print("exec", "pid" in r.get("return", {}))
PY
)
		wait_for "$tmp/out" "VZH-GUEST: run by qga" 20 "" $pid
	fi
	timeout 5 "$vzhost" ctl "bk-$$-qga" stop --state-dir "$tmp/state" > /dev/null 2>&1
	reap $pid 60
	if guest "qga started" && guest "run by qga" && [ $st = 0 ] &&
		[ "$(printf '%s\n' "$said" | sed 's/^version [0-9]*\.[0-9]*\.[0-9]*$/version N.N.N/' | tr '\n' '|')" = \
			"sync 4242|ping {}|version N.N.N|exec True|" ]; then
		ok
	else
		bad "qga: exit $st, the agent said: $(printf '%s' "$said" | tr '\n' '|')"
	fi
}

# sdk/examples/chanreply.c serves a channel itself: the guest writes a line to its
# /dev/virtio-ports/vzh.test and reads the plugin's answer there
t_chanreply() {
	conf chanreply "vzh=channel vzh.ask=hello" "$SERIAL, { kind = \"example.reply\"; }"
	sed -i 's|"nat" \]; };|"nat", "chanreply" ]; };|' "$tmp/chanreply.conf"
	run chanreply
	if [ $st = 0 ] && guest "channel vzh.test open" && guest "channel answer reply hello (line 1)" &&
		logged "[chanreply] notice: bk-$$-chanreply: channel closed after 1 lines"; then
		ok
	else
		bad "chanreply: exit $st: $(tr -d '\r' < "$tmp/out" | grep VZH-GUEST | tr '\n' ' '); $(grep -v 'state ' "$tmp/err" | tail -n 3 | tr '\n' ' ')"
	fi
}

# a channel's socket path that another server listens on, or that is a link: the
# start is refused, and the server's socket and the link's target are left alone
t_chanbusy() {
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(60)' "$tmp/live.sock" &
	srv=$!
	wait_for_file() { _i=0; while [ ! -S "$1" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done; }
	wait_for_file "$tmp/live.sock"
	conf chanbusy "vzh=channel" "$SERIAL, { kind = \"channel\"; name = \"vzh.test\"; socket = \"$tmp/live.sock\"; }"
	sed -i 's|"nat" \]; };|"nat", "channel" ]; };|' "$tmp/chanbusy.conf"
	run chanbusy
	st1=$st
	cp "$tmp/err" "$tmp/err1"
	ln -s "$tmp/live.sock" "$tmp/link.sock"
	sed -i "s|$tmp/live.sock|$tmp/link.sock|" "$tmp/chanbusy.conf"
	run chanbusy
	cp "$tmp/err" "$tmp/err2"
	st2=$st
	alive=$(python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print("yes")' "$tmp/live.sock" 2>&1)
	kill $srv 2>/dev/null
	# a server that accepts nobody, its backlog full: refused at once, never
	# waited on (a blocking connect there would hang vzhost's loop)
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(0)
cs = []
for i in range(8):
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try: c.connect(sys.argv[1])
    except OSError: break
    cs.append(c)
open(sys.argv[2], "w").write("full\n"); time.sleep(60)' "$tmp/full.sock" "$tmp/full" &
srv=$!
	wait_for "$tmp/full" full 10
	sed -i "s|$tmp/link.sock|$tmp/full.sock|" "$tmp/chanbusy.conf"
	t0=$(date +%s)
	run chanbusy
	t1=$(date +%s)
	kill $srv 2>/dev/null
	if [ $st1 = 1 ] && [ $st2 = 1 ] && [ "$alive" = yes ] && [ -L "$tmp/link.sock" ] &&
		grep -qF "$tmp/live.sock exists and is not a stale socket: remove it or choose another path" "$tmp/err1" &&
		grep -qF "$tmp/link.sock exists and is not a stale socket" "$tmp/err2" && [ $st = 1 ] && [ $((t1 - t0)) -lt 20 ] && logged "$tmp/full.sock exists and is not a stale socket" &&
		[ -S "$tmp/full.sock" ] && ! guest "booted"; then
		ok
	else
		bad "chanbusy: exits $st1, $st2 and $st (in $((t1 - t0)) s), the server still answers: $alive; $(grep -v 'state ' "$tmp/err1" | tail -n 2 | tr '\n' ' ')"
	fi
}

# a channel's client that does not read for 10 s while the guest writes 2 MB to it:
# the guest waits (it has not finished when the client starts reading), nothing is
# lost, and another VM's control socket answers all along, each `ctl status` within
# 1 s (a whole client process, slow to start under a sanitizer on a busy machine; a
# loop that waited on the channel would not answer for the 10 s)
t_chanstall() {
	conf chanstall "vzh=channel" "$SERIAL, { kind = \"channel\"; name = \"vzh.test\"; socket = \"$tmp/chs.sock\"; }" \
		"$OTHER"
	sed -i 's|"nat" \]; };|"nat", "channel" ]; };|' "$tmp/chanstall.conf"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/chanstall.conf" > "$tmp/out" 2> "$tmp/err" < /dev/null &
	pid=$!
	slow=0 asked=0 early=x bytes=
	if wait_for "$tmp/out" "VZH-GUEST: channel vzh.test open" 60 "" $pid; then
		python3 "$top/tests/integration/chanclient.py" "$tmp/chs.sock" flood 20000 10 > "$tmp/flood" &
		fl=$!
		ask_other 9 1000
		early=$(grep -c "VZH-GUEST: channel flooded" "$tmp/out")
		wait $fl
		bytes=$(cat "$tmp/flood")
	fi
	kill -TERM $pid
	reap $pid 30
	if guest "channel flooded" && [ "$early" = 0 ] && [ "$bytes" = "2020000 intact" ] && [ $asked -ge 9 ] &&
		[ $slow = 0 ] && grep -q '"state": *"running"' "$tmp/status"; then
		ok
	else
		bad "chanstall: $bytes of 2020000 bytes, flooded before the client read: $early, $asked status requests, $slow slow or failed"
	fi
}

# a health-monitor plugin: a hook learns what a hook script would (the machine's
# JSON, the config, the control socket), finds the run directory it asked for at
# contribute made, and asks the core to stop the VM; init
# learns why vzhost runs.  (The stop comes 20 s after the start: once the guest
# listens to its power button, about 3 s into its boot under TCG, 10 s on a busy
# machine.)
t_health() {
	conf health "vzh=acpi" "{ kind = \"backer.health\"; stop_after = 20000; report = \"$tmp/report\"; }, $SERIAL"
	run health
	if guest "power button" && [ $st = 0 ] && logged "plugin backer asks: stop" &&
		logged "notice: state running -> stopping (host-request)"; then
		ok
	else
		bad "health: the plugin's stop request did not stop the VM (exit $st)"
	fi
	if grep -qx "mode 2" "$tmp/report" && grep -qx "config $tmp/health.conf" "$tmp/report" &&
		grep -q "^control $tmp/state/.*\.sock$" "$tmp/report" &&
		grep -q "^json {.*\"name\": *\"bk-$$-health\"" "$tmp/report" &&
		grep -qx "run_dir made" "$tmp/report"; then
		ok
	else
		bad "health: the hook did not get the machine, config and control socket:"
		sed 's/^/    /' "$tmp/report"
	fi
	"$vzhost" plugins -c "$tmp/health.conf" > "$tmp/out" 2> "$tmp/err"
	"$vzhost" -c "$tmp/health.conf" --check > "$tmp/out2" 2>> "$tmp/err"
	if grep -q "\[backer\] notice: init for mode 0" "$tmp/err" &&
		grep -q "\[backer\] notice: init for mode 1" "$tmp/err"; then
		ok
	else
		bad "health: init did not learn it runs for a listing, then a check"
	fi
}

# a plugin that follows every transition and checks every machine (SDK 1.3,
# sdk/examples/audit.c): its file holds each transition of a run, in order, the last
# one included; its policy fails --check at the VM's name, and the VM never starts
t_audit() {
	conf audit "vzh=poweroff" "$SERIAL"
	sed -i "s|\"nat\" \]; };|\"nat\", \"audit\" ];\n  audit = { file = \"$tmp/audit.log\"; refuse = \"forbidden-*\"; }; };|" "$tmp/audit.conf"
	rm -f "$tmp/audit.log"
	run audit
	st1=$st
	# the log's transitions, and the audit file's (hook points that are no
	# transition left out), each "prev state reason"
	sed -n 's/.*state \([a-z]*\) -> \([a-z]*\) (\([a-z-]*\)).*/\1 \2 \3/p' "$tmp/err" > "$tmp/audit.want"
	python3 -c '
import json, sys
for ln in open(sys.argv[1]):
    e = json.loads(ln)
    if e["event"] not in ("prepare", "start", "release", "limit"):
        print(e["prev_state"], e["state"], e["reason"])' "$tmp/audit.log" > "$tmp/audit.got" 2>&1
	last=$(tail -n 1 "$tmp/audit.log" | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p')
	n=$(wc -l < "$tmp/audit.want")
	sed 's/name = "bk-[0-9]*-audit"/name = "forbidden-1"/' "$tmp/audit.conf" > "$tmp/forbid.conf"
	"$vzhost" -c "$tmp/forbid.conf" > "$tmp/out2" 2> "$tmp/err2"
	st2=$?
	if [ $st1 = 0 ] && guest "booted action=poweroff" && [ "$n" -ge 3 ] &&
		cmp -s "$tmp/audit.want" "$tmp/audit.got" && [ "$last" = stopped ] &&
		[ $st2 = 78 ] && ! grep -q VZH-GUEST "$tmp/out2" &&
		grep -qF "$tmp/forbid.conf:5: vms[0].name: \"forbidden-1\" is refused by the audit plugin's policy (plugins.audit.refuse = \"forbidden-*\")" "$tmp/err2"
	then ok; else
		bad "audit: exit $st1, $n transitions logged, audit's last \"$last\"; log vs audit: $(diff "$tmp/audit.want" "$tmp/audit.got" | tr '\n' ' '); forbidden: exit $st2, $(grep -v notice "$tmp/err2" | head -c 400)"
	fi
}

# start_with NAME PLUGIN SETTINGS: conf NAME's VM with PLUGIN loaded too (with these
# settings) and its kernel's messages on, vzhost in the background (pid)
start_with() {
	sed -i -e "s|\"nat\" \]; };|\"nat\", \"$2\" ];\n  $2 = { $3 }; };|" \
		-e 's|console=ttyS0 quiet|console=ttyS0|' "$tmp/$1.conf"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/$1.conf" > "$tmp/out" 2> "$tmp/err" < /dev/null &
	pid=$!
}

# a guest that says nothing after its boot (vzh=repl, nobody types) is restarted by
# sdk/examples/hangwatch.c after 5 quiet seconds: it boots a second time, ctl status
# counts the restart and says why, and vzhost's exit says not all went well; a
# guest beside it that talks (vzh=ignore counts) is never touched.  (The kernels are
# not quiet: a boot, slow on a busy machine, is no silence.)
t_hangwatch() {
	conf hang "vzh=repl" "$SERIAL" ", { name = \"bk-$$-talk\"; memory = \"256M\";
  boot = { kernel = \"$guest/vmlinuz\"; initrd = \"$guest/initrd.img\";
           cmdline = \"console=ttyS0 vzh=ignore\"; };
  devices = ( $SERIAL ); }"
	start_with hang hangwatch 'quiet = 5;'
	restarts= why= talk=
	# (a boot and 5 quiet seconds: some 8 s, 30 on a busy machine; then the second)
	if wait_for "$tmp/err" "\[bk-$$-hang\] notice: restarting in 1 s" 60 "" $pid; then
		wait_lines "$tmp/out" "^\[bk-$$-hang\] VZH-GUEST: booted" 2 60 $pid
		timeout 5 "$vzhost" ctl "bk-$$-hang" status --state-dir "$tmp/state" > "$tmp/status" 2>&1
		restarts=$(sed -n 's/.*"restarts": *\([0-9]*\).*/\1/p' "$tmp/status")
		why=$(sed -n 's/.*"stop_reason": *"\([a-z-]*\)".*/\1/p' "$tmp/status")
		timeout 5 "$vzhost" ctl "bk-$$-talk" status --state-dir "$tmp/state" > "$tmp/status2" 2>&1
		talk=$(sed -n 's/.*"restarts": *\([0-9]*\).*/\1/p' "$tmp/status2")
	fi
	timeout 5 "$vzhost" ctl "bk-$$-hang" kill --state-dir "$tmp/state" > /dev/null 2>&1
	timeout 5 "$vzhost" ctl "bk-$$-talk" kill --state-dir "$tmp/state" > /dev/null 2>&1
	reap $pid 30
	boots=$(grep -c "^\[bk-$$-hang\] VZH-GUEST: booted action=repl" "$tmp/out")
	if [ "$boots" -ge 2 ] && [ "${restarts:-0}" -ge 1 ] && [ "$why" = unresponsive ] && [ $st = 1 ] &&
		[ "$talk" = 0 ] && ! grep -q "bk-$$-talk: its console has been silent" "$tmp/err" &&
		grep -q "^\[bk-$$-talk\] VZH-GUEST: count 30" "$tmp/out" &&
		logged "[hangwatch] warning: bk-$$-hang: its console has been silent for 5 s: restart" &&
		logged "[bk-$$-hang] notice: plugin hangwatch asks: restart: unresponsive" &&
		logged "[bk-$$-hang] warning: stopped as unresponsive: counted as a crash"; then
		ok
	else
		bad "hangwatch: $boots boots, restarts \"$restarts\", stop_reason \"$why\", the talker's restarts \"$talk\", exit $st: $(grep -v 'state ' "$tmp/err" | tail -n 5 | tr '\n' ' ')"
	fi
}

# hangwatch with action = "reset": QEMU's reset button (system_reset), the same VM:
# the guest boots again with no stop between, no restart counted, its word kept
t_hangreset() {
	conf hangreset "vzh=repl" "$SERIAL"
	start_with hangreset hangwatch 'quiet = 5; action = "reset";'
	wait_lines "$tmp/out" "VZH-GUEST: booted" 2 90 $pid
	timeout 5 "$vzhost" ctl "bk-$$-hangreset" status --state-dir "$tmp/state" > "$tmp/status" 2>&1
	timeout 5 "$vzhost" ctl "bk-$$-hangreset" kill --state-dir "$tmp/state" > /dev/null 2>&1
	reap $pid 30
	boots=$(grep -c "VZH-GUEST: booted action=repl" "$tmp/out")
	# (the stop is the kill's, at the end: none before it)
	stops=$(grep -c "state [a-z]* -> stopped" "$tmp/err")
	if [ "$boots" -ge 2 ] && [ $st = 0 ] && [ "$stops" = 1 ] &&
		grep -q '"restarts": *0' "$tmp/status" && grep -q '"state": *"running"' "$tmp/status" &&
		grep -q '"stop_reason": *"unresponsive"' "$tmp/status" &&
		logged "[bk-$$-hangreset] notice: plugin hangwatch asks: reset: unresponsive" &&
		logged "[bk-$$-hangreset] notice: state running -> running (host-request)"; then
		ok
	else
		bad "hangreset: $boots boots, $stops stops, exit $st, status $(tr -d '\n' < "$tmp/status" | head -c 300): $(grep -v 'state ' "$tmp/err" | tail -n 4 | tr '\n' ' ')"
	fi
}

# a plugin's reset with no reason word: the guest boots again and no stop reason is
# made up; the same asked again while the VM is paused: refused, nothing done
t_plugreset() {
	conf plugreset "vzh=repl" "$SERIAL"
	start_with plugreset asker 'action = "reset"; after = 3000; again = 20000;'
	# (the reset may come before the first boot is done: a boot after it)
	wait_for "$tmp/err" "running -> running (host-request)" 30 "" $pid
	before=$(grep -c "VZH-GUEST: booted" "$tmp/out")
	wait_lines "$tmp/out" "VZH-GUEST: booted" $((before + 1)) 30 $pid
	timeout 5 "$vzhost" ctl "bk-$$-plugreset" pause --state-dir "$tmp/state" > /dev/null 2>&1
	timeout 5 "$vzhost" ctl "bk-$$-plugreset" status --state-dir "$tmp/state" > "$tmp/status" 2>&1
	wait_for "$tmp/err" "a plugin's reset was refused" 20 "" $pid
	timeout 5 "$vzhost" ctl "bk-$$-plugreset" kill --state-dir "$tmp/state" > /dev/null 2>&1
	reap $pid 30
	boots=$(grep -c "VZH-GUEST: booted action=repl" "$tmp/out")
	if [ "$boots" = $((before + 1)) ] && [ $st = 0 ] && grep -q '"state": *"paused"' "$tmp/status" &&
		! grep -q '"stop_reason"' "$tmp/status" &&
		logged "[bk-$$-plugreset] warning: a plugin's reset was refused: Invalid argument" &&
		logged "[bk-$$-plugreset] notice: state running -> running (host-request)"; then
		ok
	else
		bad "plugreset: $boots boots, exit $st, status $(tr -d '\n' < "$tmp/status" | head -c 300): $(grep -v 'state ' "$tmp/err" | tail -n 4 | tr '\n' ' ')"
	fi
}

# sdk/examples/tpm.c: swtpm as a helper that ends with its VM, QEMU's chardev, tpmdev
# and tpm-tis: the guest's kernel finds a TPM 2.0; swtpm's exit as the VM stops is
# no warning (it exits when QEMU hangs up, or, on a busy machine, is ended with the
# VM's release first: then nothing is said); a part referring to no other fails --check
t_tpm() {
	if ! command -v swtpm > /dev/null; then
		skipped "tpm: no swtpm (apt-get install swtpm)"
		return
	fi
	conf tpm "vzh=tpm" "{ kind = \"example.tpm\"; state = \"$tmp/tpmstate\"; }, $SERIAL"
	sed -i "s|\"nat\" \]; };|\"nat\", \"tpm\" ]; };|" "$tmp/tpm.conf"
	run tpm
	if [ $st = 0 ] && guest "tpm 2 major" && [ -s "$tmp/tpmstate/tpm2-00.permall" ] &&
		! grep -q "before its VM stopped" "$tmp/err" &&
		! grep "helper [0-9]* exited" "$tmp/err" | grep -qv "exited with status 0: it ends with its VM"; then
		ok
	else
		bad "tpm: exit $st: $(tr -d '\r' < "$tmp/out" | grep VZH-GUEST | tr '\n' ' '); $(grep -v 'state ' "$tmp/err" | tail -n 4 | tr '\n' ' ')"
	fi
	# Virtualization.framework has no TPM: refused at --check, at the entry
	sed 's/^host = { /host = { bridge = "vz"; /' "$tmp/tpm.conf" > "$tmp/tpmvz.conf"
	"$vzhost" -c "$tmp/tpmvz.conf" --check > "$tmp/out" 2> "$tmp/err"
	st=$?
	if [ $st = 78 ] && logged "$tmp/tpmvz.conf:7: vms[0].devices[0]: plugin tpm emitted a device for the qemu bridge (chardev socket); this VM runs on the vz bridge, which has no such device"; then
		ok
	else
		bad "tpm: the vz bridge did not refuse the TPM at --check (exit $st)"
	fi
}

# full CONF: the generic kernel's guest (sound, USB) and the media plugin
full() {
	sed -i "s|$guest/vmlinuz\";|$guest/vmlinuz-full\";|; s|$guest/initrd.img\";|$guest/initrd-full.img\";|; s|\"nat\" \]; };|\"nat\", \"media\" ]; };|" "$tmp/$1.conf"
}

# a sound card: the guest's kernel finds QEMU's HDA controller and codec; its
# output goes to a WAV file QEMU writes
t_sound() {
	conf sound "vzh=sound" "$SERIAL, { kind = \"sound\"; record = \"$tmp/snd.wav\"; }"
	full sound
	run sound
	if [ $st = 0 ] && guest "sound card 0 HDA-Intel - HDA Intel" && guest "sound codec " &&
		[ "$(head -c 4 "$tmp/snd.wav" 2>/dev/null)" = RIFF ] && ! grep -q "warning" "$tmp/err"; then
		ok
	else
		bad "sound: exit $st: $(tr -d '\r' < "$tmp/out" | grep VZH-GUEST | tr '\n' ' '); $(tail -n 3 "$tmp/err" | tr '\n' ' ')"
	fi
}

# the clipboard: the SPICE agent's port is there for the guest's spice-vdagent
t_clipboard() {
	conf clip "vzh=ports" "$SERIAL, { kind = \"clipboard\"; }"
	sed -i "s|\"nat\" \]; };|\"nat\", \"media\" ]; };|" "$tmp/clip.conf"
	run clip
	if [ $st = 0 ] && guest "port com.redhat.spice.0" && ! grep -q "warning" "$tmp/err"; then
		ok
	else
		bad "clipboard: exit $st: $(tr -d '\r' < "$tmp/out" | grep VZH-GUEST | tr '\n' ' '); $(tail -n 3 "$tmp/err" | tr '\n' ' ')"
	fi
	# QEMU 7.2 cannot migrate qemu-vdagent: status and save say so up front
	conf clipsave "vzh=acpi" "$SERIAL, { kind = \"clipboard\"; }"
	sed -i "s|\"nat\" \]; };|\"nat\", \"media\" ]; };|" "$tmp/clipsave.conf"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/clipsave.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	ctl="$vzhost ctl bk-$$-clipsave --state-dir $tmp/state"
	if wait_for "$tmp/out" "VZH-GUEST: count 1" 60 "" $pid; then
		$ctl status > "$tmp/clip.status" 2>&1
		$ctl save "$tmp/clip.state" > "$tmp/clip.save" 2>&1
		saved=$?
	fi
	$ctl stop > /dev/null 2>&1
	reap $pid 30
	if [ "${saved:-}" = 1 ] && [ ! -e "$tmp/clip.state" ] &&
		grep -q "cannot save: QEMU cannot save a VM with the clipboard's agent (qemu-vdagent, $tmp/clipsave.conf:7: vms\[0\].devices\[1\])" "$tmp/clip.save" &&
		grep -q '"can_save":false' "$tmp/clip.status"; then
		ok
	else
		bad "clipboard: a save QEMU cannot do was not refused up front: $(cat "$tmp/clip.save" 2>/dev/null)"
	fi
}

# a USB disk plugged into a running guest and pulled out again (ctl usb): the
# guest sees it come with its contents and go; status, events and the log say
# so; what cannot be done is refused with why
t_usb() {
	printf 'VZH-USB-MARK %s\n' "$$" > "$tmp/usb,1.img"
	truncate -s 1M "$tmp/usb,1.img"
	printf 'odd' > "$tmp/odd.img"
	conf usb "vzh=usb" "$SERIAL, { kind = \"usb\"; }"
	full usb
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/usb.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	ctl="$vzhost ctl bk-$$-usb --state-dir $tmp/state"
	seen=""
	if wait_for "$tmp/out" "VZH-GUEST: usb watching" 90 "" $pid; then
		timeout 90 $ctl events > "$tmp/usb.events" 2>&1 &
		epid=$!
		sleep 0.5
		$ctl usb attach "$tmp/usb,1.img" > "$tmp/usb.attach" 2>&1 && seen=a
		wait_for "$tmp/out" "VZH-GUEST: usb disk sda 2048 sectors: VZH-USB-MARK $$" 30 "" $pid && seen=${seen}g
		$ctl status > "$tmp/usb.status" 2>&1
		$ctl usb attach "$tmp/usb,1.img" > "$tmp/usb.again" 2>&1 || seen=${seen}t
		$ctl usb attach "$tmp/odd.img" > "$tmp/usb.odd" 2>&1 || seen=${seen}o
		$ctl save "$tmp/usb.state" > "$tmp/usb.save" 2>&1 || seen=${seen}s
		$ctl usb detach "$tmp/usb,1.img" > "$tmp/usb.detach" 2>&1 && seen=${seen}d
		wait_for "$tmp/out" "VZH-GUEST: usb disk sda gone" 30 "" $pid && seen=${seen}x
		$ctl usb detach "$tmp/usb,1.img" > "$tmp/usb.twice" 2>&1 || seen=${seen}n
		$ctl status > "$tmp/usb.status2" 2>&1
		# a QEMU that does not answer: the attach fails after 10 s, and
		# what QEMU does of it once it wakes is undone; the slot is free
		qpid=$(pgrep -f "guest=bk-$$-usb" | head -n 1)
		printf 'VZH-USB-TWO %s\n' "$$" > "$tmp/usb2.img"
		truncate -s 2M "$tmp/usb2.img"
		kill -STOP "$qpid"
		$ctl usb attach "$tmp/usb2.img" > "$tmp/usb.stalled" 2>&1 || seen=${seen}q
		kill -CONT "$qpid"
		$ctl usb attach "$tmp/usb2.img" > "$tmp/usb.again2" 2>&1 && seen=${seen}r
		wait_for "$tmp/out" "VZH-GUEST: usb disk sd[a-z] 4096 sectors: VZH-USB-TWO $$" 30 "" $pid && seen=${seen}w
	fi
	$ctl stop > /dev/null 2>&1
	reap $pid 60
	[ -n "${epid:-}" ] && wait $epid
	if [ "$seen" = agtosdxnqrw ] && [ $st = 0 ] && [ ! -e "$tmp/usb.state" ] &&
		grep -q "usb: QEMU cannot open it: " "$tmp/usb.stalled" &&
		grep -q "cannot save: a USB disk is plugged in ($tmp/usb,1.img): pull it out first" "$tmp/usb.save" &&
		grep -q "is already plugged in (slot 0)" "$tmp/usb.again" &&
		grep -q "odd.img is not a raw disk image" "$tmp/usb.odd" &&
		grep -q "usb,1.img is not plugged in" "$tmp/usb.twice" &&
		python3 - "$tmp/usb.status" "$tmp/usb.status2" "$tmp/usb.events" "$tmp/usb,1.img" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
assert st["usb"] == [{"slot": 0, "path": sys.argv[4]}], st.get("usb")
assert st["can_save"] is False and "a USB disk is plugged in" in st["can_save_why"], st
st2 = json.load(open(sys.argv[2]))
assert st2["usb"] == [], st2.get("usb")
ev = [json.loads(l) for l in open(sys.argv[3]) if l.startswith("{")]
u = [(e["event"], e["slot"], e.get("detail")) for e in ev if e.get("event", "").startswith("usb-")]
two = sys.argv[4].replace("usb,1.img", "usb2.img")
assert u[:2] == [("usb-attached", 0, sys.argv[4]), ("usb-detached", 0, sys.argv[4])], u
assert u[2][:2] == ("usb-failed", 0) and "QEMU cannot open it" in u[2][2], u
assert u[3:] == [("usb-attached", 0, two), ("usb-detached", 0, two + ": the VM stopped")], u
PY
	then
		if logged "vms[0].devices[1]: usb-attached: $tmp/usb,1.img" && logged "vms[0].devices[1]: usb-detached: $tmp/usb,1.img"; then
			ok
		else
			bad "usb: the log did not name the controller and the disk"
		fi
	else
		bad "usb: steps $seen (want agtosdxnqrw), exit $st: $(tr -d '\r' < "$tmp/out" | grep VZH-GUEST | grep -v count | tr '\n' ' ')"
		cat "$tmp/usb.attach" "$tmp/usb.status" "$tmp/usb.events" 2>/dev/null | sed 's/^/    /' | head -20
	fi
	# a VM without a controller is told what to add
	conf nousb "vzh=acpi" "$SERIAL"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/nousb.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	ctl="$vzhost ctl bk-$$-nousb --state-dir $tmp/state"
	if wait_for "$tmp/out" "VZH-GUEST: count 1" 60 "" $pid; then
		$ctl usb attach "$tmp/usb,1.img" > "$tmp/usb.none" 2>&1
		none=$?
	fi
	$ctl stop > /dev/null 2>&1
	reap $pid 30
	if [ "${none:-}" = 1 ] && grep -q "VM \"bk-$$-nousb\" has no USB controller: add { kind = \"usb\"; } to its devices" "$tmp/usb.none"; then
		ok
	else
		bad "usb: a VM without a controller was not refused plainly: $(cat "$tmp/usb.none" 2>/dev/null)"
	fi
}

run_tests passt dgram netdrop netback console nbd qcow2 fdleak badhelper orphan ephemeral ephemeral_mem watchdog stall channel chanreply qga chanbusy chanstall health audit hangwatch hangreset plugreset tpm sound clipboard usb
summary backends
