#!/bin/sh
# The documentation against the code: README's exit-status table is `vzhost --help`'s,
# every setting conf/host.conf names, commented out or not, is one vzhost accepts; the
# hook points, run directories, derived MACs, paths, packages, mutants and test guest
# actions the guides name are the code's; the manual pages render whole; and `make
# demo` does what README says, then prints commands that work.
set -u
here=$(cd "$(dirname "$0")" && pwd -P)
top=$(cd "$here/.." && pwd -P)
build=$(cd "$top/${B:-build}" && pwd -P)
vzhost=$build/vzhost
export VZHOST_PLUGIN_PATH="$build/plugins"
pass=0 fail=0 skip=0
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

# 3b. each value conf/host.conf shows is the default, except those it gives as examples
# (required, or with no default): removing the setting changes nothing --print shows
if python3 - "$vzhost" "$top/conf/host.conf" "$tmp/conf/host.conf" <<'PY'; then
import re, subprocess, sys
vzhost, orig, copy = sys.argv[1:]
examples = {"name", "kernel", "initrd", "cmdline", "kind", "path", "size", "mac", "forwards", "tag"}
lines = open(orig).read().split("\n")
def printed(text):
    open(copy, "w").write(text)
    r = subprocess.run([vzhost, "-c", copy, "--print"], capture_output=True, text=True)
    return r.returncode, r.stdout
status, base = printed("\n".join(lines))
assert status == 0 and base, "conf/host.conf: --print fails"
wrong, checked = [], 0
for n, line in enumerate(lines):
    code = line.split("#", 1)[0]
    for m in re.finditer(r"\b([a-z_]+) = ([^;]*);", code):
        if m.group(1) in examples:
            continue
        variant = lines[:n] + [line.replace(m.group(0), "", 1)] + lines[n + 1:]
        checked += 1
        if printed("\n".join(variant)) != (0, base):
            wrong.append("%d: %s" % (n + 1, m.group(0)))
open(copy, "w").write("\n".join(lines))
if wrong or checked < 20:
    sys.exit("not the default (%d checked): %s" % (checked, "; ".join(wrong)))
PY
	ok
else
	bad "conf/host.conf shows a value that is not vzhost's default"
fi

# 4. the manual pages: vzhost(1) names every control command and exit status
# --help does; vzhost.conf(5) every setting conf/host.conf names
man1=$(MANWIDTH=200 mandoc -Tascii "$top/conf/vzhost.1" | col -b)
"$vzhost" --help | sed -n '/^  ctl VM COMMAND/,/^  list/p' | sed '1d;$d' |
	awk '{ print $1 }' > "$tmp/ctlcmds"
[ "$(wc -l < "$tmp/ctlcmds")" -ge 7 ] || bad "found no control commands in --help"
missing=
for c in $(cat "$tmp/ctlcmds") $(sed -n 's/^  \([0-9][0-9]*\)  .*/\1/p' "$tmp/help"); do
	printf '%s\n' "$man1" | grep -qw -- "$c" || missing="$missing $c"
done
if [ -z "$missing" ]; then ok; else bad "vzhost(1) does not mention:$missing"; fi
man5=$(MANWIDTH=200 mandoc -Tascii "$top/conf/vzhost.conf.5" | col -b)
missing=
for k in $(grep -o '^ *#* *[a-z_]* = ' "$top/conf/host.conf" | tr -d '#= ' | sort -u); do
	printf '%s\n' "$man5" | grep -qw -- "$k" || missing="$missing $k"
done
if [ -z "$missing" ]; then ok; else bad "vzhost.conf(5) does not mention:$missing"; fi

# 5. the systemd unit as installed passes systemd-analyze; the launchd list parses
make -s -C "$top" install B="${B:-build}" SAN="${SAN:-}" PREFIX="$tmp/prefix" > "$tmp/install.log" 2>&1 ||
	{ bad "make install failed"; cat "$tmp/install.log"; }
unit=$tmp/prefix/lib/systemd/system/vzhost@.service
if ! command -v systemd-analyze > /dev/null; then
	echo "SKIP: systemd-analyze not installed"
	skip=$((skip + 1))
