#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 420
#
# Things go away under traffic (test_80 unloads once under a steady load;
# this goes further):
#
#  1. a namespace is deleted while ESP flood pings flow into it through
#     kipsec (C <- D, SAs and policies in both): it goes (its interfaces
#     vanish), D and an unrelated pair A <-> B keep working (A's count-
#     bounded ping loses nothing, A's SA counted every packet), and the
#     module's reference count comes back to what it was.
#  2. SA expiry while traffic flows: A -> B pings every 10 ms on an SA
#     with packet-soft 50, packet-hard 100; C2 pings every 5 ms on an SA with
#     time-soft 1, time-hard 3.  `kipsec monitor` sees soft then hard
#     (reason packets / add-time; C2's soft event may be skipped when the
#     expiry work wakes late, past both deadlines), the SA is gone,
#     exactly 100 requests got through on the packet-limited SA, every later one is dropped and
#     counted (tx_sa_expired + tx_no_sa = requests - 100), C2's pings
#     stop getting replies and their drops are counted too.
#  3. CYCLES (1) times: NPROC (3) processes hammer netlink (kipsec -force
#     -batch: SA and policy adds, deletes, dumps) in A and B while flood
#     pings run through kipsec between them; `rmmod kipsec` races them.
#     rmmod succeeds, or says the module is in use and succeeds when
#     retried; meanwhile the hammering commands fail with the CLI's error
#     status (2), never a crash status; the module loads again while they
#     still hammer, their commands succeed again, and new SAs carry
#     traffic.  At the end the reference count is back at its base and
#     the kernel said nothing about kipsec.  The module is left loaded.
#
# KIPSEC_STRESS_SECS (default 2) sets how long each phase runs,
# KIPSEC_STRESS_CYCLES (1) and KIPSEC_STRESS_PROCS (3) the unload cycles
# and netlink processes.
. "$(dirname "$0")/lib.sh"
PROTO_IMPL=kipsec
. "$(dirname "$0")/lib_inject.sh"

require_kipsec
require_cmds rmmod insmod ping

[ -f "$KIPSEC_KO" ] || skip "$KIPSEC_KO is missing: could not load kipsec again"
at_exit '[ -d /sys/module/kipsec ] || insmod "$KIPSEC_KO"'

SECS=${KIPSEC_STRESS_SECS:-2}
CYCLES=${KIPSEC_STRESS_CYCLES:-1}
NPROC=${KIPSEC_STRESS_PROCS:-3}

dmesg_start=$(dmesg | wc -l)
refcnt() { cat /sys/module/kipsec/refcnt 2>/dev/null || echo gone; }
ref0=$(refcnt)
log "kipsec refcnt at the start: $ref0"

# ping_tx_rx FILE: "TRANSMITTED RECEIVED" of ping's summary
ping_tx_rx() {
	sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$1"
}

# pair NS1 NS2 N: 10.0.N.1 -- 10.0.N.2, kipsec transport both ends
pair() {
	ipsec_transport kipsec "$1" 10.0.$3.1 10.0.$3.2 0x${3}1 0x${3}2 $KEY_A $KEY_B &&
	ipsec_transport kipsec "$2" 10.0.$3.2 10.0.$3.1 0x${3}2 0x${3}1 $KEY_B $KEY_A
}

setup_ns A B C D C2 D2
expire_mon_launch monA kipsec "$A"
expire_mon_launch monC2 kipsec "$C2"
veth_link "$A" va 10.0.1.1/24 "$B" vb 10.0.1.2/24
veth_link "$D" vd 10.0.2.1/24 "$C" vc 10.0.2.2/24
veth_link "$C2" vc 10.0.3.1/24 "$D2" vd 10.0.3.2/24
pair "$A" "$B" 1 && pair "$D" "$C" 2 && pair "$C2" "$D2" 3 || ksft_exit
check "A -> B ping" ping_ok "$A" 10.0.1.2
check "D -> C ping" ping_ok "$D" 10.0.2.2

