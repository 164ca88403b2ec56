#!/bin/sh
# The SDK as a third party sees it: `make install`, then build PLUGINS.md's example with
# the exact documented command, and load it into the installed vzhost.
set -u
unset VZHOST_PLUGIN_PATH
top=$(cd "$(dirname "$0")/../.." && pwd -P)
B=${B:-build}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { # description command...
	what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $what"
		sed 's/^/    /' "$tmp/out" | head -20
	fi
}

check "make install" make -s -C "$top" install B="$B" SAN="${SAN:-}" PREFIX="$tmp/prefix"
# a PREFIX of its own: pkg-config finds the SDK only as PLUGINS.md says to tell it
check "pkg-config does not find an SDK under another PREFIX by itself" sh -c \
	"! env -u PKG_CONFIG_PATH pkg-config --exists vzhost-plugin || [ \"\$(env -u PKG_CONFIG_PATH pkg-config --variable=prefix vzhost-plugin)\" != '$tmp/prefix' ]"
sed -n '/<!-- pkg-config-path begin -->/,/<!-- pkg-config-path end -->/p' "$top/PLUGINS.md" |
	sed '/^<!--/d; /^```/d; s/ *#.*//' | sed "s|PREFIX|$tmp/prefix|g" > "$tmp/pcpath"
check "PLUGINS.md says how to point pkg-config at another PREFIX" grep -qx "export PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig" "$tmp/pcpath"
unset PKG_CONFIG_PATH
. "$tmp/pcpath"
check "pkg-config knows vzhost-plugin" pkg-config --exists vzhost-plugin
check "plugindir variable" sh -c "[ \"\$(pkg-config --variable=plugindir vzhost-plugin)\" = '$tmp/prefix/lib/vzhost/plugins' ]"

mkdir -p "$tmp/plugins" "$tmp/logs"
sed -n '/<!-- hello.c begin -->/,/<!-- hello.c end -->/p' "$top/PLUGINS.md" |
	sed '/^<!--/d; /^```/d' > "$tmp/hello.c"
check "example extracted" grep -q 'VZH_PLUGIN_DEFINE("hello"' "$tmp/hello.c"
# the documented command, word for word (no -I into the source tree)
check "example builds with the documented command" sh -c \
	"cd '$tmp' && cc -Wall -Wextra -Werror \$(pkg-config --cflags --libs vzhost-plugin) -o plugins/hello.so hello.c"
chmod go-w "$tmp/plugins" "$tmp/plugins/hello.so" 2>/dev/null
check "example exports only its descriptor" sh -c \
	"[ \"\$(nm -D --defined-only '$tmp/plugins/hello.so' | awk '{print \$3}')\" = vzh_plugin_descriptor ]"

cat > "$tmp/host.conf" <<CONF
plugins = { dirs = [ "plugins" ]; load = [ "hello", "disk" ]; };
vms = ( { name = "ci"; boot = { kernel = "$top/tests/fixtures/files/vmlinuz"; };
          devices = ( { kind = "hello.console"; dir = "logs"; } ); } );
CONF
vzhost="$tmp/prefix/bin/vzhost"
check "installed vzhost loads it" sh -c \
	"'$vzhost' -c '$tmp/host.conf' --check | grep -F 'serial   $tmp/logs/ci.log  [hello.console via plugin hello, $tmp/host.conf:3: vms[0].devices[0]]'"
check "vzhost plugins lists it" sh -c \
	"env -u VZHOST_PLUGIN_PATH '$vzhost' plugins -c '$tmp/host.conf' | grep -E '^hello +1.0 +serial consoles logged per VM'"
sed -i 's/dir = "logs"; //' "$tmp/host.conf"
check "its own error names file:line" sh -c \
	"'$vzhost' -c '$tmp/host.conf' --check 2>&1 >/dev/null | grep -F '$tmp/host.conf:3: vms[0].devices[0].dir: hello.console needs a directory'"
# --libs: a symbol nobody defines is a link error, not a plugin that fails to load
printf '%s\n' '#include <vzhost/plugin.h>' 'int vzh_missing(void);' \
	'int f(void) { return vzh_missing(); }' > "$tmp/undef.c"
check "pkg-config --libs refuses an undefined symbol at link time" sh -c \
	"cd '$tmp' && ! cc \$(pkg-config --cflags --libs vzhost-plugin) -o undef.so undef.c 2>/dev/null"
check "installed header is the SDK's" cmp "$top/sdk/vzhost/plugin.h" "$tmp/prefix/include/vzhost/plugin.h"

echo "sdk: $pass passed, $fail failed"
[ $fail -eq 0 ]
