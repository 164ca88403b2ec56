#!/bin/sh
# Channel benchmark, real guests under QEMU (TCG here): bytes a second from the guest
# through a channel (the built-in channel kind, a plugin on the core's loop, to a client
# of its socket) against the same guest writing to its serial console; and `vzhost ctl
# VM status` round trips (the whole client) while the channel is idle and while it is
# busy.  The guest times its own writes.  Prints figures and ratios measured in one run;
# asserts nothing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
guest=$top/build/guest
tmp=$(mktemp -d)
trap 'pkill -KILL -f "guest=bench-$$-" 2>/dev/null || true; rm -rf "$tmp"' EXIT
lines=${BENCH_CHANNEL_LINES:-100000} # of 101 bytes through the channel
slines=${BENCH_SERIAL_LINES:-10000} # of 81 bytes on the console

conf() { # NAME CMDLINE DEVICES
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$tmp/state"; };
plugins = { dirs = [ "$build/plugins" ]; load = [ "channel", "serial" ]; };
vms = ( { name = "bench-$$-$1"; memory = "256M";
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet $2"; };
  devices = ( $3 ); } );
CONF
}

wait_out() { # FILE PATTERN
	i=0
	while ! grep -q "$2" "$1" && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# ctl status round trips into FILE until FILE.stop exists (at most N)
status_loop() { # NAME FILE N
	: > "$2"
	i=0
	while [ $i -lt "$3" ] && [ ! -e "$2.stop" ]; do
		t0=$(date +%s%N)
		"$build/vzhost" ctl "bench-$$-$1" status --state-dir "$tmp/state" > /dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >> "$2"
		i=$((i + 1))
	done
}

pct() { # FILE P: the P-th percentile of FILE's numbers
	n=$(wc -l < "$1")
	sort -n "$1" | awk -v n="$n" -v p="$2" 'NR == int(n * p) + 1'
}

# the serial console: the guest floods it, vzhost writes it to a file
conf serial "vzh=flood vzh.lines=$slines" '{ kind = "serial"; }'
"$build/vzhost" -c "$tmp/serial.conf" > "$tmp/serial.out" 2>&1 &
spid=$!
wait_out "$tmp/serial.out" "VZH-GUEST: flood took"
kill -TERM $spid
wait $spid || true
ssecs=$(sed -n 's/.*VZH-GUEST: flood took \([0-9.]*\) s.*/\1/p' "$tmp/serial.out")

# the channel: the guest floods it once a client asks, the client reads it all
conf chan "vzh=channel" "{ kind = \"serial\"; }, { kind = \"channel\"; name = \"vzh.test\"; socket = \"$tmp/chan.sock\"; }"
"$build/vzhost" -c "$tmp/chan.conf" > "$tmp/chan.out" 2>&1 &
cpid=$!
wait_out "$tmp/chan.out" "VZH-GUEST: channel vzh.test open"
status_loop chan "$tmp/idle.lat" 200
python3 "$top/tests/integration/chanclient.py" "$tmp/chan.sock" flood "$lines" 0 > "$tmp/flood" &
fpid=$!
status_loop chan "$tmp/busy.lat" 100000 &
lpid=$!
wait $fpid || true
touch "$tmp/busy.lat.stop"
wait $lpid || true
wait_out "$tmp/chan.out" "VZH-GUEST: channel flooded in"
kill -TERM $cpid
wait $cpid || true
csecs=$(sed -n 's/.*VZH-GUEST: channel flooded in \([0-9.]*\) s.*/\1/p' "$tmp/chan.out")

echo "channel: $lines lines of 101 bytes from the guest through the channel kind to a client"
echo "  $(cat "$tmp/flood") in ${csecs:-?} s"
echo "serial console: $slines lines of 81 bytes from the same guest to its console"
echo "  in ${ssecs:-?} s"
awk -v c="$csecs" -v s="$ssecs" -v cb="$((lines * 101))" -v sb="$((slines * 81))" 'BEGIN {
	if (c > 0 && s > 0)
		printf "bytes/s: channel %.0f, serial %.0f (ratio %.1f)\n", cb / c, sb / s, (cb / c) / (sb / s)
}'
echo "ctl status round trips (us): idle channel p50 $(pct "$tmp/idle.lat" 0.5) p99 $(pct "$tmp/idle.lat" 0.99) ($(wc -l < "$tmp/idle.lat")); busy channel p50 $(pct "$tmp/busy.lat" 0.5) p99 $(pct "$tmp/busy.lat" 0.99) ($(wc -l < "$tmp/busy.lat"))"
awk -v i="$(pct "$tmp/idle.lat" 0.99)" -v b="$(pct "$tmp/busy.lat" 0.99)" 'BEGIN {
	if (i > 0) printf "ctl status p99, busy channel / idle: %.2f\n", b / i
}'