elif [ -f "$unit" ] && cp "$unit" "$tmp/vzhost@ci.service" &&
	MANPATH="$tmp/prefix/share/man" systemd-analyze verify "$tmp/vzhost@ci.service" > "$tmp/verify" 2>&1 &&
	! [ -s "$tmp/verify" ] && grep -q "^ExecStart=$tmp/prefix/bin/vzhost -c /etc/vzhost/%i.conf$" "$unit" &&
	grep -qx "KillMode=mixed" "$unit" && grep -qx "Type=notify" "$unit"; then
	ok
else
	bad "the systemd unit does not verify:"
	sed 's/^/    /' "$tmp/verify" 2>/dev/null
fi
if sed -e "s|@PREFIX@|/usr/local|g; s|@SYSCONFDIR@|/etc|g" "$top/conf/vzhost.plist.in" |
	python3 -c 'import plistlib, sys
p = plistlib.loads(sys.stdin.buffer.read())
assert p["ProgramArguments"][1:] == ["-c", "/etc/vzhost/default.conf"], p
assert p["KeepAlive"] == {"SuccessfulExit": False} and p["ExitTimeOut"] >= 60, p'; then
	ok
else
	bad "conf/vzhost.plist.in is not the property list it should be"
fi

# 6. bash completion: subcommands, control commands as the table has them, the VMs
# `vzhost list` shows (a stand-in vzhost here)
mkdir -p "$tmp/bin"
cat > "$tmp/bin/vzhost" <<STUB
#!/bin/sh
[ "\$1" = --help ] && exec "$vzhost" --help
[ "\$1" = list ] && printf 'VM  STATE\\nbuilder running\\nrunner paused\\n\\nSLOTS: 2 in use\\n'
STUB
chmod +x "$tmp/bin/vzhost"
complete_words() { # the words completed after "vzhost ARGS..." (the last one partial)
	PATH="$tmp/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_vzhost; printf "%s\n" "${COMPREPLY[@]}"' sh "$top/conf/vzhost.bash" vzhost "$@" | sort | tr '\n' ' '
}
if [ "$(complete_words c)" = "ctl " ] &&
	[ "$(complete_words ctl "")" = "builder runner " ] &&
	[ "$(complete_words ctl builder "")" = "$(sort "$tmp/ctlcmds" | tr '\n' ' ')" ] &&
	[ "$(complete_words list --j)" = "--json " ]; then
	ok
else
	bad "bash completion: \"$(complete_words ctl "")\" for VMs, \"$(complete_words ctl builder "")\" for commands"
fi

# 7. the hook points: every name of the code's table (core/state.c) is in the lists
# README, conf/host.conf and vzhost.conf(5) give
events=$(sed -n '/event_names\[VZH_EV_COUNT\] = {/,/};/p' "$top/core/state.c" | grep -o '"[a-z-]*"' | tr -d '"')
[ "$(printf '%s\n' $events | wc -l)" -ge 13 ] || bad "found only these hook points in core/state.c: $events"
sed -n '/^go, in order and once, to plugin hooks and hook scripts. Hook points:/,/^guest reboot/p' \
	"$top/README.md" > "$tmp/hp.readme"
sed -n '/# dir = "hooks.d"/,/hooks.d\/50-print/p' "$top/conf/host.conf" > "$tmp/hp.hostconf"
printf '%s\n' "$man5" | sed -n '/each hook point (/,/standard input\./p' > "$tmp/hp.man5"
for list in readme hostconf man5; do
	missing=
	for e in $events; do
		grep -qw -- "$e" "$tmp/hp.$list" || missing="$missing $e"
	done
	if [ -s "$tmp/hp.$list" ] && [ -z "$missing" ]; then
		ok
	else
		bad "the hook points of $list lack:$missing"
	fi
done

# 8. the manual pages as rendered: quotes in pairs (also in make lint)
if sh "$here/manquotes.sh" "$top/conf/vzhost.1" "$top/conf/vzhost.conf.5" > "$tmp/quotes"; then
	ok
