#!/bin/sh
# The systemd units as `make install` writes them: vzhost@.service runs as the user
# vzhost with the sandbox README promises and systemd-analyze rates it at most
# $VZH_EXPOSURE_MAX (1.5; before the sandbox: 9.6 UNSAFE); vzhost-root@.service is
# the root one; the user comes from sysusers.d; the state directory the unit gives
# is the one vzhost takes by default there; README's scores are the measured ones.
# Offline (systemd-analyze --offline, systemd-sysusers --root): no systemd needed.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/.." && pwd -P)
build=$(cd "$top/${B:-build}" && pwd -P)
max=${VZH_EXPOSURE_MAX:-1.5}
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
skipped() {
	skip=$((skip + 1))
	echo "SKIP: $*"
}

make -s -C "$top" install B="${B:-build}" SAN="${SAN:-}" PREFIX="$tmp/prefix" > "$tmp/install.log" 2>&1 ||
	{ bad "make install failed"; cat "$tmp/install.log"; }
units=$tmp/prefix/lib/systemd/system
unit=$units/vzhost@.service root=$units/vzhost-root@.service
sysusers=$tmp/prefix/lib/sysusers.d/vzhost.conf

# 1. make install puts both units and the user's sysusers.d file in place
missing=
for f in "$unit" "$root" "$sysusers"; do [ -s "$f" ] || missing="$missing ${f#"$tmp/prefix/"}"; done
if [ -z "$missing" ]; then ok; else bad "make install did not install:$missing"; fi

# 2. the sandbox, setting by setting (each line as the unit must have it)
cat > "$tmp/want" <<EOF
User=vzhost
Group=vzhost
SupplementaryGroups=kvm
StateDirectory=vzhost/vzhost
StateDirectoryMode=0700
Environment=XDG_STATE_HOME=%S/vzhost
UMask=0077
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
DeviceAllow=/dev/kvm rw
PrivateUsers=yes
RestrictSUIDSGID=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
LockPersonality=yes
RestrictRealtime=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service seccomp
Type=notify
KillMode=mixed
ExecStart=$tmp/prefix/bin/vzhost -c /etc/vzhost/%i.conf
EOF
missing=$(grep -vxF -f "$unit" "$tmp/want" 2>/dev/null)
if [ -f "$unit" ] && [ -z "$missing" ] && ! grep -q '^User=root$' "$unit"; then
	ok
else
	bad "vzhost@.service lacks:" $missing
fi
# the root one: as before, and never beside vzhost@ on the same configuration
if [ -f "$root" ] && ! grep -q '^User=' "$root" && grep -qx 'Conflicts=vzhost@%i.service' "$root" &&
	grep -qx 'After=vzhost@%i.service' "$root" && grep -qx 'KillMode=mixed' "$root"; then
	ok
else
	bad "vzhost-root@.service is not root's unit conflicting with vzhost@"
fi

# 3. systemd-analyze: both verify; the sandboxed one's exposure is at most $max
if ! command -v systemd-analyze > /dev/null; then
	skipped "systemd-analyze not installed (Debian: systemd)"
else
	mkdir "$tmp/u"
	cp "$unit" "$tmp/u/vzhost@ci.service" 2>/dev/null && cp "$root" "$tmp/u/vzhost-root@ci.service" 2>/dev/null
	if (cd "$tmp/u" && MANPATH="$tmp/prefix/share/man" systemd-analyze verify \
		vzhost@ci.service vzhost-root@ci.service) > "$tmp/verify" 2>&1 && ! [ -s "$tmp/verify" ]; then
		ok
	else
		bad "the units do not verify:"
		sed 's/^/    /' "$tmp/verify"
	fi
	for u in vzhost vzhost-root; do
		(cd "$tmp/u" && systemd-analyze security --offline=true "$u@ci.service") > "$tmp/$u.sec" 2>&1
		sed -n "s/^→ Overall exposure level for $u@ci.service: //p" "$tmp/$u.sec" > "$tmp/$u.score"
	done
	score=$(cut -d ' ' -f 1 "$tmp/vzhost.score")
	if [ -n "$score" ] && awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }'; then
		ok
	else
		bad "vzhost@.service's exposure is \"$(cat "$tmp/vzhost.score")\", above $max:"
		grep '✗' "$tmp/vzhost.sec" | sed 's/^/    /'
	fi
	# README says what systemd-analyze says (its weights are systemd 252's)
	v=$(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
	if [ "$v" != 252 ]; then
		skipped "README's scores are systemd 252's; this is systemd $v"
	else
		for u in vzhost vzhost-root; do
			line="→ Overall exposure level for $u@ci.service: $(cat "$tmp/$u.score")"
			if [ -s "$tmp/$u.score" ] && grep -qxF "$line" "$top/README.md"; then
				ok
			else
				bad "README does not say \"$line\""
			fi
		done
	fi
fi

# 4. the user: systemd-sysusers makes vzhost, a member of kvm (in a scratch root)
if ! command -v systemd-sysusers > /dev/null; then
	skipped "systemd-sysusers not installed"
elif mkdir -p "$tmp/sysroot/etc" && systemd-sysusers --root="$tmp/sysroot" "$sysusers" > "$tmp/sysusers" 2>&1 &&
	grep -q '^vzhost:x:[0-9]*:[0-9]*:[^:]*:/var/lib/vzhost/vzhost:' "$tmp/sysroot/etc/passwd" &&
	grep -Eq '^kvm:x:[0-9]+:(.*,)?vzhost(,|$)' "$tmp/sysroot/etc/group"; then
	ok
else
	bad "systemd-sysusers $sysusers does not make the user vzhost in group kvm:"
	cat "$tmp/sysusers" "$tmp/sysroot/etc/passwd" "$tmp/sysroot/etc/group" 2>/dev/null | sed 's/^/    /'
fi

# 5. the state directory: what the unit's environment makes vzhost's default (an
# unprivileged user's, without host.state_dir) is the unit's StateDirectory=
sd=/var/lib/$(sed -n 's/^StateDirectory=//p' "$unit")
xdg=$(sed -n 's/^Environment=XDG_STATE_HOME=//p' "$unit" | sed 's|%S|/var/lib|')
chmod 755 "$tmp"
printf 'vms = ( { name = "x"; boot = { kernel = "%s"; }; } );\n' "$top/tests/service.sh" > "$tmp/p.conf"
as=
if [ "$(id -u)" = 0 ]; then
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	command -v setpriv > /dev/null || as=
fi
if [ "$(id -u)" = 0 ] && [ -z "$as" ]; then
	skipped "root without setpriv: vzhost's default state directory is root's here"
else
	got=$($as env -u XDG_RUNTIME_DIR XDG_STATE_HOME="$xdg" VZHOST_PLUGIN_PATH="$build/plugins" \
		"$build/vzhost" -c "$tmp/p.conf" --print 2> "$tmp/print.err" |
		sed -n 's/^ *"state_dir": "\(.*\)",$/\1/p')
	if [ -n "$xdg" ] && [ "$got" = "$sd" ]; then
		ok
	else
		bad "under the unit vzhost's state directory is \"$got\", the unit gives \"$sd\" (XDG_STATE_HOME=$xdg)"
		sed 's/^/    /' "$tmp/print.err"
	fi
fi

echo "service: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
