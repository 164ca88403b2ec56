#!/bin/sh
# Backend benchmark, real guests under QEMU (TCG here): ICMP echoes of 1000 bytes back to
# back (ping -A) from the guest to its gateway, through a plugin's datagram backend
# (sdk/examples/netback.c on the core's loop) and through QEMU's own user-mode NAT; and
# `vzhost ctl VM status` round trips (the whole client: exec, connect, answer) while
# those frames move.  Prints figures and ratios measured in one run; asserts nothing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
guest=$top/build/guest
tmp=$(mktemp -d)
trap 'pkill -KILL -f "guest=bench-$$-" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/plugins"
cc -O2 -I"$top/sdk" -fPIC -fvisibility=hidden -shared -o "$tmp/plugins/netback.so" \
	"$top/sdk/examples/netback.c"
chmod -R go-w "$tmp/plugins"
count=${BENCH_PINGS:-20000}

# one VM pinging its gateway through NIC; the ctl status latencies meanwhile
bench() { # NAME NIC
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$tmp/state"; };
plugins = { dirs = [ "plugins", "$build/plugins" ]; load = [ "netback", "nat", "serial" ]; };
vms = ( { name = "bench-$$-$1"; memory = "256M";
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=pingbench vzh.count=$count"; };
  devices = ( $2, { kind = "serial"; } ); } );
CONF
	"$build/vzhost" -c "$tmp/$1.conf" > "$tmp/$1.out" 2>&1 &
	pid=$!
	i=0
	while ! grep -q "VZH-GUEST: pinging" "$tmp/$1.out" && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	: > "$tmp/$1.lat"
	i=0
	while [ $i -lt 200 ] && ! grep -q "VZH-GUEST: pingbench" "$tmp/$1.out"; do
		t0=$(date +%s%N)
		"$build/vzhost" ctl "bench-$$-$1" status --state-dir "$tmp/state" > /dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >> "$tmp/$1.lat"
		i=$((i + 1))
	done
	wait $pid || true
	line=$(tr -d '\r' < "$tmp/$1.out" | grep "VZH-GUEST: pingbench" || echo "VZH-GUEST: pingbench failed")
	echo "$line" | sed 's/^VZH-GUEST: pingbench/  /'
	avg=$(echo "$line" | sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p')
	secs=$(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "from") print $(i + 3) - $(i + 1) }')
	n=$(wc -l < "$tmp/$1.lat")
	p50=$(sort -n "$tmp/$1.lat" | awk -v n="$n" 'NR == int(n * 0.5) + 1')
	p99=$(sort -n "$tmp/$1.lat" | awk -v n="$n" 'NR == int(n * 0.99) + 1')
	eval "${1}_avg=$avg ${1}_secs=$secs ${1}_p50=$p50 ${1}_p99=$p99 ${1}_n=$n"
}

echo "backend: $count echoes of 1000 bytes each way, guest to gateway"
echo "through the plugin's datagram backend (netback):"
bench plugin '{ kind = "example.netback"; address = "10.77.0.2"; }'
echo "through QEMU's user-mode NAT:"
bench usernat '{ kind = "nat"; }'
awk -v pa="$plugin_avg" -v ua="$usernat_avg" -v ps="$plugin_secs" -v us="$usernat_secs" \
	-v n="$count" 'BEGIN {
	printf "frames per second       plugin %8.0f   user NAT %8.0f   ratio %.2f\n",
		2 * n / ps, 2 * n / us, us / ps
	printf "mean round trip (ms)    plugin %8.3f   user NAT %8.3f   ratio %.2f\n",
		pa, ua, pa / ua
}'
awk -v a="$plugin_p50" -v b="$plugin_p99" -v c="$usernat_p50" -v d="$usernat_p99" \
	-v n1="$plugin_n" -v n2="$usernat_n" 'BEGIN {
	printf "ctl status (client, us) plugin p50 %6d p99 %6d (%d)   user NAT p50 %6d p99 %6d (%d)   p99 ratio %.2f\n",
		a, b, n1, c, d, n2, b / d
}'
