#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# The SPD's actions and ordering, kipsec in A, native XFRM in B (transport):
#
#  1. a bypass policy for UDP port 7000 with a better (lower) priority than
#     the protect policy lets that port through in the clear; the rest
#     (UDP 7001, ICMP) stays ESP; a worse-priority discard changes nothing
#  2. a discard policy (out, then in) drops, counted in tx_discard / in the
#     policy's counters; deleting it restores traffic
#  3. no policy at all: cleartext passes, no SA is used; a "dir in" discard
#     drops cleartext (rx_discard)
#  4. two policies of the same priority matching the same packet: the one
#     added first wins, in either order
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds tcpdump ping ss

A_IP=10.0.0.1
B_IP=10.0.0.2
SPI_AB=0x1000
SPI_BA=0x2000

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
POLICY_PRIO=100
ipsec_transport kipsec "$A" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B || ksft_exit
ipsec_transport xfrm "$B" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A || ksft_exit
check "baseline: ping A -> B through the SAs" ping_ok "$A" $B_IP

# policy_packets NS SELECTOR-AND-DIR...: the packets counter of one policy
policy_packets() {
	local ns=$1
	shift
	kip "$ns" -j policy get "$@" | json_get 0.packets || echo "?"
}

# udp_delivered PORT TEXT: send TEXT from A to B:PORT, succeed if it arrives
udp_delivered() {
	udp_recv_start u "$B" "$1" || return 1
	udp_send "$A" $B_IP "$1" "$2"
	udp_recv_wait u
	[ "$(udp_received u)" = "$2" ]
}

# -------------------------------------------- 1. bypass inside a protect
log "1. bypass for UDP 7000 (priority 10) inside the protected A <-> B (priority 100)"
ipsec_bypass kipsec "$A" $A_IP/32 $B_IP/32 out 10 proto udp dport 7000 &&
ipsec_bypass xfrm "$B" $A_IP/32 $B_IP/32 in 10 proto udp dport 7000 || ksft_exit
# added last, but worse than both: must not matter
kip "$A" policy add src $A_IP dst $B_IP proto udp dport 7000 dir out priority 200 action discard ||
	fail "add a priority-200 discard policy"

capture_start clear7000 "$A" va "udp and src $A_IP and dst $B_IP and dst port 7000" &&
capture_start esp "$A" va "$ESP and src $A_IP and dst $B_IP" &&
capture_start leak "$A" va "$NOT_ESP and host $A_IP and host $B_IP and not (udp and dst port 7000)" -s 0 ||
	ksft_exit
tx0=$(kipsec_sa_stat "$A" $SPI_AB tx_packets)
check "UDP to port 7000 arrives" udp_delivered 7000 bypassed
check "UDP to port 7001 arrives" udp_delivered 7001 protected
check "ping A -> B" ping_ok "$A" $B_IP
tx1=$(kipsec_sa_stat "$A" $SPI_AB tx_packets)
check "captures complete" capture_stop clear7000 esp leak
check_eq "UDP to port 7000 in the clear on the wire" "$(capture_packets clear7000)" 1
check_capture_none "anything else between A and B in the clear (UDP 7001, ICMP)" leak
check_ge "ESP packets A -> B (UDP 7001 and 3 echo requests)" "$(capture_packets esp)" 4
check_eq "SA $SPI_AB tx_packets grew by the ESP packets" "$((tx1 - tx0))" "$(capture_packets esp)"
check_eq "bypass policy matched once" \
	"$(policy_packets "$A" src $A_IP dst $B_IP proto udp dport 7000 dir out priority 10)" 1
check_eq "worse discard policy never matched" \
	"$(policy_packets "$A" src $A_IP dst $B_IP proto udp dport 7000 dir out priority 200)" 0
check_eq "tx_discard" "$(kipsec_stat "$A" tx_discard)" 0

# ------------------------------------------------------------ 2. discard
log "2. discard ICMP A -> B (priority 5)"
d0=$(kipsec_stat "$A" tx_discard)
kip "$A" policy add src $A_IP dst $B_IP proto icmp dir out priority 5 action discard ||
	fail "add an out discard policy"
