#!/bin/sh
# Boot benchmark: the test guest to power-off by a plain QEMU command line and by vzhost,
# interleaved; the plain command line is the one vzhost builds, without its QMP channel
# and -S.  Prints medians and ratios measured in one run; asserts nothing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
qemu=$(command -v qemu-system-x86_64)
cat > "$tmp/boot.conf" <<CONF
host = { state_dir = "$tmp/state"; qemu = "$build/stamp"; };
plugins = { load = [ "serial", "disk" ]; };
vms = ( { name = "bench"; memory = "256M";
  boot = { kernel = "$top/build/guest/vmlinuz"; initrd = "$top/build/guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=poweroff"; };
  devices = ( { kind = "serial"; } ); } );
CONF
export VZH_REAL_QEMU="$qemu" VZH_STAMP="$tmp/stamp"
# the command line vzhost builds, one argument a line, minus QMP and -S
"$build/vzhost" -vv -c "$tmp/boot.conf" 2>&1 >/dev/null |
	sed -n 's/^vzhost: \[bench\] debug: argv\[[0-9]*\] //p' > "$tmp/full"
awk -v q="$qemu" 'NR == 1 { print q; next }
	$0 == "-S" { next }
	$0 == "-chardev" { getline nxt; if (nxt ~ /^socket,id=qmp,/) next; print; print nxt; next }
	$0 == "-mon" { getline; next }
	{ print }' "$tmp/full" > "$tmp/raw"
rm -f "$tmp/stamp"
"$build/bench_boot" "$build/vzhost" "$tmp/boot.conf" "$tmp/raw" "$tmp/stamp" "${RUNS:-9}"
