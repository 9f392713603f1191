#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# SA lifetimes: each kind of limit fires a soft expire, then a hard one at
# the right count or time; after the hard one the SA is gone and traffic
# on it stops, before it traffic flows.
#
#   A1 (PROTO_IMPL) 10.0.1.1 --veth-- 10.0.1.2 \
#   A2              10.0.2.1 --veth-- 10.0.2.2  \ B (XFRM, no limits)
#   A3              10.0.3.1 --veth-- 10.0.3.2  /
#   A4              10.0.4.1 --veth-- 10.0.4.2 /
#
# Only An's outbound SA has limits; a monitor in An (`kipsec monitor`, or
# `ip xfrm monitor` for XFRM) logs the events with the time they arrived.
#
#  A1 packets: packet-soft 3, packet-hard 6.  A2 bytes: byte-soft 2500,
#    byte-hard 5500, pings of 1000-byte IP packets.  Both: 2 pings, no
#    event; 2 more, a soft event (the limit was reached, traffic goes on);
#    2 more pass (6 packets, 6000 bytes: the hard limit is reached, not
#    yet exceeded) and the SA counted 6; the 7th ping fails, a hard event,
#    the SA is gone and the failing pings count as tx_no_sa.  (XFRM, the
#    reference: the Nth packet still passes, the (N+1)th fires the hard
#    expire; bytes are counted per packet with a little ESP overhead, so
#    5500 falls between the 5th and the 6th whatever the overhead.)
#  A3 add time: time-soft 2, time-hard 4, pings every 0.2 s from the
#    start: the soft event 2 s after the SA's add-time, the hard one 4 s
#    after (whole seconds, and XFRM's timer may tell up to a second late),
#    pings pass until the hard event (also after the soft one), none
#    after it.
#  A4 use time: time-use-soft 2, time-use-hard 4, the SA left idle for
#    2.5 s, then pings: no event while idle, use-time = the first ping's
#    second, soft 2 s after it and hard 4 s after it.
#  A3 and A4's limits are multiplied by KIPSEC_TIMEOUT_SCALE squared (4 on
#  the debug kernel, where `sa add` returned 3.6 s after the SA's add-time
#  and reading that add-time took 5 s more: with limits of 4 and 8 s the SA
#  was gone before it could be read); the lateness allowed by the scale.
# kipsec's events carry the reason (packets, bytes, add-time, use-time);
# XFRM's carry none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_inject.sh"

require_impl
require_cmds ping

T_SOFT=$((2 * SCALE * SCALE)) T_HARD=$((4 * SCALE * SCALE)) T_LATE=$((14 * SCALE / 10)).$((14 * SCALE % 10))

setup_ns A1 A2 A3 A4 B
for n in 1 2 3 4; do
	eval "a=\$A$n"
	expire_mon_launch mon$n "$PROTO_IMPL" "$a"	# python starts slowly: first
done
: >"$TMPD/b.batch"
for n in 1 2 3 4; do
	eval "a=\$A$n"
	veth_link "$a" va "10.0.$n.1/24" "$B" vb$n "10.0.$n.2/24"
	# the inbound SA and both policies now; the outbound SA when its test starts
	pt_sa "$PROTO_IMPL" "$a" 10.0.$n.2 10.0.$n.1 0x66${n}2 $KEY_B replay-window 64 &&
	ipsec_policy "$PROTO_IMPL" "$a" 10.0.$n.1/32 10.0.$n.2/32 out 10.0.$n.1 10.0.$n.2 transport &&
	ipsec_policy "$PROTO_IMPL" "$a" 10.0.$n.2/32 10.0.$n.1/32 in 10.0.$n.2 10.0.$n.1 transport ||
		{ fail "SA and policies in A$n"; ksft_exit; }
	# B: what pt_pair xfrm would do, in one ip -batch (quicker under TCG)
	cat >>"$TMPD/b.batch" <<EOF
