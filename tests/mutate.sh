#!/bin/sh
# mutate.sh: proves the tests catch what users would notice.  Each tests/mutants/*.patch is
# a small break with a header:
#   # mutant: what a user would notice
#   # suites: the tests/run.sh suites that must catch it (VZH_SUITES)
#   # tests: optional, the shell suites' tests to run (VZH_TESTS)
#   # expect: no test passes   (optional: killed only when none of them passes)
# The whole suite first runs on a scratch copy of the tree (it must pass); then each
# mutant is applied in turn (the build is reused, so only the broken file is rebuilt),
# its suites run, and the touched files are put back as they were copied.  A mutant is
# killed when its suites fail.  Prints a table and "N killed, M survived"; exits 0 only when every
# mutant is killed.
# New mutant: break the code, `git diff > tests/mutants/NAME.patch`, add the header,
# `git checkout FILE`.  MUTANTS="pattern" runs those whose name matches;
# MUTATE_BASELINE=0 skips the first full run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd -P)
scratch=${MUTATE_DIR:-$top/build-mutate}
timeout_s=${MUTATE_TIMEOUT:-1500}
PATCH="patch -s -p1 --fuzz=0 --no-backup-if-mismatch -d $scratch"

echo "mutate: scratch copy in $scratch"
rm -rf "$scratch"
mkdir -p "$scratch/build"
(cd "$top" && tar --exclude=./build --exclude='./build-*' --exclude=./.git -cf - .) |
	tar -C "$scratch" -xf -
# the test guest (and its downloaded packages): a mutated init rebuilds from them
[ -d "$top/build/guest" ] && cp -a "$top/build/guest" "$scratch/build/guest"
if ! make -s -C "$scratch" test-bins > "$scratch/build.log" 2>&1; then
	tail -n 30 "$scratch/build.log"
	echo "mutate: the unmutated tree does not build"
	exit 1
fi
# a suite that fails already would "kill" every mutant it is named for
if [ "${MUTATE_BASELINE:-1}" = 1 ]; then
	t0=$(date +%s)
	if ! (cd "$scratch" && sh tests/run.sh > "$scratch/baseline.log" 2>&1); then
		grep -E 'failed \(exit|^FAIL' "$scratch/baseline.log" | head -n 20
		echo "mutate: the unmutated tree fails its tests ($scratch/baseline.log)"
		exit 1
	fi
	echo "mutate: baseline $(tail -n 1 "$scratch/baseline.log") in $(($(date +%s) - t0)) s"
fi

killed=0 survived=0 broken=0
printf '%-28s %-26s %-9s %6s  %s\n' MUTANT SUITES RESULT TIME "WHAT A USER WOULD NOTICE"
for patch in "$scratch"/tests/mutants/*.patch; do # as copied
	name=$(basename "$patch" .patch)
	case "$name" in *${MUTANTS:-}*) ;; *) continue ;; esac
	what=$(sed -n 's/^# mutant: //p' "$patch")
	suites=$(sed -n 's/^# suites: //p' "$patch")
	tests=$(sed -n 's/^# tests: //p' "$patch")
	expect=$(sed -n 's/^# expect: //p' "$patch")
	files=$(sed -n 's|^+++ b/\([^	]*\).*|\1|p' "$patch")
	t0=$(date +%s)
	if ! $PATCH --dry-run < "$patch" > /dev/null 2>&1; then
		result="STALE" # the code moved: the patch no longer applies
	else
		for f in $files; do # the text to go back to, as copied
			mkdir -p "$scratch/.pristine/$(dirname "$f")"
			cp -p "$scratch/$f" "$scratch/.pristine/$f"
		done
		$PATCH < "$patch"
		if ! make -s -C "$scratch" test-bins > "$scratch/build.log" 2>&1; then
			result="NOBUILD"
		else
			(cd "$scratch" && VZH_SUITES="$suites" VZH_TESTS="$tests" \
				timeout -k 10 "$timeout_s" sh tests/run.sh > "$scratch/$name.log" 2>&1)
			status=$?
			if [ $status = 124 ] || [ $status = 137 ]; then
				result="timeout" # it hung: noticed, slowly
			elif [ $status != 0 ]; then
				result="killed"
			elif grep -qE ' [1-9][0-9]* skipped$' "$scratch/$name.log"; then
				result="SKIPPED" # what would catch it could not run here
			else
				result="SURVIVED"
			fi
			if [ "$expect" = "no test passes" ] &&
				grep -qE '^[a-z-]+ +[1-9][0-9]* passed' "$scratch/$name.log"; then
				result="SURVIVED" # some test passed without what it is about
			fi
		fi
		# back to the text as copied (new mtimes: make rebuilds them)
		for f in $files; do
			cp "$scratch/.pristine/$f" "$scratch/$f"
		done
	fi
	case $result in
	killed | timeout) killed=$((killed + 1)) ;;
	SURVIVED) survived=$((survived + 1)) ;;
	*) broken=$((broken + 1)) ;;
	esac
	printf '%-28s %-26s %-9s %5ss  %s\n' "$name" "$suites${tests:+ ($tests)}" "$result" \
		$(($(date +%s) - t0)) "$what"
done
extra=""
[ $broken = 0 ] || extra=", $broken not judged (STALE: no longer applies; NOBUILD: does not compile; SKIPPED: its tests need what this machine lacks)"
echo "$killed killed, $survived survived$extra"
[ $survived = 0 ] || echo "(a survivor's test log: $scratch/NAME.log)"
[ $survived = 0 ] && [ $broken = 0 ] && [ $killed -gt 0 ]
