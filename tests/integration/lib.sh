# lib.sh: what the shell integration suites share: results, bounded waits, test selection.
# Sourced after the suite sets $tmp; every wait has a deadline, so a hang is a failure.

pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
	for f in $SHOW; do
		[ -f "$tmp/$f" ] && sed "s|^|    $f: |" "$tmp/$f" | tail -15
	done
}
skipped() { # WHY
	skip=$((skip + 1))
	echo "SKIP: $*"
}

# root_only WHAT: true as root; else WHAT is counted as skipped
root_only() {
	[ "$(id -u)" = 0 ] && return 0
	skipped "$1: needs root"
	return 1
}

# a signal ends the suite through its EXIT trap (dash skips it otherwise)
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for FILE PATTERN SECONDS [GREP OPTION [PID]]: the pattern (a grep basic
# regular expression, or what the option makes it) appears in FILE in time; no
# longer worth waiting for once process PID is gone
wait_for() {
	_w=0
	while [ $_w -lt $(($3 * 10)) ]; do
		grep -q ${4:-} -- "$2" "$1" 2>/dev/null && return 0
		[ -n "${5:-}" ] && ! kill -0 "$5" 2>/dev/null &&
			! grep -q ${4:-} -- "$2" "$1" 2>/dev/null && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
	return 1
}

# wait_lines FILE PATTERN N SECONDS [PID]: N lines of FILE match the pattern (a
# grep basic regular expression) in time; no longer worth waiting for once
# process PID is gone
wait_lines() {
	_w=0
	while _n=$(grep -c -- "$2" "$1" 2>/dev/null); [ "${_n:-0}" -lt "$3" ]; do
		[ $_w -ge $(($4 * 10)) ] && return 1
		[ -n "${5:-}" ] && ! kill -0 "$5" 2>/dev/null && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}

# wait_count FILE N SECONDS [PID]: the guest's console shows "count N" (while
# vzhost PID runs)
wait_count() {
	wait_for "$1" "VZH-GUEST: count $2([^0-9]|\$)" "$3" -E "${4:-}"
}

# reap PID SECONDS: wait for a background vzhost, SIGKILL it when it hangs;
# sets st to its exit status (124 for a hang)
reap() {
	_r=0
	while kill -0 "$1" 2>/dev/null && [ $_r -lt $(($2 * 10)) ]; do
		sleep 0.1
		_r=$((_r + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "    (pid $1 still running after $2 s: killed)"
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		st=124
		return 1
	fi
	wait "$1"
	st=$?
}

# VZH_TESTS="a b" runs only those tests of a suite
selected() {
	[ -z "${VZH_TESTS:-}" ] && return 0
	case " $VZH_TESTS " in *" $1 "*) return 0 ;; esac
	return 1
}

# run_tests NAME...: each test is a function t_NAME
run_tests() {
	for t in "$@"; do
		selected "$t" || continue
		f0=$fail
		"t_$t"
		# (named for make mutate-sample's re-runs)
		[ "$fail" = "$f0" ] || echo "FAILED TEST: $t"
		[ -z "${VZH_AFTER_TEST:-}" ] || $VZH_AFTER_TEST "${VZH_SUITE:-suite}/$t"
	done
}

summary() { # SUITE
	echo "$1: $pass passed, $fail failed, $skip skipped"
	[ $fail -eq 0 ]
}
