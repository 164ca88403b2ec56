#!/bin/sh
# Integration tests through the command line: real QEMU (TCG here) booting the test guest.
# Each asserts what a user sees: the console on stdout, the state sequence and reasons
# in the log, and the exit status.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
vzhost=$build/vzhost
guest=$top/build/guest
export VZHOST_PLUGIN_PATH="$build/plugins"
tmp=$(mktemp -d)
pass=0 fail=0
cleanup() {
	pkill -KILL -f "guest=it-$$-" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# conf NAME ACTION [DEVICES] [HOST] [VM]: a config booting the test guest with vzh=ACTION
conf() {
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$tmp/state"; ${4:-} };
vms = ( { name = "it-$$-$1"; memory = "256M"; ${5:-}
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=$2"; };
  devices = ( { kind = "serial"; } ${3:-} ); } );
CONF
}

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
	for f in "$tmp"/out "$tmp"/err; do
		[ -f "$f" ] && sed "s|^|    $(basename "$f"): |" "$f" | tail -15
	done
}

# states NAME "from -> to (reason)"...: the log shows these transitions, in order
states() {
	name=$1
	shift
	grep -o "\[it-$$-$name\] [a-z]*: state .*" "$tmp/err" | sed 's/^[^:]*: state //; s/: .*//' > "$tmp/seen"
	printf '%s\n' "$@" > "$tmp/want"
	cmp -s "$tmp/seen" "$tmp/want" || {
		echo "  states seen:"; sed 's/^/    /' "$tmp/seen"
		echo "  states wanted:"; sed 's/^/    /' "$tmp/want"
		return 1
	}
}

# 1. boot to a marker; the guest powers itself off; its console reaches our stdout
conf poweroff poweroff
"$vzhost" -c "$tmp/poweroff.conf" > "$tmp/out" 2> "$tmp/err"
st=$?
if [ $st = 0 ] && grep -q "^VZH-GUEST: booted action=poweroff" "$tmp/out" &&
	grep -q "reboot: Power down" "$tmp/out" &&
	states poweroff "stopped -> starting (host-request)" \
		"starting -> running (host-request)" "running -> stopped (guest-shutdown)"; then
	ok
else
	bad "guest power-off (exit $st)"
fi

# 2. a disk marker written in one boot is read back in the next; the image is created
mark=m$$x$(date +%s)
conf write "write vzh.mark=$mark" ", { kind = \"disk\"; path = \"$tmp/disk.img\"; size = \"16M\"; }"
conf read read ", { kind = \"disk\"; path = \"$tmp/disk.img\"; }"
"$vzhost" -c "$tmp/write.conf" > "$tmp/out" 2> "$tmp/err"
st1=$?
size=$(stat -c %s "$tmp/disk.img" 2>/dev/null)
"$vzhost" -c "$tmp/read.conf" > "$tmp/out" 2> "$tmp/err"
st2=$?
if [ $st1 = 0 ] && [ $st2 = 0 ] && [ "$size" = 16777216 ] &&
	grep -q "^VZH-GUEST: read VZH-MARK $mark" "$tmp/out"; then
	ok
else
	bad "disk marker persists (exits $st1 $st2, image size $size)"
fi

# 3. the NAT device gives the guest a 10.0.2.x lease
conf dhcp dhcp ", { kind = \"nat\"; }"
"$vzhost" -c "$tmp/dhcp.conf" > "$tmp/out" 2> "$tmp/err"
st=$?
# (console lines end in CR LF, as a serial line's do)
if [ $st = 0 ] && tr -d '\r' < "$tmp/out" | grep -q "^VZH-GUEST: lease 10\.0\.2\.[0-9][0-9]*$"; then
	ok
else
	bad "NAT lease (exit $st)"
fi

