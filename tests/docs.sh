#!/bin/sh
# The documentation against the code: README's exit-status table is `vzhost --help`'s,
# and every setting conf/host.conf names, commented out or not, is one vzhost accepts.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/.." && pwd -P)
build=$(cd "$top/${B:-build}" && pwd -P)
vzhost=$build/vzhost
export VZHOST_PLUGIN_PATH="$build/plugins"
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# 1. the exit statuses: one table in core/exits.c, shown by --help, copied in README
"$vzhost" --help | sed -n '/^Exit status:/,$p' | sed 1d > "$tmp/help"
sed -n '/<!-- exit-status begin -->/,/<!-- exit-status end -->/p' "$top/README.md" |
	sed '/^<!--/d; /^```/d' > "$tmp/readme"
if [ -s "$tmp/help" ] && cmp -s "$tmp/help" "$tmp/readme"; then
	ok
else
	bad "README's exit-status table differs from vzhost --help; it should read:"
	sed 's/^/    /' "$tmp/help"
fi

# 2. conf/host.conf: the file as shipped passes --check
cp -r "$top/conf" "$tmp/conf"
mkdir -p "$tmp/build" && ln -s "$top/build/guest" "$tmp/build/guest"
if "$vzhost" -c "$tmp/conf/host.conf" --check > "$tmp/out" 2>&1; then
	ok
else
	bad "conf/host.conf does not pass --check"
	sed 's/^/    /' "$tmp/out"
fi

# 3. each setting it shows commented out ("# key = value;"), uncommented alone, is a
# setting vzhost knows: no syntax error, no unknown key or kind
grep -n '^ *# *{* *[a-z_]* = ' "$top/conf/host.conf" | cut -d: -f1 > "$tmp/lines"
n=0
while read -r line; do
	n=$((n + 1))
	sed "${line}s/^\( *\)# */\1/" "$top/conf/host.conf" > "$tmp/conf/variant.conf"
	text=$(sed -n "${line}p" "$tmp/conf/variant.conf")
	"$vzhost" -c "$tmp/conf/variant.conf" --check > "$tmp/out" 2>&1
	status=$?
	# accepted, or refused for its value or its combination with the rest (78),
	# never as a key vzhost does not know
	if cmp -s "$top/conf/host.conf" "$tmp/conf/variant.conf" ||
		{ [ $status != 0 ] && [ $status != 78 ]; } ||
		grep -qE 'syntax error|unknown setting|unknown device kind|did you mean|duplicate' "$tmp/out"; then
		bad "conf/host.conf:$line: \"$text\" is not a setting vzhost accepts:"
		sed 's/^/    /' "$tmp/out" | head -5
	else
		ok
	fi
done < "$tmp/lines"
[ $n -ge 5 ] || bad "found only $n commented-out settings in conf/host.conf"

echo "docs: $pass passed, $fail failed"
[ $fail -eq 0 ]