# ---- 1. a namespace goes away under a flood
C_NS=$C
ip netns exec "$D" timeout 60 ping -q -n -f 10.0.2.2 >/dev/null 2>&1 &
FD1=$!
ip netns exec "$D" timeout 60 ping -q -n -f -s 1200 10.0.2.2 >/dev/null 2>&1 &
FD2=$!
BG_PIDS+=($FD1 $FD2)
COUNT=$((SECS * 100 + 100))
a_tx0=$(kipsec_sa_stat "$A" 0x11 tx_packets)	# before the ping starts
ip netns exec "$A" timeout 120 ping -n -q -i 0.01 -W 5 -c $COUNT 10.0.1.2 >"$TMPD/ping.ab" 2>&1 &
PAB=$!
BG_PIDS+=($PAB)
sleep 1
d_tx=$(kipsec_sa_stat "$D" 0x21 tx_packets)
check_ge "D's flood goes through kipsec" "$d_tx" 100
ip netns del "$C"
for i in $(seq 100); do
	ip -n "$D" link show dev vd >/dev/null 2>&1 || break
	sleep 0.1
done
check "C is gone: D's end of the link vanished with it" \
	[ -z "$(ip -n "$D" link show dev vd 2>/dev/null)" ]
sleep "$SECS"
wait $PAB
check_eq "A -> B meanwhile: transmitted, received" "$(ping_tx_rx "$TMPD/ping.ab")" "$COUNT $COUNT"
check_eq "A's SA 0x11 counted every request" \
	$(($(kipsec_sa_stat "$A" 0x11 tx_packets) - a_tx0)) $COUNT
check_eq "D keeps its SAs and policies" \
	"$(kipsec_stat "$D" sa_count policy_count)" "2 2"
check_eq "kipsec refcnt back at its base" "$(refcnt)" "$ref0"
kill $FD1 $FD2 2>/dev/null
wait $FD1 $FD2 2>/dev/null

# ---- 2. expiry under traffic
expire_mon_sync monA kipsec "$A" && expire_mon_sync monC2 kipsec "$C2" || ksft_exit
# A's outbound SA again, with packet limits; C2's with time limits
kip "$A" sa del src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x11
pt_sa kipsec "$A" 10.0.1.1 10.0.1.2 0x15 $KEY_A replay-window 64 \
	limit packet-soft 50 limit packet-hard 100 || { fail "SA 0x15 with packet limits"; ksft_exit; }
check_eq "B accepts 0x15 too" "$(ipsec_sa kipsec "$B" 10.0.1.1 10.0.1.2 0x15 transport $KEY_A && echo ok)" ok
kip "$C2" sa del src 10.0.3.1 dst 10.0.3.2 proto esp spi 0x31
ipsec_sa kipsec "$D2" 10.0.3.1 10.0.3.2 0x35 transport $KEY_A || ksft_exit
drops_a0=$(kipsec_stat_sum "$A" tx_no_sa tx_sa_expired)
drops_c0=$(kipsec_stat_sum "$C2" tx_no_sa tx_sa_expired)
pt_sa kipsec "$C2" 10.0.3.1 10.0.3.2 0x35 $KEY_A replay-window 64 \
	limit time-soft 1 limit time-hard 3 || { fail "SA 0x35 with time limits"; ksft_exit; }
N=200
ip netns exec "$C2" timeout 30 ping -q -n -i 0.005 -w $((SECS + 4)) 10.0.3.2 >"$TMPD/ping.c2" 2>&1 &
PC=$!
nsx "$A" timeout 60 ping -n -q -i 0.01 -W 1 -c $N 10.0.1.2 >"$TMPD/ping.exp" 2>&1
wait $PC
expire_mon_wait monA "expire hard" 3
expire_mon_wait monC2 "expire hard" 3
check_eq "A: soft then hard expire of 0x15 (packets)" \
	"$(expire_events monA | cut -d' ' -f2- | tr '\n' ';')" "soft packets 0x15;hard packets 0x15;"