xfrm state add src 10.0.$n.2 dst 10.0.$n.1 proto esp spi 0x66${n}2 mode transport reqid 1 aead $ALGO $KEY_B 128 replay-window 64
xfrm state add src 10.0.$n.1 dst 10.0.$n.2 proto esp spi 0x66${n}1 mode transport reqid 1 aead $ALGO $KEY_A 128 replay-window 64
xfrm policy add src 10.0.$n.2/32 dst 10.0.$n.1/32 dir out priority 100 tmpl src 10.0.$n.2 dst 10.0.$n.1 proto esp mode transport reqid 1
xfrm policy add src 10.0.$n.1/32 dst 10.0.$n.2/32 dir in priority 100 tmpl src 10.0.$n.1 dst 10.0.$n.2 proto esp mode transport reqid 1
EOF
done
ip -n "$B" -batch "$TMPD/b.batch" || { fail "XFRM SAs and policies in B"; ksft_exit; }
for n in 1 2 3 4; do
	eval "a=\$A$n"
	expire_mon_sync mon$n "$PROTO_IMPL" "$a" || ksft_exit
done

# reason WORD: the reason an event must carry (XFRM's carry none)
reason() {
	if [ "$PROTO_IMPL" = xfrm ]; then echo -; else echo "$1"; fi
}

# events N: "KIND REASON SPI" of A_N's events, on one line
events() {
	expire_events mon$1 | cut -d' ' -f2- | tr '\n' ';' | sed 's/;$//'
}

# out_sa N WORD...: A_N's outbound SA with limits
out_sa() {
	local n=$1 a
	shift
	eval "a=\$A$n"
	pt_sa "$PROTO_IMPL" "$a" 10.0.$n.1 10.0.$n.2 0x66${n}1 $KEY_A "$@" ||
		{ fail "A$n: outbound SA with $*"; return 1; }
}

# pinger_start N SECONDS: from A_N, echo requests to 10.0.N.2 every 0.2 s
# for SECONDS, starting once pinger_go N was called (python starts slowly
# under TCG, so it starts before the test needs it), logging "TIME ok|fail"
# (a reply within 0.5 s, or not) into $TMPD/ping.N
pinger_start() {
	local n=$1 a
	eval "a=\$A$n"
	ip netns exec "$a" python3 -S - 10.0.$n.2 "$2" "$TMPD/ping.$n" "$TMPD/go.$n" <<'PY' &
import os, select, socket, struct, sys, time
dst, secs, log, go = sys.argv[1], float(sys.argv[2]), open(sys.argv[3], "w"), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
def csum(b):
    n = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    n = (n >> 16) + (n & 0xffff)
    return ~(n + (n >> 16)) & 0xffff
open(go + ".ready", "w").close()
give_up = time.time() + 120
while not os.path.exists(go):
    if time.time() > give_up:
        sys.exit("pinger: never told to start")
    time.sleep(0.02)
seq, until = 0, time.time() + secs
while time.time() < until:
    seq += 1
    t = time.time()
    msg = struct.pack("!BBHHH", 8, 0, 0, 0x6666, seq) + b"lifetime"
    msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
    ok = False
    try:
        s.sendto(msg, (dst, 0))
        while not ok and time.time() < t + 0.5:
            if select.select([s], [], [], max(0, t + 0.5 - time.time()))[0]:
                r = s.recv(2048)
                r = r[(r[0] & 15) * 4:]
                ok = r[0] == 0 and struct.unpack("!HH", r[4:8]) == (0x6666, seq)
    except OSError:
        pass
    log.write("%.3f %s\n" % (t, "ok" if ok else "fail"))
    log.flush()
    time.sleep(max(0, t + 0.2 - time.time()))
PY
	eval "PING_PID_$n=\$!"
	BG_PIDS+=($!)
}

pinger_go() { touch "$TMPD/go.$1"; }

# pinger_ready N: wait until pinger N has started and waits for pinger_go
# (the SA's time limits must not begin before python has, and the CLI is
# now quicker than a python start)
pinger_ready() {
	local end
	deadline end 60
	until [ -e "$TMPD/go.$1.ready" ] || past "$end"; do
		nap 0.05
	done
	[ -e "$TMPD/go.$1.ready" ] || fail "A$1: the pinger did not start"
}

