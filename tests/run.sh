#!/bin/sh
# Runs every test suite against the build in $B and ends with one "N passed, N failed, N skipped" line.
# VZH_SUITES="argv events" runs only those suites (make mutate uses it); a suite's own
# VZH_TESTS selects tests inside the shell suites.  VZH_AFTER_SUITE / VZH_AFTER_TEST
# name a command run after each suite / shell test (make coverage's per-test map).
set -u
top=$(cd "$(dirname "$0")/.." && pwd -P)
B=${B:-build}
build=$(cd "$top/$B" && pwd -P)
export B VZH_BUILD="$build"
# sanitizer builds: leaks and undefined behaviour fail the test that hits them
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 skip=0 suites_failed="" ran=0
log=$(mktemp)
# what the QEMU bridge learns of QEMU (bridge/qemu/caps.c) is kept here, not in
# the user's ~/.cache
cache=$(mktemp -d)
export XDG_CACHE_HOME="$cache"
trap 'rm -f "$log"; rm -rf "$cache"' EXIT

wanted() { # suite-name: selected by VZH_SUITES, or no selection
	[ -z "${VZH_SUITES:-}" ] && return 0
	case " $VZH_SUITES " in *" $1 "*) return 0 ;; esac
	return 1
}

count() { # suite-name command...: adds the suite's own counts
	name=$1
	shift
	wanted "$name" || return 0
	ran=$((ran + 1))
	# a suite that hangs fails, it does not stop the run
	VZH_SUITE=$name timeout -k 10 "${VZH_SUITE_TIMEOUT:-1800}" "$@" > "$log" 2>&1
	status=$?
	# make coverage: what this suite executed (tests/mutgen/covsnap.py)
	[ -z "${VZH_AFTER_SUITE:-}" ] || $VZH_AFTER_SUITE "$name"
	[ $status = 124 ] && echo "(timed out after ${VZH_SUITE_TIMEOUT:-1800} s)" >> "$log"
	# cmocka's "[  PASSED  ] N test(s)." / "[  SKIPPED ] N test(s)." or our
	# "N passed, N failed[, N skipped]"
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^\(.* \)\{0,1\}\([0-9][0-9]*\) passed, [0-9]* failed.*/\2/p' "$log" | tail -1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^\(.* \)\{0,1\}[0-9][0-9]* passed, \([0-9]*\) failed.*/\2/p' "$log" | tail -1)
	s=$(sed -n 's/.*\[  SKIPPED \] \([0-9]*\) test.*/\1/p; s/^\(.* \)\{0,1\}[0-9][0-9]* passed, [0-9]* failed, \([0-9]*\) skipped.*/\2/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ $status -ne 0 ] && [ "$f" = 0 ]; then
		f=1 # crashed, or failed before counting
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ $status -ne 0 ] || [ "$f" != 0 ]; then
		suites_failed="$suites_failed $name"
		echo "---- $name failed (exit $status) ----"
		cat "$log"
	elif [ "$s" != 0 ]; then # say why, every time
		grep -E '^SKIP|\[  SKIPPED \]|^\[ *SKIPPED|skipped:' "$log" | sed "s/^/    $name: /"
	fi
	printf '%-14s %4s passed, %s failed, %s skipped\n' "$name" "$p" "$f" "$s"
}

cd "$top"
for t in "$build"/tests/test_* "$build"/tests/it_*; do
	count "$(basename "$t" | sed "s/^test_//; s/^it_/qemu-/")" "$t"
done
count abi sh -c "'$build/tests/abi' && echo '1 passed, 0 failed'"
count golden tests/golden/run.sh
count bad-configs tests/bad/run.sh
count cli tests/cli.sh
count docs tests/docs.sh
count service tests/service.sh
count sdk tests/sdk/run.sh
count macos tests/macos/run.sh
count mutgen /usr/bin/python3 tests/mutgen/test_mutgen.py
count security tests/security/run.sh
count integration tests/integration/run.sh
count events tests/integration/events.sh
count slots-vm tests/integration/slots.sh
count backends tests/integration/backends.sh
[ -z "$suites_failed" ] || echo "failed suites:$suites_failed"
if [ $ran = 0 ]; then
	echo "no suite matches VZH_SUITES=\"${VZH_SUITES:-}\""
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ -z "$suites_failed" ]
