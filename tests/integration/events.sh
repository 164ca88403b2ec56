#!/bin/sh
# Events, hooks, control socket and supervision on real QEMU guests.  A recording hook
# script writes one line per event ("event prev->state reason", checking its argv and
# environment); each test compares that record, and what `vzhost ctl VM events` saw,
# with the exact sequence expected.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
vzhost=$build/vzhost
guest=$top/build/guest
export VZHOST_PLUGIN_PATH="$build/plugins"
tmp=$(mktemp -d)
pass=0 fail=0
trap 'pkill -KILL -f "guest=ev-$$-" 2>/dev/null; pkill -f "vzhost.*$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
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

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
	for f in record events err; do
		[ -f "$tmp/$f" ] && sed "s|^|    $f: |" "$tmp/$f" | tail -14
	done
}

# conf NAME ACTION [VM SETTINGS] [DEVICES] [HOOKS SETTINGS]
conf() {
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$tmp/state"; };
hooks = { dir = "hooks"; timeout = ${5:-5}; };
vms = ( { name = "ev-$$-$1"; memory = "256M"; ${3:-}
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=$2"; };
  devices = ( { kind = "serial"; output = "$tmp/$1.console"; } ${4:-} ); } );
CONF
	rm -f "$REC" "$tmp/events"
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

wait_for() { # FILE PATTERN SECONDS
	i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

ctl() { "$vzhost" ctl --state-dir "$tmp/state" "ev-$$-$1" "$2" ${3:-}; }

# start NAME: vzhost in the background, running once the guest counts
start() {
	"$vzhost" -c "$tmp/$1.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	wait_for "$tmp/$1.console" "count 2" 30
}

subscribe() { # NAME: `ctl events` in the background, connected
	ctl "$1" events > "$tmp/events" &
	wait_for "$tmp/events" '"ok":true' 5
}

# 1. guest power-off
conf off poweroff
"$vzhost" -c "$tmp/off.conf" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 0 ] && record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
	"started starting->running host-request" "stopped running->stopped guest-shutdown" \
	"release stopped->stopped none"; then ok; else bad "guest power-off (exit $st)"; fi

# 2. graceful stop through ctl: the guest takes the power button
conf graceful acpi
start graceful
subscribe graceful
ctl graceful stop > /dev/null
wait $pid
st=$?
if [ $st = 0 ] && grep -q "VZH-GUEST: power button" "$tmp/graceful.console" &&
	record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
		"started starting->running host-request" "stopping running->stopping host-request" \
		"stopped stopping->stopped host-request" "release stopped->stopped none" &&
	stream "stopping stopping host-request" "stopped stopped host-request" "release stopped none"
then ok; else bad "graceful stop (exit $st)"; fi

# 3. SIGTERM, the guest ignores the button: forced at stop_timeout
conf escalate ignore "stop_timeout = 2;"
start escalate
kill -TERM $pid
wait $pid
st=$?
if [ $st = 0 ] && grep -q "still running 2 s after the stop request: forcing it off" "$tmp/err" &&
	record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
		"started starting->running host-request" "stopping running->stopping host-request" \
		"stopping stopping->stopping host-kill" "stopped stopping->stopped host-kill" \
		"release stopped->stopped none"; then ok; else bad "stop_timeout escalation (exit $st)"; fi

# 4. SIGTERM, the guest shuts down cleanly; then ctl kill on another
conf sigterm acpi
start sigterm
kill -TERM $pid
wait $pid
st=$?
conf kill ignore
start kill
ctl kill kill > /dev/null
wait $pid
st2=$?
if [ $st = 0 ] && [ $st2 = 0 ] && record "prepare stopped->stopped host-request" \
	"start stopped->stopped host-request" "started starting->running host-request" \
	"stopping running->stopping host-kill" "stopped stopping->stopped host-kill" \
	"release stopped->stopped none"; then ok; else bad "SIGTERM graceful / kill (exits $st $st2)"; fi

# 5. pause and resume through ctl, seen by the hook and the subscriber
conf pause ignore
start pause
subscribe pause
ctl pause pause > /dev/null && ctl pause resume > /dev/null && ctl pause kill > /dev/null
wait $pid
st=$?
if [ $st = 0 ] && record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
	"started starting->running host-request" "paused pausing->paused host-request" \
	"resumed resuming->running host-request" "stopping running->stopping host-kill" \
	"stopped stopping->stopped host-kill" "release stopped->stopped none" &&
	stream "pausing pausing host-request" "paused paused host-request" \
		"resuming resuming host-request" "resumed running host-request" \
		"stopping stopping host-kill" "stopped stopped host-kill" "release stopped none"
then ok; else bad "pause/resume (exit $st)"; fi

# 6. on_host_stop = "save": SIGTERM saves; the next start restores and continues
conf save ignore 'on_host_stop = "save";'
start save
kill -TERM $pid
wait $pid
st=$?
saved=$(grep -o 'count [0-9]*' "$tmp/save.console" | tail -n 1 | cut -d' ' -f2)
rec1=$(cat "$REC")
rm -f "$REC"
"$vzhost" -c "$tmp/save.conf" > /dev/null 2> "$tmp/err" &
pid=$!
wait_for "$tmp/save.console" "count $((saved + 2))" 30
ctl save kill > /dev/null
wait $pid
st2=$?
if [ $st = 0 ] && [ $st2 = 0 ] && [ -n "$saved" ] &&
	[ "$(grep -c 'VZH-GUEST: booted' "$tmp/save.console")" = 1 ] &&
	grep -q "count $((saved + 1))" "$tmp/save.console" &&
	[ ! -e "$tmp/state/ev-$$-save.state" ] &&
	printf '%s\n' "$rec1" | tail -n 4 | tr '\n' '|' | grep -q "^paused pausing->paused host-request|saved saving->stopped saved|stopped saving->stopped saved|release stopped->stopped none|$" &&
	record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
		"restored restoring->paused restored" "resumed resuming->running host-request" \
		"stopping running->stopping host-kill" "stopped stopping->stopped host-kill" \
		"release stopped->stopped none"
then ok; else bad "save on host stop, restore on start (exits $st $st2, saved at $saved)"; fi

# 7. a prepare hook vetoes: nothing starts, nothing is left, the reason is shown
printf '#!/bin/sh\n[ "$2" = prepare ] || exit 0\necho "no licence for $1" >&2\nexit 3\n' > "$tmp/hooks/10-veto"
chmod 755 "$tmp/hooks/10-veto"
conf veto poweroff "" ", { kind = \"disk\"; path = \"$tmp/veto.img\"; size = \"1M\"; }"
"$vzhost" -c "$tmp/veto.conf" > /dev/null 2> "$tmp/err"
st=$?
rm -f "$tmp/hooks/10-veto"
if [ $st = 1 ] && grep -q "start abandoned: hook 10-veto exited with status 3: no licence for ev-$$-veto" "$tmp/err" &&
	[ ! -e "$tmp/veto.img" ] && [ ! -e "$tmp/state/ev-$$-veto.sock" ] &&
	! pgrep -f "guest=ev-$$-veto" > /dev/null && [ ! -s "$REC" ]
then ok; else bad "prepare veto (exit $st)"; fi

# 8. a hook that hangs is killed at hooks.timeout; the VM runs on, events stay in order
printf '#!/bin/sh\n[ "$2" = started ] || exit 0\nsleep 100 &\nsleep 100\n' > "$tmp/hooks/20-hang"
chmod 755 "$tmp/hooks/20-hang"
conf hang ignore "" "" 1
start hang
wait_for "$tmp/err" "hook 20-hang timed out after 1 s" 10
before=$(grep -c count "$tmp/hang.console")
sleep 1
ctl hang kill > /dev/null
wait $pid
st=$?
rm -f "$tmp/hooks/20-hang"
if [ $st = 0 ] && [ "$(grep -c count "$tmp/hang.console")" -gt "$before" ] &&
	! pgrep -f "sleep 100" > /dev/null &&
	record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
		"started starting->running host-request" "stopping running->stopping host-kill" \
		"stopped stopping->stopped host-kill" "release stopped->stopped none"
then ok; else bad "hanging hook (exit $st)"; fi

# 9. 50 concurrent control clients, and one subscriber that never reads
conf busy ignore
start busy
mkfifo "$tmp/stall"
ctl busy events > "$tmp/stall" & # nobody opens the FIFO: it never reads
staller=$!
i=0
while [ $i -lt 50 ]; do
	ctl busy status > "$tmp/status.$i" &
	i=$((i + 1))
done
wait_all_ok=1
sleep 0.2
for j in $(seq 1 60); do
	[ "$(cat "$tmp"/status.* 2>/dev/null | grep -c '"ok":true,"vm"')" = 50 ] && break
	sleep 0.1
done
[ "$(cat "$tmp"/status.* | grep -c '"state":"running"')" = 50 ] || wait_all_ok=0
i=0
while [ $i -lt 100 ]; do # 200 events the stalled subscriber does not read
	ctl busy pause > /dev/null && ctl busy resume > /dev/null || wait_all_ok=0
	i=$((i + 1))
done
t0=$(date +%s%N)
ctl busy status | grep -q '"state":"running"' || wait_all_ok=0
t1=$(date +%s%N)
ctl busy kill > /dev/null
wait $pid
st=$?
kill $staller 2>/dev/null
if [ $st = 0 ] && [ $wait_all_ok = 1 ] && [ $(((t1 - t0) / 1000000)) -lt 1000 ]; then ok
else bad "50 clients and a stalled subscriber (exit $st, ok=$wait_all_ok)"; fi

# 9b. list, the socket's mode, and a second SIGINT forcing at once
conf twice ignore "stop_timeout = 60;"
start twice
lst=$("$vzhost" list --json --state-dir "$tmp/state")
mode=$(stat -c %a "$tmp/state/ev-$$-twice.sock")
kill -INT $pid
wait_for "$tmp/err" "state running -> stopping (host-request)" 10
kill -INT $pid
t0=$(date +%s)
wait $pid
st=$?
t1=$(date +%s)
if [ $st = 0 ] && [ "$mode" = 600 ] && [ $((t1 - t0)) -lt 10 ] &&
	printf '%s' "$lst" | grep -q "\"vm\": \"ev-$$-twice\"" &&
	printf '%s' "$lst" | grep -q '"state": "running"' &&
	grep -q "Interrupt: forcing off every VM" "$tmp/err" &&
	record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
		"started starting->running host-request" "stopping running->stopping host-request" \
		"stopping stopping->stopping host-kill" "stopped stopping->stopped host-kill" \
		"release stopped->stopped none"
then ok; else bad "list, socket mode, second SIGINT (exit $st, mode $mode)"; fi

# 10. QEMU killed: crashed, then restarted by policy
conf crash ignore 'on_crash = "restart";'
start crash
pkill -KILL -f "guest=ev-$$-crash"
wait_for "$tmp/err" "restarting in 1 s" 10
wait_for "$REC" "^started.*" 30
sleep 0.5
n=0
for j in $(seq 1 300); do
	n=$(grep -c "^started" "$REC")
	[ "$n" -ge 2 ] && break
	sleep 0.1
done
ctl crash kill > /dev/null
wait $pid
st=$?
if [ $st = 0 ] && [ "$n" = 2 ] &&
	record "prepare stopped->stopped host-request" "start stopped->stopped host-request" \
		"started starting->running host-request" "error running->error crashed" \
		"stopped error->stopped crashed" "release stopped->stopped none" \
		"prepare stopped->stopped host-request" "start stopped->stopped host-request" \
		"started starting->running host-request" "stopping running->stopping host-kill" \
		"stopped stopping->stopped host-kill" "release stopped->stopped none"
then ok; else bad "crash then restart (exit $st, starts $n)"; fi

# 11. a writable disk is locked: a second vzhost is refused before anything starts
conf lock1 ignore "" ", { kind = \"disk\"; path = \"$tmp/shared.img\"; size = \"1M\"; }"
start lock1
first=$pid
conf lock2 poweroff "" ", { kind = \"disk\"; path = \"$tmp/shared.img\"; }"
"$vzhost" -c "$tmp/lock2.conf" > /dev/null 2> "$tmp/err"
st=$?
pgrep -f "guest=ev-$$-lock2" > /dev/null && st=99
# read-only users may share it with each other, not with a writer
conf ro1 ignore "" ", { kind = \"disk\"; path = \"$top/tests/fixtures/files/base.img\"; read_only = true; }"
"$vzhost" -c "$tmp/ro1.conf" > /dev/null 2> /dev/null &
ro1=$!
wait_for "$tmp/ro1.console" "count 1" 30
conf ro2 poweroff "" ", { kind = \"disk\"; path = \"$top/tests/fixtures/files/base.img\"; read_only = true; }"
"$vzhost" -c "$tmp/ro2.conf" > /dev/null 2> "$tmp/err2"
st2=$?
ctl lock1 kill > /dev/null
ctl ro1 kill > /dev/null
wait $first $ro1
if [ $st = 1 ] && grep -q "start abandoned: disk $tmp/shared.img is in use by VM \"ev-$$-lock1\" (vzhost pid $first)" "$tmp/err" &&
	[ $st2 = 0 ]; then ok; else bad "disk locks (exits $st $st2)"; cat "$tmp/err2"; fi

# 12. a plugin's start hook vetoes: the QEMU it would run is never started
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
"$vzhost" -c "$tmp/pveto.conf" > /dev/null 2> "$tmp/err"
st=$?
# start comes after the image and lock: both go again, the image stays (it is data)
if [ $st = 1 ] && grep -q "start abandoned: plugin vetoer: ev-$$-pveto is not allowed on this host (start hook)" "$tmp/err" &&
	! pgrep -f "guest=ev-$$-pveto" > /dev/null && [ ! -e "$tmp/state/ev-$$-pveto.sock" ] &&
	record "prepare stopped->stopped host-request" "release stopped->stopped none"
then ok; else bad "plugin veto (exit $st)"; fi

# 13. restart policy: a guest that keeps powering off is restarted with backoff,
# then given up on after 5 restarts within 60 s: exit 1
conf loop poweroff 'on_poweroff = "restart";'
"$vzhost" -c "$tmp/loop.conf" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 1 ] && [ "$(grep -c "^started" "$REC")" = 6 ] &&
	grep -q "restarting in 1 s" "$tmp/err" && grep -q "restarting in 16 s" "$tmp/err" &&
	grep -q "giving up: 5 restarts within 60 s" "$tmp/err"
then ok; else bad "restart give-up (exit $st)"; fi

# 14. the hooks directory may not be world-writable
chmod 777 "$tmp/hooks"
conf ww poweroff
"$vzhost" -c "$tmp/ww.conf" > /dev/null 2> "$tmp/err"
st=$?
chmod 755 "$tmp/hooks"
if [ $st = 78 ] && grep -q "hooks.dir $tmp/hooks is world-writable: refusing its scripts" "$tmp/err"
then ok; else bad "world-writable hooks dir (exit $st)"; fi

echo "events: $pass passed, $fail failed"
[ $fail -eq 0 ]
