#!/bin/sh
# Runs every test suite against the build in $B and ends with one "N passed, N failed" line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd -P)
B=${B:-build}
build=$(cd "$top/$B" && pwd -P)
export B VZH_BUILD="$build"
# sanitizer builds: leaks and undefined behaviour fail the test that hits them
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=23}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 suites_failed=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # suite-name command...: adds the suite's own counts
	name=$1
	shift
	"$@" > "$log" 2>&1
	status=$?
	# cmocka's "[  PASSED  ] N test(s)." or our "N passed, N failed"
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^\(.* \)\{0,1\}\([0-9][0-9]*\) passed, [0-9]* failed.*/\2/p' "$log" | tail -1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^\(.* \)\{0,1\}[0-9][0-9]* passed, \([0-9]*\) failed.*/\2/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ $status -ne 0 ] && [ "$f" = 0 ]; then
		f=1 # crashed, or failed before counting
	fi
	pass=$((pass + p)) fail=$((fail + f))
	if [ $status -ne 0 ] || [ "$f" != 0 ]; then
		suites_failed="$suites_failed $name"
		echo "---- $name failed (exit $status) ----"
		cat "$log"
	fi
	printf '%-14s %4s passed, %s failed\n' "$name" "$p" "$f"
}

cd "$top"
for t in "$build"/tests/test_* "$build"/tests/it_*; do
	count "$(basename "$t" | sed "s/^test_//; s/^it_/qemu-/")" "$t"
done
count abi sh -c "'$build/tests/abi' && echo '1 passed, 0 failed'"
count golden tests/golden/run.sh
count bad-configs tests/bad/run.sh
count cli tests/cli.sh
count sdk tests/sdk/run.sh
count integration tests/integration/run.sh
count events tests/integration/events.sh
[ -z "$suites_failed" ] || echo "failed suites:$suites_failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ -z "$suites_failed" ]