# pinger_wait N
pinger_wait() {
	local pid
	eval "pid=\$PING_PID_$1"
	wait "$pid"
}

# ---- the time limits run in the background meanwhile: A3 pings from
# the moment its SA exists, A4 2.5 s later.  The times count from the SA's
# own add-time and use-time (whole seconds, as XFRM and kipsec report them)
pinger_start 3 $((T_HARD + 4))
pinger_start 4 $((T_HARD + 3))
pinger_ready 3
pinger_ready 4
out_sa 3 limit time-soft $T_SOFT limit time-hard $T_HARD
pinger_go 3
ADD3=$(impl_sa_stat "$PROTO_IMPL" "$A3" 0x6631 add_time)
T4=$(date +%s.%N)
out_sa 4 limit time-use-soft $T_SOFT limit time-use-hard $T_HARD
(
	sleep "$(awk -v t="$T4" -v idle=$T_SOFT.5 -v now="$(date +%s.%N)" 'BEGIN { d = t + idle - now; print (d > 0 ? d : 0) }')"
	pinger_go 4
	for i in $(seq 50); do [ -s "$TMPD/ping.4" ] && break; sleep 0.1; done
	impl_sa_stat "$PROTO_IMPL" "$A4" 0x6641 use_time >"$TMPD/use4"
) &
BG_PIDS+=($!)
USE4_PID=$!

# out_drops NS: outbound packets dropped for want of a live SA: kipsec
# drops the packet that finds a hard limit used up as tx_sa_expired, and
# those after the SA is gone as tx_no_sa
out_drops() {
	if [ "$PROTO_IMPL" = kipsec ]; then
		kipsec_stat_sum "$1" tx_no_sa tx_sa_expired
	else
		impl_stat xfrm "$1" tx_no_sa
	fi
}

# ---- packets and bytes
# count_test N KIND SOFT HARD SIZE REASON
count_test() {
	local n=$1 kind=$2 soft=$3 hard=$4 size=$5 why=$6 a i ok nosa spi=0x66${1}1
	local s

	eval "a=\$A$n"
	log "A$n: $kind-soft $soft, $kind-hard $hard, pings of $((size + 28)) bytes"
	out_sa "$n" limit $kind-soft "$soft" limit $kind-hard "$hard" || return
	s=$(printf 0x%x $spi)
	ok=0
	for i in 1 2; do ping1 "$a" 10.0.$n.2 "$size" && ok=$((ok + 1)); done
	check_eq "A$n: 2 pings pass" $ok 2
	sleep 0.5
	check_eq "A$n: no event yet" "$(events $n)" ""
	for i in 3 4; do ping1 "$a" 10.0.$n.2 "$size" && ok=$((ok + 1)); done
	check_eq "A$n: 2 more pass beyond the soft limit" $ok 4
	expire_mon_wait mon$n "expire soft|hard 0" 3
	sleep 0.3
	check_eq "A$n: a soft event" "$(events $n)" "soft $(reason $why) $s"
	for i in 5 6; do ping1 "$a" 10.0.$n.2 "$size" && ok=$((ok + 1)); done
	check_eq "A$n: 2 more pass, up to the hard limit" $ok 6
	check_eq "A$n: the SA protected 6 packets" "$(impl_sa_stat "$PROTO_IMPL" "$a" $spi tx_packets)" 6
	log "A$n: the SA counted $(impl_sa_stat "$PROTO_IMPL" "$a" $spi tx_bytes) bytes"
	nosa=$(out_drops "$a")
	check_fails "A$n: the 7th ping fails" ping1 "$a" 10.0.$n.2 "$size"
	expire_mon_wait mon$n "expire hard|hard 1" 3
	sleep 0.3
	check_eq "A$n: soft, then hard" "$(events $n)" "soft $(reason $why) $s;hard $(reason $why) $s"
	check_fails "A$n: the SA is gone" impl_sa_exists "$PROTO_IMPL" "$a" $spi
	check_fails "A$n: one more ping fails" ping1 "$a" 10.0.$n.2 "$size"
	check_ge "A$n: the dropped pings counted [tx_no_sa + tx_sa_expired]" \
		$(($(out_drops "$a") - nosa)) 2
}

