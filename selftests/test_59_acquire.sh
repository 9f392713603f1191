#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# What an IKE daemon needs from kipsec besides SAs:
#
#   A (kipsec) 10.0.0.1 --veth-- 10.0.0.2 B (ip xfrm, or plain)
#
# - ACQUIRE: a protect policy without an SA drops the packet (tx_no_sa) and
#   raises an acquire event (`kipsec -j monitor`) with the policy's index
#   and reqid and the packet's addresses, protocol and ports; a ping flood
#   raises at most one a second (tx_acquire); once the SAs are there,
#   traffic flows.
# - allocspi with "limit time-hard 2" (4 on the debug kernel): the larval
#   SA is gone after that long, with a hard expire event (add-time).
# - A socket handed over with "bypass" (`kipsec natt listen bypass`): UDP
#   to its port and from it passes a protect-any policy without SAs, other
#   UDP does not.  The socket's own sends are made by a helper that takes a
#   copy of natt listen's descriptor (pidfd_getfd), i.e. the very socket.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds ping ss

A_IP=10.0.0.1
B_IP=10.0.0.2
SPI_AB=0x1000
SPI_BA=0x2000
REQID=7

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"

ip netns exec "$A" "$KIPSEC" -j monitor >"$TMPD/monitor" 2>&1 &
BG_PIDS+=($!)
sleep 0.5

# acquires NAME: the acquire events seen so far, one JSON object a line
acquires() { grep '"event":"acquire"' "$TMPD/monitor"; }

# ------------------------------------------------------------------ ACQUIRE

log "protect policies with reqid $REQID, no SA"
REQID=$REQID ipsec_policy kipsec "$A" $A_IP/32 $B_IP/32 out $A_IP $B_IP transport &&
REQID=$REQID ipsec_policy kipsec "$A" $B_IP/32 $A_IP/32 in $B_IP $A_IP transport || ksft_exit
out_index=$(kip "$A" -j policy show | json_get "[dir=out].index")

check "ping A -> B without an SA: no reply" ping_none "$A" $B_IP
check_ge "tx_no_sa counts the dropped echo requests" "$(kipsec_stat "$A" tx_no_sa)" 3
sleep 0.3
ev=$(acquires | head -n 1)
check_contains "an acquire event" "$ev" '"event":"acquire"'
check_eq "acquire: the policy's index" "$(json_get policy.index <<<"$ev")" "$out_index"
check_eq "acquire: the policy's reqid" "$(json_get policy.tmpl.reqid <<<"$ev")" $REQID
check_eq "acquire: dir out" "$(json_get policy.dir <<<"$ev")" out
check_eq "acquire: the packet" "$(json_get packet <<<"$ev")" \
	'{"src":"10.0.0.1","dst":"10.0.0.2","proto":"icmp"}'

# a UDP packet, past the rate limit: its ports go along
sleep 1.2
check_contains "UDP A -> B without an SA is dropped" \
	"$(udp_send "$A" $B_IP 5353 hello)" "Operation not permitted"
sleep 0.3
ev=$(acquires | tail -n 1)
check_eq "acquire: UDP packet with its ports" \
	"$(json_get packet.proto <<<"$ev") $(json_get packet.dport <<<"$ev")" "udp 5353"
check_ge "acquire: the UDP source port" "$(json_get packet.sport <<<"$ev")" 1

# a flood: many drops, at most one acquire a second (+1 for the edges)
log "ping flood for 3 s without an SA"
sleep 1.2
n0=$(acquires | wc -l)
a0=$(kipsec_stat "$A" tx_acquire)
d0=$(kipsec_stat "$A" tx_no_sa)
t0=${EPOCHREALTIME/[.,]/}
ip netns exec "$A" timeout 10 ping -q -n -f -w 3 $B_IP >/dev/null 2>&1
t1=${EPOCHREALTIME/[.,]/}
sleep 0.3
secs=$(((t1 - t0 + 999999) / 1000000))
n=$(($(acquires | wc -l) - n0))
a=$(($(kipsec_stat "$A" tx_acquire) - a0))
d=$(($(kipsec_stat "$A" tx_no_sa) - d0))
check_ge "the flood's packets dropped (tx_no_sa)" "$d" 50
check_ge "acquire events during the flood" "$n" 1
if [ "$n" -le $((secs + 1)) ]; then
	pass "acquire events rate-limited ($n in $secs s, $d packets)"