else
	bad "a manual page renders unbalanced quotes:"
	sed 's/^/    /' "$tmp/quotes"
fi

# 9. the directories vzhost makes in the state directory for each run (the tags of
# statedir_rundir() in the code) are the ones README and conf/host.conf name
tags=$(grep -ho 'statedir_rundir([^;]*"[a-z]*"' "$top"/core/*.c "$top"/bridge/*/*.[cm] |
	grep -o '"[a-z]*"$' | tr -d '"' | sort -u)
[ -n "$tags" ] || bad "found no run directories in the code"
for tag in $tags; do
	if grep -qF "NAME.$tag.PID" "$top/README.md" && grep -qF "NAME.$tag.PID" "$top/conf/host.conf"; then
		ok
	else
		bad "README.md or conf/host.conf does not name the run directory NAME.$tag.PID"
	fi
done
for tag in $(grep -o '"%s/%s\.[a-z]*\.%d"' "$top/core/backend.c" | sed 's/.*%s\.\([a-z]*\)\..*/\1/'); do
	if grep -qF "VM.$tag.PID" "$top/PLUGINS.md"; then ok; else bad "PLUGINS.md does not name run_dir as VM.$tag.PID"; fi
done

# 10. every path of the repository the guides name in backquotes exists (build outputs
# and the user's own paths aside); a bare source file name is one the tree has
# (a copy inside another checkout, such as make mutate-sample's, is no checkout)
if [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = "$top" ]; then
	git -C "$top" ls-files > "$tmp/files"
else
	(cd "$top" && find . -type f | sed 's|^\./||') > "$tmp/files"
fi
missing=
for doc in README.md PLUGINS.md bridge/README.md tests/guest/README.md; do
	[ -f "$top/$doc" ] || { missing="$missing $doc"; continue; }
	# (fenced blocks aside; a span may go over a line's end)
	for w in $(sed '/^```/,/^```/d' "$top/$doc" | tr '\n' ' ' | grep -o '`[^`]*`' | tr -d '`' |
		tr ' ' '\n' | sed 's/[.,;:)]*$//'); do
		case $w in
		build/* | */build/*) continue ;; # made by make
		core/* | sdk/* | plugins/* | bridge/* | conf/* | tests/* | Makefile | *.md) ;;
		*/*) continue ;; # a path of the user's, a placeholder
		*.c | *.h | *.m | *.sh)
			grep -q "\(^\|/\)$w\$" "$tmp/files" || [ "$w" = hello.c ] || missing="$missing $doc:$w"
			continue
			;;
		*) continue ;;
		esac
		# shellcheck disable=SC2086 # a glob names what it matches
		set -- "$top"/$w
		[ -e "$1" ] || missing="$missing $doc:$w"
	done
done
if [ -z "$missing" ]; then ok; else bad "paths named in backquotes that the tree does not have:$missing"; fi

# 11. README's recipe for a derived NAT MAC gives vzhost's (python3, as README runs it)
sed -n '/<!-- mac begin -->/,/<!-- mac end -->/p' "$top/README.md" | sed '/^<!--/d; /^```/d' > "$tmp/mac.py"
cat > "$tmp/macs.conf" <<CONF
vms = ( { name = "demo"; boot = { kernel = "$top/tests/fixtures/files/vmlinuz"; };
          devices = ( { kind = "serial"; }, { kind = "nat"; }, { kind = "nat"; } ); },
        { name = "build-1.x_y"; boot = { kernel = "$top/tests/fixtures/files/vmlinuz"; };
          devices = ( { kind = "nat"; }, { kind = "entropy"; }, { kind = "nic"; socket = "/s"; } ); } );
CONF
"$vzhost" -c "$tmp/macs.conf" --print | python3 -c 'import json, sys
for vm in json.load(sys.stdin)["vms"]:
    for i, d in enumerate(vm["devices"]):
        if d["class"] == "net":
            print(vm["name"], i, d["mac"])' > "$tmp/macs"
