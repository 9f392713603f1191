#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# Unloading under load: SAs and policies in several namespaces, a flood
# ping through kipsec in one pair, a TCP stream through kipsec <-> XFRM in
# another, a `kipsec monitor` listening, and a namespace with SAs deleted
# just before.  `rmmod kipsec` succeeds, the kernel logs nothing bad, and a
# fresh insmod works (state empty, new SAs carry traffic).  The module is
# left loaded.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds rmmod insmod ping nc

[ -f "$KIPSEC_KO" ] || skip "$KIPSEC_KO is missing: could not load kipsec again"
# whatever happens, leave kipsec loaded for the tests that follow
at_exit '[ -d /sys/module/kipsec ] || insmod "$KIPSEC_KO"'

dmesg_start=$(dmesg | wc -l)

# pair 1: kipsec on both ends; pair 2: kipsec <-> XFRM; C: deleted early
setup_ns A1 B1 A2 B2 C
veth_link "$A1" v1 10.0.1.1/24 "$B1" v1 10.0.1.2/24
veth_link "$A2" v2 10.0.2.1/24 "$B2" v2 10.0.2.2/24
ipsec_transport kipsec "$A1" 10.0.1.1 10.0.1.2 0x1100 0x1200 $KEY_A $KEY_B &&
ipsec_transport kipsec "$B1" 10.0.1.2 10.0.1.1 0x1200 0x1100 $KEY_B $KEY_A &&
ipsec_transport kipsec "$A2" 10.0.2.1 10.0.2.2 0x2100 0x2200 $KEY_C $KEY_D &&
ipsec_transport xfrm "$B2" 10.0.2.2 10.0.2.1 0x2200 0x2100 $KEY_D $KEY_C || ksft_exit
ipsec_transport kipsec "$C" 10.0.3.1 10.0.3.2 0x3100 0x3200 $KEY_A $KEY_B || ksft_exit
check "pair 1: ping" ping_ok "$A1" 10.0.1.2
check "pair 2: ping" ping_ok "$A2" 10.0.2.2

# a namespace holding SAs and policies goes away first
ip netns del "$C"
check "a namespace with SAs deleted" [ ! -e "/run/netns/$C" ]

# the load, stopped below; its timeout only bounds it if the test dies.
# On the debug kernel, reading an SA's counters under this load (the CLI
# and python, given a share of one emulated CPU) took long enough that 120 s
# ran out before the check that the pings outlive the module.
LOAD_SECS=$((120 * SCALE * SCALE))
t_load=$SECONDS
ip netns exec "$A1" timeout $LOAD_SECS "$KIPSEC" monitor >"$TMPD/monitor.log" 2>&1 &
BG_PIDS+=($!)
ip netns exec "$A1" timeout $LOAD_SECS ping -q -f 10.0.1.2 >/dev/null 2>&1 &
BG_PIDS+=($!)
ip netns exec "$B1" timeout $LOAD_SECS ping -q -f 10.0.1.1 >/dev/null 2>&1 &
BG_PIDS+=($!)
ip netns exec "$B2" timeout $LOAD_SECS nc -n -l 5001 </dev/null >/dev/null 2>&1 &
BG_PIDS+=($!)
wait_listen "$B2" tcp 5001 $!
ip netns exec "$A2" timeout $LOAD_SECS sh -c 'cat /dev/zero | nc -n 10.0.2.2 5001' >/dev/null 2>&1 &
BG_PIDS+=($!)
sleep 3
p1=$(kipsec_sa_stat "$A1" 0x1100 tx_packets)
t2=$(kipsec_sa_stat "$A2" 0x2100 tx_packets)
sleep 2
check_ge "pair 1: SA 0x1100 busy (packets in 2 s)" $(($(kipsec_sa_stat "$A1" 0x1100 tx_packets) - p1)) 100
check_ge "pair 2: SA 0x2100 busy (packets in 2 s)" $(($(kipsec_sa_stat "$A2" 0x2100 tx_packets) - t2)) 100

# unload under load
t0=$(date +%s.%N)
out=$(timeout 60 rmmod kipsec 2>&1)
rc=$?
t1=$(date +%s.%N)
check_eq "rmmod kipsec under load: exit status${out:+ ($out)}" "$rc" 0
log "rmmod took $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s"
check "the module is gone" [ ! -d /sys/module/kipsec ]
check_fails "the CLI says the module is not loaded" kip "$A1" stats
sleep 1
check "the flood pings still run (without IPsec now, $((SECONDS - t_load)) s after they began)" pkill -0 -f "ping -q -f 10.0.1.2"

# load it again
check "insmod $KIPSEC_KO again" insmod "$KIPSEC_KO"
check_eq "a fresh module: no SA in A1" "$(kip "$A1" -j sa show)" "[]"
check_eq "a fresh module: no policy in A1" "$(kip "$A1" -j policy show)" "[]"
check_eq "a fresh module: counters at 0 in A1" "$(kipsec_stat "$A1" tx_packets)" 0
# stop the load, set pair 1 up again
for pid in "${BG_PIDS[@]}"; do
	kill "$pid" 2>/dev/null
done
wait 2>/dev/null
BG_PIDS=()
ipsec_transport kipsec "$A1" 10.0.1.1 10.0.1.2 0x1300 0x1400 $KEY_B $KEY_A &&
ipsec_transport kipsec "$B1" 10.0.1.2 10.0.1.1 0x1400 0x1300 $KEY_A $KEY_B
check_eq "new SAs and policies in A1" \
	"$(kipsec_stat "$A1" sa_count policy_count)" "2 2"
check "pair 1: ping through the new SAs" ping_ok "$A1" 10.0.1.2
check_ge "pair 1: SA 0x1300 used" "$(kipsec_sa_stat "$A1" 0x1300 tx_packets)" 3

# what the kernel said meanwhile
klog=$(dmesg | tail -n +$((dmesg_start + 1)) |
	grep -E "kipsec|WARNING|BUG|Oops|leak|refcount_t|rcu_|lockdep|KASAN|UBSAN|stall|hung" |
	grep -vE "loading out-of-tree module taints kernel|module verification failed")
check_eq "kernel messages about kipsec or problems since the test began" "$klog" ""

ksft_exit