# the expiry work may wake after both deadlines under load: it then sends
# the hard event alone, as XFRM's timer does
ev=$(expire_events monC2 | cut -d' ' -f2- | tr '\n' ';')
re='^(soft add-time 0x35;)?hard add-time 0x35;$'
if [[ $ev =~ $re ]]; then
	pass "C2: a hard expire of 0x35 (add-time), a soft one before it or none ($ev)"
else
	fail "C2: a hard expire of 0x35 (add-time), a soft one before it or none: got '$ev'"
fi
check_eq "A: 100 of $N requests got through, no more" "$(ping_tx_rx "$TMPD/ping.exp")" "$N 100"
check_eq "A: SA 0x15 is gone" "$(kipsec_sa_stat "$A" 0x15 spi)" "?"
check_eq "C2: SA 0x35 is gone" "$(kipsec_sa_stat "$C2" 0x35 spi)" "?"
check_eq "A: every request after the hard limit dropped and counted" \
	$(( $(kipsec_stat_sum "$A" tx_no_sa tx_sa_expired) - drops_a0 )) $((N - 100))
read -r c_tx c_rx < <(ping_tx_rx "$TMPD/ping.c2")
log "C2's pings: $c_tx requests, $c_rx replies; events: $(expire_events monC2 | cut -d' ' -f1-2 | tr '\n' ' ')"
check_ge "C2: the pings ran into the expiry (unanswered requests)" $((c_tx - c_rx)) 1
check_eq "C2: every unanswered request dropped and counted" \
	$(( $(kipsec_stat_sum "$C2" tx_no_sa tx_sa_expired) - drops_c0 )) $((c_tx - c_rx))

# ---- 3. rmmod races a netlink storm, under traffic
# storm I NS: a batch of adds, dumps and deletes, again and again until
# $TMPD/stop exists; the exit status of each run goes to storm.I.rc
for ((i = 1; i <= NPROC; i++)); do
	for ((j = 0; j < 40; j++)); do
		spi=$((0x20000000 + i * 0x10000 + j))
		echo "sa add src 10.9.$i.1 dst 10.9.$i.2 proto esp spi $spi mode transport reqid 9 aead '$ALGO' $KEY_C 128"
		echo "policy add src 10.20.$i.$j dst 10.30.0.0/16 dir out priority 50 action discard"
		[ $((j % 10)) -ne 0 ] || echo "sa show"
		[ $((j % 10)) -ne 5 ] || echo "policy show"
	done >"$TMPD/storm.$i"
	echo stats >>"$TMPD/storm.$i"
	for ((j = 0; j < 40; j++)); do
		echo "sa del src 10.9.$i.1 dst 10.9.$i.2 proto esp spi $((0x20000000 + i * 0x10000 + j))"
		echo "policy del src 10.20.$i.$j dst 10.30.0.0/16 dir out priority 50"
	done >>"$TMPD/storm.$i"
done
storm() {
	local i=$1 ns=$2

	while [ ! -e "$TMPD/stop" ]; do
		timeout 30 "$KIPSEC" -n "$ns" -force -batch "$TMPD/storm.$i" >/dev/null 2>>"$TMPD/storm.$i.err"
		echo $? >>"$TMPD/storm.$i.rc"
	done
}
# rcs: the distinct exit statuses of all storm runs so far, and how many
# runs ended with 0
rc_seen() { cat "$TMPD"/storm.*.rc 2>/dev/null | sort -un | tr '\n' ' '; }
ok_runs() { cat "$TMPD"/storm.*.rc 2>/dev/null | grep -c '^0$'; }

rm -f "$TMPD/stop"
STORM_PIDS=()
for ((i = 1; i <= NPROC; i++)); do
	ns=$A
	[ $((i % 2)) -eq 1 ] || ns=$B
	storm $i "$ns" &
	STORM_PIDS+=($!)
