#!/bin/sh
# Security suite: an attacker (another local user, uid 65534 through setpriv) or a
# mistake around what vzhost trusts.  Each test states the attack and what vzhost
# must do: refuse with a clear message and the documented status, before anything
# starts.  VZH_TESTS="owner fifo" runs only those tests.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
vzhost=$build/vzhost
export VZHOST_PLUGIN_PATH="$build/plugins"
tmp=$(mktemp -d)
chmod 755 "$tmp" # the attacker must reach what the tests give it
SHOW="err"
. "$top/tests/integration/lib.sh"
trap 'rm -rf "$tmp"' EXIT

# a QEMU that must never run: it leaves a mark if it does
printf '#!/bin/sh\ntouch "%s/qemu-ran"\nexit 1\n' "$tmp" > "$tmp/never-run"
chmod 755 "$tmp/never-run"

# conf NAME STATE_DIR [VM SETTINGS]: a VM whose QEMU must not run
conf() {
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$2"; qemu = "$tmp/never-run"; };
vms = ( { name = "$1"; ${3:-} boot = { kernel = "$top/tests/fixtures/files/vmlinuz"; }; } );
CONF
	rm -f "$tmp/qemu-ran"
}

# refused NAME STATUS MESSAGE: vzhost exits STATUS saying MESSAGE, QEMU never ran
refused() {
	timeout -k 5 30 "$vzhost" -c "$tmp/$1.conf" > /dev/null 2> "$tmp/err"
	st=$?
	[ $st = "$2" ] && grep -qF -- "$3" "$tmp/err" && [ ! -e "$tmp/qemu-ran" ] && return 0
	echo "  exit $st (wanted $2), wanted: $3"
	return 1
}

as_attacker() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# another user created the state directory first (the old /tmp/vzhost-UID attack)
t_owner() {
	root_only "state_dir created by another user" || return
	mkdir -p "$tmp/pub" && chmod 1777 "$tmp/pub"
	as_attacker mkdir -m 0777 "$tmp/pub/vz"
	conf owner "$tmp/pub/vz"
	if refused owner 73 "state_dir $tmp/pub/vz belongs to uid 65534, not to you"; then ok
	else bad "state_dir created by another user"; fi
}

# a state directory of ours that others may write
t_mode() {
	mkdir -p "$tmp/wide" && chmod 0777 "$tmp/wide"
	conf mode "$tmp/wide"
	if refused mode 73 "state_dir $tmp/wide is writable by others (mode 0777)"; then ok
	else bad "world-writable state_dir"; fi
}

# a parent others may write without the sticky bit: they could swap ours
t_parent() {
	mkdir -p "$tmp/open" && chmod 0777 "$tmp/open"
	conf parent "$tmp/open/vz"
	if refused parent 73 "$tmp/open is writable by others and not sticky (mode 0777)"; then ok
	else bad "state_dir under a parent anyone can write"; fi
}

# a sticky shared parent (like /tmp) is fine: a new state directory is made 0700
t_sticky() {
	mkdir -p "$tmp/sticky" && chmod 1777 "$tmp/sticky"
	conf sticky "$tmp/sticky/vz"
	timeout -k 5 30 "$vzhost" -c "$tmp/sticky.conf" > /dev/null 2> "$tmp/err"
	st=$?
	# (the QEMU here exits at once: the start fails, after it ran)
	if [ $st = 1 ] && [ -e "$tmp/qemu-ran" ] && [ "$(stat -c %a "$tmp/sticky/vz")" = 700 ]; then ok
	else bad "state_dir under a sticky parent (exit $st)"; fi
}

# a FIFO where the saved state should be: refused at once, never opened blocking
t_fifo() {
	mkdir -p "$tmp/sf" && chmod 700 "$tmp/sf"
	mkfifo "$tmp/sf/fifo.state"
	conf fifo "$tmp/sf" 'on_host_stop = "save";'
	if refused fifo 1 "start abandoned: $tmp/sf/fifo.state is not a regular file: refusing it"; then ok
	else bad "a FIFO as the saved state"; fi
}

# a saved state of someone else's: not restored (it would be their guest)
t_foreign_state() {
	root_only "a saved state owned by another user" || return
	mkdir -p "$tmp/fs" && chmod 700 "$tmp/fs"
	echo "not a VM" > "$tmp/fs/foreign.state"
	chown 65534 "$tmp/fs/foreign.state"
	conf foreign "$tmp/fs" 'on_host_stop = "save";'
	if refused foreign 1 "start abandoned: $tmp/fs/foreign.state belongs to uid 65534 with mode 0644"; then ok
	else bad "a saved state owned by another user"; fi
}

