#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# kipsec on both ends, no XFRM anywhere:
#
#  transport:  A 10.0.0.1 --veth-- 10.0.0.2 B
#  tunnel:     hostA 10.1.0.2 -- gwA 192.168.0.1 -- 192.168.0.2 gwB -- 10.2.0.2 hostB
#
# Pings both ways, 10 MB (bulk_mb) over TCP each way with the payload checked, only
# ESP on the wire, and the sender's tx counters equal the receiver's rx.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_cmds tcpdump nc ping ss sha256sum

MB=$(bulk_mb 10)
SPI_FIELD="ip[20:4]"	# the SPI, behind a 20-byte IP header

# both_ends_agree NS1 SPI NS2 WHAT...: what NS1 sent on SA SPI, NS2
# received on its SA SPI (WHAT: packets, bytes)
both_ends_agree() {
	local ns1=$1 spi=$2 ns2=$3 w tx=() rx=()
	shift 3

	for w; do
		tx+=(tx_$w)
		rx+=(rx_$w)
	done
	check_eq "SA $spi: $* sent = $* received" \
		"$(kipsec_sa_stat "$ns1" $spi "${tx[@]}")" \
		"$(kipsec_sa_stat "$ns2" $spi "${rx[@]}")"
}

errors() {
	kipsec_stats_nonzero "$1" rx_auth_fail rx_replay rx_malformed rx_cleartext \
		rx_policy_mismatch rx_no_route rx_nomem rx_crypto_error tx_no_sa \
		tx_no_route tx_ttl_exceeded tx_gso_error tx_nomem tx_crypto_error
}

# ------------------------------------------------------------- transport
A_IP=10.0.0.1
B_IP=10.0.0.2
SPI_AB=0x1000
SPI_BA=0x2000

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
log "transport mode, kipsec in A and in B"
ipsec_transport kipsec "$A" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B || ksft_exit
ipsec_transport kipsec "$B" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A || ksft_exit

capture_start t_esp "$A" va "$ESP and host $A_IP and host $B_IP" &&
capture_start t_badspi "$A" va "$ESP and ((src $A_IP and $SPI_FIELD != $SPI_AB) or (src $B_IP and $SPI_FIELD != $SPI_BA))" &&
capture_start t_clear "$A" va "$NOT_ESP and host $A_IP and host $B_IP" -s 0 || ksft_exit

check "transport: ping A -> B" ping_ok "$A" $B_IP
check "transport: ping B -> A" ping_ok "$B" $A_IP
check "transport: TCP $MB MB A -> B, payload intact" tcp_transfer "$A" "$B" $B_IP $MB 5001
check "transport: TCP $MB MB B -> A, payload intact" tcp_transfer "$B" "$A" $A_IP $MB 5002

check "transport: captures complete" capture_stop t_esp t_badspi t_clear
check_ge "transport: ESP packets on the wire" "$(capture_packets t_esp)" 2000
check_capture_none "transport: ESP packets with another SPI than the direction's" t_badspi
check_capture_none "transport: cleartext IPv4 packets between A and B" t_clear
check_ge "transport: SA $SPI_AB tx_bytes" "$(kipsec_sa_stat "$A" $SPI_AB tx_bytes)" $((MB << 20))
check_ge "transport: SA $SPI_BA tx_bytes" "$(kipsec_sa_stat "$B" $SPI_BA tx_bytes)" $((MB << 20))
# (bytes differ in transport mode: tx_bytes counts the payload, rx_bytes
# the packet with its IP header; reported to the module engineer)
both_ends_agree "$A" $SPI_AB "$B" packets
both_ends_agree "$B" $SPI_BA "$A" packets
check_eq "transport: kipsec error counters in A" "$(errors "$A")" ""
check_eq "transport: kipsec error counters in B" "$(errors "$B")" ""

# ---------------------------------------------------------------- tunnel
LAN_A=10.1.0.0/24
LAN_B=10.2.0.0/24
HA=10.1.0.2
HB=10.2.0.2
WAN_A=192.168.0.1
WAN_B=192.168.0.2
SPI_AB=0x3000
SPI_BA=0x4000

setup_ns HOSTA GWA GWB HOSTB
veth_link "$HOSTA" eth0 $HA/24 "$GWA" lan 10.1.0.1/24
veth_link "$GWA" wan $WAN_A/24 "$GWB" wan $WAN_B/24
veth_link "$GWB" lan 10.2.0.1/24 "$HOSTB" eth0 $HB/24
ip -n "$HOSTA" route add default via 10.1.0.1
ip -n "$HOSTB" route add default via 10.2.0.1
ip -n "$GWA" route add $LAN_B via $WAN_B
ip -n "$GWB" route add $LAN_A via $WAN_A
forwarding "$GWA"
forwarding "$GWB"
log "tunnel mode, kipsec on gwA and on gwB"
ipsec_tunnel kipsec "$GWA" $WAN_A $WAN_B $LAN_A $LAN_B $SPI_AB $SPI_BA $KEY_A $KEY_B || ksft_exit
ipsec_tunnel kipsec "$GWB" $WAN_B $WAN_A $LAN_B $LAN_A $SPI_BA $SPI_AB $KEY_B $KEY_A || ksft_exit

capture_start u_esp "$GWA" wan "$ESP and host $WAN_A and host $WAN_B" &&
capture_start u_badspi "$GWA" wan "$ESP and ((src $WAN_A and $SPI_FIELD != $SPI_AB) or (src $WAN_B and $SPI_FIELD != $SPI_BA))" &&
capture_start u_clear "$GWA" wan "ip and not (ip proto 50 and host $WAN_A and host $WAN_B)" -s 0 || ksft_exit

check "tunnel: ping hostA -> hostB" ping_ok "$HOSTA" $HB
check "tunnel: ping hostB -> hostA" ping_ok "$HOSTB" $HA
check "tunnel: TCP $MB MB hostA -> hostB, payload intact" tcp_transfer "$HOSTA" "$HOSTB" $HB $MB 5003
check "tunnel: TCP $MB MB hostB -> hostA, payload intact" tcp_transfer "$HOSTB" "$HOSTA" $HA $MB 5004

check "tunnel: captures complete" capture_stop u_esp u_badspi u_clear
check_ge "tunnel: ESP packets on the WAN" "$(capture_packets u_esp)" 2000
check_capture_none "tunnel: ESP packets with another SPI than the direction's" u_badspi
check_capture_none "tunnel: IPv4 packets other than ESP between the gateways" u_clear
check_ge "tunnel: SA $SPI_AB tx_bytes" "$(kipsec_sa_stat "$GWA" $SPI_AB tx_bytes)" $((MB << 20))
check_ge "tunnel: SA $SPI_BA tx_bytes" "$(kipsec_sa_stat "$GWB" $SPI_BA tx_bytes)" $((MB << 20))
both_ends_agree "$GWA" $SPI_AB "$GWB" packets bytes
both_ends_agree "$GWB" $SPI_BA "$GWA" packets bytes
check_eq "tunnel: kipsec error counters in gwA" "$(errors "$GWA")" ""
check_eq "tunnel: kipsec error counters in gwB" "$(errors "$GWB")" ""

ksft_exit
