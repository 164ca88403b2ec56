#!/bin/sh
# Benchmark of the config pipeline: 50 plugins and 200 devices against `vzhost --version`,
# and peak RSS on conf/demo.conf.  Prints ratios measured in one run; asserts nothing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
# BENCH_DIR keeps the generated plugins and config for profiling
if [ -n "${BENCH_DIR:-}" ]; then
	tmp=$BENCH_DIR
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi
mkdir -p "$tmp/plugins"
# 50 third-party plugins, each owning one kind
i=0
while [ $i -lt 50 ]; do
	cc -O2 -I"$top/sdk" -fPIC -fvisibility=hidden -shared -DBENCH_N=$i \
		-o "$tmp/plugins/bench$i.so" "$top/tests/bench/plugin.c"
	i=$((i + 1))
done
chmod -R go-w "$tmp/plugins"
load='"disk", "nat", "serial", "virtio"'
i=0
while [ $i -lt 50 ]; do load="$load, \"bench$i\""; i=$((i + 1)); done
{
	echo "plugins = { dirs = [ \"plugins\" ]; load = [ $load ]; };"
	echo "vms = ("
	v=0
	while [ $v -lt 4 ]; do
		echo "{ name = \"vm$v\"; boot = { kernel = \"$top/tests/fixtures/files/vmlinuz\"; };"
		echo "  devices = ("
		d=0
		while [ $d -lt 50 ]; do # 200 devices: third-party and built-in kinds
			case $((d % 5)) in
			0) echo "    { kind = \"nat\"; mac = \"52:54:00:00:0$v:$(printf %02x $d)\"; }," ;;
			1) echo "    { kind = \"disk\"; path = \"$top/tests/fixtures/files/base.img\"; read_only = true; }," ;;
			2) echo "    { kind = \"serial\"; output = \"none\"; }," ;;
			*) echo "    { kind = \"bench$(( (v * 50 + d) % 50 )).dev\"; label = \"d$d\"; }," ;;
			esac
			d=$((d + 1))
		done
		echo "    { kind = \"entropy\"; } ); }$([ $v -lt 3 ] && echo ,)"
		v=$((v + 1))
	done
	echo ");"
} > "$tmp/bench.conf"
"$build/vzhost" -c "$tmp/bench.conf" --check | tail -n 1
"$build/bench_check" "$build/vzhost" "$tmp/bench.conf" "$top/conf/demo.conf" "${RUNS:-40}"