# a symlink where the saved state should be: never followed
t_symlink_state() {
	mkdir -p "$tmp/ss" && chmod 700 "$tmp/ss"
	echo secret > "$tmp/secret"
	ln -s "$tmp/secret" "$tmp/ss/link.state"
	conf link "$tmp/ss" 'on_host_stop = "save";'
	if refused link 1 "start abandoned: $tmp/ss/link.state: a symlink: refusing it"; then ok
	else bad "a symlink as the saved state"; fi
}

# locks/ replaced by a symlink: lock notes are never written through it
t_locks_link() {
	mkdir -p "$tmp/ll" "$tmp/elsewhere" && chmod 700 "$tmp/ll"
	ln -s "$tmp/elsewhere" "$tmp/ll/locks"
	conf lockslink "$tmp/ll"
	if refused lockslink 73 "$tmp/ll/locks: a symlink, not a directory"; then ok
	else bad "locks/ as a symlink"; fi
}

# something that is not a socket where the control socket goes: not removed
t_not_socket() {
	mkdir -p "$tmp/ns" && chmod 700 "$tmp/ns"
	echo keep > "$tmp/ns/notsock.sock"
	conf notsock "$tmp/ns"
	if refused notsock 1 "$tmp/ns/notsock.sock exists and is not a socket: refusing to replace it" &&
		[ "$(cat "$tmp/ns/notsock.sock")" = keep ]; then ok
	else bad "a file where the control socket goes"; fi
}

# the default state directory is the user's own, never a name in /tmp
t_default() {
	out=$(env -u XDG_RUNTIME_DIR -u XDG_STATE_HOME HOME="$tmp/home" \
		"$vzhost" ctl some-vm status 2>&1)
	if [ "$(id -u)" = 0 ]; then want=/run/vzhost; else want=$tmp/home/.local/state/vzhost; fi
	want2=$tmp/home/xdg/vzhost
	out2=$(env -u XDG_RUNTIME_DIR XDG_STATE_HOME="$tmp/home/xdg" HOME="$tmp/home" \
		"$vzhost" ctl some-vm status 2>&1)
	case "$out" in *"($want/some-vm.sock"*) ;; *) bad "default state_dir: $out"; return ;; esac
	if [ "$(id -u)" = 0 ] || case "$out2" in *"($want2/some-vm.sock"*) true ;; *) false ;; esac; then ok
	else bad "default state_dir with XDG_STATE_HOME: $out2"; fi
}

# a control socket that takes the connection and never answers, and one whose
# listener never accepts: ctl and list give up in time and name the VM
t_ctl_timeout() {
	mkdir -p "$tmp/ct" && chmod 700 "$tmp/ct"
	python3 -c '
import os, signal, socket, sys, time
silent = socket.socket(socket.AF_UNIX); silent.bind(sys.argv[1] + "/silent.sock"); silent.listen(8)
full = socket.socket(socket.AF_UNIX); full.bind(sys.argv[1] + "/full.sock"); full.listen(0)
fillers = []
for i in range(4):  # fill the backlog of the one that never accepts
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try:
        c.connect(sys.argv[1] + "/full.sock"); fillers.append(c)
    except OSError:
        break
if os.fork() == 0:
    signal.alarm(30)
    conns = []
    while True:
        c, _ = silent.accept(); conns.append(c)  # and never a word
' "$tmp/ct"
	t0=$(date +%s)
	out1=$(timeout 20 "$vzhost" ctl --timeout 1 --state-dir "$tmp/ct" silent status 2>&1)
	s1=$?
	out2=$(timeout 20 "$vzhost" ctl --timeout 1 --state-dir "$tmp/ct" full status 2>&1)
	s2=$?
	out3=$(timeout 20 "$vzhost" list --timeout 1 --state-dir "$tmp/ct" 2>&1)
	s3=$?
	t1=$(date +%s)
	pkill -f "import os, signal, socket" 2>/dev/null
	if [ $s1 = 76 ] && [ $s2 = 76 ] && [ $s3 = 76 ] && [ $((t1 - t0)) -le 8 ] &&
		printf '%s' "$out1" | grep -q 'VM "silent" did not answer within 1.0 s' &&
		printf '%s' "$out2" | grep -q 'VM "full" did not take the connection within 1.0 s' &&
		printf '%s' "$out3" | grep -q 'VM "silent" did not answer within 1.0 s'
	then ok; else bad "ctl and list against sockets that never answer ($s1 $s2 $s3, $((t1 - t0)) s): $out1 / $out2 / $out3"; fi
}

