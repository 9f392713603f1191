#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# Inbound policy enforcement in kipsec (A), with native XFRM in B as the
# sender (transport mode, A 10.0.0.1, B 10.0.0.2 and 10.0.0.12):
#
#  1. cleartext for a protected selector: B bypasses its SPD for UDP port
#     7100, A's "dir in" protect policy drops the cleartext (rx_cleartext);
#     with a kipsec bypass for that port, the same datagram is delivered
#  2. decrypted, but the inner source is outside the SA's policy: B sends
#     from its second address through the same SA; A drops it after
#     decryption (rx_policy_mismatch, the SA's policy-fail); once a policy
#     covers that source, the same traffic is delivered
#  3. decrypted, matching a policy whose template the SA does not meet
#     (reqid 2, the SA has reqid 1): dropped the same way; with reqid 1 in
#     the template, delivered
#  4. a gateway's "dir fwd" protect policy drops cleartext to be forwarded
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds tcpdump ping ss

A_IP=10.0.0.1
B_IP=10.0.0.2
B2_IP=10.0.0.12
SPI_AB=0x1000
SPI_BA=0x2000

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
ip -n "$B" addr add $B2_IP/24 dev vb
ipsec_transport kipsec "$A" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B || ksft_exit
# B: the SA to A takes any source address (0.0.0.0), so that B's second
# address can use it too; otherwise the usual out/in policies
ipsec_sa xfrm "$B" 0.0.0.0 $A_IP $SPI_BA transport $KEY_B &&
ipsec_sa xfrm "$B" $A_IP $B_IP $SPI_AB transport $KEY_A &&
ipsec_policy xfrm "$B" $B_IP/32 $A_IP/32 out $B_IP $A_IP transport &&
ipsec_policy xfrm "$B" $A_IP/32 $B_IP/32 in $A_IP $B_IP transport || ksft_exit
check "baseline: ping A -> B" ping_ok "$A" $B_IP

# udp_delivered FROM PORT TEXT: B (from address FROM) sends TEXT to
# A:PORT; succeed if it arrives
udp_delivered() {
	udp_recv_start u "$A" "$2" || return 1
	udp_send "$B" $A_IP "$2" "$3" "$1"
	udp_recv_wait u
	[ "$(udp_received u)" = "$3" ]
}

# ------------------------------------------------------------ 1. cleartext
log "1. cleartext UDP B -> A:7100 against A's protect policy"
ipsec_bypass xfrm "$B" $B_IP/32 $A_IP/32 out 10 proto udp dport 7100 || ksft_exit
capture_start clear "$A" va "udp and src $B_IP and dst $A_IP and dst port 7100" || ksft_exit
c0=$(kipsec_stat "$A" rx_cleartext)
check_fails "cleartext UDP to A:7100 not delivered" udp_delivered $B_IP 7100 clear1
c1=$(kipsec_stat "$A" rx_cleartext)
check_eq "rx_cleartext grew by 1" $((c1 - c0)) 1
ipsec_bypass kipsec "$A" $B_IP/32 $A_IP/32 in 10 proto udp dport 7100 || ksft_exit
check "with a kipsec bypass for port 7100 it is delivered" udp_delivered $B_IP 7100 clear2
check_eq "rx_cleartext unchanged" "$(kipsec_stat "$A" rx_cleartext)" $c1
check "capture complete" capture_stop clear
check_eq "both datagrams reached A in the clear" "$(capture_packets clear)" 2

# ----------------------------------------------- 2. source outside the SA's
log "2. ESP from $B2_IP through SA $SPI_BA: outside A's policy for that SA"
ipsec_policy xfrm "$B" $B2_IP/32 $A_IP/32 out $B2_IP $A_IP transport || ksft_exit
capture_start esp2 "$A" va "$ESP and src $B2_IP and dst $A_IP and ip[20:4] = $SPI_BA" &&
capture_start clear2 "$A" va "$NOT_ESP and src $B2_IP" -s 0 || ksft_exit
m0=$(kipsec_stat "$A" rx_policy_mismatch)
read -r f0 r0 <<<"$(kipsec_sa_stat "$A" $SPI_BA policy_fail rx_packets)"
check_fails "UDP from $B2_IP to A:7300 not delivered" udp_delivered $B2_IP 7300 outside
m1=$(kipsec_stat "$A" rx_policy_mismatch)
read -r f1 r1 <<<"$(kipsec_sa_stat "$A" $SPI_BA policy_fail rx_packets)"
check_eq "rx_policy_mismatch grew by 1" $((m1 - m0)) 1
check_eq "SA $SPI_BA policy_fail grew by 1" $((f1 - f0)) 1
check_eq "SA $SPI_BA decrypted it (rx_packets grew by 1)" $((r1 - r0)) 1
# the same with a policy for that source, whose template the SA meets
kip "$A" policy add src $B2_IP dst $A_IP dir in priority 100 action protect \
	tmpl src $B_IP dst $A_IP proto esp mode transport reqid 1 ||
	fail "add an in policy for $B2_IP"