done
BG_PIDS+=("${STORM_PIDS[@]}")
busy=0
for ((c = 1; c <= CYCLES; c++)); do
	[ -d /sys/module/kipsec ] || insmod "$KIPSEC_KO"
	# fresh SAs for A <-> B (B's 0x11 saw higher sequence numbers)
	ipsec_flush kipsec "$A" && ipsec_flush kipsec "$B" && pair "$A" "$B" 1 || break
	check "cycle $c: A -> B ping with the storm on" ping_ok "$A" 10.0.1.2
	ip netns exec "$A" timeout 60 ping -q -n -f 10.0.1.2 >/dev/null 2>&1 &
	F1=$!
	ip netns exec "$B" timeout 60 ping -q -n -f 10.0.1.1 >/dev/null 2>&1 &
	F2=$!
	BG_PIDS+=($F1 $F2)
	ok0=$(ok_runs)
	sleep "$SECS"
	log "cycle $c: refcnt under the storm: $(refcnt); storm runs that succeeded: $(($(ok_runs) - ok0))"
	rc=1
	for try in $(seq 50); do
		out=$(timeout 60 rmmod kipsec 2>&1)
		rc=$?
		[ $rc -ne 0 ] || break
		case "$out" in
		*"in use"* | *busy* | *Busy*) busy=$((busy + 1)) ;;
		*) break ;;
		esac
		sleep 0.1
	done
	check_eq "cycle $c: rmmod kipsec under the storm (tries: $try)${out:+ ($out)}" "$rc" 0
	check "cycle $c: the module is gone" [ ! -d /sys/module/kipsec ]
	# the storm goes on against the missing module
	n0=$(cat "$TMPD"/storm.*.rc | wc -l)
	for i in $(seq 100); do
		[ "$(cat "$TMPD"/storm.*.rc | wc -l)" -ge $((n0 + NPROC)) ] && break
		sleep 0.1
	done
	check "cycle $c: insmod again, the storm still on" insmod "$KIPSEC_KO"
	ok0=$(ok_runs)
	for i in $(seq 150); do
		[ "$(ok_runs)" -gt "$ok0" ] && break
		sleep 0.1
	done
	check_ge "cycle $c: storm runs succeed again after the reload" $(($(ok_runs) - ok0)) 1
	kill $F1 $F2 2>/dev/null
	wait $F1 $F2 2>/dev/null
done
touch "$TMPD/stop"
wait "${STORM_PIDS[@]}" 2>/dev/null
log "rmmod found the module in use $busy times"
check_contains "the storm's runs: some succeeded, some failed (exit 2), no other status" \
	"$(rc_seen)" "0 2"
check_eq "the storm's runs: no status but 0 and 2" "$(rc_seen)" "0 2 "
check_contains "the storm met the missing module: the CLI said so" \
	"$(cat "$TMPD"/storm.*.err)" 'Error: kipsec module not loaded (family "kipsec" not found)'
log "storm errors seen: $(sort "$TMPD"/storm.*.err | sed 's/^[^:]*:[0-9]*: //' | sort | uniq -c | sort -rn | head -5 | tr '\n' ';')"

# everything works again
check "the module is loaded" [ -d /sys/module/kipsec ]
ipsec_flush kipsec "$A" && ipsec_flush kipsec "$B"
check_eq "A empty after a flush" "$(kipsec_stat "$A" sa_count policy_count)" "0 0"
pair "$A" "$B" 1 || ksft_exit
check "A -> B ping through fresh SAs" ping_ok "$A" 10.0.1.2
check_eq "A's SA 0x11 carried it" "$(kipsec_sa_stat "$A" 0x11 tx_packets)" 3
check_eq "kipsec refcnt at its base" "$(refcnt)" "$ref0"
# the namespaces die, the module goes and comes back once more
for ns in "${NS_LIST[@]}"; do
	ip netns del "$ns" 2>/dev/null
done
NS_LIST=()
check "rmmod with nothing running" rmmod kipsec
check "insmod" insmod "$KIPSEC_KO"

klog=$(dmesg | tail -n +$((dmesg_start + 1)) |
	grep -E "kipsec|WARNING|BUG|Oops|leak|refcount_t|rcu_|lockdep|KASAN|UBSAN|stall|hung" |
	grep -vE "loading out-of-tree module taints kernel|module verification failed")
check_eq "kernel messages about kipsec or problems since the test began" "$klog" ""

ksft_exit