# a hook that floods its output: killed at its timeout all the same, and the log
# gets its share, not the flood
t_hook_flood() {
	mkdir -p "$tmp/fl/hooks" && chmod 700 "$tmp/fl"
	printf '#!/bin/sh\nexec yes\n' > "$tmp/fl/hooks/10-flood"
	chmod 755 "$tmp/fl/hooks/10-flood"
	conf flood "$tmp/fl/state"
	printf 'hooks = { dir = "%s/fl/hooks"; timeout = 1; };\n' "$tmp" >> "$tmp/flood.conf"
	t0=$(date +%s)
	timeout -k 5 30 "$vzhost" -c "$tmp/flood.conf" > /dev/null 2> "$tmp/err"
	st=$?
	t1=$(date +%s)
	size=$(stat -c %s "$tmp/err")
	lines=$(grep -c "hook 10-flood: y$" "$tmp/err")
	# lines of 101 bytes: 64 KiB of them, 648 lines, before 1000
	printf '#!/bin/sh\nexec yes %s\n' "$(printf '%0100d' 0)" > "$tmp/fl/hooks/10-flood"
	timeout -k 5 30 "$vzhost" -c "$tmp/flood.conf" > /dev/null 2> "$tmp/err2"
	st2=$?
	wide=$(grep -c "hook 10-flood: 0\{100\}$" "$tmp/err2")
	if [ $st = 1 ] && [ $((t1 - t0)) -le 6 ] && [ "$size" -lt 300000 ] && [ "$lines" = 1000 ] &&
		grep -q "hook 10-flood: [0-9]* more bytes of output not logged" "$tmp/err" &&
		grep -q "start abandoned: hook 10-flood timed out after 1 s" "$tmp/err" &&
		[ ! -e "$tmp/qemu-ran" ] && [ $st2 = 1 ] && [ "$wide" = 648 ]
	then ok; else bad "a hook flooding its output (exit $st, $((t1 - t0)) s, $size bytes of log, $lines lines of y logged (1000 wanted); of 101 bytes: $wide lines (648 wanted), exit $st2)"; fi
}

# a hook that writes far more than a pipe holds, then ends: read while it runs,
# it ends long before its timeout, and the start goes on (the output past the
# log's share counted)
t_hook_drained() {
	mkdir -p "$tmp/dr/hooks" && chmod 700 "$tmp/dr"
	printf '#!/bin/sh
yes %s | head -c 409600
echo
' "$(printf '%0100d' 0)" > "$tmp/dr/hooks/10-much"
	chmod 755 "$tmp/dr/hooks/10-much"
	conf drained "$tmp/dr/state"
	printf 'hooks = { dir = "%s/dr/hooks"; timeout = 10; };\n' "$tmp" >> "$tmp/drained.conf"
	timeout -k 5 30 "$vzhost" -c "$tmp/drained.conf" > /dev/null 2> "$tmp/err"
	st=$?
	if [ -e "$tmp/qemu-ran" ] && ! grep -q "timed out" "$tmp/err" &&
		grep -q "hook 10-much: [0-9]* more bytes of output not logged" "$tmp/err"
	then ok; else bad "a hook writing 400 KiB and ending (exit $st): $(grep -m1 "timed out\|hook 10-much: [0-9]* more" "$tmp/err")"; fi
}

# a hook's line longer than the 1023 bytes a log line takes: logged in pieces
# of 1023, and what follows it is read and logged too
t_hook_longline() {
	mkdir -p "$tmp/ll/hooks" && chmod 700 "$tmp/ll"
	printf '#!/bin/sh
[ "$2" = prepare ] || exit 0
printf %%03000d 0
printf "\\nafter the long line\\n"
' > "$tmp/ll/hooks/10-long"
	chmod 755 "$tmp/ll/hooks/10-long"
	conf longline "$tmp/ll/state"
	printf 'hooks = { dir = "%s/ll/hooks"; timeout = 10; };\n' "$tmp" >> "$tmp/longline.conf"
	timeout -k 5 30 "$vzhost" -c "$tmp/longline.conf" > /dev/null 2> "$tmp/err"
	st=$?
	pieces=$(grep -c "hook 10-long: 0\{1023\}$" "$tmp/err")
	if [ "$pieces" = 2 ] && grep -q "hook 10-long: 0\{954\}$" "$tmp/err" &&
		grep -q "hook 10-long: after the long line$" "$tmp/err"
	then ok; else bad "a hook's 3000-byte line (exit $st, $pieces pieces of 1023): $(grep "hook 10-long" "$tmp/err" | cut -c1-80)"; fi
}

# a saved VM whose QEMU fails to start (a passing fault): the saved state is
# kept for the next try, never deleted
t_state_kept() {
	mkdir -p "$tmp/sk" && chmod 700 "$tmp/sk"
	echo "a saved VM" > "$tmp/sk/kept.state"
	chmod 600 "$tmp/sk/kept.state"
	conf kept "$tmp/sk" 'on_host_stop = "save";'
	timeout -k 5 30 "$vzhost" -c "$tmp/kept.conf" > /dev/null 2> "$tmp/err"
	st=$?
	if [ $st = 1 ] && [ "$(cat "$tmp/sk/kept.state" 2>/dev/null)" = "a saved VM" ] &&
		grep -q "state restoring -> stopped (start-failed)" "$tmp/err" &&
		grep -q "$tmp/sk/kept.state was not restored and is kept: remove it to start the VM afresh" "$tmp/err"
	then ok; else bad "a saved state when QEMU fails to start (exit $st)"; fi
}