else
	fail "acquire events not rate-limited: $n in $secs s ($d packets)"
fi
check_eq "tx_acquire counts the events sent" "$a" "$n"

# the SAs arrive (as from IKE): traffic flows under the same policies
log "SAs added: traffic flows"
REQID=$REQID SAS_ONLY=1 ipsec_transport kipsec "$A" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B &&
REQID=$REQID ipsec_transport xfrm "$B" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A || ksft_exit
n0=$(acquires | wc -l)
check "ping A -> B with the SAs" ping_ok "$A" $B_IP
check "ping B -> A with the SAs" ping_ok "$B" $A_IP
check_ge "SA $SPI_AB tx_packets" "$(kipsec_sa_stat "$A" $SPI_AB tx_packets)" 6
check_eq "no acquire with an SA" "$(($(acquires | wc -l) - n0))" 0
ipsec_flush kipsec "$A"
ipsec_flush xfrm "$B"

# ------------------------------------------------------- allocspi lifetime

# H seconds, longer on slow (debug) kernels; the reply to allocspi is read
# after the polling, so that python's start does not delay the first poll
H=$((2 * SCALE))
log "allocspi with limit time-hard $H"
t0=${EPOCHREALTIME/[.,]/}
reply=$(kip "$A" -j sa allocspi src $B_IP dst $A_IP proto esp min 0x100 max 0x1ff \
	limit time-hard $H)
