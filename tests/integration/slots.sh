#!/bin/sh
# VM slots on real QEMU guests: admission before anything starts (host.max_vms), the
# holder named, waiting for a slot, a slot kept across a restart's backoff, and a
# SIGKILLed vzhost whose QEMU dies with it and whose stale record the next start cleans.
# Each test first asserts that the guests themselves got where the test is about.
# VZH_TESTS="refused wait" runs only those tests.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$top/${B:-build}
vzhost=$build/vzhost
guest=${VZH_GUEST:-$top/build/guest}
export VZHOST_PLUGIN_PATH="$build/plugins"
tmp=$(mktemp -d)
SHOW="err err2"
. "$top/tests/integration/lib.sh"
trap 'pkill -KILL -f "guest=sl-$$-" 2>/dev/null; pkill -KILL -f "vzhost.*$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/hooks" "$tmp/state"
# records the limit hook point: "event reason"
printf '#!/bin/sh\necho "$1 $2 $3" >> "%s/record"\n' "$tmp" > "$tmp/hooks/50-record"
chmod 755 "$tmp/hooks/50-record"

# conf NAME ACTION [HOST SETTINGS] [VM SETTINGS]: one VM, max_vms = 1 unless said
conf() {
	cat > "$tmp/$1.conf" <<CONF
host = { state_dir = "$tmp/state"; max_vms = 1; ${3:-} };
hooks = { dir = "hooks"; };
vms = ( { name = "sl-$$-$1"; memory = "256M"; ${4:-}
  boot = { kernel = "$guest/vmlinuz"; initrd = "$guest/initrd.img";
           cmdline = "console=ttyS0 quiet vzh=$2"; };
  devices = ( { kind = "serial"; output = "$tmp/$1.console"; } ); } );
CONF
	rm -f "$tmp/$1.console"
}

ctl() { timeout -k 2 20 "$vzhost" ctl --state-dir "$tmp/state" "sl-$$-$1" "$2"; }

# start NAME: vzhost in the background (pid), true once the guest counts
start() {
	: > "$tmp/err" # (now: the job redirects when it runs)
	"$vzhost" -c "$tmp/$1.conf" > /dev/null 2> "$tmp/err" &
	pid=$!
	wait_count "$tmp/$1.console" 2 30 $pid && return 0
	echo "  the guest of $1 never counted to 2"
	return 1
}

stop_first() {
	ctl "$1" kill > /dev/null
	reap $pid 30
}

# a second VM beyond max_vms: refused before anything of it starts, the holder
# named, the limit hook point, exit 75
t_refused() {
	conf one ignore
	start one || { bad "refused: the first guest never ran"; stop_first one; return; }
	first=$pid
	conf two poweroff
	rm -f "$tmp/record"
	timeout -k 5 40 "$vzhost" -c "$tmp/two.conf" > /dev/null 2> "$tmp/err2"
	st2=$?
	lst=$("$vzhost" list -c "$tmp/one.conf")
	stop_first one
	if [ $st2 = 75 ] && [ ! -e "$tmp/two.console" ] &&
		grep -q "\[sl-$$-two\] error: no slot for this VM: host.max_vms = 1 and 1 VM runs: sl-$$-one (vzhost pid $first, $tmp/one.conf, since " "$tmp/err2" &&
		[ "$(grep "^sl-$$-two " "$tmp/record")" = "sl-$$-two limit limit-exceeded" ] &&
		printf '%s' "$lst" | grep -q "SLOTS: 1 in use (0 macOS) of max_vms 1" &&
		printf '%s' "$lst" | grep -q "sl-$$-one .*pid $first .*linux"
	then ok; else bad "a VM beyond max_vms (exit $st2, list: $lst)"; fi
}

# wait_for_slot: the second VM starts once the first is gone
t_wait() {
	conf one ignore
	start one || { bad "wait: the first guest never ran"; stop_first one; return; }
	conf two poweroff "wait_for_slot = 60;"
	: > "$tmp/err2" # (now: the job redirects when it runs)
	timeout -k 5 90 "$vzhost" -c "$tmp/two.conf" > /dev/null 2> "$tmp/err2" &
	second=$!
	wait_for "$tmp/err2" "waiting up to 60 s for a slot: host.max_vms = 1 and 1 VM runs: sl-$$-one" 10
	waited=$?
	ran_early=0
	[ -e "$tmp/two.console" ] && ran_early=1
	stop_first one
	reap $second 60
	if [ $waited = 0 ] && [ $ran_early = 0 ] && [ $st = 0 ] &&
		grep -q "VZH-GUEST: powering off" "$tmp/two.console" &&
		grep -q "a slot is free now" "$tmp/err2"
	then ok; else bad "waiting for a slot (waited $waited, ran early $ran_early, exit $st)"; fi
}

# a restart's backoff keeps the slot: nobody else takes it in between
t_restart() {
	conf one ignore "" 'on_crash = "restart";'
	start one || { bad "restart: the first guest never ran"; stop_first one; return; }
	first=$pid
	pkill -KILL -f "guest=sl-$$-one"
	wait_for "$tmp/err" "restarting in 1 s" 10
	conf two poweroff
	timeout -k 5 40 "$vzhost" -c "$tmp/two.conf" > /dev/null 2> "$tmp/err2"
	st2=$?
	n=0 # the first VM's second boot
	while [ "$(grep -c "VZH-GUEST: booted" "$tmp/one.console")" -lt 2 ] && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	boots=$(grep -c "VZH-GUEST: booted" "$tmp/one.console")
	stop_first one
	if [ $st2 = 75 ] && [ ! -e "$tmp/two.console" ] && [ "$boots" = 2 ] &&
		grep -q "no slot for this VM: host.max_vms = 1 and 1 VM runs: sl-$$-one (vzhost pid $first" "$tmp/err2"
	then ok; else bad "the slot across a restart (second vzhost: exit $st2; first guest booted $boots times)"; fi
}

# SIGKILL of vzhost itself: its QEMU dies with it, and the next start of the same
# config cleans the stale record and socket and runs
t_sigkill() {
	conf one ignore
	start one || { bad "sigkill: the guest never ran"; stop_first one; return; }
	kill -KILL $pid
	wait $pid 2>/dev/null
	n=0
	while pgrep -f "guest=sl-$$-one" > /dev/null && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	orphan=$(pgrep -f "guest=sl-$$-one")
	stale=$(ls "$tmp/state/slots/" | grep -c "sl-$$-one")
	rm -f "$tmp/one.console" # the new guest's count, not the old one's
	start one
	again=$?
	stop_first one
	if [ -z "$orphan" ] && [ "$stale" = 1 ] && [ $again = 0 ] && [ $st = 0 ] &&
		grep -q "slot ledger: removed the stale record sl-$$-one" "$tmp/err" &&
		[ -z "$(ls "$tmp/state/slots/" | grep "sl-$$-one")" ]
	then ok; else bad "a SIGKILLed vzhost (QEMU left: $orphan, stale records $stale, restarted $again, exit $st)"; fi
}

run_tests refused wait restart sigkill
summary slots