# 4. two VMs from one file: both consoles, each line prefixed with its VM's name
cat > "$tmp/two.conf" <<CONF
host = { state_dir = "$tmp/state"; };
vms = (
 { name = "it-$$-a"; memory = "256M"; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=poweroff"; }; devices = ( { kind = "serial"; } ); },
 { name = "it-$$-b"; memory = "256M"; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=poweroff"; }; devices = ( { kind = "serial"; } ); } );
CONF
"$vzhost" -c "$tmp/two.conf" > "$tmp/out" 2> "$tmp/err"
st=$?
if [ $st = 0 ] && grep -q "^\[it-$$-a\] VZH-GUEST: booted" "$tmp/out" &&
	grep -q "^\[it-$$-b\] VZH-GUEST: booted" "$tmp/out" &&
	states a "stopped -> starting (host-request)" "starting -> running (host-request)" \
		"running -> stopped (guest-shutdown)" &&
	states b "stopped -> starting (host-request)" "starting -> running (host-request)" \
		"running -> stopped (guest-shutdown)"; then
	ok
else
	bad "two VMs (exit $st)"
fi

# wait_for FILE PATTERN SECONDS
wait_for() {
	i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# 5. SIGTERM to vzhost asks the guest, which ignores the button: forced at stop_timeout
conf sigterm ignore "" "" "stop_timeout = 1;"
"$vzhost" -c "$tmp/sigterm.conf" > "$tmp/out" 2> "$tmp/err" &
pid=$!
wait_for "$tmp/out" "count 2" 30
kill -TERM $pid
wait $pid
st=$?
if [ $st = 0 ] && ! pgrep -f "guest=it-$$-sigterm" >/dev/null &&
	states sigterm "stopped -> starting (host-request)" "starting -> running (host-request)" \
		"running -> stopping (host-request)" "stopping -> stopping (host-kill)" \
		"stopping -> stopped (host-kill)"; then
	ok
else
	bad "SIGTERM stop chain (exit $st)"
fi

# 6. QEMU killed from outside: error then stopped, reason crashed; exit 1
conf crash ignore
"$vzhost" -c "$tmp/crash.conf" > "$tmp/out" 2> "$tmp/err" &
pid=$!
wait_for "$tmp/out" "count 2" 30
pkill -KILL -f "guest=it-$$-crash"
wait $pid
st=$?
if [ $st = 1 ] && grep -q "state running -> error (crashed): qemu killed by signal 9" "$tmp/err" &&
	states crash "stopped -> starting (host-request)" "starting -> running (host-request)" \
		"running -> error (crashed)" "error -> stopped (crashed)"; then
	ok
else
	bad "QEMU killed from outside (exit $st)"
fi

# 7. a guest reboot is an event with reason guest-reboot; the VM stays running
conf reboot reboot ", { kind = \"disk\"; path = \"$tmp/reboot.img\"; size = \"1M\"; }"
"$vzhost" -c "$tmp/reboot.conf" > "$tmp/out" 2> "$tmp/err"
st=$?
if [ $st = 0 ] && grep -q "VZH-GUEST: second boot" "$tmp/out" &&
	states reboot "stopped -> starting (host-request)" "starting -> running (host-request)" \
		"running -> running (guest-reboot)" "running -> stopped (guest-shutdown)"; then
	ok
else
	bad "guest reboot (exit $st)"
fi

# 8. a share through virtiofsd: the guest reads the host's file and writes one back
mkdir -p "$tmp/shared"
echo "hello from the host $$" > "$tmp/shared/note.txt"
conf share "share vzh.tag=work vzh.file=note.txt" \
	", { kind = \"share\"; tag = \"work\"; path = \"$tmp/shared\"; }"
"$vzhost" -c "$tmp/share.conf" > "$tmp/out" 2> "$tmp/err"
st=$?
if [ $st = 0 ] && grep -q "VZH-GUEST: share hello from the host $$" "$tmp/out" &&
	[ "$(cat "$tmp/shared/from-guest" 2>/dev/null)" = "written by the guest" ] &&
	! pgrep -f "virtiofsd.*$tmp/state" >/dev/null; then
	ok
else
	bad "virtio-fs share (exit $st)"
fi

# 9. no QEMU binary: exit 69, naming the package; an unknown accel: exit 78
conf noqemu poweroff "" 'qemu = "/nonexistent/qemu-system-x86_64";'
"$vzhost" -c "$tmp/noqemu.conf" > "$tmp/out" 2> "$tmp/err"
st=$?
if [ $st = 69 ] && grep -q "install it (Debian: apt-get install qemu-system-x86)" "$tmp/err"; then
	ok
else
	bad "missing QEMU (exit $st)"
fi
conf accel poweroff "" 'accel = "whpx";'
"$vzhost" -c "$tmp/accel.conf" > "$tmp/out" 2> "$tmp/err"
st=$?
if [ $st = 78 ] && grep -q "accel.conf:1: host.accel: \"whpx\" is not one of auto, kvm, hvf, tcg" "$tmp/err"; then
	ok
else
	bad "unknown accel (exit $st)"
fi

echo "integration: $pass passed, $fail failed"
[ $fail -eq 0 ]