spi=
[[ $reply =~ \"spi\":\ *([0-9]+) ]] && spi=${BASH_REMATCH[1]}
seen=0 gone= p0=
while [ -n "$spi" ] && [ $(((${EPOCHREALTIME/[.,]/} - t0) / 1000000)) -lt $((H + 30)) ]; do
	p0=${EPOCHREALTIME/[.,]/}
	if ! kip "$A" sa get dst $A_IP proto esp spi "$spi" >/dev/null 2>&1; then
		gone=${EPOCHREALTIME/[.,]/}
		break
	fi
	seen=$((seen + 1))
	sleep 0.1
done
check_ge "allocspi: an SPI" "${spi:-x}" 256
check_eq "the larval SA's hard add-secs (allocspi's reply)" \
	"$(json_get 0.lifetime_hard.add_secs <<<"$reply")" $H
check_ge "the larval SA was there after allocspi (polls)" $seen 1
if [ -n "$gone" ]; then
	# the SA went while the first poll that missed it ran, between ms0
	# and ms after allocspi.  t0 is just before allocspi; add-time and its
	# timer count whole seconds; a poll takes up to 4 s on the debug
	# kernel beside another VM (2 polls in 8 s, once)
	ms0=$(((p0 - t0) / 1000)) ms=$(((gone - t0) / 1000))
	if [ $ms -ge $(((H - 1) * 1000)) ] && [ $ms0 -le $(((H + 2 * SCALE) * 1000)) ]; then
		pass "the larval SA is gone after ${ms0}..${ms} ms"
	else
		fail "the larval SA went after ${ms0}..${ms} ms, not ~$H s"
	fi
else
	fail "the larval SA ${spi:-?} is still there after $((H + 30)) s"
fi
sleep 0.3
ev=$(grep '"event":"sa-expire"' "$TMPD/monitor" | tail -n 1)
check_eq "hard expire event for it" \
	"$(json_get sa.spi <<<"$ev") $(json_get hard <<<"$ev") $(json_get reason <<<"$ev")" \
	"$spi true add-time"

# ------------------------------------------------------------------ bypass

log "a bypass socket (natt listen bypass) through a protect-any policy"
# protect everything between A and B, no SA: only the bypass passes
kip "$A" policy add src $A_IP dst $B_IP dir out action protect tmpl proto esp reqid 9 &&
kip "$A" policy add src $B_IP dst $A_IP dir in action protect tmpl proto esp reqid 9 ||
	{ fail "protect-any policies"; ksft_exit; }

# natt_listen NAME ARG...: kipsec natt listen ARG... in A, in the background
natt_listen() {
	local name=$1 i
	shift

	ip netns exec "$A" "$KIPSEC" natt listen "$@" >"$TMPD/natt.$name" 2>&1 &
	eval "NATT_PID_$name=\$!"
	BG_PIDS+=($!)
	for i in $(seq 100); do
		grep -q flags "$TMPD/natt.$name" && return 0
		sleep 0.1
	done
	fail "kipsec natt listen $*: $(cat "$TMPD/natt.$name")"
	return 1
}

# send_from PID DST PORT TEXT: send a datagram from the UDP socket that
# process PID (natt listen) holds, copied with pidfd_getfd(2): the same
# socket, so the same struct sock as kipsec registered
send_from() {
	ip netns exec "$A" timeout $((10 * SCALE)) python3 -c '
import ctypes, os, socket, sys
pid, dst, port, text = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
libc = ctypes.CDLL(None, use_errno=True)
SYS_pidfd_open, SYS_pidfd_getfd = 434, 438
pidfd = libc.syscall(SYS_pidfd_open, pid, 0)
udp = None
for name in os.listdir("/proc/%d/fd" % pid):
    fd = libc.syscall(SYS_pidfd_getfd, pidfd, int(name), 0)
    if fd < 0:
        continue
    try:
        s = socket.socket(fileno=fd)
    except OSError:
        os.close(fd)
        continue
    if s.family == socket.AF_INET and s.type == socket.SOCK_DGRAM:
        udp = s
        break
    s.close()
if udp is None:
    print("send_from: no UDP socket in process %d" % pid)
    sys.exit(2)
try:
    udp.sendto(text.encode(), (dst, port))
except OSError as e:
    print("send_from: %s" % e.strerror)
    sys.exit(1)
' "$@"
}

# udp_in_datagrams NS: UDP datagrams delivered to sockets (/proc/net/snmp)
udp_in_datagrams() {
	ip netns exec "$1" awk '/^Udp:/ { if (h) { print $2; exit } h = 1 }' /proc/net/snmp
}

natt_listen byp port 4500 bypass || ksft_exit
natt_listen nobyp port 4600 || ksft_exit
check_eq "sock show: both sockets" "$(kip "$A" sock show | sort)" \
"inet udp 0.0.0.0:4500 flags bypass espinudp
inet udp 0.0.0.0:4600 flags espinudp"

# outbound: the bypass socket's datagram reaches B in the clear
udp_recv_start out_byp "$B" 5555
check "a datagram from the bypass socket leaves A" send_from "$NATT_PID_byp" $B_IP 5555 from-4500
udp_recv_wait out_byp
check_eq "B receives it" "$(udp_received out_byp)" from-4500
# ... a socket without bypass (espinudp only) and a plain one do not
d0=$(kipsec_stat "$A" tx_no_sa)
udp_recv_start out_nobyp "$B" 5556
check_contains "a datagram from the socket without bypass is dropped" \
	"$(send_from "$NATT_PID_nobyp" $B_IP 5556 from-4600)" "Operation not permitted"
check_contains "a datagram from a plain socket is dropped" \
	"$(udp_send "$A" $B_IP 5556 plain)" "Operation not permitted"
udp_recv_wait out_nobyp
check_eq "B receives neither" "$(udp_received out_nobyp)" ""
check_eq "both counted as tx_no_sa" "$(kipsec_stat "$A" tx_no_sa)" $((d0 + 2))

# inbound: IKE (non-ESP marker) from B to port 4500 is delivered to the
# socket, cleartext UDP to another port is dropped
c0=$(kipsec_stat "$A" rx_cleartext)
u0=$(udp_in_datagrams "$A")
ip netns exec "$B" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", 4500))
s.sendto(b"\0\0\0\0ike", ("10.0.0.1", 4500))
'
sleep 0.5
check_eq "IKE to the bypass socket: delivered (Udp InDatagrams)" \
	"$(($(udp_in_datagrams "$A") - u0))" 1
check_eq "IKE to the bypass socket: not dropped (rx_cleartext)" \
	"$(kipsec_stat "$A" rx_cleartext)" "$c0"
udp_recv_start in_other "$A" 5557
udp_send "$B" $A_IP 5557 other
udp_recv_wait in_other
check_eq "cleartext UDP to another port is dropped" "$(udp_received in_other)" ""
check_eq "... and counted as rx_cleartext" "$(kipsec_stat "$A" rx_cleartext)" $((c0 + 1))

ksft_exit