check "with a policy for $B2_IP -> A it is delivered" udp_delivered $B2_IP 7300 inside
check_eq "rx_policy_mismatch unchanged" "$(kipsec_stat "$A" rx_policy_mismatch)" $m1
check "captures complete" capture_stop esp2 clear2
check_eq "both datagrams reached A as ESP with SPI $SPI_BA" "$(capture_packets esp2)" 2
check_capture_none "cleartext from $B2_IP" clear2

# ------------------------------------------------ 3. template not met
log "3. UDP to A:7200 matches a policy whose template wants reqid 2"
kip "$A" policy add src $B_IP dst $A_IP proto udp dport 7200 dir in priority 10 \
	action protect tmpl src $B_IP dst $A_IP proto esp mode transport reqid 2 ||
	fail "add a reqid-2 in policy"
m0=$(kipsec_stat "$A" rx_policy_mismatch)
f0=$(kipsec_sa_stat "$A" $SPI_BA policy_fail)
check_fails "UDP to A:7200 not delivered" udp_delivered $B_IP 7200 reqid2
check "UDP to A:7201 (other policy) delivered" udp_delivered $B_IP 7201 other
check_eq "rx_policy_mismatch grew by 1" $(($(kipsec_stat "$A" rx_policy_mismatch) - m0)) 1
check_eq "SA $SPI_BA policy_fail grew by 1" $(($(kipsec_sa_stat "$A" $SPI_BA policy_fail) - f0)) 1
kip "$A" policy del src $B_IP dst $A_IP proto udp dport 7200 dir in priority 10 &&
kip "$A" policy add src $B_IP dst $A_IP proto udp dport 7200 dir in priority 10 \
	action protect tmpl src $B_IP dst $A_IP proto esp mode transport reqid 1 ||
	fail "replace it with a reqid-1 policy"
check "with reqid 1 in the template, UDP to A:7200 delivered" udp_delivered $B_IP 7200 reqid1
# a tunnel mode template is not met by a transport mode SA either
kip "$A" policy del src $B_IP dst $A_IP proto udp dport 7200 dir in priority 10 &&
kip "$A" policy add src $B_IP dst $A_IP proto udp dport 7200 dir in priority 10 \
	action protect tmpl src $B_IP dst $A_IP proto esp mode tunnel reqid 1 ||
	fail "replace it with a tunnel mode policy"
check_fails "with mode tunnel in the template, UDP to A:7200 not delivered" udp_delivered $B_IP 7200 tunnel
check_eq "rx_policy_mismatch grew by 2 in all" $(($(kipsec_stat "$A" rx_policy_mismatch) - m0)) 2

# ------------------------------------------------ 4. forwarding, cleartext
log "4. gateway A: cleartext from B forwarded to C against a fwd protect policy"
C_IP=10.9.0.2
setup_ns C
veth_link "$A" vc 10.9.0.1/24 "$C" vc $C_IP/24
ip -n "$C" route add default via 10.9.0.1
ip -n "$B" route add 10.9.0.0/24 via $A_IP
forwarding "$A"
check "B -> C forwarded by A, no fwd policy yet" ping_ok "$B" $C_IP
kip "$A" policy add src 10.0.0.0/24 dst 10.9.0.0/24 dir fwd action protect \
	tmpl src $B_IP dst $A_IP proto esp mode tunnel || fail "add a fwd policy"
c0=$(kipsec_stat "$A" rx_cleartext)
check "with a fwd protect policy, B -> C gets no reply" ping_none "$B" $C_IP
check_ge "rx_cleartext grew by the 3 echo requests" $(($(kipsec_stat "$A" rx_cleartext) - c0)) 3

ksft_exit
