#!/bin/sh
# Integration tests through the command line: real QEMU (TCG here) booting the test guest.
# Each first asserts that the guest itself got where the test is about (its own
# "VZH-GUEST:" markers on the console), then what a user sees of vzhost: the state
# sequence and reasons in the log, files, and the exit status.
# VZH_TESTS="poweroff crash" runs only those tests.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
vzhost=$build/vzhost
guest=${VZH_GUEST:-$top/build/guest}
export VZHOST_PLUGIN_PATH="$build/plugins"
tmp=$(mktemp -d)
SHOW="out err"
. "$top/tests/integration/lib.sh"
cleanup() {
	pkill -KILL -f "guest=it-$$-" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# conf NAME ACTION [DEVICES] [HOST] [VM]: a config booting the test guest with vzh=ACTION
conf() {
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$tmp/state"; ${4:-} };
vms = ( { name = "it-$$-$1"; memory = "256M"; ${5:-}
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=$2"; };
  devices = ( { kind = "serial"; } ${3:-} ); } );
CONF
}

# run NAME: vzhost in the foreground (bounded), console in out, log in err, status in st
run() {
	timeout -k 5 40 "$vzhost" -c "$tmp/$1.conf" > "$tmp/out" 2> "$tmp/err"
	st=$?
}

# background NAME: vzhost in the background; its pid in pid
background() {
	# (gone first: the shell's child may open them after we first look)
	rm -f "$tmp/out" "$tmp/err"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/$1.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
}

# booted NAME WHAT: vzhost in the background (pid), its guest counting; else WHAT failed
booted() {
	background "$1"
	wait_count "$tmp/out" 2 30 $pid && return 0
	kill -KILL $pid
	bad "$2: the guest never counted to 2"
	return 1
}

# guest PATTERN: the guest printed this marker (console lines end in CR LF)
guest() {
	tr -d '\r' < "$tmp/out" | grep -q -- "^VZH-GUEST: $1" && return 0
	echo "  the guest never printed \"VZH-GUEST: $1\""
	return 1
}

# states NAME "from -> to (reason)"...: the log shows these transitions, in order
states() {
	name=$1
	shift
	grep -o "\[it-$$-$name\] [a-z]*: state .*" "$tmp/err" | sed 's/^[^:]*: state //; s/: .*//' > "$tmp/seen"
	printf '%s\n' "$@" > "$tmp/want"
	cmp -s "$tmp/seen" "$tmp/want" || {
		echo "  states seen:"; sed 's/^/    /' "$tmp/seen"
		echo "  states wanted:"; sed 's/^/    /' "$tmp/want"
		return 1
	}
}

START="stopped -> starting (host-request)"
RUNNING="starting -> running (host-request)"

# the guest powers itself off; its console reaches our stdout
t_poweroff() {
	conf poweroff poweroff
	run poweroff
	if guest "booted action=poweroff" && guest "powering off" &&
		grep -q "reboot: Power down" "$tmp/out" && [ $st = 0 ] &&
		states poweroff "$START" "$RUNNING" "running -> stopped (guest-shutdown)"; then
		ok
	else
		bad "guest power-off (exit $st)"
	fi
}

# a disk marker written in one boot is read back in the next; the image is created
t_disk() {
	mark=m$$x$(date +%s)
	conf write "write vzh.mark=$mark" ", { kind = \"disk\"; path = \"$tmp/disk.img\"; size = \"16M\"; }"
	conf read read ", { kind = \"disk\"; path = \"$tmp/disk.img\"; }"
	run write
	st1=$st
	wrote=0
	guest "wrote $mark" && wrote=1
	size=$(stat -c %s "$tmp/disk.img" 2>/dev/null)
	blocks=$(stat -c %b "$tmp/disk.img" 2>/dev/null)
	run read
	if [ $wrote = 1 ] && guest "read VZH-MARK $mark" && [ $st1 = 0 ] && [ $st = 0 ] &&
		[ "$size" = 16777216 ] && [ "${blocks:-99999}" -lt 1024 ]; then
		ok
	else
		bad "disk marker persists (exits $st1 $st, image size $size, $blocks blocks)"
	fi
}

# sync = "full" turns the disk's volatile write cache off (every write is stable);
# the default ("fsync") keeps it on and honours the guest's flushes
t_writecache() {
	conf cache cache ", { kind = \"disk\"; path = \"$tmp/c1.img\"; size = \"1M\"; },
		{ kind = \"disk\"; path = \"$tmp/c2.img\"; size = \"1M\"; sync = \"full\"; }"
	run cache
	if guest "write_cache vda write back" && guest "write_cache vdb write through" && [ $st = 0 ]; then
		ok
	else
		bad "disk write cache from sync (exit $st)"
	fi
}

# a read-only disk is read-only to the guest: its write is refused, the image unchanged
t_rodisk() {
	cp "$top/tests/fixtures/files/base.img" "$tmp/ro.img"
	before=$(cksum < "$tmp/ro.img")
	conf ro rowrite ", { kind = \"disk\"; path = \"$tmp/ro.img\"; read_only = true; }"
	run ro
	if guest "ro 1" && guest "write refused" && [ $st = 0 ] &&
		[ "$(cksum < "$tmp/ro.img")" = "$before" ]; then
		ok
	else
		bad "read-only disk (exit $st)"
	fi
}

# the NAT device gives the guest a 10.0.2.x lease
t_nat() {
	conf dhcp dhcp ", { kind = \"nat\"; }"
	run dhcp
	if guest "lease 10\.0\.2\.[0-9][0-9]*$" && [ $st = 0 ]; then
		ok
	else
		bad "NAT lease (exit $st)"
	fi
}

# two VMs from one file: both consoles, each line prefixed with its VM's name
t_two() {
	cat > "$tmp/two.conf" <<CONF
host = { state_dir = "$tmp/state"; };
vms = (
 { name = "it-$$-a"; memory = "256M"; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=poweroff"; }; devices = ( { kind = "serial"; } ); },
 { name = "it-$$-b"; memory = "256M"; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=poweroff"; }; devices = ( { kind = "serial"; } ); } );
CONF
	run two
	if grep -q "^\[it-$$-a\] VZH-GUEST: powering off" "$tmp/out" &&
		grep -q "^\[it-$$-b\] VZH-GUEST: powering off" "$tmp/out" && [ $st = 0 ] &&
		states a "$START" "$RUNNING" "running -> stopped (guest-shutdown)" &&
		states b "$START" "$RUNNING" "running -> stopped (guest-shutdown)"; then
		ok
	else
		bad "two VMs (exit $st)"
	fi
}

# QEMUs given up on while vzhost runs on are reaped at once, no zombie of vzhost's
# left: one whose guest powers off, and one that never greets (QMP silent: its start
# fails at the QMP timeout), while a third VM runs on
t_reaped() {
	cat > "$tmp/mute-qemu" <<SH
#!/bin/sh
case "\$*" in *guest=it-$$-mute,*) exec sleep 300 ;; esac
exec qemu-system-x86_64 "\$@"
SH
	chmod 755 "$tmp/mute-qemu"
	cat > "$tmp/reaped.conf" <<CONF
host = { state_dir = "$tmp/state"; qemu = "$tmp/mute-qemu"; };
vms = (
 { name = "it-$$-off"; memory = "256M"; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=poweroff"; }; devices = ( { kind = "serial"; } ); },
 { name = "it-$$-mute"; memory = "256M"; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=poweroff"; }; devices = ( { kind = "serial"; } ); },
 { name = "it-$$-on"; memory = "256M"; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=acpi"; }; devices = ( { kind = "serial"; } ); } );
CONF
	background reaped
	zombies=unknown
	if wait_for "$tmp/err" "it-$$-off\] notice: state running -> stopped" 60 "" $pid &&
		wait_for "$tmp/err" "it-$$-mute\] .*starting -> stopped (start-failed)" 60 "" $pid; then
		sleep 1
		zombies=$(ps -o pid=,stat=,args= --ppid $pid | awk '$2 ~ /^Z/' | wc -l)
	fi
	kill -TERM $pid
	reap $pid 30
	if [ "$zombies" = 0 ] && [ $st = 1 ] &&
		grep -q "^\[it-$$-off\] VZH-GUEST: powering off" "$tmp/out" &&
		grep -q "^\[it-$$-on\] VZH-GUEST: power button" "$tmp/out"; then
		ok
	else
		bad "QEMUs left unreaped while another VM runs ($zombies zombies, exit $st)"
	fi
}

# SIGTERM to vzhost asks the guest, which ignores the button: forced at stop_timeout
t_sigterm() {
	conf sigterm ignore "" "" "stop_timeout = 1;"
	booted sigterm "SIGTERM stop chain" || return
	kill -TERM $pid
	reap $pid 20
	if [ $st = 0 ] && ! pgrep -f "guest=it-$$-sigterm" >/dev/null &&
		states sigterm "$START" "$RUNNING" \
			"running -> stopping (host-request)" "stopping -> stopping (host-kill)" \
			"stopping -> stopped (host-kill)"; then
		ok
	else
		bad "SIGTERM stop chain (exit $st)"
	fi
}

# stop_timeout = 0: a stop request forces at once, without asking the guest
# under systemd (Type=notify): READY=1 once the VM runs, STOPPING=1 and time for
# the stop chain (stop_timeout 7 + 30 s) on SIGTERM
t_notify() {
	python3 "$top/tests/integration/listen.py" --text "$tmp/notify.sock" "$tmp/notify.log" &
	npid=$!
	wait_for "$tmp/notify.log" listening 10
	conf notify acpi "" "" "stop_timeout = 7;"
	rm -f "$tmp/out" "$tmp/err"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	NOTIFY_SOCKET="$tmp/notify.sock" "$vzhost" -c "$tmp/notify.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	ready=0
	wait_count "$tmp/out" 2 30 $pid && grep -q "^READY=1 STATUS=1 of 1 VMs running$" "$tmp/notify.log" && ready=1
	kill -TERM $pid
	reap $pid 30
	kill $npid 2>/dev/null
	if [ $ready = 1 ] && [ $st = 0 ] &&
		grep -q "^STOPPING=1 EXTEND_TIMEOUT_USEC=37000000$" "$tmp/notify.log" &&
		grep -q "^STATUS=0 of 1 VMs running$" "$tmp/notify.log"; then
		ok
	else
		bad "notify: systemd was not told (exit $st):"
		sed 's/^/    /' "$tmp/notify.log"
	fi
}

# the console's input: vzhost's standard input reaches the guest byte for byte from a
# pipe, however early it comes: it waits for the guest's first console output (a UART
# drops what comes before the guest opens it: a line piped in at once, or 4 s in on a busy
# machine, lost its first bytes), or for the VM's ready check (input_after = "ready");
# and its end does not stop the VM
t_stdin() {
	conf stdin echo
	printf 'typed-in-a-pipe\n' |
		timeout -k 5 40 "$vzhost" -c "$tmp/stdin.conf" > "$tmp/out" 2> "$tmp/err"
	st=$?
	if guest "got typed-in-a-pipe" && [ $st = 0 ]; then ok; else bad "stdin: the guest did not read the piped line (exit $st)"; fi
	conf stdin_ready echo "" "" 'ready = { console = "^VZH-GUEST: booted"; }; input_after = "ready";'
	printf 'typed-when-ready\n' |
		timeout -k 5 40 "$vzhost" -c "$tmp/stdin_ready.conf" > "$tmp/out" 2> "$tmp/err"
	st=$?
	if guest "got typed-when-ready" && [ $st = 0 ]; then ok; else bad "stdin: input_after = ready: the guest did not read the line (exit $st)"; fi
	# a check that never passes: what is typed never reaches the guest
	conf stdin_never echo "" "" 'ready = { console = "never-said"; }; input_after = "ready"; stop_timeout = 1;'
	rm -f "$tmp/out" "$tmp/err"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	printf 'typed-too-soon\n' | "$vzhost" -c "$tmp/stdin_never.conf" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	wait_for "$tmp/out" "VZH-GUEST: booted" 30 "" $pid
	sleep 3
	kill -TERM $pid
	reap $pid 30
	if guest "booted" && ! grep -q "VZH-GUEST: got" "$tmp/out" && [ $st = 0 ]; then ok; else bad "stdin: input_after = ready typed before the VM was ready (exit $st)"; fi
	conf stdin_eof acpi
	rm -f "$tmp/out" "$tmp/err"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/stdin_eof.conf" < /dev/null > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	wait_count "$tmp/out" 3 30 $pid
	kill -TERM $pid
	reap $pid 30
	if guest "count 3" && guest "power button" && [ $st = 0 ]; then ok; else bad "stdin: its end stopped the VM (exit $st)"; fi
}

# on_terminal NAME ACTION [--sigterm|--background] LOG WAIT KEYS...: vzhost for a
# guest doing ACTION on a pseudo-terminal (onterminal.py); its exit status in st,
# the terminal's verdict ("termios restored") in err
on_terminal() {
	conf "$1" "$2"
	_n=$1
	shift 2
	python3 "$top/tests/integration/onterminal.py" "$@" -- "$vzhost" -c "$tmp/$_n.conf" > "$tmp/err" 2>&1
	st=$?
}

# on a terminal: raw, typed lines reach the guest, Ctrl-] q stops every VM, and the
# terminal is given back as it was
t_terminal() {
	on_terminal terminal echo "$tmp/out" "booted action=echo" 'hello-from-a-terminal\r'
	if guest "got hello-from-a-terminal" && [ $st = 0 ] && grep -qx "termios restored" "$tmp/err"; then
		ok
	else
		bad "terminal: a typed line did not reach the guest, or the terminal stayed raw (exit $st)"
	fi
	on_terminal escape acpi "$tmp/out" "count 3" '\x1dq'
	if guest "power button" && [ $st = 0 ] && grep -qx "termios restored" "$tmp/err" &&
		grep -q "console: stopping every VM" "$tmp/out"; then
		ok
	else
		bad "terminal: Ctrl-] q did not stop the VM cleanly (exit $st)"
	fi
	# SIGTERM while the terminal is raw: the VM stops, the terminal is given back
	on_terminal sigterm_raw acpi --sigterm "$tmp/out" "count 3" -
	if guest "power button" && [ $st = 0 ] && grep -qx "termios restored" "$tmp/err" &&
		grep -q "console: typing goes to the guest" "$tmp/out" &&
		grep -q "Terminated: stopping every VM" "$tmp/out"; then
		ok
	else
		bad "terminal: SIGTERM in raw mode did not give the terminal back (exit $st)"
	fi
	# `vzhost ... &` from a shell: the terminal is not its to read (else
	# SIGTTIN/SIGTTOU would stop it); it runs, and stops on SIGTERM
	on_terminal background acpi --background "$tmp/out" "count 3" -
	if guest "power button" && [ $st = 0 ] && grep -qx "termios restored" "$tmp/err"; then
		ok
	else
		bad "terminal: vzhost in the background of a terminal did not run on (exit $st)"
	fi
}

# ctl console: a VM started in the background (no terminal, input at its end)
# is attached to: the scrollback, a line typed and the guest's reply, one writer
# at a time; detaching leaves the VM running
t_console() {
	conf console repl
	background console
	vm=it-$$-console
	if ! wait_for "$tmp/out" "VZH-GUEST: booted action=repl" 30 "" $pid; then
		kill -KILL $pid
		bad "console: the guest never booted"
		return
	fi
	(sleep 1; printf 'typed-through-ctl\n') |
		timeout 20 "$vzhost" ctl $vm console --state-dir "$tmp/state" > "$tmp/c1" 2> "$tmp/c1.err"
	st1=$?
	"$vzhost" ctl $vm state --state-dir "$tmp/state" > "$tmp/state.out"
	st2=$?
	# a writer holds the console; a second one is told who, and is not heard
	(printf 'first-writer\n'; sleep 6) |
		timeout 20 "$vzhost" ctl $vm console --state-dir "$tmp/state" > "$tmp/c2" 2>&1 &
	w1=$!
	wait_for "$tmp/c2" "got first-writer" 20
	(sleep 0.5; printf 'second-writer\n') |
		timeout 20 "$vzhost" ctl $vm console --state-dir "$tmp/state" > "$tmp/c3" 2> "$tmp/c3.err"
	wait $w1
	# on a terminal: raw, a typed line answered, Ctrl-] d detaches, the
	# terminal given back
	python3 "$top/tests/integration/onterminal.py" "$tmp/c4" "attached to the console" 'on-a-tty\r' \
		"got on-a-tty" '\x1dd' -- "$vzhost" ctl $vm console --state-dir "$tmp/state" > "$tmp/c4.err" 2>&1
	st4=$?
	# the same with the guest's output into a file (the terminal is stdin and stderr
	# only): the terminal is given back all the same
	python3 "$top/tests/integration/onterminal.py" "$tmp/c5" "attached to the console" 'to-a-file\r' \
		"@3" '\x1dd' -- sh -c 'exec "$@" > "$0"' "$tmp/c5.out" "$vzhost" ctl $vm console \
		--state-dir "$tmp/state" > "$tmp/c5.err" 2>&1
	st5=$?
	kill -TERM $pid
	reap $pid 30
	c1=$(tr -d '\r' < "$tmp/c1")
	case "$c1" in *"VZH-GUEST: booted action=repl"*"VZH-GUEST: got typed-through-ctl"*) seen=1 ;; *) seen=0 ;; esac
	if [ $seen = 1 ] && [ $st1 = 0 ] && [ $st2 = 0 ] && [ "$(cat "$tmp/state.out")" = running ] &&
		grep -q "detached from $vm; it runs on" "$tmp/c1.err" && [ $st = 0 ]; then
		ok
	else
		bad "console: scrollback and a reply through ctl console (exits $st1 $st2 $st, state $(cat "$tmp/state.out")):"
		sed 's/^/    /' "$tmp/c1" "$tmp/c1.err" | tail -20
	fi
	if grep -q "VZH-GUEST: got first-writer" "$tmp/out" &&
		grep -q "another client types into this console (pid [0-9]*, uid $(id -u))" "$tmp/c3" &&
		! grep -q "VZH-GUEST: got second-writer" "$tmp/out"; then
		ok
	else
		bad "console: a second writer was heard, or not told who holds the console:"
		sed 's/^/    /' "$tmp/c3" | tail -5
	fi
	if [ $st4 = 0 ] && grep -q "VZH-GUEST: got on-a-tty" "$tmp/out" && grep -qx "termios restored" "$tmp/c4.err" &&
		grep -q "detached from $vm" "$tmp/c4"; then
		ok
	else
		bad "console: on a terminal, a typed line or Ctrl-] d failed, or the terminal stayed raw (exit $st4)"
		sed 's/^/    /' "$tmp/c4" "$tmp/c4.err" | tail -8
	fi
	if [ $st5 = 0 ] && grep -qx "termios restored" "$tmp/c5.err" && grep -q "VZH-GUEST: got to-a-file" "$tmp/c5.out"; then
		ok
	else
		bad "console: stdout into a file, the terminal stayed raw or the guest's answer missed the file (exit $st5)"
		sed 's/^/    /' "$tmp/c5" "$tmp/c5.err" | tail -8
	fi
}

# what is typed before the guest can take it is kept, not dropped: a line piped into
# `ctl console` the moment the VM starts (the client leaves before the guest has booted),
# and a terminal user's 3000 bytes while the VM is not ready, after which Ctrl-] q still
# works
t_typedearly() {
	conf early echo
	background early
	vm=it-$$-early
	n=0
	while [ ! -S "$tmp/state/$vm.sock" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	printf 'hello-from-ctl\n' | "$vzhost" ctl $vm console --state-dir "$tmp/state" > /dev/null 2>&1
	cst=$?
	# (vzhost's CPU ticks while it keeps the line: no busy loop)
	t0=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
	wait_for "$tmp/out" "VZH-GUEST: got hello-from-ctl" 60 "" $pid
	ticks=$(($(awk '{ print $14 + $15 }' /proc/$pid/stat 2> /dev/null || echo "$t0") - t0))
	reap $pid 30
	if [ $cst = 0 ] && guest "got hello-from-ctl" && [ $st = 0 ] && [ $ticks -lt 50 ]; then ok; else bad "typed early: a line piped into ctl console before the guest booted was lost (client $cst, vzhost $st, $ticks ticks meanwhile)"; fi
	conf heldtty acpi "" "" 'ready = { console = "never-said"; timeout = 120; }; input_after = "ready"; stop_timeout = 1;'
	long=$(python3 -c 'print("x" * 3000)')
	python3 "$top/tests/integration/onterminal.py" "$tmp/out" "count 3" "$long" "count 5" '\x1dq' -- \
		"$vzhost" -c "$tmp/heldtty.conf" > "$tmp/err" 2>&1
	st=$?
	if [ $st = 0 ] && grep -q "console: stopping every VM" "$tmp/out" && grep -qx "termios restored" "$tmp/err"; then
		ok
	else
		bad "typed early: Ctrl-] q after 3000 bytes held for a VM not ready did not stop it (exit $st)"
	fi
}

# what a console client typed for a guest that never took it (input_after = "ready",
# never ready) is dropped when the VM stops: said once, while vzhost runs on for another
t_typeddrop() {
	cat > "$tmp/typeddrop.conf" <<CONF
host = { state_dir = "$tmp/state"; };
vms = (
 { name = "it-$$-ta"; memory = "256M"; stop_timeout = 1; input_after = "ready";
   ready = { console = "never-said"; timeout = 120; };
   boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img"; cmdline = "console=ttyS0 quiet vzh=repl"; };
   devices = ( { kind = "serial"; } ); },
 { name = "it-$$-tb"; memory = "256M"; stop_timeout = 1;
   boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img"; cmdline = "console=ttyS0 quiet vzh=ignore"; };
   devices = ( { kind = "serial"; output = "none"; } ); } );
CONF
	background typeddrop
	wait_for "$tmp/out" "it-$$-ta\] VZH-GUEST: booted" 60 "" $pid
	# (a quiet guest: the client leaves a second after its input ends)
	timeout 20 sh -c "printf 'dropped-line\n' | '$vzhost' ctl it-$$-ta console --state-dir '$tmp/state'" > /dev/null 2>&1
	"$vzhost" ctl it-$$-ta kill --state-dir "$tmp/state" > /dev/null 2>&1
	wait_for "$tmp/err" "it-$$-ta\] notice: state stopping -> stopped" 20 "" $pid
	# (the other VM's control in use: the loop looks at what waits to be typed)
	"$vzhost" ctl it-$$-tb status --state-dir "$tmp/state" > /dev/null 2>&1
	"$vzhost" ctl it-$$-tb status --state-dir "$tmp/state" > /dev/null 2>&1
	sleep 1
	said=$(grep -c "it-$$-ta\] notice: console: 13 typed bytes dropped: the VM stopped before its guest could take them" "$tmp/err")
	alive=0
	kill -0 $pid 2> /dev/null && alive=1
	kill -TERM $pid
	reap $pid 20
	if [ "$said" = 1 ] && [ $alive = 1 ] && [ $st = 0 ] && ! grep -q "dropped-line" "$tmp/out"; then
		ok
	else
		bad "typeddrop: bytes typed for a guest that never took them: said $said times (once wanted), vzhost running $alive, exit $st"
	fi
}

# ctl console whose standard output nobody reads (a full pipe) still ends on SIGTERM, at
# once and with the status of a signalled command; the VM runs on
t_consoleterm() {
	conf consoleterm "flood vzh.lines=3000"
	background consoleterm
	vm=it-$$-consoleterm
	if ! wait_for "$tmp/out" "VZH-GUEST: flood done" 60 "" $pid; then
		kill -KILL $pid
		bad "console at SIGTERM: the guest never flooded"
		return
	fi
	mkfifo "$tmp/full" "$tmp/typed"
	sleep 600 < "$tmp/full" & # opens it, never reads
	reader=$!
	sleep 600 > "$tmp/typed" & # input that never ends
	writer=$!
	"$vzhost" ctl $vm console --state-dir "$tmp/state" < "$tmp/typed" > "$tmp/full" 2> "$tmp/ct.err" &
	client=$!
	sleep 2 # the guest's 240 KB fill the pipe's 64 KiB: the client waits to write
	blocked=$(cat /proc/$client/wchan 2> /dev/null)
	t0=$(date +%s%N)
	kill -TERM $client
	n=0
	while kill -0 $client 2> /dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	ms=$((($(date +%s%N) - t0) / 1000000))
	if kill -0 $client 2> /dev/null; then
		alive=1
		kill -KILL $client
	else
		alive=0
	fi
	wait $client
	cst=$?
	kill $reader $writer 2> /dev/null
	state=$("$vzhost" ctl $vm state --state-dir "$tmp/state")
	kill -TERM $pid
	reap $pid 30
	if [ $alive = 0 ] && [ $cst = 143 ] && [ $ms -lt 2000 ] && [ "$state" = running ]; then
		ok
	else
		bad "console at SIGTERM: the client (waiting in ${blocked:-?}) still ran $ms ms after SIGTERM (alive $alive, exit $cst), VM $state"
	fi
}

# a free TCP port on 127.0.0.1 (free when asked: the kernel does not hand it
# out again at once)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# talk PORT LINE: the greeting of the server at 127.0.0.1:PORT, " / ", and its
# answer to LINE
talk() {
	python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rw")
greeting = f.readline().strip()
f.write(sys.argv[2] + "\n"); f.flush()
print(greeting + " / " + f.readline().strip())' "$1" "$2" 2>&1
}

# a NAT forward reaches a server in the guest; status shows it; a taken host
# port is a start error naming the port and its holder
t_forward() {
	port=$(free_port)
	# (the server starts 2 s after the guest's network: QEMU's NAT takes
	# connections for the guest before; the ready check waits for its words)
	conf forward "serve vzh.delay=2" ", { kind = \"nat\"; forwards = ( \"127.0.0.1:$port:7777\" ); }" "" \
		"ready = { port = $port; timeout = 60; };"
	background forward
	"$vzhost" ctl it-$$-forward wait ready --state-dir "$tmp/state" --timeout 60 > /dev/null
	st0=$?
	if [ $st0 != 0 ] || ! guest "serving 7777"; then
		kill -KILL $pid
		bad "forward: the guest never served, or wait ready did not see it (exit $st0)"
		return
	fi
	reply=$(talk $port through-the-forward)
	fwd=$("$vzhost" ctl it-$$-forward status --state-dir "$tmp/state" |
		python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["forwards"]))')
	# the vz bridge's relay (bridge/fwd.c), here in front of the guest that
	# QEMU's forward makes reachable: host port -> relay -> QEMU -> guest
	relay_port=$(free_port)
	"$build/tests/fwdrun" $relay_port 127.0.0.1 $port > "$tmp/fwdrun" 2>&1 &
	relay=$!
	wait_for "$tmp/fwdrun" relaying 10
	relayed=$(talk $relay_port through-the-relay)
	kill -TERM $relay
	wait $relay
	relay_st=$?
	kill -TERM $pid
	reap $pid 30
	if [ "$reply" = "hello from the guest / guest got through-the-forward" ] && [ $st = 0 ] &&
		[ "$fwd" = "[{\"proto\": \"tcp\", \"host_addr\": \"127.0.0.1\", \"host_port\": $port, \"guest_port\": 7777}]" ]; then
		ok
	else
		bad "forward: host port $port did not reach the guest's server (exit $st): $reply; status: $fwd"
	fi
	if [ "$relayed" = "hello from the guest / guest got through-the-relay" ] && [ $relay_st = 0 ]; then
		ok
	else
		bad "forward: the relay did not reach the guest (exit $relay_st): $relayed"
		sed 's/^/    /' "$tmp/fwdrun"
	fi
	# (a port of its own, said once it listens: the one above may still be
	# QEMU's on a busy machine)
	rm -f "$tmp/held"
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1] + ".new", "w").write("%d\n" % s.getsockname()[1])
import os; os.rename(sys.argv[1] + ".new", sys.argv[1]); time.sleep(60)' "$tmp/held" &
	holder=$!
	wait_for "$tmp/held" "[0-9]" 20
	port=$(cat "$tmp/held")
	conf forward "serve vzh.delay=2" ", { kind = \"nat\"; forwards = ( \"127.0.0.1:$port:7777\" ); }" "" \
		"ready = { port = $port; timeout = 60; };"
	run forward
	kill $holder
	if [ $st = 1 ] && grep -q "start abandoned: forward 127.0.0.1:$port->7777/tcp: host port $port is taken by pid $holder (python3, uid $(id -u))" "$tmp/err" &&
		! grep -q "VZH-GUEST" "$tmp/out"; then
		ok
	else
		bad "forward: a taken host port was not named with its holder (exit $st)"
	fi
}

# a guest saved ready through ctl is ready again once restored (its console said
# so before the save); a restore from a file that is no state fails and keeps the
# VM for the right one
t_restoreready() {
	vm=it-$$-rr
	conf rr acpi "" "" 'ready = { console = "count 2"; timeout = 60; };'
	background rr
	"$vzhost" ctl $vm wait ready --timeout 60 --state-dir "$tmp/state" > /dev/null
	st1=$?
	"$vzhost" ctl $vm save "$tmp/rr.state" --state-dir "$tmp/state" > /dev/null 2>&1
	head -c 100000 /dev/urandom > "$tmp/junk.state"
	"$vzhost" ctl $vm restore "$tmp/junk.state" --state-dir "$tmp/state" > /dev/null 2> "$tmp/r1"
	st2=$?
	kept=$("$vzhost" ctl $vm state --state-dir "$tmp/state")
	"$vzhost" ctl $vm restore "$tmp/rr.state" --state-dir "$tmp/state" > /dev/null 2> "$tmp/r2"
	st3=$?
	"$vzhost" ctl $vm wait ready --timeout 10 --state-dir "$tmp/state" > /dev/null
	st4=$?
	kill -TERM $pid
	reap $pid 30
	if [ $st1 = 0 ] && [ $st2 = 1 ] && [ "$kept" = stopped ] && [ $st3 = 0 ] && [ $st4 = 0 ] &&
		[ "$(grep -c "VZH-GUEST: booted" "$tmp/out")" = 1 ] &&
		grep -q "ready after [0-9.]* s: restored from a state saved when it was ready" "$tmp/err"; then
		ok
	else
		bad "restore and ready (exits $st1 $st2 $st3 $st4, then $kept; vzhost $st)"
		sed 's/^/    /' "$tmp/r1" "$tmp/r2"
	fi
}

# ctl wait ready: returns once the console pattern appears; times out when it
# never does (the VM's own timeout: exit 1, the VM runs on; the client's
# --timeout: exit 1 at once); on_not_ready = "restart" boots the guest again;
# a VM gone while waited for: 69
t_ready() {
	vm=it-$$-ready
	conf ready serve "" "" 'ready = { console = "^VZH-GUEST: serving [0-9]+$"; timeout = 60; };'
	background ready
	t0=$(date +%s)
	"$vzhost" ctl $vm wait ready --timeout 60 --state-dir "$tmp/state" > "$tmp/w1" 2>&1
	st1=$?
	served=0
	guest "serving 7777" && served=1
	ready=$("$vzhost" ctl $vm status --state-dir "$tmp/state" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["ready"])')
	kill -TERM $pid
	reap $pid 30
	if [ $st1 = 0 ] && [ $served = 1 ] && [ "$ready" = True ] && [ $st = 0 ] &&
		grep -q "ready after [0-9.]* s: a console line matched" "$tmp/err" &&
		grep -q '"ready":true' "$tmp/w1"; then
		ok
	else
		bad "ready: wait ready did not return when the console said so (exit $st1, served $served, status ready $ready)"
	fi
	conf never acpi "" "" 'ready = { console = "never-said"; timeout = 15; };'
	background never
	vm=it-$$-never
	wait_for "$tmp/out" "VZH-GUEST: booted" 30
	"$vzhost" ctl $vm wait ready --timeout 1 --state-dir "$tmp/state" > /dev/null 2> "$tmp/w2"
	st2=$?
	"$vzhost" ctl $vm wait ready --timeout 30 --state-dir "$tmp/state" > /dev/null 2> "$tmp/w3"
	st3=$?
	t1=$(date +%s)
	"$vzhost" ctl $vm state --state-dir "$tmp/state" > /dev/null
	st4=$?
	kill -TERM $pid
	reap $pid 30
	if [ $st2 = 1 ] && grep -q "was not ready within 1.0 s" "$tmp/w2" &&
		[ $st3 = 1 ] && grep -q "no console line matched /never-said/ within 15 s" "$tmp/w3" &&
		[ $st4 = 0 ] && [ $st = 0 ] && grep -q "not ready: no console line matched /never-said/ within 15 s$" "$tmp/err"; then
		ok
	else
		bad "ready: a pattern never seen did not time out as it should (exits $st2 $st3, state $st4, vzhost $st)"
		sed 's/^/    /' "$tmp/w2" "$tmp/w3"
	fi
	# (timeouts long enough for a guest to boot on a busy machine: each boot
	# must be seen)
	conf again acpi "" "" 'ready = { console = "never-said"; timeout = 12; }; on_not_ready = "restart"; stop_timeout = 1;'
	background again
	wait_for "$tmp/err" "restarting in" 60 "" $pid
	n=0
	while [ "$(grep -c "VZH-GUEST: booted" "$tmp/out")" -lt 2 ] && [ $n -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	boots=$(grep -c "VZH-GUEST: booted" "$tmp/out")
	kill -TERM $pid
	reap $pid 30
	if [ "$boots" -ge 2 ] && grep -q "not ready: no console line matched /never-said/ within 12 s: restarting" "$tmp/err"; then
		ok
	else
		bad "ready: on_not_ready = restart did not boot the guest again ($boots boots, exit $st)"
	fi
	# the user's stop, while the not-ready VM is on its way down, is final
	conf final ignore "" "" 'ready = { console = "never-said"; timeout = 12; }; on_not_ready = "restart"; stop_timeout = 8;'
	background final
	wait_for "$tmp/err" "not ready: .*: restarting" 60 "" $pid
	"$vzhost" ctl it-$$-final stop --state-dir "$tmp/state" > /dev/null
	reap $pid 40
	if [ $st = 0 ] && [ "$(grep -c "VZH-GUEST: booted" "$tmp/out")" = 1 ] && ! grep -q "restarting in" "$tmp/err"; then
		ok
	else
		bad "ready: ctl stop during a not-ready restart did not stop it for good (exit $st)"
	fi
	conf gone poweroff "" "" 'ready = { console = "never-said"; timeout = 60; };'
	background gone
	"$vzhost" ctl it-$$-gone wait ready --timeout 30 --state-dir "$tmp/state" > /dev/null 2> "$tmp/w5"
	st5=$?
	reap $pid 30
	if [ $st5 = 69 ] && [ $st = 0 ]; then ok; else bad "ready: a VM gone while waited for: exit $st5 (want 69)"; cat "$tmp/w5"; fi
}

# a ready pattern never freezes the loop.  The pattern that froze vzhost for minutes
# (back-references: exponential to match) is refused before anything starts; a costly one
# without them, against a 150-byte line and a 64 KiB line without a newline, leaves
# ctl status answering within 100 ms throughout, and the prompt it matches (no newline)
# makes the VM ready
t_readycost() {
	conf backref longline "" "" 'ready = { console = "(.*)(.*)(.*)\\1\\2\\3x"; };'
	run backref
	refused=0
	[ $st = 78 ] && grep -q "ready.console: .*back-references .* cannot be matched in bounded time" "$tmp/err" &&
		! grep -q "VZH-GUEST" "$tmp/out" && refused=1
	vm=it-$$-cost
	conf cost longline "" "" 'ready = { console = "(.*)(.*)(.*)(.*)(.*)ready-x$"; timeout = 120; }; stop_timeout = 1;'
	background cost
	wait_for "$tmp/err" "state stopped -> starting" 30 "" $pid
	# (the client asks at a higher priority, where it may: it measures vzhost's loop,
	# not its own turn on a busy host's cores; vzhost and its QEMU keep theirs)
	nice -n -10 python3 "$top/tests/integration/ctlping.py" "$tmp/state/$vm.sock" "$tmp/out" \
		"VZH-GUEST: longline done" 90 > "$tmp/ping"
	pst=$?
	max=$(sed -n 's/.*max \([0-9]*\)\..*/\1/p' "$tmp/ping")
	early=$(sed -n 's/.*ready \(-*[0-9]*\) ms before/\1/p' "$tmp/ping")
	"$vzhost" ctl $vm wait ready --timeout 30 --state-dir "$tmp/state" > /dev/null 2>&1
	wst=$?
	kill -TERM $pid
	reap $pid 30
	cst=$st
	# a flood of lines each costly to match: the loop still answers, lines wait their
	# turn (the oldest dropped when too many wait), and the last one makes it ready
	conf flood "flood vzh.lines=3000" "" "" 'ready = { console = "(.*)(.*)(.*)(.*)(flood done|[0-9]{100})"; timeout = 120; }; stop_timeout = 1;'
	cp "$tmp/out" "$tmp/out.cost"
	cp "$tmp/err" "$tmp/err.cost"
	background flood
	wait_for "$tmp/err" "state stopped -> starting" 30 "" $pid
	nice -n -10 python3 "$top/tests/integration/ctlping.py" "$tmp/state/it-$$-flood.sock" "$tmp/out" \
		"VZH-GUEST: count 3" 120 > "$tmp/ping3"
	fst=$?
	fmax=$(sed -n 's/.*max \([0-9]*\)\..*/\1/p' "$tmp/ping3")
	"$vzhost" ctl it-$$-flood wait ready --timeout 60 --state-dir "$tmp/state" > /dev/null 2>&1
	fwst=$?
	kill -TERM $pid
	reap $pid 30
	fst2=$st
	cp "$tmp/out.cost" "$tmp/out"
	cp "$tmp/err.cost" "$tmp/err"
	# (ready while the prompt waited 3 s for its newline, not at the newline)
	if [ $refused = 1 ] && [ $pst = 0 ] && [ "${max:-999}" -lt 100 ] && [ "${early:--1}" -ge 1000 ] &&
		[ $wst = 0 ] && [ $cst = 0 ] && [ $fst = 0 ] && [ "${fmax:-999}" -lt 100 ] && [ $fwst = 0 ] &&
		[ $fst2 = 0 ] && guest "longline done" && grep -q "could not decide a console line of 150 bytes" "$tmp/err" &&
		grep -q "ready after [0-9.]* s: a console line matched" "$tmp/err"; then
		ok
	else
		bad "readycost: back-references refused $refused; status answers: $(cat "$tmp/ping") (exit $pst); wait ready $wst, vzhost $cst; flood: $(cat "$tmp/ping3") (exit $fst), wait ready $fwst, vzhost $fst2"
	fi
}

# the guards of QEMU's process group (os_die_with) end with each QEMU: a guest that powers
# off and is restarted again and again leaves none behind, and none outlives vzhost
t_guards() {
	conf guards poweroff "" "" 'on_poweroff = "restart";'
	background guards
	n=0
	while [ "$(cat "$tmp/out" 2> /dev/null | grep -c "VZH-GUEST: booted")" -lt 4 ] && [ $n -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	boots=$(grep -c "VZH-GUEST: booted" "$tmp/out")
	# (orphans running this config: guards; the live QEMU's own is one)
	during=$(ps -eo ppid=,args= | awk '$1 == 1' | grep -c -- "-c $tmp/guards.conf")
	kill -TERM $pid
	reap $pid 30
	sleep 0.5
	after=$(ps -eo ppid=,args= | awk '$1 == 1' | grep -c -- "-c $tmp/guards.conf")
	if [ "$boots" -ge 4 ] && [ "$during" -le 1 ] && [ "$after" = 0 ]; then ok; else bad "guards: after $boots boots, $during guards while it ran (at most 1: the live QEMU's), $after after it"; fi
}

t_forcestop() {
	conf forcestop acpi "" "" "stop_timeout = 0;"
	booted forcestop "stop_timeout 0" || return
	kill -TERM $pid
	reap $pid 20
	# QEMU quits when asked: no SIGKILL before its grace time is up
	if ! grep -q "VZH-GUEST: power button" "$tmp/out" && [ $st = 0 ] &&
		! grep -q "QEMU did not quit" "$tmp/err" &&
		states forcestop "$START" "$RUNNING" "running -> stopping (host-kill)" \
			"stopping -> stopped (host-kill)"; then
		ok
	else
		bad "stop_timeout 0 (exit $st)"
	fi
}

# QEMU ended by SIGTERM from outside: stopped (signal), not a crash: no restart, exit 0
t_qemuterm() {
	conf qemuterm ignore "" "" 'on_crash = "restart";'
	booted qemuterm "QEMU terminated" || return
	pkill -TERM -f "guest=it-$$-qemuterm"
	reap $pid 20
	if [ $st = 0 ] && ! grep -q "restarting" "$tmp/err" &&
		states qemuterm "$START" "$RUNNING" "running -> stopped (signal)"; then
		ok
	else
		bad "QEMU terminated from outside (exit $st)"
	fi
}

# QEMU killed from outside: error then stopped, reason crashed; exit 1
t_crash() {
	conf crash ignore
	booted crash "QEMU killed" || return
	pkill -KILL -f "guest=it-$$-crash"
	reap $pid 20
	if [ $st = 1 ] && grep -q "state running -> error (crashed): qemu killed by signal 9" "$tmp/err" &&
		states crash "$START" "$RUNNING" "running -> error (crashed)" "error -> stopped (crashed)"; then
		ok
	else
		bad "QEMU killed from outside (exit $st)"
	fi
}

# a guest kernel panic reaches vzhost through pvpanic: error (crashed), exit 1
t_panic() {
	conf panic panic
	background panic
	wait_for "$tmp/err" "error -> stopped (crashed)" 30
	reap $pid 10
	if guest "panicking" && grep -q "Kernel panic" "$tmp/out" && [ $st = 1 ] &&
		grep -q "state running -> error (crashed): the guest kernel panicked" "$tmp/err" &&
		states panic "$START" "$RUNNING" "running -> error (crashed)" "error -> stopped (crashed)"; then
		ok
	else
		bad "guest panic (exit $st)"
	fi
}

# a guest reboot is an event with reason guest-reboot; the VM stays running
t_reboot() {
	conf reboot reboot ", { kind = \"disk\"; path = \"$tmp/reboot.img\"; size = \"1M\"; }"
	run reboot
	if guest "rebooting" && guest "second boot" && [ $st = 0 ] &&
		states reboot "$START" "$RUNNING" \
			"running -> running (guest-reboot)" "running -> stopped (guest-shutdown)"; then
		ok
	else
		bad "guest reboot (exit $st)"
	fi
}

# a share through virtiofsd: the guest reads the host's file and writes one back
t_share() {
	mkdir -p "$tmp/shared"
	echo "hello from the host $$" > "$tmp/shared/note.txt"
	conf share "share vzh.tag=work vzh.file=note.txt" \
		", { kind = \"share\"; tag = \"work\"; path = \"$tmp/shared\"; }"
	# a run directory left by a vzhost that was killed: removed, not reused
	mkdir -p "$tmp/state/it-$$-share.run.999999999"
	touch "$tmp/state/it-$$-share.run.999999999/fs1.sock"
	run share
	if guest "share hello from the host $$" && [ $st = 0 ] &&
		[ "$(cat "$tmp/shared/from-guest" 2>/dev/null)" = "written by the guest" ] &&
		! pgrep -f "virtiofsd.*$tmp/state" >/dev/null &&
		[ -z "$(ls -d "$tmp/state/it-$$-share.run."* 2>/dev/null)" ]; then
		ok
	else
		bad "virtio-fs share (exit $st)"
	fi
}

# a virtiofsd that outlives its QEMU and ignores SIGTERM is ended a grace (2 s) after
# QEMU is gone, while vzhost runs on for another VM: none of a stopped VM's helpers is
# left to the end of vzhost; its standard input is /dev/null, not vzhost's
t_fsdlinger() {
	real=/usr/lib/qemu/virtiofsd
	[ -x "$real" ] || real=/usr/libexec/virtiofsd
	mkdir -p "$tmp/lshare"
	echo "linger $$" > "$tmp/lshare/note.txt"
	# (TERM ignored by the shell and the real one alike; once the real one is
	# done with QEMU, the wrapper stays as a sleep)
	# (and it says what its standard input is: /dev/null, not vzhost's)
	printf '#!/bin/sh\nreadlink /proc/$$/fd/0 > "%s/fsd-stdin"\ntrap "" TERM\n"%s" "$@" &\nwait $!\nexec sleep 1000.%s7\n' "$tmp" "$real" $$ > "$tmp/lingering-fsd"
	chmod 755 "$tmp/lingering-fsd"
	cat > "$tmp/fsdlinger.conf" <<CONF
host = { state_dir = "$tmp/state"; virtiofsd = "$tmp/lingering-fsd"; };
vms = (
 { name = "it-$$-la"; memory = "256M"; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=share vzh.tag=w vzh.file=note.txt"; };
   devices = ( { kind = "serial"; }, { kind = "share"; tag = "w"; path = "$tmp/lshare"; } ); },
 { name = "it-$$-lb"; memory = "256M"; stop_timeout = 1; boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
   cmdline = "console=ttyS0 quiet vzh=ignore"; }; devices = ( { kind = "serial"; } ); } );
CONF
	: > "$tmp/vzhost-stdin"
	rm -f "$tmp/out" "$tmp/err"
	: > "$tmp/out"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/fsdlinger.conf" > "$tmp/out" 2> "$tmp/err" < "$tmp/vzhost-stdin" &
	pid=$!
	wait_for "$tmp/err" "it-$$-la\] notice: state running -> stopped" 60 "" $pid
	sleep 3.5
	left=$(pgrep -fc "lingering-fsd|sleep 1000\.$$7|virtiofsd.*it-$$-la")
	alive=0
	kill -0 $pid 2> /dev/null && alive=1
	kill -TERM $pid
	reap $pid 20
	pkill -KILL -f "lingering-fsd|sleep 1000\.$$7|virtiofsd.*it-$$-la"
	if grep -q "^\[it-$$-la\] VZH-GUEST: share linger $$" "$tmp/out" && [ $alive = 1 ] &&
		[ "$left" = 0 ] && [ $st = 0 ] && [ "$(cat "$tmp/fsd-stdin")" = /dev/null ]; then
		ok
	else
		bad "fsdlinger: a helper outliving its QEMU: $left left 3.5 s after its VM stopped (vzhost running: $alive, exit $st; its stdin $(cat "$tmp/fsd-stdin"))"
	fi
}

# a share path and a state directory with commas in them (real directory names):
# the guest gets that directory, not the one the comma would have named
t_share_comma() {
	mkdir -p "$tmp/shr,source=$tmp/decoy" "$tmp/decoy"
	echo "the right one $$" > "$tmp/shr,source=$tmp/decoy/note.txt"
	echo "the decoy" > "$tmp/decoy/note.txt"
	conf sharecomma "share vzh.tag=work vzh.file=note.txt" \
		", { kind = \"share\"; tag = \"work\"; path = \"$tmp/shr,source=$tmp/decoy\"; }"
	sed -i "s|state_dir = \"$tmp/state\"|state_dir = \"$tmp/st,ate\"|" "$tmp/sharecomma.conf"
	run sharecomma
	if guest "share the right one $$" && [ $st = 0 ] &&
		[ "$(cat "$tmp/shr,source=$tmp/decoy/from-guest" 2>/dev/null)" = "written by the guest" ] &&
		[ ! -e "$tmp/decoy/from-guest" ]; then
		ok
	else
		bad "share and state_dir with commas (exit $st)"
	fi
}

# on_host_stop = "save" with a share: QEMU cannot migrate virtio-fs, so SIGTERM
# takes the stop chain instead (the guest sees its power button); nothing is saved
t_sharesave() {
	mkdir -p "$tmp/shared"
	conf sharesave acpi ", { kind = \"share\"; tag = \"work\"; path = \"$tmp/shared\"; }" "" \
		'on_host_stop = "save"; stop_timeout = 20;'
	booted sharesave "save on host stop with a share" || return
	# status says so, with the bridge's reason
	why=$(timeout 10 "$vzhost" ctl "it-$$-sharesave" status --state-dir "$tmp/state" |
		python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["can_save"], r["can_save_why"])')
	kill -TERM $pid
	reap $pid 30
	if guest "power button" && [ $st = 0 ] && [ ! -e "$tmp/state/it-$$-sharesave.state" ] &&
		case $why in "False "*share*) true ;; *) echo "  can_save: $why"; false ;; esac &&
		states sharesave "$START" "$RUNNING" "running -> stopping (host-request)" \
			"stopping -> stopped (host-request)"; then
		ok
	else
		bad "save on host stop with a share (exit $st)"
	fi
}

# standard output that nobody reads (the console on stdio): vzhost keeps serving
# its control socket and signals, and drops what does not fit, saying how much
t_stdout_stall() {
	conf stall "flood vzh.lines=14000" "" "" "stop_timeout = 1;"
	mkfifo "$tmp/stall.fifo"
	exec 3<> "$tmp/stall.fifo" # a reader that never reads
	"$vzhost" -c "$tmp/stall.conf" > "$tmp/stall.fifo" 2> "$tmp/err" &
	pid=$!
	answered=0
	for i in 1 2 3 4 5 6; do # over about 15 s of flooding
		sleep 2.5
		timeout 10 "$vzhost" ctl --timeout 2 --state-dir "$tmp/state" "it-$$-stall" status |
			grep -q '"state":"running"' && answered=$((answered + 1))
	done
	kill -TERM $pid
	reap $pid 20
	head=$(timeout 2 head -c 4000 <&3 | tr -d '\r')
	exec 3<&-
	case "$head" in *"VZH-GUEST: booted action=flood"*) booted=1 ;; *) booted=0 ;; esac
	if [ $booted = 1 ] && [ $answered = 6 ] && [ $st = 0 ] &&
		grep -q "bytes of console output" "$tmp/err"; then
		ok
	else
		bad "standard output nobody reads (exit $st, $answered of 6 status answered, guest booted: $booted)"
	fi
}

# ctl status, list and list --json: every field's value and unit, on a VM up
# for a known time (uptime in seconds; list's h/m/s of it)
t_status() {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	conf status acpi ", { kind = \"nat\"; forwards = ( \"127.0.0.1:$port:7777/udp\" ); }"
	t0=$(date +%s%3N)
	booted status "status fields" || return
	sleep 4
	"$vzhost" ctl it-$$-status status --state-dir "$tmp/state" > "$tmp/status.json"
	s1=$?
	t1=$(date +%s%3N)
	"$vzhost" list --state-dir "$tmp/state" > "$tmp/list.txt"
	s2=$?
	"$vzhost" list --json --state-dir "$tmp/state" > "$tmp/list.json"
	s3=$?
	kill -TERM $pid
	reap $pid 30
	if [ $s1 = 0 ] && [ $s2 = 0 ] && [ $s3 = 0 ] && guest "booted action=acpi" &&
		python3 - "$tmp" it-$$-status $pid "$t0" "$t1" "$port" <<'PY'; then
import json, re, sys
tmp, vm = sys.argv[1], sys.argv[2]
pid, t0, t1, port = (int(a) for a in sys.argv[3:7])
s = json.load(open(tmp + "/status.json"))
bad = []
def want(what, ok):
    if not ok:
        bad.append(what)
want("ok", s.get("ok") is True)
want("vm", s.get("vm") == vm)
want("state", s.get("state") == "running")
want("pid is vzhost's", s.get("pid") == pid)
want("guest", s.get("guest") == "linux")
want("config: the file's absolute path", s.get("config") == tmp + "/status.conf")
# since_ms: wall-clock milliseconds of the last transition, between our
# start and our status call
want("since_ms in ms of the wall clock", t0 <= s.get("since_ms", 0) <= t1)
up = (t1 - s["since_ms"]) / 1000
want("uptime_s in seconds (%s, about %.1f)" % (s.get("uptime_s"), up),
     isinstance(s.get("uptime_s"), int) and 4 <= s["uptime_s"] <= up + 1 and s["uptime_s"] >= up - 2)
want("ready: no ready check, ready once running", s.get("ready") is True)
want("can_*: what a running VM takes",
     [s.get("can_" + k) for k in ("start", "pause", "resume", "request_stop", "stop")] ==
     [False, True, False, True, True])
want("can_save", s.get("can_save") is True and "can_save_why" not in s)
want("ptys", s.get("ptys") == [])
f = s.get("forwards") or [{}]
want("forwards", f == [{"proto": "udp", "host_addr": "127.0.0.1", "host_port": port,
                        "guest_port": 7777}])
l = json.load(open(tmp + "/list.json"))
mine = [v for v in l.get("vms", []) if v.get("vm") == vm]
want("list --json: the VM once, with its status", len(mine) == 1 and mine[0]["pid"] == pid and
     mine[0]["config"] == s["config"] and mine[0]["state"] == "running")
# the slots as list --json has them: the limits unknown without -c (null), the
# holder's start in wall-clock ms, before it ran
sl = l.get("slots", {})
h = sl.get("holders") or [{}]
want("list --json slots: %s" % sl, sl.get("leaked") is None and sl.get("used") == 1 and
     sl.get("macos") == 0 and sl.get("max_vms") is None and sl.get("macos_slots") is None and
     len(h) == 1 and {k: h[0].get(k) for k in ("vm", "pid", "guest", "bridge", "config")} ==
     {"vm": vm, "pid": pid, "guest": "linux", "bridge": "qemu", "config": s["config"]} and
     t0 <= h[0].get("since", 0) <= s["since_ms"])
lines = open(tmp + "/list.txt").read().splitlines()
want("list's header", lines and lines[0].split() == ["VM", "STATE", "READY", "PID", "UPTIME", "CONFIG"])
row = [ln.split() for ln in lines if ln.startswith(vm + " ")]
m = row and re.fullmatch(r"0h00m(\d\d)s", row[0][4])
want("list: %s" % (row and row[0]), row and row[0][1:4] == ["running", "yes", str(pid)] and m and
     s["uptime_s"] <= int(m.group(1)) <= s["uptime_s"] + 2 and row[0][5] == s["config"])
import time
# the slot is taken as the start begins: at most a few seconds before running
since = ["%s pid %d linux since %s %s" % (vm, pid, time.strftime(
    "%H:%M:%S", time.localtime(s["since_ms"] // 1000 - k)), s["config"]) for k in range(6)]
held = [" ".join(ln.split()) for ln in lines if ln.strip().startswith(vm + " ") and "pid" in ln]
want("list's slots: one in use, held by this VM since it started",
     "SLOTS: 1 in use (0 macOS)" in lines and len(held) == 1 and held[0] in since)
if bad:
    print("    wrong: " + "; ".join(bad))
    print("    " + json.dumps(s)[:600])
    print("    " + " | ".join(lines))
sys.exit(1 if bad else 0)
PY
		ok
	else
		bad "status and list fields (exits $s1 $s2 $s3)"
	fi
}

# no QEMU binary: exit 69, naming the package; an unknown accel: exit 78
t_noqemu() {
	conf noqemu poweroff "" 'qemu = "/nonexistent/qemu-system-x86_64";'
	run noqemu
	if [ $st = 69 ] && grep -q "install it (Debian: apt-get install qemu-system-x86)" "$tmp/err"; then
		ok
	else
		bad "missing QEMU (exit $st)"
	fi
	conf accel poweroff "" 'accel = "whpx";'
	run accel
	if [ $st = 78 ] && grep -q "accel.conf:1: host.accel: \"whpx\" is not one of auto, kvm, hvf, tcg" "$tmp/err"; then
		ok
	else
		bad "unknown accel (exit $st)"
	fi
}

run_tests poweroff disk writecache rodisk nat two reaped sigterm notify stdin terminal console consoleterm typedearly typeddrop forward ready readycost restoreready guards forcestop crash qemuterm panic reboot \
	share fsdlinger share_comma sharesave stdout_stall noqemu status
summary integration