capture_start d_icmp "$A" va "icmp and src $A_IP" -s 0 &&
capture_start d_esp "$A" va "$ESP and src $A_IP" || ksft_exit
check "ping A -> B gets no reply" ping_none "$A" $B_IP
d1=$(kipsec_stat "$A" tx_discard)
check_ge "tx_discard grew by the 3 echo requests" "$((d1 - d0))" 3
check_ge "discard policy counted them" \
	"$(policy_packets "$A" src $A_IP dst $B_IP proto icmp dir out priority 5)" 3
check "UDP to port 7001 still arrives" udp_delivered 7001 still
check "captures complete" capture_stop d_icmp d_esp
check_capture_none "echo requests leaving A in the clear" d_icmp
check_eq "ESP packets leaving A: the UDP datagram only" "$(capture_packets d_esp)" 1
kip "$A" policy del src $A_IP dst $B_IP proto icmp dir out priority 5 ||
	fail "delete the out discard policy"
check "ping A -> B works again without it" ping_ok "$A" $B_IP

# ---------------------------------------------------- 3. no policy at all
log "3. no policy on either side: cleartext"
kip "$A" policy flush || fail "kipsec policy flush"
ip -n "$B" xfrm policy flush
check_eq "no policy left in A" "$(kip "$A" -j policy show)" "[]"
sa0=$(kipsec_sa_stat "$A" $SPI_AB tx_packets)
capture_start icmp "$A" va "icmp and host $A_IP and host $B_IP" &&
capture_start esp3 "$A" va "ip proto 50" || ksft_exit
check "ping A -> B" ping_ok "$A" $B_IP
check "ping B -> A" ping_ok "$B" $A_IP
check "captures complete" capture_stop icmp esp3
check_eq "ICMP in the clear: 3 echo requests and 3 replies each way" "$(capture_packets icmp)" 12
check_capture_none "ESP packets" esp3
check_eq "SA $SPI_AB unused" "$(kipsec_sa_stat "$A" $SPI_AB tx_packets)" "$sa0"

r0=$(kipsec_stat "$A" rx_discard)
kip "$A" policy add src $B_IP dst $A_IP proto icmp dir in action discard ||
	fail "add an in discard policy"
check "ping B -> A gets no reply past an in discard policy" ping_none "$B" $A_IP
r1=$(kipsec_stat "$A" rx_discard)
check_ge "rx_discard grew by the 3 echo requests" "$((r1 - r0))" 3
check "ping A -> B gets no reply either (echo replies from B are ICMP B -> A too)" \
	ping_none "$A" $B_IP
kip "$A" policy flush

# ------------------------------------------------- 4. ties: first added wins
log "4. same priority, same packet: the policy added first wins"
SEL_D="src $A_IP dst $B_IP proto udp dport 7002"		# discard
SEL_B="src $A_IP/32 dst $B_IP/32 proto udp dport 7000-7010"	# bypass

# order 1: discard, then bypass
kip "$A" policy add $SEL_D dir out priority 20 action discard &&
kip "$A" policy add $SEL_B dir out priority 20 action bypass || fail "add the tied policies"
check_fails "discard added first: UDP to port 7002 dropped" udp_delivered 7002 first
check_eq "discard policy matched" "$(policy_packets "$A" $SEL_D dir out priority 20)" 1
check_eq "bypass policy not matched" "$(policy_packets "$A" $SEL_B dir out priority 20)" 0
kip "$A" policy flush

# order 2: bypass, then discard
kip "$A" policy add $SEL_B dir out priority 20 action bypass &&
kip "$A" policy add $SEL_D dir out priority 20 action discard || fail "add the tied policies"
check "bypass added first: UDP to port 7002 arrives" udp_delivered 7002 second
check_eq "bypass policy matched" "$(policy_packets "$A" $SEL_B dir out priority 20)" 1
check_eq "discard policy not matched" "$(policy_packets "$A" $SEL_D dir out priority 20)" 0

ksft_exit
