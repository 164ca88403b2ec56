#!/bin/sh
# Events, hooks, control socket and supervision on real QEMU guests.  A recording hook
# script writes one line per event ("event prev->state reason", checking its argv and
# environment); each test first asserts that the guest itself got where the test is
# about (its "VZH-GUEST:" markers), then compares that record, and what
# `vzhost ctl VM events` saw, with the exact sequence expected.
# VZH_TESTS="graceful pause" runs only those tests.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
vzhost=$build/vzhost
guest=${VZH_GUEST:-$top/build/guest}
export VZHOST_PLUGIN_PATH="$build/plugins"
tmp=$(mktemp -d)
SHOW="record events err"
. "$top/tests/integration/lib.sh"
trap 'pkill -KILL -f "guest=ev-$$-" 2>/dev/null; pkill -KILL -f "vzhost.*$tmp" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/hooks" "$tmp/state"
cat > "$tmp/hooks/50-record" <<'HOOK'
#!/bin/sh
# argv: script vm event reason; the environment tells the rest; the machine is on stdin
machine=$(cat)
case "$machine" in *"\"name\":\"$1\""*) ;; *) echo "no machine JSON on stdin" >&2; exit 1 ;; esac
[ "$VZHOST_VM" = "$1" ] && [ "$VZHOST_EVENT" = "$2" ] && [ "$VZHOST_REASON" = "$3" ] &&
	[ "$VZHOST_CONTROL" = "$(dirname "$VZHOST_CONFIG")/state/$1.sock" ] &&
	[ -f "$VZHOST_CONFIG" ] || echo "bad env" >> "$REC"
echo "$2 $VZHOST_PREV_STATE->$VZHOST_STATE $3" >> "$REC"
HOOK
chmod 755 "$tmp/hooks/50-record"
# skipped: not executable, an editor backup, a dotfile
printf '#!/bin/sh\necho ran >> "$REC"\n' > "$tmp/hooks/60-notexec"
cp "$tmp/hooks/50-record" "$tmp/hooks/50-record~"
cp "$tmp/hooks/50-record" "$tmp/hooks/.hidden"
export REC="$tmp/record"

# conf NAME ACTION [VM SETTINGS] [DEVICES] [HOOKS TIMEOUT]
conf() {
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$tmp/state"; };
hooks = { dir = "hooks"; timeout = ${5:-5}; };
vms = ( { name = "ev-$$-$1"; memory = "256M"; ${3:-}
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=$2"; };
  devices = ( { kind = "serial"; output = "$tmp/$1.console"; } ${4:-} ); } );
CONF
	rm -f "$REC" "$tmp/events" "$tmp/$1.console"
}

# record LINE...: the hook record is exactly these lines
record() {
	printf '%s\n' "$@" > "$tmp/want"
	cmp -s "$tmp/want" "$REC" || { echo "  wanted:"; sed 's/^/    /' "$tmp/want"; return 1; }
}

# stream "event state reason"...: what `ctl events` printed, in this order
stream() {
	printf '%s\n' "$@" > "$tmp/want"
	sed -n 's/.*"event":"\([^"]*\)","state":"\([^"]*\)","prev_state":"[^"]*","reason":"\([^"]*\)".*/\1 \2 \3/p' \
		"$tmp/events" > "$tmp/seen"
	cmp -s "$tmp/want" "$tmp/seen" || { echo "  stream wanted:"; sed 's/^/    /' "$tmp/want"; return 1; }
}

# guest NAME PATTERN: the guest printed this marker on its console
guest() {
	grep -q -- "VZH-GUEST: $2" "$tmp/$1.console" 2>/dev/null && return 0
	echo "  the guest never printed \"VZH-GUEST: $2\""
	return 1
}

ctl() { timeout -k 2 20 "$vzhost" ctl --state-dir "$tmp/state" "ev-$$-$1" "$2" ${3:-}; }

# the can_* flags of a status reply that are true, in their order
can_flags() {
	python3 -c 'import json, sys
r = json.load(sys.stdin)
print(" ".join(k[4:] for k in ("can_start", "can_pause", "can_resume", "can_request_stop", "can_stop") if r[k]))'
}

# start NAME: vzhost in the background (pid), true once the guest counts
start() {
	rm -f "$tmp/err" # (the shell's child may open it after we first look)
	: > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/$1.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	wait_count "$tmp/$1.console" 2 30 $pid && return 0
	echo "  the guest of $1 never counted to 2"
	return 1
}

# subscribe NAME: `ctl events` in the background (sub), true once connected
subscribe() {
	"$vzhost" ctl --state-dir "$tmp/state" "ev-$$-$1" events > "$tmp/events" &
	sub=$!
	wait_for "$tmp/events" '"ok":true' 10 && return 0
	echo "  ctl events never connected"
	return 1
}

# unsubscribed: the subscriber saw the end of the stream and left (in time)
unsubscribed() {
	reap $sub 10
	[ $st = 0 ] && return 0
	echo "  ctl events did not end with the VM (exit $st)"
	return 1
}

# gave_up WHAT: a test whose guest never got going; nothing stays behind
gave_up() {
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	bad "$1"
}

BOOT="prepare stopped->stopped host-request
start stopped->stopped host-request
started starting->running host-request"
KILLED="stopping running->stopping host-kill
stopped stopping->stopped host-kill
release stopped->stopped none"

# (beside the recording hook: one that dies of a signal, logged and nothing else;
# one that leaves a child behind, which goes with it; one that lists the
# descriptors it got, only 0-2 and its own)
t_poweroff() {
	printf '#!/bin/sh\n[ "$2" = started ] && kill -9 $$\nexit 0\n' > "$tmp/hooks/30-dies"
	printf '#!/bin/sh\n[ "$2" = started ] || exit 0\nsleep 1000.%s &\necho $! > "$REC.left"\n' $$ > "$tmp/hooks/31-leaves"
	printf '#!/bin/sh\n[ "$2" = started ] || exit 0\nexec ls /proc/self/fd > "$REC.fds"\n' > "$tmp/hooks/32-fds"
	# (its last words without a newline are logged all the same)
	printf '#!/bin/sh\n[ "$2" = started ] || exit 0\nprintf "said on its way out"\nprintf "and on stderr" >&2\n' > "$tmp/hooks/33-says"
	chmod 755 "$tmp/hooks/30-dies" "$tmp/hooks/31-leaves" "$tmp/hooks/32-fds" "$tmp/hooks/33-says"
	conf off poweroff
	# (descriptors vzhost inherits are not for its hooks either)
	timeout -k 5 40 "$vzhost" -c "$tmp/off.conf" > /dev/null 2> "$tmp/err" 7< /dev/null
	st=$?
	rm -f "$tmp/hooks/30-dies" "$tmp/hooks/31-leaves" "$tmp/hooks/32-fds" "$tmp/hooks/33-says"
	left=$(cat "$REC.left" 2>/dev/null)
	fds=$(tr '\n' ' ' < "$REC.fds" 2>/dev/null)
	rm -f "$REC.left" "$REC.fds"
	if guest off "powering off" && [ $st = 0 ] &&
		record "$BOOT" "stopped running->stopped guest-shutdown" "release stopped->stopped none" &&
		grep -q "hook 30-dies killed by signal 9 (on started)" "$tmp/err" &&
		grep -q "notice: hook 33-says: said on its way out$" "$tmp/err" &&
		grep -q "notice: hook 33-says: and on stderr$" "$tmp/err" &&
		[ -n "$left" ] && ! kill -0 "$left" 2>/dev/null && [ "$fds" = "0 1 2 3 " ]
	then ok; else bad "guest power-off (exit $st, child left: $left, hook descriptors: $fds)"; fi
}

