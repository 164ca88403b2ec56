#!/bin/sh
# The macOS compile check (tests/macos/check.sh) passes on the tree, and fails on a
# Linux-only call: in a fixture file, and added to a copy of the core.  The vz bridge's
# Objective-C compiles, and a misspelt, wrongly typed, unguarded or undefined call does not.
set -u
# one Zig for the copies of the tree below too (tests/macos/check.sh fetches it once)
export ZIG_DIR="${ZIG_DIR:-$(cd "$(dirname "$0")/../.." && pwd -P)/build/zig-0.11.0}"
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$(cd "$top/${B:-build}" && pwd -P)
tmp=$(mktemp -d)
SHOW="out"
. "$top/tests/integration/lib.sh"
trap 'rm -rf "$tmp"' EXIT

t_tree() {
	if make --no-print-directory -s -C "$top" B="$build" check-macos > "$tmp/out" 2>&1 &&
		grep -q "check-macos: [0-9]* compilations for aarch64-macos.13.0 x86_64-macos.13.0 passed" "$tmp/out"
	then ok; else bad "the tree does not compile for macOS"; fi
}

t_fixture() {
	B=$build sh "$top/tests/macos/check.sh" "$top/tests/fixtures/macos/linux-only.c" > "$tmp/out" 2>&1
	st=$?
	if [ $st = 1 ] && grep -q "linux-only.c:.*undeclared function 'pipe2'" "$tmp/out" &&
		grep -q "check-macos: 2 of [0-9]* compilations failed" "$tmp/out"
	then ok; else bad "a Linux-only call in a fixture passed the macOS check (exit $st)"; fi
}

# the same call slipped into the core itself (a copy of the tree): the check finds it
t_core() {
	mkdir -p "$tmp/tree/tests/macos"
	(cd "$top" && cp -r core bridge plugins sdk "$tmp/tree/") &&
		cp "$top/tests/macos/check.sh" "$tmp/tree/tests/macos/" &&
		printf '\nint run_pipe(int p[2]);\nint run_pipe(int p[2]) { return pipe2(p, 0); }\n' \
			>> "$tmp/tree/core/run.c"
	B=$build sh "$tmp/tree/tests/macos/check.sh" > "$tmp/out" 2>&1
	st=$?
	if [ $st = 1 ] && grep -q "core/run.c does not compile for aarch64-macos.13.0" "$tmp/out" &&
		grep -q "undeclared function 'pipe2'" "$tmp/out"
	then ok; else bad "pipe2 in core/run.c passed the macOS check (exit $st)"; fi
}

# the vz bridge's Objective-C compiles (make check-vz); a misspelt selector, a call on the
# wrong type, a macOS 14 call without @available are each refused
t_vz() {
	if make --no-print-directory -s -C "$top" B="$build" check-vz > "$tmp/out" 2>&1 &&
		grep -q "check-macos: [0-9]* compilations for aarch64-macos.13.0 passed" "$tmp/out"
	then ok; else bad "the vz bridge's Objective-C does not compile: $(cat "$tmp/out")"; fi
}

t_vz_fixtures() {
	fx=$top/tests/fixtures/macos
	B=$build VZ_ONLY=1 sh "$top/tests/macos/check.sh" "$fx/misspelt.m" "$fx/wrongtype.m" \
		"$fx/unguarded.m" "$fx/unguarded15.m" "$fx/unavailable.m" > "$tmp/out" 2>&1
	st=$?
	if [ $st = 1 ] && grep -q "misspelt.m:.*no visible @interface for 'VZVirtualMachineConfiguration' declares the selector 'validateWithErorr:'" "$tmp/out" &&
		grep -q "wrongtype.m:.*declares the selector 'pauseWithCompletionHandler:'" "$tmp/out" &&
		grep -q "unguarded.m:.*'validateSaveRestoreSupportWithError:' is only available on macOS 14.0 or newer" "$tmp/out" &&
		grep -q "unguarded15.m:.*'setNestedVirtualizationEnabled:' is only available on macOS 15.0 or newer" "$tmp/out" &&
		grep -q "unguarded15.m:.*'setUsbControllers:' is only available on macOS 15.0 or newer" "$tmp/out" &&
		grep -q "unguarded15.m:.*'VZXHCIControllerConfiguration' is only available on macOS 15.0 or newer" "$tmp/out" &&
		grep -q "unguarded15.m:.*'usbControllers' is only available on macOS 15.0 or newer" "$tmp/out" &&
		grep -q "unguarded15.m:.*'VZUSBMassStorageDevice' is only available on macOS 15.0 or newer" "$tmp/out" &&
		grep -q "unavailable.m:.*'init' is unavailable" "$tmp/out" &&
		grep -q "unavailable.m:.*'new' is unavailable" "$tmp/out" &&
		grep -q "check-macos: 5 of [0-9]* compilations failed" "$tmp/out"
	then ok; else bad "a wrong Objective-C call passed the vz compile check (exit $st): $(cat "$tmp/out")"; fi
}

# a function the Objective-C calls that nothing defines (its definition renamed, as a
# review once found): nothing links here, and the check says so anyway
t_vz_link() {
	rm -rf "$tmp/tree" && mkdir -p "$tmp/tree/tests"
	(cd "$top" && cp -r core bridge plugins sdk "$tmp/tree/" && cp -r tests/macos "$tmp/tree/tests/") &&
		sed -i 's/^NSString \*vzm_error_text(/__attribute__((unused)) static NSString *vzm_errortext(/' "$tmp/tree/bridge/vz/vm.m"
	B=$build VZ_ONLY=1 sh "$tmp/tree/tests/macos/check.sh" > "$tmp/out" 2>&1
	st=$?
	if [ $st = 1 ] && grep -q "bridge/vz/\*.m call what nothing defines: _vzm_error_text" "$tmp/out"
	then ok; else bad "an undefined vzm_error_text passed the vz check (exit $st): $(cat "$tmp/out")"; fi
}

run_tests tree fixture core vz vz_fixtures vz_link
summary macos