n=0 wrong=
while read -r vm pos mac; do
	n=$((n + 1))
	got=$(python3 "$tmp/mac.py" "$vm" "$pos" 2>&1)
	[ "$got" = "$mac" ] || wrong="$wrong $vm/$pos: vzhost $mac, README's recipe \"$got\";"
done < "$tmp/macs"
if [ $n = 4 ] && [ -z "$wrong" ]; then ok; else bad "README's NAT MAC recipe ($n MACs):$wrong"; fi

# 12. make mutate: README says how many mutants there are
count=$(ls "$top"/tests/mutants/*.patch | wc -l)
said=$(sed -n 's/.*`tests\/mutants` holds \([0-9][0-9]*\) mutants.*/\1/p' "$top/README.md")
if [ "$said" = "$count" ]; then ok; else bad "README says \`tests/mutants\` holds ${said:-no number of} mutants; there are $count"; fi

# 13. the Debian packages make deps installs are the ones README names, and it says
# where Zig comes from
debs=$(sed -n '/^DEB_BUILD :=/,/^DEB_ALL/p' "$top/Makefile" | grep -v '^#\|^DEB_ALL' |
	sed 's/^DEB_[A-Z]* :=//; s/\\$//')
sed -n '/^## Two commands/,/^## /p' "$top/README.md" > "$tmp/two"
missing=
for p in $debs; do grep -q "\`$p\`" "$tmp/two" || missing="$missing $p"; done
grep -q 'Zig.*npm registry\|npm registry.*Zig' "$tmp/two" || missing="$missing (where Zig comes from: the npm registry)"
if [ "$(echo $debs | wc -w)" -ge 20 ] && [ -z "$missing" ]; then ok; else bad "README's \"Two commands\" does not name:$missing"; fi

# 14. make deps (and so make test and make demo) installs what is missing and only
# that, npm included; an npm command on PATH (NodeSource's nodejs) counts
mkdir -p "$tmp/deps/bin" "$tmp/deps/sys"
cat > "$tmp/deps/bin/dpkg-query" <<'STUB'
#!/bin/sh
for p; do :; done # the package, last: installed unless $MISSING names it
case " $MISSING " in *" $p "*) exit 1 ;; esac
echo "install ok installed"
STUB
printf '#!/bin/sh\necho "$*" >> "%s/deps/apt"\n' "$tmp" > "$tmp/deps/bin/apt-get"
printf '#!/bin/sh\nexec "$@"\n' > "$tmp/deps/bin/sudo"
chmod 755 "$tmp/deps/bin"/*
for c in grep id; do ln -s "$(command -v $c)" "$tmp/deps/sys/$c"; done
deps() { # MISSING...: what apt-get was asked to install
	rm -f "$tmp/deps/apt"
	MISSING="$*" PATH="$tmp/deps/bin:$tmp/deps/sys" "$(command -v make)" -s -C "$top" deps > /dev/null 2>&1
	sed -n 's/.*install -y -qq --no-install-recommends //p' "$tmp/deps/apt" 2>/dev/null
}
a=$(deps npm nbdkit)
printf '#!/bin/sh\n' > "$tmp/deps/bin/npm" && chmod 755 "$tmp/deps/bin/npm"
b=$(deps npm nbdkit)
c=$(deps)
if [ "$a" = "npm nbdkit" ] || [ "$a" = "nbdkit npm" ] && [ "$b" = nbdkit ] && [ -z "$c" ]; then
	ok
else
	bad "make deps installs \"$a\" without npm, \"$b\" with an npm on PATH, \"$c\" when nothing is missing"
fi

# 15. the test guest's actions (vzh=WORD) and parameters (vzh.NAME=) as tests/guest/init
# knows them, each in tests/guest/README.md's tables, which PLUGINS.md points to
init=$top/tests/guest/init
actions=$(sed -n '/^case "$action" in/,/^esac/p' "$init" | grep -E '^[a-z][a-z |]*\)' | sed 's/).*//' | tr '|' ' ')
params=$(grep -o 'arg vzh\.[a-z]*' "$init" | sed 's/^arg //' | sort -u)
[ "$(echo $actions | wc -w)" -ge 15 ] && [ "$(echo $params | wc -w)" -ge 5 ] ||
	bad "found only these actions and parameters in tests/guest/init: $actions / $params"
