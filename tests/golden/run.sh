#!/bin/sh
# Golden tests: `vzhost -c X.conf --print` must equal X.json (the checkout's path written @ROOT@).
# UPDATE=1 rewrites the expectations; read the diff before committing it.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
vzhost=${VZHOST:-$here/../../${B:-build}/vzhost}
plugins=$(cd "$here/../../${B:-build}/plugins" && pwd -P)
pass=0 fail=0
for conf in "$here"/*.conf; do
	name=$(basename "$conf" .conf)
	out=$(cd "$here" && XDG_RUNTIME_DIR=/xdg VZHOST_PLUGIN_PATH="$plugins" \
		"$vzhost" -c "$name.conf" --print 2>"$here/.stderr")
	status=$?
	out=$(printf '%s\n' "$out" | sed "s|$root|@ROOT@|g")
	if [ "${UPDATE:-0}" = 1 ]; then
		printf '%s\n' "$out" > "$here/$name.json"
	fi
	if [ $status -eq 0 ] && printf '%s\n' "$out" | diff -u "$here/$name.json" - >/dev/null; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL golden/$name (exit $status)"
		printf '%s\n' "$out" | diff -u "$here/$name.json" - | head -40
		cat "$here/.stderr"
	fi
done
rm -f "$here/.stderr"
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
