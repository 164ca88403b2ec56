#!/bin/sh
# Event benchmark: 10,000 events from a fake bridge through the real event bus: to an
# in-process hook, to a hook "script" (a tiny binary that notes its exec time), and
# 10,000 `ctl status` round trips.  Prints p50/p99 measured in one run; asserts nothing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/hooks" "$tmp/state"
cp "$build/hookstamp" "$tmp/hooks/10-stamp"
cat > "$tmp/bench.conf" <<CONF
host = { state_dir = "$tmp/state"; };
plugins = { load = [ "serial" ]; };
hooks = { dir = "hooks"; timeout = 10; };
vms = ( { name = "bench"; boot = { kernel = "$top/tests/fixtures/files/vmlinuz"; }; } );
CONF
# the log of 20,000 transitions is written (its cost is in the figures) to a file
VZHOST_PLUGIN_PATH="$build/plugins" VZH_STAMP="$tmp/stamps" \
	"$build/bench_events" "$tmp/bench.conf" "$tmp/stamps" 2> "$tmp/log" ||
	{ tail -n 20 "$tmp/log"; exit 1; }
