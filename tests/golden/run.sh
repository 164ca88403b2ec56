#!/bin/sh
# Golden tests: `vzhost -c X.conf --print` must equal X.json (the checkout's path written @ROOT@).
# UPDATE=1 rewrites the expectations; read the diff before committing it.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
vzhost=${VZHOST:-$here/../../${B:-build}/vzhost}
plugins=$(cd "$here/../../${B:-build}/plugins" && pwd -P)
pass=0 fail=0

# golden WANT OPTION: `vzhost -c NAME.conf OPTION` (NAME from WANT) must print WANT
# (stderr shown on a failure; --check's notes are part of what it pins)
golden() {
	name=$(basename "$1" | sed 's/\.[a-z]*$//')
	out=$(cd "$here" && XDG_RUNTIME_DIR=/xdg VZHOST_PLUGIN_PATH="$plugins" \
		"$vzhost" -c "$name.conf" "$2" 2>"$here/.stderr")
	status=$?
	[ "$2" = --check ] && out=$(cat "$here/.stderr"; printf '%s\n' "$out")
	out=$(printf '%s\n' "$out" | sed "s|$root|@ROOT@|g")
	[ "${UPDATE:-0}" = 1 ] && printf '%s\n' "$out" > "$1"
	if [ $status -eq 0 ] && printf '%s\n' "$out" | diff -u "$1" - >/dev/null; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL golden/$(basename "$1") (exit $status)"
		printf '%s\n' "$out" | diff -u "$1" - | head -40
		cat "$here/.stderr"
	fi
}

for conf in "$here"/*.conf; do
	golden "${conf%.conf}.json" --print
done
# --check's human summary, where a NAME.check pins it (every line of every device
# kind as the user reads it)
for want in "$here"/*.check; do
	golden "$want" --check
done
rm -f "$here/.stderr"

# The derived MACs in the expectations are not just snapshots: an implementation
# of FNV-1a written here from its specification (checked against the published
# test vectors) derives each from "VM/position" and must agree with every one.
if python3 - "$here"/*.json <<'PY'; then
import json, re, sys

def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h

# FNV's published vectors for FNV-1a, 64 bits
assert fnv1a64(b"") == 0xcbf29ce484222325
assert fnv1a64(b"a") == 0xaf63dc4c8601ec8c
assert fnv1a64(b"foobar") == 0x85944171f73967e8

def derive(vm, index):
    h = fnv1a64(vm.encode() + b"/" + bytes([index]))
    mac = [(h >> (8 * i)) & 0xFF for i in range(6)]
    mac[0] = (mac[0] & 0xFC) | 0x02  # locally administered, unicast
    return ":".join("%02x" % b for b in mac)

checked = 0
for path in sys.argv[1:]:
    conf = open(path[:-5] + ".conf").read().splitlines()
    for vm in json.load(open(path))["vms"]:
        for dev in vm["devices"]:
            if dev["class"] != "net":
                continue
            line = int(re.match(r"[^:]*:(\d+):", dev["origin"]).group(1))
            if "mac" in conf[line - 1]:
                continue  # given in the file, not derived
            index = int(re.search(r"devices\[(\d+)\]", dev["origin"]).group(1))
            want = derive(vm["name"], index)
            if dev["mac"] != want:
                sys.exit("%s: %s: mac %s, derived %s" % (path, dev["origin"], dev["mac"], want))
            checked += 1
if checked < 4:
    sys.exit("only %d derived MACs checked" % checked)
PY
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL golden: a derived MAC differs from FNV-1a of VM/position"
fi
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
