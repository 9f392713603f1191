#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# Tunnel mode, gateway to gateway, kipsec against native XFRM:
#
#   hostA 10.1.0.2 -- 10.1.0.1 gwA 192.168.0.1 -- 192.168.0.2 gwB 10.2.0.1 -- 10.2.0.2 hostB
#                           (kipsec)                   (ip xfrm)
#
# gwA protects 10.1.0.0/24 <-> 10.2.0.0/24 with "dir out" and "dir fwd"
# policies; gwB mirrors it with XFRM.  LAN to LAN pings and 10 MB (bulk_mb) over TCP
# each way (payload checked) through the tunnel; only ESP between the
# gateways' WAN addresses on the WAN link.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds tcpdump nc ping ss sha256sum

LAN_A=10.1.0.0/24
LAN_B=10.2.0.0/24
HA=10.1.0.2
HB=10.2.0.2
GWA_LAN=10.1.0.1
GWB_LAN=10.2.0.1
WAN_A=192.168.0.1
WAN_B=192.168.0.2
SPI_AB=0x3000
SPI_BA=0x4000
MB=$(bulk_mb 10)

setup_ns HOSTA GWA GWB HOSTB
veth_link "$HOSTA" eth0 $HA/24 "$GWA" lan $GWA_LAN/24
veth_link "$GWA" wan $WAN_A/24 "$GWB" wan $WAN_B/24
veth_link "$GWB" lan $GWB_LAN/24 "$HOSTB" eth0 $HB/24
ip -n "$HOSTA" route add default via $GWA_LAN
ip -n "$HOSTB" route add default via $GWB_LAN
ip -n "$GWA" route add $LAN_B via $WAN_B
ip -n "$GWB" route add $LAN_A via $WAN_A
forwarding "$GWA"
forwarding "$GWB"

log "kipsec on gwA, XFRM on gwB: tunnel $WAN_A <-> $WAN_B for $LAN_A <-> $LAN_B"
ipsec_tunnel kipsec "$GWA" $WAN_A $WAN_B $LAN_A $LAN_B $SPI_AB $SPI_BA $KEY_A $KEY_B || ksft_exit
ipsec_tunnel xfrm "$GWB" $WAN_B $WAN_A $LAN_B $LAN_A $SPI_BA $SPI_AB $KEY_B $KEY_A || ksft_exit

SPI_FIELD="ip[20:4]"	# the SPI, behind a 20-byte IP header
capture_start esp_ab "$GWA" wan "$ESP and src $WAN_A and dst $WAN_B" &&
capture_start esp_ba "$GWA" wan "$ESP and src $WAN_B and dst $WAN_A" &&
capture_start badspi "$GWA" wan "$ESP and ((src $WAN_A and $SPI_FIELD != $SPI_AB) or (src $WAN_B and $SPI_FIELD != $SPI_BA))" &&
capture_start clear "$GWA" wan "ip and not (ip proto 50 and host $WAN_A and host $WAN_B)" -s 0 || ksft_exit

check "ping hostA -> hostB" ping_ok "$HOSTA" $HB
check "ping hostB -> hostA" ping_ok "$HOSTB" $HA
check "TCP $MB MB hostA -> hostB, payload intact" tcp_transfer "$HOSTA" "$HOSTB" $HB $MB 5001
check "TCP $MB MB hostB -> hostA, payload intact" tcp_transfer "$HOSTB" "$HOSTA" $HA $MB 5002

check "captures complete (no packet dropped by the kernel)" capture_stop esp_ab esp_ba badspi clear
esp_ab=$(capture_packets esp_ab)
esp_ba=$(capture_packets esp_ba)
check_ge "ESP packets gwA -> gwB on the WAN" "$esp_ab" 1000
check_ge "ESP packets gwB -> gwA on the WAN" "$esp_ba" 1000
check_capture_none "ESP packets with another SPI than $SPI_AB (gwA -> gwB) or $SPI_BA (gwB -> gwA)" badspi
check_capture_none "IPv4 packets other than ESP between the gateways on the WAN" clear

read -r tx_bytes tx_packets <<<"$(kipsec_sa_stat "$GWA" $SPI_AB tx_bytes tx_packets)"
read -r rx_bytes rx_packets <<<"$(kipsec_sa_stat "$GWA" $SPI_BA rx_bytes rx_packets)"
check_ge "SA $SPI_AB tx_bytes" "$tx_bytes" $((MB << 20))
check_ge "SA $SPI_BA rx_bytes" "$rx_bytes" $((MB << 20))
check_eq "SA $SPI_AB tx_packets = ESP packets gwA -> gwB" "$tx_packets" "$esp_ab"
check_eq "SA $SPI_BA rx_packets = ESP packets gwB -> gwA" "$rx_packets" "$esp_ba"
check_eq "kipsec error counters in gwA" "$(kipsec_stats_nonzero "$GWA" rx_auth_fail rx_replay \
	rx_malformed rx_cleartext rx_policy_mismatch rx_no_route rx_nomem rx_crypto_error \
	tx_no_sa tx_no_route tx_ttl_exceeded tx_gso_error tx_nomem tx_crypto_error)" ""
bad=$(ip netns exec "$GWB" awk '$2 != 0' /proc/net/xfrm_stat | tr -s ' \t\n' ' ')
check_eq "XFRM errors in gwB (/proc/net/xfrm_stat)" "$bad" ""

ksft_exit