count_test 1 packet 3 6 56 packets
count_test 2 byte 2500 5500 972 bytes

# ---- add time and use time
# time_test N T0 REASON: A_N's events came T_SOFT and T_HARD s after T0
# (whole seconds: the limit passes at T0 + L at the earliest, and XFRM may
# tell up to a second late), and pings passed until the hard event, not after
time_test() {
	local n=$1 t0=$2 why=$3 a s=$(printf 0x%x 0x66${1}1) ev
	eval "a=\$A$n"
	ev=$(expire_events mon$n)
	log "A$n: events (time KIND REASON SPI), $t0 = the start:" $ev
	log "A$n: pings:" $(awk -v t0="$t0" '{ printf "%+.1f %s ", $1 - t0, $2 }' "$TMPD/ping.$n")
	check_eq "A$n: soft, then hard" "$(events $n)" "soft $(reason $why) $s;hard $(reason $why) $s"
	check_eq "A$n: soft $T_SOFT s, hard $T_HARD s after the start (+0..$T_LATE s)" \
		"$(echo "$ev" | awk -v t0="$t0" -v ls=$T_SOFT -v lh=$T_HARD -v late=$T_LATE '
		$2 == "soft" { s = $1 - t0 } $2 == "hard" { h = $1 - t0 }
		END { print (s >= ls - 0.1 && s <= ls + late ? "soft ok" : "soft at " s) ", " \
			    (h >= lh - 0.1 && h <= lh + late ? "hard ok" : "hard at " h) }')" "soft ok, hard ok"
	check_eq "A$n: pings [passed between soft and hard, after hard; failed before hard, after]" \
		"$(echo "$ev" | awk '
			FNR == NR { if ($2 == "soft") s = $1; if ($2 == "hard") h = $1; next }
			$1 < h - 0.3 && $1 > s && $2 == "ok" { b++ }
			$1 < h - 0.3 && $2 == "fail" { f++ }
			$1 > h + 0.3 && $2 == "ok" { c++ }
			$1 > h + 0.3 && $2 == "fail" { g++ }
			END { print (b > 0 ? "yes" : "no"), c + 0, f + 0, (g > 2 ? "yes" : "no") }
		' - "$TMPD/ping.$n")" "yes 0 0 yes"
	check_fails "A$n: the SA is gone" impl_sa_exists "$PROTO_IMPL" "$a" 0x66${n}1
	check_ge "A$n: tx_no_sa counted the dropped pings" "$(impl_stat "$PROTO_IMPL" "$a" tx_no_sa)" 3
}

pinger_wait 3
log "A3: add-time $ADD3 ($(date -d "@$ADD3" +%T 2>/dev/null))"
time_test 3 "$ADD3" add-time
pinger_wait 4
wait $USE4_PID
USE4=$(cat "$TMPD/use4")
PING4=$(head -n 1 "$TMPD/ping.4" | cut -d' ' -f1)
log "A4: use-time $USE4 ($(date -d "@$USE4" +%T 2>/dev/null)), first ping at $PING4"
# (or the next one: the kernel saw the packet a little after the pinger)
check_eq "A4: use-time is the first ping's second" \
	"$(awk -v u="$USE4" -v p="${PING4%.*}" 'BEGIN { print (u == p || u == p + 1 ? "yes" : "no: " u " for " p) }')" yes
check_eq "A4: the SA was idle for more than $T_SOFT s" \
	"$(awk -v a="$T4" -v b="$PING4" -v ls=$T_SOFT 'BEGIN { print (b - a > ls + 0.2 ? "yes" : "no: " b - a) }')" yes
check_eq "A4: no event while the SA was idle" \
	"$(expire_events mon4 | awk -v t="$PING4" '$1 < t + 1 { n++ } END { print n + 0 }')" 0
time_test 4 "$USE4" use-time

ksft_exit