# graceful stop through ctl: the guest takes the power button
t_graceful() {
	conf graceful acpi
	start graceful || { gave_up "graceful stop: no guest"; return; }
	subscribe graceful || { gave_up "graceful stop: no subscriber"; return; }
	ctl graceful stop > /dev/null
	reap $pid 30
	st1=$st
	if guest graceful "power button" && [ $st1 = 0 ] && unsubscribed &&
		record "$BOOT" "stopping running->stopping host-request" \
			"stopped stopping->stopped host-request" "release stopped->stopped none" &&
		stream "stopping stopping host-request" "stopped stopped host-request" "release stopped none"
	then ok; else bad "graceful stop (exit $st1)"; fi
}

# a ready check: the ready hook point (state running, reason none) to scripts and
# to ctl events subscribers, after started and before anything else
t_readyhook() {
	conf readyhook acpi 'ready = { console = "count 3"; timeout = 60; };'
	# (the pattern is looked for on the console vzhost shows: stdio)
	sed -i 's/output = "[^"]*readyhook.console"/output = "stdio"/' "$tmp/readyhook.conf"
	: > "$tmp/readyhook.console"; : > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/readyhook.conf" > "$tmp/readyhook.console" 2> "$tmp/err" &
	pid=$!
	wait_count "$tmp/readyhook.console" 2 30 $pid || { gave_up "ready hook: no guest"; return; }
	subscribe readyhook || { gave_up "ready hook: no subscriber"; return; }
	ctl readyhook wait > /dev/null 2>&1
	usage=$?
	ctl readyhook wait ready > /dev/null
	st1=$?
	ctl readyhook stop > /dev/null
	reap $pid 30
	if guest readyhook "count 3" && [ $st1 = 0 ] && [ $usage = 64 ] && [ $st = 0 ] && unsubscribed &&
		record "$BOOT" "ready running->running none" "stopping running->stopping host-request" \
			"stopped stopping->stopped host-request" "release stopped->stopped none" &&
		grep -q '"event":"ready","state":"running","prev_state":"running","reason":"none"' "$tmp/events"
	then ok; else bad "ready hook (wait ready exit $st1, without its word $usage, vzhost $st)"; fi
}

# SIGTERM, the guest ignores the button: forced at stop_timeout
t_escalate() {
	conf escalate ignore "stop_timeout = 2;"
	start escalate || { gave_up "stop_timeout escalation: no guest"; return; }
	kill -TERM $pid
	reap $pid 30
	# the guest kept counting through the 2 s it was given
	if [ "$(grep -c 'VZH-GUEST: count' "$tmp/escalate.console")" -ge 8 ] && [ $st = 0 ] &&
		grep -q "still running 2 s after the stop request: forcing it off" "$tmp/err" &&
		record "$BOOT" "stopping running->stopping host-request" \
			"stopping stopping->stopping host-kill" "stopped stopping->stopped host-kill" \
			"release stopped->stopped none"
	then ok; else bad "stop_timeout escalation (exit $st)"; fi
}

# a terminal's ^C goes to vzhost's whole process group: vzhost alone takes it
# and shuts the guest down cleanly (QEMU, in a group of its own, never sees it)
t_ctrlc() {
	conf ctrlc acpi
	rm -f "$tmp/err"
	# (a group of its own, as a shell gives a job: here setsid, in place)
	: > "$tmp/err" # (now: the job redirects when it runs)
	setsid "$vzhost" -c "$tmp/ctrlc.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	if ! wait_count "$tmp/ctrlc.console" 2 30 $pid; then
		kill $pid 2>/dev/null
		reap $pid 30
		gave_up "^C to the group: no guest"
		return
	fi
	kill -INT -$pid
	reap $pid 30
	if guest ctrlc "power button" && [ $st = 0 ] &&
		record "$BOOT" "stopping running->stopping host-request" \
			"stopped stopping->stopped host-request" "release stopped->stopped none"
	then ok; else bad "^C to vzhost's process group (exit $st)"; fi
}

# SIGTERM, the guest shuts down cleanly; then ctl kill on another
t_sigterm() {
	conf sigterm acpi
	start sigterm || { gave_up "SIGTERM graceful: no guest"; return; }
	kill -TERM $pid
	reap $pid 30
	st1=$st
	if guest sigterm "power button" && [ $st1 = 0 ] &&
		record "$BOOT" "stopping running->stopping host-request" \
			"stopped stopping->stopped host-request" "release stopped->stopped none"
	then ok; else bad "SIGTERM, graceful (exit $st1)"; fi
	conf kill ignore
	start kill || { gave_up "ctl kill: no guest"; return; }
	ctl kill kill > /dev/null
	reap $pid 30
	if [ $st = 0 ] && record "$BOOT" "$KILLED"
	then ok; else bad "ctl kill (exit $st)"; fi
}

