#!/bin/sh
# Bad-config corpus: each X.conf states its exit status (# expect:) and the errors it must
# produce (# error:, each a FILE:LINE: path: message prefix); # errors: N, how many
# there are in all (no error about an entry already refused). --check must leave no file behind.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
vzhost=${VZHOST:-$here/../../${B:-build}/vzhost}
plugins=$(cd "$here/../../${B:-build}/plugins" && pwd -P)
pass=0 fail=0
before=$(ls -A "$here" | sort)
for conf in "$here"/*.conf; do
	name=$(basename "$conf")
	want=$(sed -n 's/^# expect: //p' "$conf")
	err=$(cd "$here" && VZHOST_PLUGIN_PATH="$plugins" "$vzhost" -c "$name" --check 2>&1 >/dev/null)
	status=$?
	problems=""
	[ "$status" = "$want" ] || problems="exit $status, expected $want"
	sed -n 's/^# error: //p' "$conf" > "${TMPDIR:-/tmp}/vzh-bad-want.$$"
	while IFS= read -r line; do
		case "$err" in
		*"$line"*) ;;
		*) problems="$problems; missing: $line" ;;
		esac
	done < "${TMPDIR:-/tmp}/vzh-bad-want.$$"
	count=$(sed -n 's/^# errors: //p' "$conf")
	got=$(printf '%s\n' "$err" | grep -c "^$name:[0-9][0-9]*: ")
	[ -z "$count" ] || [ "$got" = "$count" ] || problems="$problems; $got errors, expected $count"
	# every error line names FILE:LINE
	if printf '%s\n' "$err" | grep -v '^vzhost: [0-9]* errors in' | grep -qv "^$name:[0-9][0-9]*: "; then
		problems="$problems; a line without $name:LINE"
	fi
	if [ -n "$problems" ]; then
		fail=$((fail + 1))
		echo "FAIL bad/$name: $problems"
		printf '%s\n' "$err" | sed 's/^/    /'
	else
		pass=$((pass + 1))
	fi
done
rm -f "${TMPDIR:-/tmp}/vzh-bad-want.$$"
after=$(ls -A "$here" | sort)
if [ "$before" != "$after" ]; then
	fail=$((fail + 1))
	echo "FAIL bad/: --check left files behind"
fi
echo "bad configs: $pass passed, $fail failed"
[ $fail -eq 0 ]