missing=
for w in $actions $params; do
	grep -q "^| \`$w\` |" "$top/tests/guest/README.md" 2>/dev/null || missing="$missing $w"
done
grep -q 'tests/guest/README.md' "$top/PLUGINS.md" || missing="$missing (PLUGINS.md's pointer to it)"
if [ -z "$missing" ]; then ok; else bad "tests/guest/README.md does not document:$missing"; fi

# 16. make demo: the test guest boots, gets its lease and powers off, and the demo ends
# by printing what to try next; each of those commands then runs as printed (from
# the top of the tree, as a newcomer would): conf/demo-interactive.conf boots, is
# ready, pauses and resumes, says back a line typed through ctl console, and stops
# with exit 0, its hook script showing each point
if ! command -v qemu-system-x86_64 > /dev/null; then
	echo "SKIP: make demo: qemu-system-x86_64 is not installed (make deps)"
	skip=$((skip + 1))
else
	# a state directory of its own ("demo" is every demo's name); the packages are
	# make deps's test (14), the demo's own steps are this one's
	export XDG_RUNTIME_DIR="$tmp/xdg"
	mkdir -m 700 "$tmp/xdg"
	(cd "$top" && timeout -k 5 300 make --no-print-directory demo B="${B:-build}" SAN="${SAN:-}" \
		DEB_ALL= < /dev/null > "$tmp/demo.out" 2>&1)
	status=$?
	sed -n '/^The demo guest powered itself off/,$p' "$tmp/demo.out" > "$tmp/next"
	sed -n "s|^  \(${B:-build}/vzhost .*\)|\1|p" "$tmp/next" | sed 's/ *#.*//' > "$tmp/cmds"
	if [ $status = 0 ] && grep -q '^VZH-GUEST: lease ' "$tmp/demo.out" &&
		grep -q "^  ${B:-build}/vzhost -c conf/demo-interactive.conf" "$tmp/next" &&
		[ "$(wc -l < "$tmp/cmds")" -ge 7 ]; then
		ok
	else
		bad "make demo exits $status and ends with $(wc -l < "$tmp/cmds") commands to try next:"
		tail -n 25 "$tmp/demo.out" | sed 's/^/    /'
	fi
	vm=
	failed=
	while read -r cmd; do
		case $cmd in
		*" -c "*) # the interactive guest, in the background
			(cd "$top" && exec timeout -k 5 120 $cmd) < /dev/null > "$tmp/inter.out" 2>&1 &
			vm=$!
			;;
		*" console") # a line typed on its console
			(cd "$top" && printf 'hello, demo\n' | timeout -k 5 60 $cmd) > "$tmp/console.out" 2>&1 ||
				failed="$failed \"$cmd\" (exit $?)"
			;;
		*)
			(cd "$top" && timeout -k 5 60 $cmd) < /dev/null > "$tmp/cmd.out" 2>&1 ||
				failed="$failed \"$cmd\" (exit $?: $(head -n 3 "$tmp/cmd.out"))"
			;;
		esac
	done < "$tmp/cmds"
	status=none
	if [ -n "$vm" ]; then
		wait $vm
		status=$?
	fi
	hooks=$(sed -n 's/.*hook 50-print: \([a-z]*\): .*/\1/p' "$tmp/inter.out" 2>/dev/null | tr '\n' ' ')
	if [ -z "$failed" ] && [ "$status" = 0 ] && grep -q '^VZH-GUEST: got hello, demo' "$tmp/console.out" &&
		[ "$hooks" = "prepare start started ready paused resumed stopping stopped release " ]; then
		ok
	else
		bad "the demo's next commands:$failed; the interactive guest exits $status, its hooks: $hooks"
		sed 's/^/    /' "$tmp/console.out" "$tmp/inter.out" 2>/dev/null | tail -n 30
	fi
fi

echo "docs: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