# a QEMU that hangs before its greeting: the start fails after QMP's 10 s,
# and meanwhile vzhost answers its control socket and takes SIGTERM at once
t_qemu_mute() {
	printf '#!/bin/sh\nexec sleep 1000.%s\n' $$ > "$tmp/mute-qemu"
	chmod 755 "$tmp/mute-qemu"
	mkdir -p "$tmp/mq" && chmod 700 "$tmp/mq"
	conf mute "$tmp/mq"
	sed -i "s|$tmp/never-run|$tmp/mute-qemu|" "$tmp/mute.conf"
	t0=$(date +%s)
	timeout -k 5 40 "$vzhost" -c "$tmp/mute.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	sleep 1
	t1=$(date +%s%N)
	status=$(timeout 10 "$vzhost" ctl --timeout 2 --state-dir "$tmp/mq" mute status)
	t2=$(date +%s%N)
	reap $pid 30
	t3=$(date +%s)
	# the same, ended by SIGTERM while QEMU says nothing
	timeout -k 5 40 "$vzhost" -c "$tmp/mute.conf" > /dev/null 2> "$tmp/err2" &
	pid=$!
	sleep 1
	kill -TERM $pid
	t4=$(date +%s)
	reap $pid 20
	st2=$st
	t5=$(date +%s)
	pgrep -f "sleep 1000\.$$" > /dev/null && st2="$st2 (its QEMU lives on)"
	if [ "${status#*\"state\":\"starting\"}" != "$status" ] &&
		[ $(((t2 - t1) / 1000000)) -lt 1500 ] &&
		grep -q "state starting -> stopped (start-failed): QEMU: no greeting in time" "$tmp/err" &&
		[ $((t3 - t0)) -ge 9 ] && [ $((t3 - t0)) -le 20 ] &&
		[ "$st2" = 0 ] && [ $((t5 - t4)) -le 6 ]
	then ok; else bad "a QEMU that never greets (status: $status, start took $((t3 - t0)) s, SIGTERM: exit $st2 after $((t5 - t4)) s)"; cat "$tmp/err2"; fi
}

