#!/bin/sh
# Command-line behaviour: exit statuses (sysexits), messages, and the subcommands.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
build=$(cd "$here/../${B:-build}" && pwd -P)
vzhost=$build/vzhost
export VZHOST_PLUGIN_PATH="$build/plugins"
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS PATTERN CMD...: exit status and a fixed string in stdout+stderr
expect() {
	want=$1 pattern=$2
	shift 2
	out=$("$@" 2>&1)
	status=$?
	if [ "$status" = "$want" ] && printf '%s' "$out" | grep -qF -- "$pattern"; then
		pass=$((pass + 1))
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

expect 0 "plugin ABI 1.0" "$vzhost" --version
expect 0 "usage: vzhost -c FILE" "$vzhost" --help
expect 64 "no configuration: use -c FILE" "$vzhost"
expect 64 "usage:" "$vzhost" --frobnicate
expect 64 "exclude each other" "$vzhost" -c "$tmp/ok.conf" --check --print
expect 64 "unexpected argument" "$vzhost" -c "$tmp/ok.conf" extra
expect 66 "nope.conf: cannot read the configuration: No such file or directory" \
	"$vzhost" -c "$tmp/nope.conf" --check
expect 66 "cannot read the configuration: Is a directory" "$vzhost" -c "$tmp" --check
expect 0 "ok.conf: OK (1 VM, 2 devices, 7 plugins)" "$vzhost" -c "$tmp/ok.conf" --check
expect 0 "nat via plugin nat, $tmp/ok.conf:2: vms[0].devices[0]" "$vzhost" -c "$tmp/ok.conf" --check
expect 0 '"name": "demo"' "$vzhost" -c "$tmp/ok.conf" --print
# a hypervisor that is not there is exit 69, naming what to install
printf 'host = { qemu = "qemu-system-nonesuch"; };\n' > "$tmp/noqemu.conf"
sed -n '1,2p' "$tmp/ok.conf" >> "$tmp/noqemu.conf"
expect 69 "qemu-system-nonesuch not found: install it (Debian: apt-get install qemu-system-" \
	"$vzhost" -c "$tmp/noqemu.conf"
expect 0 "not checked against a hypervisor: qemu-system-nonesuch not found" \
	"$vzhost" -c "$tmp/noqemu.conf" --check
printf 'host = { bridge = "vz"; };\n' > "$tmp/vz.conf"
sed -n '1,2p' "$tmp/ok.conf" >> "$tmp/vz.conf"
expect 69 "built without the Virtualization.framework bridge" "$vzhost" -c "$tmp/vz.conf"
expect 69 "host.accel = \"hvf\": hvf exists on macOS only" \
	sh -c "sed 's/^host = .*/host = { accel = \"hvf\"; };/' '$tmp/vz.conf' > '$tmp/hvf.conf' && '$vzhost' -c '$tmp/hvf.conf'"
expect 0 "kinds: entropy balloon vsock" "$vzhost" plugins
expect 0 "kinds: keyboard pointer" "$vzhost" plugins -c "$tmp/ok.conf"
# --print output is JSON a tool can read
if "$vzhost" -c "$tmp/ok.conf" --print | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["vms"][0]["devices"][1]["class"]=="serial"' 2>/dev/null ||
	! command -v python3 >/dev/null; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: --print is not the expected JSON"
fi
# an installed layout finds its plugins in ../lib/vzhost/plugins without help
mkdir -p "$tmp/inst/bin" "$tmp/inst/lib/vzhost/plugins"
cp "$vzhost" "$tmp/inst/bin/" && cp "$build"/plugins/*.so "$tmp/inst/lib/vzhost/plugins/"
chmod -R go-w "$tmp/inst"
expect 0 "$tmp/inst/lib/vzhost/plugins/nat.so" env -u VZHOST_PLUGIN_PATH "$tmp/inst/bin/vzhost" plugins

# the shipped examples stay valid (conf/ must stay true)
for conf in "$here"/../conf/*.conf; do
	expect 0 ": OK (" "$vzhost" -c "$conf" --check
done

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