# pause and resume through ctl, seen by the guest, the hook and the subscriber
t_pause() {
	conf pause ignore "" ', { kind = "serial"; output = "pty"; }'
	start pause || { gave_up "pause/resume: no guest"; return; }
	subscribe pause || { gave_up "pause/resume: no subscriber"; return; }
	# what the hypervisor takes now, from its own state: before, during, after
	can1=$(ctl pause status | can_flags)
	# the second console's pseudo-terminal, named by QEMU, shown by status
	pty=$(ctl pause status | python3 -c 'import json, sys; print(json.load(sys.stdin)["ptys"][0])')
	case $pty in /dev/pts/*) [ -c "$pty" ] && pty="$pty (a terminal)" ;; esac
	# for scripts: the state as a word and an exit status; whether it can
	# be saved, and why not (QEMU: a pty console is fine, a share is not)
	state1=$(ctl pause state)
	state1="$state1 $?"
	save1=$(ctl pause status | python3 -c 'import json, sys; r = json.load(sys.stdin); print(r["can_save"], r.get("can_save_why"))')
	ctl pause pause > /dev/null
	state2=$(ctl pause state)
	state2="$state2 $?"
	a=$(grep -c 'VZH-GUEST: count' "$tmp/pause.console")
	can2=$(ctl pause status | can_flags)
	sleep 1.5
	b=$(grep -c 'VZH-GUEST: count' "$tmp/pause.console")
	ctl pause resume > /dev/null
	wait_count "$tmp/pause.console" $((b + 2)) 10
	can3=$(ctl pause status | can_flags)
	ctl pause kill > /dev/null
	reap $pid 30
	st1=$st
	if [ "$a" = "$b" ] && guest pause "count $((b + 2))" && [ $st1 = 0 ] && unsubscribed &&
		[ "$can1" = "pause request_stop stop" ] && [ "$can2" = "resume request_stop stop" ] &&
		[ "$can3" = "$can1" ] && case $pty in /dev/pts/*" (a terminal)") ;; *) false ;; esac &&
		[ "$state1" = "running 0" ] && [ "$state2" = "paused 4" ] && [ "$save1" = "True None" ] &&
		record "$BOOT" "paused pausing->paused host-request" \
			"resumed resuming->running host-request" "$KILLED" &&
		stream "pausing pausing host-request" "paused paused host-request" \
			"resuming resuming host-request" "resumed running host-request" \
			"stopping stopping host-kill" "stopped stopped host-kill" "release stopped none"
	then ok; else bad "pause/resume (exit $st1, counts $a then $b while paused; can: $can1 / $can2 / $can3; pty: $pty; state: $state1 / $state2; save: $save1)"; fi
}

# on_host_stop = "save": SIGTERM saves; the next start restores and continues
t_save() {
	conf save ignore 'on_host_stop = "save";'
	start save || { gave_up "save on host stop: no guest"; return; }
	kill -TERM $pid
	reap $pid 30
	st1=$st
	saved=$(grep -o 'count [0-9]*' "$tmp/save.console" | tail -n 1 | cut -d' ' -f2)
	rec1=$(cat "$REC")
	rm -f "$REC"
	: > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/save.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	wait_count "$tmp/save.console" "$((${saved:-0} + 2))" 30
	ctl save kill > /dev/null
	reap $pid 30
	if [ -n "$saved" ] && guest save "count $((saved + 1))" &&
		[ "$(grep -c 'VZH-GUEST: booted' "$tmp/save.console")" = 1 ] &&
		[ $st1 = 0 ] && [ $st = 0 ] && [ ! -e "$tmp/state/ev-$$-save.state" ] &&
		printf '%s\n' "$rec1" | tail -n 4 | tr '\n' '|' | grep -q "^paused pausing->paused host-request|saved saving->stopped saved|stopped saving->stopped saved|release stopped->stopped none|$" &&
		record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
			"restored restoring->paused restored" "resumed resuming->running host-request" "$KILLED"
	then ok; else bad "save on host stop, restore on start (exits $st1 $st, saved at $saved)"; fi
}

# ctl: a refused command, a second vzhost for a running VM, save to a path (the
# client makes it absolute), after which the VM is stopped and kept; restore
# through ctl continues the guest where it stopped (its count goes on, no boot)
t_ctlsave() {
	conf ctlsave ignore
	start ctlsave || { gave_up "ctl save: no guest"; return; }
	timeout -k 5 40 "$vzhost" -c "$tmp/ctlsave.conf" > /dev/null 2> "$tmp/err2"
	dup=$?
	ctl ctlsave pause > /dev/null
	again=$(ctl ctlsave pause 2>&1)
	refused=$?
	ctl ctlsave save > /dev/null 2>&1
	noarg=$?
	saved=$(cd "$tmp" && ctl ctlsave save ctl.state)
	at=$(grep -o 'count [0-9]*' "$tmp/ctlsave.console" | tail -n 1 | cut -d' ' -f2)
	sleep 1
	kept=$(ctl ctlsave state)
	kst=$?
	where=$(ctl ctlsave status | python3 -c 'import json, sys; print(json.load(sys.stdin).get("saved_to"))')
	cp "$REC" "$tmp/rec.saved"
	restored=$(cd "$tmp" && ctl ctlsave restore ctl.state)
	wait_count "$tmp/ctlsave.console" "$((${at:-0} + 3))" 30
	ctl ctlsave kill > /dev/null
	reap $pid 30
	REC=$tmp/rec.saved
	if guest ctlsave "count 2" && [ $st = 0 ] && [ $dup = 1 ] &&
		[ "$kept" = stopped ] && [ $kst = 3 ] && [ "$where" = "$tmp/ctl.state" ] &&
		[ "$restored" = '{"ok":true,"state":"running"}' ] &&
		guest ctlsave "count $((${at:-0} + 3))" &&
		[ "$(grep -c 'VZH-GUEST: booted' "$tmp/ctlsave.console")" = 1 ] &&
		grep -q "start abandoned: VM ev-$$-ctlsave is already running (vzhost pid $pid, $tmp/state/ev-$$-ctlsave.sock)" "$tmp/err2" &&
		[ $refused = 1 ] && [ "$again" = "vzhost ctl: cannot pause: the VM is paused" ] &&
		[ $noarg = 64 ] && [ "${saved#*\"ok\":true}" != "$saved" ] &&
		[ "$(stat -c %s "$tmp/ctl.state" 2>/dev/null || echo 0)" -gt 1000000 ] &&
		record "$BOOT" "paused pausing->paused host-request" "saved saving->stopped saved" \
			"stopped saving->stopped saved" "release stopped->stopped none"
	then ok; else bad "ctl save and restore (exit $st, second vzhost $dup, refused $refused: $again, no path $noarg, save: $saved, then $kept $kst at $where, restore: $restored, count $at)"; fi
	REC=$tmp/record
}

# ctl restore takes what the state directory would: a FIFO is refused at once (it held the
# loop in open(): every ctl timed out), another user's file is refused (the guest would run
# their memory), as are a file others may write and a symlink; the VM stays kept through
# every refusal, and the right file restores it
t_restoretrust() {
	conf trust ignore
	start trust || { gave_up "restore trust: no guest"; return; }
	ctl trust save "$tmp/trust.state" > /dev/null 2>&1
	at=$(grep -o 'count [0-9]*' "$tmp/trust.console" | tail -n 1 | cut -d' ' -f2)
	mkfifo "$tmp/trust.fifo"
	t0=$(date +%s%N)
	ctl trust restore "$tmp/trust.fifo" > /dev/null 2> "$tmp/r1" &
	rp=$!
	sleep 0.5
	status=$(ctl trust state)
	wait $rp
	fifo=$?
	t1=$(date +%s%N)
	# (unblocks an open() that waits for a writer, so a failure ends)
	timeout 2 sh -c "echo > '$tmp/trust.fifo'" 2> /dev/null
	foreign=skipped
	if [ "$(id -u)" = 0 ]; then
		cp "$tmp/trust.state" "$tmp/theirs.state" && chmod 644 "$tmp/theirs.state" &&
			chown 65534 "$tmp/theirs.state"
		ctl trust restore "$tmp/theirs.state" > /dev/null 2> "$tmp/r2"
		foreign=$?
	fi
	cp "$tmp/trust.state" "$tmp/open.state" && chmod 666 "$tmp/open.state"
	ctl trust restore "$tmp/open.state" > /dev/null 2> "$tmp/r3"
	open=$?
	ln -s "$tmp/trust.state" "$tmp/link.state"
	ctl trust restore "$tmp/link.state" > /dev/null 2> "$tmp/r4"
	link=$?
	kept=$(ctl trust state)
	restored=$(ctl trust restore "$tmp/trust.state")
	wait_count "$tmp/trust.console" "$((${at:-0} + 3))" 30
	ctl trust kill > /dev/null
	reap $pid 30
	ms=$(((t1 - t0) / 1000000))
	if [ $fifo = 1 ] && [ "$status" = stopped ] && [ $ms -lt 3000 ] &&
		grep -q "cannot restore: $tmp/trust.fifo is not a regular file: refusing it" "$tmp/r1" &&
		{ [ $foreign = skipped ] || { [ $foreign = 1 ] &&
			grep -q "cannot restore: $tmp/theirs.state belongs to uid 65534 with mode 0644" "$tmp/r2"; }; } &&
		[ $open = 1 ] && grep -q "open.state belongs to uid $(id -u) with mode 0666" "$tmp/r3" &&
		[ $link = 1 ] && grep -q "link.state: a symlink: refusing it" "$tmp/r4" &&
		[ "$kept" = stopped ] && [ "$restored" = '{"ok":true,"state":"running"}' ] &&
		guest trust "count $((${at:-0} + 3))" && [ "$(grep -c 'VZH-GUEST: booted' "$tmp/trust.console")" = 1 ]
	then ok; else bad "restore trust: fifo exit $fifo after $ms ms (state meanwhile: $status), foreign $foreign, open $open, link $link, kept $kept, restore: $restored"; cat "$tmp/r1" "$tmp/r2" "$tmp/r3" "$tmp/r4" 2> /dev/null; fi
}

# ctl save on a terminal: a bar of what QEMU has sent of the guest's 1 GiB (its
# migration status, a look every 250 ms), ending at the file's size
t_savebar() {
	conf savebar ignore
	sed -i 's/memory = "256M"/memory = "1G"/' "$tmp/savebar.conf"
	start savebar || { gave_up "save progress: no guest"; return; }
	python3 "$top/tests/integration/onterminal.py" "$tmp/bar" -- \
		"$vzhost" ctl --state-dir "$tmp/state" ev-$$-savebar save "$tmp/bar.state" > "$tmp/bar.err" 2>&1
	st1=$?
	size=$(stat -c %s "$tmp/bar.state" 2>/dev/null || echo 0)
	mib=$(python3 -c 'import sys; print("%.1f MiB" % (int(sys.argv[1]) / 1048576))' "$size")
	ctl savebar kill > /dev/null
	reap $pid 30
	if [ $st1 = 0 ] && [ "$size" -gt 1000000 ] &&
		tr '\r' '\n' < "$tmp/bar" | grep -q "^saving \[#* *\] *[0-9]*%  .* of 1.0 GiB " &&
		tr '\r' '\n' < "$tmp/bar" | grep -q "^saving \[#*\] 100%  $mib of $mib " &&
		grep -q '"ok":true,"state":"stopped","bytes":'"$size" "$tmp/bar"; then
		ok
	else
		bad "save progress on a terminal (exit $st1, $size bytes):"
		tr '\r' '\n' < "$tmp/bar" | sed 's/^/    /' | tail -5
	fi
}

# a QEMU that stops answering in the middle of a save: vzhost waits for it without
# spinning (its CPU time over 2 s), and the save still ends once QEMU goes on
t_savestall() {
	conf savestall ignore
	sed -i 's/memory = "256M"/memory = "1G"/' "$tmp/savestall.conf"
	start savestall || { gave_up "stalled save: no guest"; return; }
	qemu=$(pgrep -f "guest=ev-$$-savestall" | head -n 1)
	ctl savestall save "$tmp/stall.state" > "$tmp/stall.out" 2>&1 &
	saver=$!
	n=0
	until ctl savestall status 2> /dev/null | grep -q save_progress || [ $n -ge 200 ]; do
		n=$((n + 1))
	done
	kill -STOP "$qemu"
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep 2
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	answered=$(ctl savestall state)
	kill -CONT "$qemu"
	wait $saver
	st1=$?
	ctl savestall kill > /dev/null
	reap $pid 30
	# (ticks of 10 ms: a spinning loop takes about 200 in 2 s)
	if [ $n -lt 200 ] && [ $((t1 - t0)) -lt 20 ] && [ "$answered" = saving ] && [ $st1 = 0 ] &&
		[ -s "$tmp/stall.state" ]; then
		ok
	else
		bad "a stalled save: vzhost used $((t1 - t0)) ticks in 2 s (state $answered, save exit $st1, looked $n times)"
	fi
}

# a save that cannot be written: the client hears why, the VM runs on as before,
# and a stop still works afterwards
t_savefail() {
	conf savefail acpi
	start savefail || { gave_up "failed save: no guest"; return; }
	out=$(ctl savefail save /nonexistent/dir/x.state 2>&1)
	sst=$?
	n=$(grep -c 'VZH-GUEST: count' "$tmp/savefail.console")
	wait_count "$tmp/savefail.console" $((n + 2)) 10
	ctl savefail stop > /dev/null
	reap $pid 30
	if [ $sst = 1 ] && [ "$out" = "vzhost ctl: save failed: No such file or directory (the VM carries on as before)" ] &&
		guest savefail "count $((n + 2))" && guest savefail "power button" && [ $st = 0 ] &&
		record "$BOOT" "paused pausing->paused host-request" "paused saving->paused none" \
			"resumed resuming->running host-request" \
			"stopping running->stopping host-request" "stopped stopping->stopped host-request" \
			"release stopped->stopped none"
	then ok; else bad "a save that cannot be written (ctl exit $sst: $out; exit $st)"; fi
}

# on_host_stop = "save" onto a full disk: the save fails half-way, nothing of it
# stays, and the stop chain takes over (the guest sees its power button); exit 1
t_hostsave_full() {
	root_only "save on a full disk (a small tmpfs is mounted)" || return
	mkdir -p "$tmp/fullfs"
	if ! mount -t tmpfs -o size=1m tmpfs "$tmp/fullfs" 2>/dev/null; then
		skipped "save on a full disk: cannot mount a tmpfs here"
		return
	fi
	conf hostfull acpi 'on_host_stop = "save";'
	sed -i "s|state_dir = \"$tmp/state\"|state_dir = \"$tmp/fullfs/state\"|" "$tmp/hostfull.conf"
	sed -i "s|/state/\$1.sock|/fullfs/state/\$1.sock|" "$tmp/hooks/50-record"
	start hostfull || { gave_up "save on a full disk: no guest"; umount "$tmp/fullfs"; return; }
	kill -TERM $pid
	reap $pid 60
	left=$(ls -A "$tmp/fullfs/state" | grep -vE '^(locks|slots)$' | tr '\n' ' ')
	sed -i "s|/fullfs/state/\$1.sock|/state/\$1.sock|" "$tmp/hooks/50-record"
	umount "$tmp/fullfs"
	if guest hostfull "power button" && [ $st = 1 ] && [ -z "$left" ] &&
		grep -q "save to $tmp/fullfs/state/ev-$$-hostfull.state failed: .*No space left on device" "$tmp/err" &&
		grep -q "the save at host stop failed: stopping the VM instead" "$tmp/err"
	then ok; else bad "save on a full disk (exit $st, left in state_dir: $left)"; fi
}

# a QEMU that stops answering (SIGSTOP): a pause times out as an answer, and
# meanwhile another client's status is answered at once; once QEMU runs again
# it carries out what it was sent (the VM pauses), and resumes when asked
t_qemu_stopped() {
	conf frozen ignore
	start frozen || { gave_up "a QEMU that stops answering: no guest"; return; }
	qpid=$(pgrep -f "guest=ev-$$-frozen")
	kill -STOP $qpid
	t0=$(date +%s)
	ctl frozen pause > "$tmp/pause.out" 2>&1 &
	pauser=$!
	sleep 1
	t1=$(date +%s%N)
	status=$(ctl frozen status)
	t2=$(date +%s%N)
	reap $pauser 30
	pst=$st
	t3=$(date +%s)
	kill -CONT $qpid
	wait_for "$tmp/err" "state running -> paused" 10
	ctl frozen resume > /dev/null
	n=$(grep -c 'VZH-GUEST: count' "$tmp/frozen.console")
	wait_count "$tmp/frozen.console" $((n + 2)) 10
	ctl frozen kill > /dev/null
	reap $pid 30
	if [ "${status#*\"state\":\"pausing\"}" != "$status" ] &&
		[ $(((t2 - t1) / 1000000)) -lt 1500 ] && [ $pst = 1 ] &&
		grep -q "cannot pause: pause failed: no answer to stop in time" "$tmp/pause.out" &&
		[ $((t3 - t0)) -ge 8 ] && guest frozen "count $((n + 2))" && [ $st = 0 ]
	then ok; else bad "a QEMU that stops answering (status: $status; pause: exit $pst after $((t3 - t0)) s: $(cat "$tmp/pause.out"))"; fi
}

# a prepare hook vetoes: nothing starts, nothing is left, the reason is shown
t_veto() {
	printf '#!/bin/sh\n[ "$2" = prepare ] || exit 0\necho "no licence for $1" >&2\nexit 3\n' > "$tmp/hooks/10-veto"
	chmod 755 "$tmp/hooks/10-veto"
	conf veto poweroff "" ", { kind = \"disk\"; path = \"$tmp/veto.img\"; size = \"1M\"; }"
	timeout -k 5 40 "$vzhost" -c "$tmp/veto.conf" > /dev/null 2> "$tmp/err"
	st=$?
	rm -f "$tmp/hooks/10-veto"
	# a hook that cannot even be run vetoes too, with the reason
	printf '#!/nonexistent/interpreter\n' > "$tmp/hooks/40-noexec"
	chmod 755 "$tmp/hooks/40-noexec"
	timeout -k 5 40 "$vzhost" -c "$tmp/veto.conf" > /dev/null 2> "$tmp/err2"
	st2=$?
	rm -f "$tmp/hooks/40-noexec"
	if [ $st = 1 ] && grep -q "start abandoned: hook 10-veto exited with status 3: no licence for ev-$$-veto" "$tmp/err" &&
		[ ! -e "$tmp/veto.img" ] && [ ! -e "$tmp/state/ev-$$-veto.sock" ] &&
		[ ! -e "$tmp/veto.console" ] && ! pgrep -f "guest=ev-$$-veto" > /dev/null && [ ! -s "$REC" ] &&
		[ $st2 = 1 ] && [ ! -e "$tmp/veto.console" ] &&
		grep -q "start abandoned: hook 40-noexec exited with status 127: exec $tmp/hooks/40-noexec: No such file or directory" "$tmp/err2"
	then ok; else bad "prepare veto (exits $st $st2)"; fi
}

# a hook that hangs is killed at hooks.timeout; the VM runs on, events stay in order
t_hang() {
	printf '#!/bin/sh\n[ "$2" = started ] || exit 0\nsleep 100.%s &\nsleep 100.%s\n' $$ $$ > "$tmp/hooks/20-hang"
	chmod 755 "$tmp/hooks/20-hang"
	conf hang ignore "" "" 1
	start hang || { gave_up "hanging hook: no guest"; rm -f "$tmp/hooks/20-hang"; return; }
	timed=0
	wait_for "$tmp/err" "hook 20-hang timed out after 1 s" 10 && timed=1
	before=$(grep -c count "$tmp/hang.console")
	sleep 1
	ctl hang kill > /dev/null
	reap $pid 30
	rm -f "$tmp/hooks/20-hang"
	if [ "$(grep -c count "$tmp/hang.console")" -gt "$before" ] && [ $st = 0 ] && [ $timed = 1 ] &&
		! pgrep -f "sleep 100\.$$" > /dev/null && record "$BOOT" "$KILLED"
	then ok; else bad "hanging hook (exit $st)"; fi
}

# SIGTERM ends a hook still at work (its process group: SIGTERM, SIGKILL a second later)
# instead of waiting out hooks.timeout; and a SIGKILL of vzhost takes a hook's whole
# process group with it, its background job included (a guard in the group sees vzhost go)
t_hookterm() {
	printf '#!/bin/sh\n[ "$2" = started ] || exit 0\nsleep 3137.%s &\nexec sleep 25.%s\n' $$ $$ > "$tmp/hooks/20-slow"
	chmod 755 "$tmp/hooks/20-slow"
	conf hookterm acpi "stop_timeout = 10;" "" 30
	start hookterm || { gave_up "hook at SIGTERM: no guest"; rm -f "$tmp/hooks/20-slow"; return; }
	n=0
	until pgrep -f "sleep 25\.$$" > /dev/null || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
	t0=$(date +%s%N)
	kill -TERM $pid
	reap $pid 40
	ms=$((($(date +%s%N) - t0) / 1000000))
	st1=$st
	left1=$(pgrep -fc "sleep (3137|25)\.$$")
	cp "$tmp/err" "$tmp/err.term"
	conf hookkill ignore "" "" 30
	start hookkill || { gave_up "hook at SIGKILL: no guest"; rm -f "$tmp/hooks/20-slow"; return; }
	n=0
	until pgrep -f "sleep 3137\.$$" > /dev/null || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
	ran=$(pgrep -fc "sleep (3137|25)\.$$")
	kill -KILL $pid
	wait $pid 2> /dev/null
	n=0
	while pgrep -f "sleep (3137|25)\.$$|guest=ev-$$-hookkill" > /dev/null && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	left2=$(pgrep -fa "sleep (3137|25)\.$$|guest=ev-$$-hookkill")
	pkill -KILL -f "sleep (3137|25)\.$$"
	rm -f "$tmp/hooks/20-slow"
	if [ $st1 = 0 ] && [ $ms -lt 8000 ] && [ "$left1" = 0 ] &&
		grep -q "hook 20-slow: vzhost stops: ending its process group" "$tmp/err.term" &&
		[ "$ran" = 2 ] && [ -z "$left2" ]
	then ok; else bad "hooks at vzhost's end: SIGTERM exit $st1 after $ms ms, $left1 left; SIGKILL: $ran ran, left: $left2"; fi
}

# a hook that ignores SIGTERM is SIGKILLed a second after its timeout
t_stubborn() {
	cat > "$tmp/hooks/20-stubborn" <<'HOOK'
#!/bin/sh
[ "$2" = started ] || exit 0
trap '' TERM
echo "$$" > "$REC.stubborn"
while :; do sleep 0.1; done
HOOK
	chmod 755 "$tmp/hooks/20-stubborn"
	conf stubborn ignore "" "" 1
	start stubborn || { gave_up "stubborn hook: no guest"; rm -f "$tmp/hooks/20-stubborn"; return; }
	wait_for "$tmp/err" "hook 20-stubborn timed out after 1 s" 10
	hook=$(cat "$REC.stubborn" 2>/dev/null)
	gone=0
	for i in $(seq 1 100); do # SIGKILL is due one second after SIGTERM
		kill -0 "${hook:-0}" 2>/dev/null || { gone=1; break; }
		sleep 0.1
	done
	# the VM runs on: the guest keeps counting
	n=$(grep -c 'VZH-GUEST: count' "$tmp/stubborn.console")
	wait_count "$tmp/stubborn.console" $((n + 2)) 10
	ctl stubborn kill > /dev/null
	reap $pid 30
	rm -f "$tmp/hooks/20-stubborn" "$REC.stubborn"
	if [ -n "$hook" ] && [ $gone = 1 ] && guest stubborn "count $((n + 2))" && [ $st = 0 ] &&
		grep -q "hook 20-stubborn timed out after 1 s and ignored SIGTERM: killed (on started)" "$tmp/err" &&
		record "$BOOT" "$KILLED"
	then ok; else bad "hook ignoring SIGTERM (exit $st, hook pid $hook gone=$gone)"; fi
}

# 50 concurrent control clients, and one subscriber that never reads
t_busy() {
	conf busy ignore
	start busy || { gave_up "50 clients: no guest"; return; }
	mkfifo "$tmp/stall"
	exec 3<> "$tmp/stall" # a reader that takes one line, then never reads again
	"$vzhost" ctl --state-dir "$tmp/state" "ev-$$-busy" events > "$tmp/stall" &
	staller=$!
	IFS= read -r greeting <&3 # ctl events says the state first
	all=1
	i=0 clients=""
	while [ $i -lt 50 ]; do
		ctl busy status > "$tmp/status.$i" &
		clients="$clients $!"
		i=$((i + 1))
	done
	wait $clients # (each is bounded by ctl's timeout)
	[ "$(cat "$tmp"/status.* | grep -c '"state":"running"')" = 50 ] || all=0
	i=0
	while [ $i -lt 100 ]; do # 200 events the stalled subscriber does not read
		ctl busy pause > /dev/null && ctl busy resume > /dev/null || all=0
		i=$((i + 1))
	done
	t0=$(date +%s%N)
	ctl busy status | grep -q '"state":"running"' || all=0
	t1=$(date +%s%N)
	# the subscriber is still connected: stalled, not gone
	kill -0 $staller 2>/dev/null || all=0
	ctl busy kill > /dev/null
	reap $pid 30
	kill $staller 2>/dev/null
	exec 3<&-
	if guest busy "count 2" && [ $st = 0 ] && [ $all = 1 ] &&
		[ "${greeting#*\"ok\":true}" != "$greeting" ] && [ $(((t1 - t0) / 1000000)) -lt 2000 ]
	then ok; else bad "50 clients and a stalled subscriber (exit $st, all=$all, greeting $greeting)"; fi
}

# list, the socket's mode, and a second SIGINT forcing at once
t_twice() {
	conf twice ignore "stop_timeout = 60;"
	start twice || { gave_up "second SIGINT: no guest"; return; }
	lst=$("$vzhost" list --json --state-dir "$tmp/state")
	mode=$(stat -c %a "$tmp/state/ev-$$-twice.sock")
	kill -INT $pid
	wait_for "$tmp/err" "state running -> stopping (host-request)" 10
	kill -INT $pid
	t0=$(date +%s)
	reap $pid 30
	t1=$(date +%s)
	if guest twice "count 2" && [ $st = 0 ] && [ "$mode" = 600 ] && [ $((t1 - t0)) -lt 10 ] &&
		printf '%s' "$lst" | grep -q "\"vm\": \"ev-$$-twice\"" &&
		printf '%s' "$lst" | grep -q '"state": "running"' &&
		grep -q "Interrupt: forcing off every VM" "$tmp/err" &&
		record "$BOOT" "stopping running->stopping host-request" \
			"stopping stopping->stopping host-kill" "stopped stopping->stopped host-kill" \
			"release stopped->stopped none"
	then ok; else bad "list, socket mode, second SIGINT (exit $st, mode $mode)"; fi
}

# another user cannot drive the VM even through a socket opened up to them
t_peer() {
	root_only "control socket peer check (as a second uid)" || return
	conf peer ignore
	start peer || { gave_up "peer check: no guest"; return; }
	chmod 755 "$tmp" "$tmp/state"
	chmod 666 "$tmp/state/ev-$$-peer.sock"
	# ten times: the server may hang up before the client has written
	# (the client must still say why, not die of SIGPIPE)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
			timeout 10 "$vzhost" ctl --state-dir "$tmp/state" "ev-$$-peer" kill 2>&1)
		pst=$?
		[ $pst = 1 ] || break
	done
	chmod 700 "$tmp"
	sleep 0.5
	alive=$(ctl peer status | grep -c '"state":"running"')
	ctl peer kill > /dev/null
	reap $pid 30
	if guest peer "count 2" && [ $pst = 1 ] && [ "$alive" = 1 ] &&
		printf '%s' "$out" | grep -q "permission denied: uid 65534 does not own this VM" &&
		[ $st = 0 ] && record "$BOOT" "$KILLED"
	then ok; else bad "control socket peer check (ctl as uid 65534: exit $pst: $out)"; fi
}

# QEMU killed: crashed, then restarted by policy
t_crash() {
	conf crash ignore 'on_crash = "restart";'
	start crash || { gave_up "crash then restart: no guest"; return; }
	pkill -KILL -f "guest=ev-$$-crash"
	wait_for "$tmp/err" "restarting in 1 s" 10
	n=0
	for j in $(seq 1 300); do
		n=$(grep -c "^started" "$REC")
		[ "$n" -ge 2 ] && break
		sleep 0.1
	done
	boots=0
	for j in $(seq 1 300); do # the second boot, counting again from 0
		boots=$(grep -c "VZH-GUEST: booted" "$tmp/crash.console")
		[ "$boots" -ge 2 ] && [ "$(grep -cE "VZH-GUEST: count 1($|[^0-9])" "$tmp/crash.console")" -ge 2 ] && break
		sleep 0.1
	done
	ctl crash kill > /dev/null
	reap $pid 30
	if [ "$boots" = 2 ] && [ $st = 0 ] && [ "$n" = 2 ] &&
		record "$BOOT" "error running->error crashed" \
			"stopped error->stopped crashed" "release stopped->stopped none" \
			"$BOOT" "$KILLED"
	then ok; else bad "crash then restart (exit $st, starts $n, guest boots $boots)"; fi
}

# a writable disk is locked: a second vzhost is refused before anything starts
# (one with another state directory by the image's lock, named by pid); readers
# share an image with each other, never with a writer
t_lock() {
	conf lock1 ignore "" ", { kind = \"disk\"; path = \"$tmp/shared.img\"; size = \"1M\"; }"
	start lock1 || { gave_up "disk locks: no guest"; return; }
	first=$pid
	conf lock2 poweroff "" ", { kind = \"disk\"; path = \"$tmp/shared.img\"; }"
	sed -i "s|$tmp/state|$tmp/state2|" "$tmp/lock2.conf"
	timeout -k 5 40 "$vzhost" -c "$tmp/lock2.conf" > /dev/null 2> "$tmp/err1"
	st1=$?
	[ -e "$tmp/lock2.console" ] && st1="$st1 (its guest ran)"
	# its image deleted under it: the path stays taken, no new image is made
	rm "$tmp/shared.img"
	conf lock3 poweroff "" ", { kind = \"disk\"; path = \"$tmp/shared.img\"; size = \"1M\"; }"
	timeout -k 5 40 "$vzhost" -c "$tmp/lock3.conf" > /dev/null 2> "$tmp/err4"
	st4=$?
	[ -e "$tmp/lock3.console" ] && st4="$st4 (its guest ran)"
	[ -e "$tmp/shared.img" ] && st4="$st4 (a new image was made)"
	ctl lock1 kill > /dev/null
	reap $first 30
	cp "$top/tests/fixtures/files/base.img" "$tmp/ro.img"
	conf ro1 ignore "" ", { kind = \"disk\"; path = \"$tmp/ro.img\"; read_only = true; }"
	start ro1 || { gave_up "disk locks: no reader guest"; return; }
	ro1=$pid
	conf ro2 poweroff "" ", { kind = \"disk\"; path = \"$tmp/ro.img\"; read_only = true; }"
	timeout -k 5 40 "$vzhost" -c "$tmp/ro2.conf" > /dev/null 2> "$tmp/err2"
	st2=$?
	conf rw poweroff "" ", { kind = \"disk\"; path = \"$tmp/ro.img\"; }"
	sed -i "s|$tmp/state|$tmp/state2|" "$tmp/rw.conf"
	timeout -k 5 40 "$vzhost" -c "$tmp/rw.conf" > /dev/null 2> "$tmp/err3"
	st3=$?
	[ -e "$tmp/rw.console" ] && st3="$st3 (its guest ran)"
	ctl ro1 kill > /dev/null
	reap $ro1 30
	if [ "$st1" = 1 ] && grep -q "start abandoned: disk $tmp/shared.img is in use by process $first" "$tmp/err1" &&
		guest ro2 "powering off" && [ $st2 = 0 ] &&
		[ "$st3" = 1 ] && grep -q "start abandoned: disk $tmp/ro.img is in use by" "$tmp/err3" &&
		[ "$st4" = 1 ] && grep -q "start abandoned: disk $tmp/shared.img is in use by VM \"ev-$$-lock1\" (vzhost pid $first)" "$tmp/err4"
	then ok; else bad "disk locks (writer vs writer $st1, reader beside reader $st2, writer vs reader $st3, deleted image $st4)"; cat "$tmp/err1" "$tmp/err2" "$tmp/err3" "$tmp/err4"; fi
}

# a plugin's start hook vetoes: the QEMU it would run is never started
t_pveto() {
	cat > "$tmp/pveto.conf" <<CONF
host = { state_dir = "$tmp/state"; };
plugins = { dirs = [ "$build/fixtures" ]; load = [ "serial", "vetoer", "disk" ];
            vetoer = { deny = "ev-$$-pveto"; at_start = true; }; };
hooks = { dir = "hooks"; };
vms = ( { name = "ev-$$-pveto"; memory = "256M";
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img"; cmdline = "vzh=poweroff"; };
  devices = ( { kind = "disk"; path = "$tmp/pveto.img"; size = "1M"; } ); } );
CONF
	rm -f "$REC"
	timeout -k 5 40 "$vzhost" -c "$tmp/pveto.conf" > /dev/null 2> "$tmp/err"
	st=$?
	# start comes after the image and lock: both go again, the image stays (it is data)
	if [ $st = 1 ] && grep -q "start abandoned: plugin vetoer: ev-$$-pveto is not allowed on this host (start hook)" "$tmp/err" &&
		! pgrep -f "guest=ev-$$-pveto" > /dev/null && [ ! -e "$tmp/state/ev-$$-pveto.sock" ] &&
		[ "$(stat -c %s "$tmp/pveto.img" 2>/dev/null)" = 1048576 ] &&
		record "prepare stopped->stopped host-request" "release stopped->stopped none"
	then ok; else bad "plugin veto (exit $st)"; fi
}

# restart policy: a guest that keeps powering off is restarted with backoff (1 s
# doubling to 30 s), then given up on when 5 restarts already happened within 60 s:
# exit 1.  Six boots of about 4 s and 31 s of backoff fit in the minute; a busy
# machine's slower boots may spread them past it, and then vzhost must go on
# restarting: the stops' times (a hook's) say which is due, and the test stops
# vzhost after 8 boots when none is.
t_loop() {
	printf '#!/bin/sh\n[ "$2" = stopped ] && date +%%s.%%N >> "$REC.times"\nexit 0\n' > "$tmp/hooks/55-times"
	chmod 755 "$tmp/hooks/55-times"
	rm -f "$REC.times"
	conf loop poweroff 'on_poweroff = "restart";'
	: > "$tmp/err" # (now: the job redirects when it runs)
	timeout -k 5 300 "$vzhost" -c "$tmp/loop.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	wait_lines "$tmp/err" "running -> stopped" 8 290 $pid
	kill -TERM $pid 2> /dev/null
	reap $pid 30
	rm -f "$tmp/hooks/55-times"
	boots=$(grep -c "VZH-GUEST: powering off" "$tmp/loop.console")
	waits=$(grep -o "restarting in [0-9]* s" "$tmp/err" | sed 's/[^0-9]//g' | tr '\n' ,)
	# the stop at which 5 earlier ones (each restarted) lie within 60 s
	due=$(python3 -c 'import sys
t = [float(x) for x in open(sys.argv[1])]
print(next((k + 1 for k in range(len(t)) if sum(t[k] - u < 60 for u in t[:k]) >= 5), 0))' "$REC.times")
	# each stop but the one given up at is followed by a restart, after a
	# backoff of 1 s doubling to 30
	if [ "$due" != 0 ]; then
		restarts=$((boots - 1))
		[ $st = 1 ] && [ "$boots" = "$due" ] && grep -q "giving up: 5 restarts within 60 s" "$tmp/err"
	else
		restarts=$boots
		[ $st = 0 ] && [ "$boots" -ge 8 ] && ! grep -q "giving up" "$tmp/err"
	fi
	given=$?
	backoff=$(python3 -c 'import sys; print("".join("%d," % min(2 ** i, 30) for i in range(int(sys.argv[1]))))' $restarts)
	if [ $given = 0 ] && [ "$boots" -ge 6 ] && [ "$(grep -c "^started" "$REC")" = "$boots" ] &&
		[ "$(wc -l < "$REC.times")" = "$boots" ] && [ "$waits" = "$backoff" ]
	then ok; else bad "restart give-up (exit $st, $boots boots, waits $waits, give-up due at stop ${due}: $(tr '\n' ' ' < "$REC.times"))"; fi
}

# the machine on a hook script's stdin: what --print shows of the VM, field for
# field, and its forwards, at every hook point
t_hookjson() {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	conf hookjson poweroff "" ", { kind = \"nat\"; forwards = ( \"$port:22\" ); }"
	sed -i 's|dir = "hooks"|dir = "hookjson"|' "$tmp/hookjson.conf"
	mkdir -p "$tmp/hookjson"
	printf '#!/bin/sh\ncat > "$HJ.$2"\n' > "$tmp/hookjson/10-save"
	chmod 755 "$tmp/hookjson/10-save"
	export HJ="$tmp/hj"
	"$vzhost" -c "$tmp/hookjson.conf" --print > "$tmp/hj.print" 2>&1
	timeout -k 5 40 "$vzhost" -c "$tmp/hookjson.conf" > /dev/null 2> "$tmp/err"
	st=$?
	if [ $st = 0 ] && guest hookjson "powering off" &&
		python3 - "$tmp/hj" "$port" <<'PY'; then
import json, sys
base, port = sys.argv[1], int(sys.argv[2])
want = json.load(open(base + ".print"))["vms"][0]
bad = []
for ev in ("prepare", "start", "started", "stopped", "release"):
    try:
        got = json.load(open("%s.%s" % (base, ev)))
    except (OSError, ValueError) as e:
        bad.append("%s: %s" % (ev, e))
        continue
    fw = got.pop("forwards", None)
    addr = got.pop("address", None)
    if got.pop("network", None) != {"drops": 0, "reattached": 0, "down": 0}:
        bad.append("%s: network" % ev)
    # (no plugin stopped it, nothing restarted it)
    if got.pop("restarts", None) != 0 or "stop_reason" in got:
        bad.append("%s: restarts or stop_reason" % ev)
    if got != want:
        bad.append("%s: %s" % (ev, sorted(k for k in set(got) | set(want)
                                          if got.get(k) != want.get(k))))
    if fw != [{"proto": "tcp", "host_addr": "127.0.0.1", "host_port": port, "guest_port": 22}]:
        bad.append("%s forwards: %s" % (ev, fw))
    if addr is not None and not (isinstance(addr, str) and addr.count(".") == 3):
        bad.append("%s address: %r" % (ev, addr))
if bad:
    print("    " + "; ".join(bad)[:800])
sys.exit(1 if bad else 0)
PY
		ok
	else
		bad "the machine JSON of hook scripts (exit $st)"
		sed 's/^/    /' "$tmp/err" | tail -5
	fi
}

# two VMs in one vzhost: each VM's hook points in its own order, whatever the other
# does at the same time (one powers off at once, one is stopped by SIGTERM)
t_twovms() {
	cat > "$tmp/twovms.conf" <<CONF
host = { state_dir = "$tmp/state"; };
hooks = { dir = "twohooks"; timeout = 5; };
vms = ( { name = "ev-$$-twovms"; memory = "256M";
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=poweroff"; };
  devices = ( { kind = "serial"; output = "$tmp/twovms.console"; } ); },
  { name = "ev-$$-twovms2"; memory = "256M";
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=acpi"; };
  devices = ( { kind = "serial"; output = "$tmp/twovms2.console"; } ); } );
CONF
	rm -f "$tmp/twovms.console" "$tmp/twovms2.console"
	mkdir -p "$tmp/twohooks"
	printf '#!/bin/sh\necho "$1 $2 $VZHOST_PREV_STATE->$VZHOST_STATE $3" >> "$REC2"\n' > "$tmp/twohooks/10-rec"
	chmod 755 "$tmp/twohooks/10-rec"
	export REC2="$tmp/rec.two"
	rm -f "$REC2"
	: > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/twovms.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	if ! wait_for "$tmp/err" "ev-$$-twovms\] notice: state running -> stopped" 40 "" $pid ||
		! wait_count "$tmp/twovms2.console" 2 30 $pid; then
		gave_up "two VMs: the guests never got going"
		return
	fi
	# the first VM's "stopped" hook done before SIGTERM: vzhost's stop ends the
	# process group of a hook still running (a busy machine lags it past the state line)
	wait_for "$REC2" "^ev-$$-twovms stopped " 20 "" $pid
	kill -TERM $pid
	reap $pid 30
	sed -n "s/^ev-$$-twovms //p" "$REC2" > "$tmp/rec1"
	sed -n "s/^ev-$$-twovms2 //p" "$REC2" > "$tmp/rec2"
	printf '%s\n' "$BOOT" "stopped running->stopped guest-shutdown" "release stopped->stopped none" > "$tmp/want1"
	printf '%s\n' "$BOOT" "stopping running->stopping host-request" \
		"stopped stopping->stopped host-request" "release stopped->stopped none" > "$tmp/want2"
	if [ $st = 0 ] && guest twovms "powering off" && cmp -s "$tmp/want1" "$tmp/rec1" &&
		cmp -s "$tmp/want2" "$tmp/rec2" && [ "$(wc -l < "$REC2")" = 11 ]; then
		ok
	else
		bad "two VMs: hook points out of their VM's order (exit $st)"
		sed 's/^/    /' "$REC2"
	fi
}

# hook scripts run in their names' byte order (strcmp: "10-" before "9-", capitals
# before small letters), whatever order the directory lists them in
t_hookorder() {
	conf hookorder poweroff
	sed -i 's|dir = "hooks"|dir = "hookorder"|' "$tmp/hookorder.conf"
	mkdir -p "$tmp/hookorder"
	for n in 50-a Z 9-late a 10-early 50-B; do # neither this order nor its reverse
		printf '#!/bin/sh\necho "$(basename "$0") $2" >> "$ORD"\n' > "$tmp/hookorder/$n"
		chmod 755 "$tmp/hookorder/$n"
	done
	export ORD="$tmp/order"
	rm -f "$ORD"
	timeout -k 5 40 "$vzhost" -c "$tmp/hookorder.conf" > /dev/null 2> "$tmp/err"
	st=$?
	sed -n 's/ prepare$//p' "$ORD" 2>/dev/null | tr '\n' ' ' > "$tmp/order.prepare"
	if [ $st = 0 ] && guest hookorder "powering off" &&
		[ "$(cat "$tmp/order.prepare")" = "10-early 50-B 50-a 9-late Z a " ] &&
		[ "$(sed -n 's/ release$//p' "$ORD" | tr '\n' ' ')" = "10-early 50-B 50-a 9-late Z a " ]; then
		ok
	else
		bad "hook scripts out of name order (exit $st): $(cat "$tmp/order.prepare")"
		sed 's/^/    /' "$tmp/err" | tail -5
	fi
}

# the hooks directory may not be world-writable
t_worldhooks() {
	chmod 777 "$tmp/hooks"
	conf ww poweroff
	timeout -k 5 40 "$vzhost" -c "$tmp/ww.conf" > /dev/null 2> "$tmp/err"
	st=$?
	chmod 755 "$tmp/hooks"
	if [ $st = 78 ] && grep -q "hooks.dir $tmp/hooks is world-writable: refusing its scripts" "$tmp/err" &&
		[ ! -e "$tmp/ww.console" ]
	then ok; else bad "world-writable hooks dir (exit $st)"; fi
}

run_tests poweroff graceful readyhook escalate sigterm ctrlc pause save ctlsave restoretrust savebar savestall savefail hostsave_full \
	qemu_stopped veto hang hookterm stubborn busy twice peer crash lock pveto loop worldhooks hookorder hookjson twovms
summary events