# prepare and start hooks that take their time: the other VMs' control is served
# meanwhile, and SIGTERM ends the run at once with the documented status, the
# hooks' processes with it, nothing of the cancelled starts left behind
t_hook_slow() {
	mkdir -p "$tmp/hs/hooks" && chmod 700 "$tmp/hs"
	cat > "$tmp/hs/hooks/10-slow" <<HOOK
#!/bin/sh
[ "\$VZHOST_VM-\$2" = slow-prepare ] && exec sleep 30.$$1
[ "\$VZHOST_VM-\$2" = slow2-start ] && exec sleep 30.$$2
exit 0
HOOK
	chmod 755 "$tmp/hs/hooks/10-slow"
	printf '#!/bin/sh\nexec sleep 1000.%s\n' $$ > "$tmp/mute-qemu"
	chmod 755 "$tmp/mute-qemu"
	kernel="boot = { kernel = \"$top/tests/fixtures/files/vmlinuz\"; };"
	cat > "$tmp/slow.conf" <<CONF
host = { state_dir = "$tmp/hs/state"; qemu = "$tmp/mute-qemu"; };
hooks = { dir = "$tmp/hs/hooks"; timeout = 60; };
vms = ( { name = "slow"; $kernel },
	{ name = "fast"; $kernel },
	{ name = "slow2"; $kernel
	  devices = ( { kind = "disk"; path = "$tmp/hs/d.img"; size = "1M"; } ); } );
CONF
	timeout -k 5 40 "$vzhost" -c "$tmp/slow.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	n=0 # both hooks sleeping
	while [ $(pgrep -fc "sleep 30\.$$[12]") -lt 2 ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	t1=$(date +%s%N)
	fast=$(timeout 10 "$vzhost" ctl --timeout 2 --state-dir "$tmp/hs/state" fast status)
	slow=$(timeout 10 "$vzhost" ctl --timeout 2 --state-dir "$tmp/hs/state" slow status)
	t2=$(date +%s%N)
	[ $(pgrep -fc "sleep 30\.$$[12]") = 2 ]; hooks_ran=$?
	kill -TERM $pid
	t3=$(date +%s)
	reap $pid 20
	t4=$(date +%s)
	left=$(pgrep -f "sleep (30\.$$[12]|1000\.$$)")
	if [ $hooks_ran = 0 ] && [ $st = 0 ] && [ $((t4 - t3)) -le 2 ] &&
		[ $(((t2 - t1) / 1000000)) -lt 2000 ] &&
		[ "${fast#*\"state\":\"starting\"}" != "$fast" ] &&
		[ "${slow#*\"state\":\"stopped\"}" != "$slow" ] &&
		grep -q "\[slow\] .*start cancelled during the prepare hooks" "$tmp/err" &&
		grep -q "\[slow2\] .*start cancelled during the start hooks" "$tmp/err" &&
		! grep -q "\[slow2\] .*-> starting" "$tmp/err" && [ -z "$left" ] &&
		[ -z "$(ls -d "$tmp/hs/state/"*.run.* 2>/dev/null)" ]
	then ok; else
		bad "slow prepare and start hooks (hooks ran: $hooks_ran, exit $st after $((t4 - t3)) s, ctl took $(((t2 - t1) / 1000000)) ms: $fast / $slow, left: $left)"
		cat "$tmp/err"
	fi
}

# a virtiofsd that ignores SIGTERM: killed after its grace, never waited for
t_helper_term() {
	mkdir -p "$tmp/ht/share" && chmod 700 "$tmp/ht"
	printf '#!/bin/sh\ntrap "" TERM\nexec sleep 1000.%s3\n' $$ > "$tmp/stubborn-fsd"
	chmod 755 "$tmp/stubborn-fsd"
	conf helper "$tmp/ht/state" "devices = ( { kind = \"share\"; tag = \"w\"; path = \"$tmp/ht/share\"; } );"
	sed -i "s|qemu = |virtiofsd = \"$tmp/stubborn-fsd\"; qemu = |" "$tmp/helper.conf"
	t0=$(date +%s)
	timeout -k 5 30 "$vzhost" -c "$tmp/helper.conf" > /dev/null 2> "$tmp/err"
	st=$?
	t1=$(date +%s)
	left=$(pgrep -f "sleep 1000\.$$3")
	if [ $st = 1 ] && [ -e "$tmp/qemu-ran" ] && [ $((t1 - t0)) -le 6 ] && [ -z "$left" ] &&
		grep -q "state starting -> stopped (start-failed)" "$tmp/err"
	then ok; else bad "a virtiofsd that ignores SIGTERM (exit $st after $((t1 - t0)) s, left: $left)"; cat "$tmp/err"; fi
}

# ledger_conf NAME MAX [HOST SETTINGS] [VM SETTINGS]: a VM whose QEMU must not run,
# admitted through the shared ledger $tmp/ledger (sticky, anyone may write it); its
# state directory is the victim's (uid 65533), who runs it with as_victim
ledger_conf() {
	conf "$1" "$tmp/st-$1" "${4:-}"
	sed -i "s|qemu = |slots_dir = \"$tmp/ledger\"; max_vms = $2; ${3:-} qemu = |" "$tmp/$1.conf"
	mkdir -p -m 700 "$tmp/st-$1" && chown 65533:65533 "$tmp/st-$1"
}
fresh_ledger() {
	rm -rf "$tmp/ledger" && mkdir -m 1777 "$tmp/ledger"
}
# (commands, not functions: run in the background, their pid is the program's)
as_victim="setpriv --reuid=65533 --regid=65533 --clear-groups"
as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"

# the attacker's program in the background says in $tmp/held that it holds what it
# took (removed first by the caller: the redirection empties it only once the
# background process runs, a stale one would be believed)
wait_held() {
	attacker=$!
	n=0
	while [ ! -s "$tmp/held" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}

# victim NAME: uid 65533 runs vzhost; st its status, ms how long it took,
# admitted yes when its VM got as far as starting (admission comes first)
victim() {
	t0=$(date +%s%N)
	$as_victim timeout -k 5 30 "$vzhost" -c "$tmp/$1.conf" > /dev/null 2> "$tmp/err"
	st=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	admitted=no
	grep -q "\[$1\] notice: state stopped -> starting" "$tmp/err" && admitted=yes
}

# hold NAME MAX: the victim's vzhost holding a live record in the shared ledger (its
# prepare hook sleeps: admission comes first); pid in $holder, record in $rec
hold() {
	mkdir -p "$tmp/hold-hooks"
	printf '#!/bin/sh\n[ "$2" = prepare ] && exec sleep 30.%s\nexit 0\n' $$ > "$tmp/hold-hooks/10-hold"
	chmod 755 "$tmp/hold-hooks/10-hold"
	ledger_conf "$1" "$2"
	printf 'hooks = { dir = "%s/hold-hooks"; timeout = 60; };\n' "$tmp" >> "$tmp/$1.conf"
	$as_victim "$vzhost" -c "$tmp/$1.conf" > /dev/null 2> "$tmp/err-$1" &
	holder=$!
	n=0 rec=
	while { [ -z "$rec" ] || ! pgrep -f "sleep 30\.$$" > /dev/null; } && [ $n -lt 100 ]; do
		sleep 0.1
		rec=$(ls "$tmp/ledger" | grep "^$1\..*\.slot\$")
		n=$((n + 1))
	done
	[ -n "$rec" ]
}
unhold() {
	kill -TERM $holder 2>/dev/null
	reap $holder 20
	pkill -f "sleep 30\.$$" 2>/dev/null
}

# attacker_locks SECONDS FILE...: uid 65534 opens each FILE read-only (all a 0644
# file of the victim's allows it) and takes an exclusive flock and a POSIX read lock
# on it, each when it can; says what it holds, then holds it SECONDS
attacker_locks() {
	_s=$1
	shift
	rm -f "$tmp/held"
	$as_other /usr/bin/python3 -c '
import fcntl, os, sys, time
held = []
for p in sys.argv[2:]:
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
    for what, how in (("flock", fcntl.LOCK_EX), ("read-lock", None)):
        try:
            if how: fcntl.flock(fd, how | fcntl.LOCK_NB)
            else: fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            held.append(what + ":" + os.path.basename(p))
        except OSError:
            pass
print(" ".join(held), flush=True)
time.sleep(float(sys.argv[1]))
' "$_s" "$@" > "$tmp/held" &
	wait_held
}
unattack() {
	kill $attacker 2>/dev/null
	wait $attacker 2>/dev/null
}

# a slot ledger shared by several users: refused when others may write it without
# the sticky bit; once sticky, another user's live VM counts against max_vms (its
# record write-locked by its owner), and once its owner is gone it no longer does
t_shared_ledger() {
	root_only "a slot ledger shared with another user" || return
	mkdir -p "$tmp/ledger" "$tmp/sl" && chmod 0777 "$tmp/ledger" && chmod 700 "$tmp/sl"
	conf shared "$tmp/sl/state" 'on_poweroff = "stop";'
	sed -i "s|qemu = |slots_dir = \"$tmp/ledger\"; max_vms = 1; qemu = |" "$tmp/shared.conf"
	refused shared 73 "host.slots_dir $tmp/ledger: $tmp/ledger is writable by others and not sticky"
	open=$?
	chmod 1777 "$tmp/ledger"
	rm -f "$tmp/held"
	$as_other /usr/bin/python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
os.write(fd, b"A{\"vm\":\"theirs\",\"pid\":4242,\"guest\":\"linux\",\"config\":\"/c\",\"since\":0}")
fcntl.lockf(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(20)
' "$tmp/ledger/theirs.f00d.slot" > "$tmp/held" &
	wait_held
	refused shared 75 "no slot for this VM: host.max_vms = 1 and 1 VM runs: theirs (vzhost pid 4242, /c, since"
	held=$?
	unattack
	timeout -k 5 30 "$vzhost" -c "$tmp/shared.conf" > /dev/null 2> "$tmp/err"
	st=$?
	if [ $open = 0 ] && [ $held = 0 ] && [ $st = 1 ] && [ -e "$tmp/qemu-ran" ] &&
		grep -q "removed the stale record theirs.f00d.slot" "$tmp/err"
	then ok; else bad "a shared slot ledger (open dir refused: $open, another user's VM counted: $held, then exit $st)"; fi
}

# another user holds an exclusive flock on the ledger's .lock (an older vzhost's) and
# on the victim's live record, opened read-only: the victim's next start is admitted
# at once, and its live VM still counts
t_ledger_flock() {
	root_only "another user locking the slot ledger" || return
	fresh_ledger
	install -m 0644 /dev/null "$tmp/ledger/.lock"
	hold lf-hold 2 || { bad "ledger flock: no live record of the victim's"; unhold; return; }
	attacker_locks 30 "$tmp/ledger/.lock" "$tmp/ledger/$rec"
	ledger_conf lf 2
	victim lf
	st_lf=$st ms_lf=$ms in_lf=$admitted
	ledger_conf lf1 1
	victim lf1
	counted=no
	grep -q "no slot for this VM: host.max_vms = 1 and 1 VM runs: lf-hold (vzhost pid $holder" "$tmp/err" &&
		[ $st = 75 ] && counted=yes
	unattack
	unhold
	if [ $st_lf = 1 ] && [ $in_lf = yes ] && [ $ms_lf -lt 1000 ] && [ $counted = yes ] &&
		grep -q "flock:.lock" "$tmp/held"
	then ok; else bad "another user's flock on the ledger (holds: $(cat "$tmp/held"); exit $st_lf after $ms_lf ms, admitted: $in_lf; the live VM counted: $counted)"; fi
}

# a FIFO planted as .lock in a fresh shared ledger: admitted all the same
t_ledger_fifo() {
	root_only "another user's FIFO in the slot ledger" || return
	fresh_ledger
	as_attacker mkfifo "$tmp/ledger/.lock"
	ledger_conf lfifo 1
	victim lfifo
	if [ $st = 1 ] && [ $admitted = yes ] && [ $ms -lt 1000 ]
	then ok; else bad "a FIFO as the ledger's .lock (exit $st after $ms ms, admitted: $admitted)"; fi
}

# another user plants FIFOs and files under every name vzhost could predict (the
# temporary .new.PID and VM.PID.slot for the pids about to come, the notes'
# temporaries): admitted all the same, nothing of theirs counted
t_ledger_planted() {
	root_only "names planted in the slot ledger" || return
	fresh_ledger
	last=$(cat /proc/sys/kernel/ns_last_pid)
	as_attacker /usr/bin/python3 -c '
import os, sys
d, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def plant(name, fifo):
    p = os.path.join(d, name)
    if fifo: os.mkfifo(p)
    else: open(p, "w").write("A{\"vm\":\"planted\",\"pid\":1,\"guest\":\"linux\",\"config\":\"/p\",\"since\":0}")
for pid in range(first, first + n):
    plant(".new.%d" % pid, pid % 2)
    plant("lplant.%d.slot" % pid, pid % 2 == 0)
for uid in (0, 65533, 65534):
    for note in ("leaked", "limit"):
        plant(".%s.%d.new" % (note, uid), True)
' "$tmp/ledger" $((last + 1)) 2000
	ledger_conf lplant 1
	t0=$(date +%s%N)
	# (not through timeout: the pid is vzhost's own)
	$as_victim "$vzhost" -c "$tmp/lplant.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	reap $pid 30
	ms=$((($(date +%s%N) - t0) / 1000000))
	planted=no
	[ -e "$tmp/ledger/.new.$pid" ] && planted=yes
	if [ $st = 1 ] && grep -q "\[lplant\] notice: state stopped -> starting" "$tmp/err" && [ $ms -lt 1000 ]
	then ok; else bad "names planted in the ledger (exit $st after $ms ms; .new.$pid planted: $planted)"; fi
}

# a stale record of the victim's (its vzhost SIGKILLed) that another user holds an
# exclusive flock and a read lock on: still stale, removed, not counted
t_ledger_stale_lock() {
	root_only "another user locking a stale record" || return
	fresh_ledger
	hold ls-hold 1 || { bad "stale lock: no record of the victim's"; unhold; return; }
	kill -KILL $holder
	wait $holder 2>/dev/null
	pkill -f "sleep 30\.$$" 2>/dev/null
	attacker_locks 30 "$tmp/ledger/$rec"
	ledger_conf ls 1
	victim ls
	unattack
	if [ $st = 1 ] && [ $admitted = yes ] && grep -q "removed the stale record $rec" "$tmp/err" &&
		grep -q "flock:$rec" "$tmp/held"
	then ok; else bad "another user's locks on a stale record (holds: $(cat "$tmp/held"); exit $st after $ms ms)"; fi
}

# another user's flock on the victim's live record, and a read lock when one can be
# had (none while the owner holds its write lock): it stays the victim's and counted
# (the next start is refused naming it), and its VM ends as ever
t_ledger_read_lock() {
	root_only "another user locking a live record" || return
	fresh_ledger
	hold lr-hold 1 || { bad "read lock: no live record of the victim's"; unhold; return; }
	attacker_locks 30 "$tmp/ledger/$rec"
	ledger_conf lr 1
	victim lr
	counted=no
	grep -q "no slot for this VM: host.max_vms = 1 and 1 VM runs: lr-hold (vzhost pid $holder" "$tmp/err" &&
		[ $st = 75 ] && counted=yes
	there=no
	[ -f "$tmp/ledger/$rec" ] && [ "$(stat -c %u "$tmp/ledger/$rec")" = 65533 ] && there=yes
	unattack
	unhold
	if [ $counted = yes ] && [ $there = yes ] && [ $st = 0 ] && grep -q "flock:$rec" "$tmp/held" &&
		[ ! -e "$tmp/ledger/$rec" ]
	then ok; else bad "another user's locks on a live record (holds: $(cat "$tmp/held"); counted: $counted, still the victim's: $there, its vzhost: exit $st)"; fi
}

# another user's start that never finishes (a pending record it keeps write-locked
# and rewrites so that it never looks old): it holds a slot like a running VM, so
# the victim is refused naming it after 2 s, not kept looking until it gives up
t_ledger_pending() {
	root_only "another user's start that never ends" || return
	fresh_ledger
	rm -f "$tmp/held"
	$as_other /usr/bin/python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX)
end = time.time() + 20
while time.time() < end:
    t = b"P{\"vm\":\"stuck\",\"pid\":77,\"guest\":\"linux\",\"config\":\"/s\",\"since\":%d}" % int(time.time() * 1000)
    os.pwrite(fd, t, 0)  # as long as before: never seen cut short
    print("held", flush=True)
    time.sleep(0.01)
' "$tmp/ledger/stuck.d00d.slot" > "$tmp/held" &
	wait_held
	ledger_conf lpend 1
	victim lpend
	unattack
	if [ $st = 75 ] && [ $ms -ge 2000 ] && [ $ms -lt 4000 ] &&
		grep -q "no slot for this VM: host.max_vms = 1 and 1 VM runs: stuck (vzhost pid 77, /s, since [0-9:]*, starting)" "$tmp/err"
	then ok; else bad "another user's start that never ends (exit $st after $ms ms)"; fi
}

# another user's thousands of live records (each write-locked by its owner): at most
# PER_USER_MAX (256) of one user's are read in a look, each file once (by identity, not
# a list scanned per record: 95000 records once stalled admission for 16 s), and said
# once; the victim's start is admitted and counts 256 of theirs
t_ledger_many() {
	root_only "another user's thousands of records" || return
	fresh_ledger
	rm -f "$tmp/held"
	$as_other /usr/bin/python3 -c '
import fcntl, os, resource, sys, time
n = int(sys.argv[2])
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
fds = []
for i in range(n):
    fd = os.open("%s/many.%016x.slot" % (sys.argv[1], i), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, b"A{\"vm\":\"many\",\"pid\":88,\"guest\":\"linux\",\"config\":\"/m\",\"since\":0}")
    fcntl.lockf(fd, fcntl.LOCK_EX)
    fds.append(fd)
print("held", flush=True)
time.sleep(60)
' "$tmp/ledger" 3000 > "$tmp/held" &
	wait_held
	ledger_conf lmany 0
	victim lmany
	$as_victim "$vzhost" list --json -c "$tmp/lmany.conf" > "$tmp/list" 2> /dev/null
	used=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["slots"]["used"])' "$tmp/list" 2> /dev/null)
	unattack
	if [ "$admitted" = yes ] && [ "$(grep -c "slot ledger: a user has more than 256 records there" "$tmp/err")" = 1 ] &&
		[ "${used:-0}" = 256 ]
	then ok; else bad "another user's 3000 records (admitted $admitted after $ms ms, exit $st, $used counted by list)"; fi
}

# a shared object that is no vzhost plugin (or one for another ABI) in a plugin
# directory only root or we may write: refused from its own symbol table, before
# dlopen; its constructor (it creates $VZH_TEST_MARKER) never runs inside vzhost
t_plugin_ctor() {
	mkdir -p "$tmp/pl" && chmod 755 "$tmp/pl"
	cp "$build/fixtures/ctornodesc.so" "$build/fixtures/ctorabi.so" "$tmp/pl/"
	cat > "$tmp/ctor.conf" <<CONF
plugins = { dirs = [ "$tmp/pl" ]; load = [ "virtio", "ctornodesc" ]; };
vms = ( { name = "c"; boot = { kernel = "$top/tests/fixtures/files/vmlinuz"; }; } );
CONF
	rm -f "$tmp/ctor-ran"
	VZH_TEST_MARKER="$tmp/ctor-ran" timeout -k 5 30 "$vzhost" -c "$tmp/ctor.conf" --check \
		> /dev/null 2> "$tmp/err"
	st=$?
	# every plugin of the directory, as `vzhost plugins` loads them without a config
	VZH_TEST_MARKER="$tmp/ctor-ran" VZHOST_PLUGIN_PATH="$tmp/pl" timeout -k 5 30 \
		"$vzhost" plugins > /dev/null 2>> "$tmp/err"
	st2=$?
	if [ $st = 78 ] && [ $st2 = 78 ] && [ ! -e "$tmp/ctor-ran" ] &&
		grep -qF "plugins.load[1]: plugin \"ctornodesc\": $tmp/pl/ctornodesc.so is not a vzhost plugin (no vzh_plugin_descriptor symbol)" "$tmp/err" &&
		grep -qF 'plugin "ctorabi": built for ABI 2.0, this vzhost has ABI 1.4: rebuild it for ABI 1' "$tmp/err"
	then ok
	else bad "a shared object's constructor ran before it was refused (exit $st and $st2$([ -e "$tmp/ctor-ran" ] && echo ', the marker exists'))"; fi
}

run_tests owner mode parent sticky fifo foreign_state symlink_state locks_link not_socket default \
	ctl_timeout hook_flood hook_drained hook_longline state_kept qemu_mute hook_slow helper_term shared_ledger ledger_flock ledger_fifo \
	ledger_planted ledger_stale_lock ledger_read_lock ledger_pending ledger_many plugin_ctor
summary security
