#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# Transport mode interoperability with native XFRM, the reference:
#
#   A (kipsec) 10.0.0.1 --veth-- 10.0.0.2 B (ip xfrm)
#
# Same keys and SPIs on both ends.  Pings both ways, 10 MB (bulk_mb) over TCP each
# way with the payload checked, only ESP on the wire between A and B, and
# kipsec's counters account for the traffic.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds tcpdump nc ping ss sha256sum

A_IP=10.0.0.1
B_IP=10.0.0.2
SPI_AB=0x1000
SPI_BA=0x2000
MB=$(bulk_mb 10)

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"

log "kipsec in A, XFRM in B: transport mode, AES-128-GCM, SPIs $SPI_AB/$SPI_BA"
ipsec_transport kipsec "$A" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B || ksft_exit
ipsec_transport xfrm "$B" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A || ksft_exit

# on the wire: ESP each way, and its SPI; anything else between A and B
SPI_FIELD="ip[20:4]"	# the SPI, behind a 20-byte IP header
capture_start esp_ab "$A" va "$ESP and src $A_IP and dst $B_IP" &&
capture_start esp_ba "$A" va "$ESP and src $B_IP and dst $A_IP" &&
capture_start badspi "$A" va "$ESP and ((src $A_IP and $SPI_FIELD != $SPI_AB) or (src $B_IP and $SPI_FIELD != $SPI_BA))" &&
capture_start clear "$A" va "$NOT_ESP and host $A_IP and host $B_IP" -s 0 || ksft_exit

check "ping A -> B" ping_ok "$A" $B_IP
check "ping B -> A" ping_ok "$B" $A_IP
check "TCP $MB MB A -> B, payload intact" tcp_transfer "$A" "$B" $B_IP $MB 5001
check "TCP $MB MB B -> A, payload intact" tcp_transfer "$B" "$A" $A_IP $MB 5002

check "captures complete (no packet dropped by the kernel)" capture_stop esp_ab esp_ba badspi clear
esp_ab=$(capture_packets esp_ab)
esp_ba=$(capture_packets esp_ba)
check_ge "ESP packets A -> B on the wire" "$esp_ab" 1000
check_ge "ESP packets B -> A on the wire" "$esp_ba" 1000
check_capture_none "ESP packets with another SPI than $SPI_AB (A -> B) or $SPI_BA (B -> A)" badspi
check_capture_none "cleartext IPv4 packets between A and B on the wire" clear

# kipsec accounted for it: $MB MB of inner packets each way, as many ESP
# packets as the capture saw, no errors
read -r tx_bytes tx_packets <<<"$(kipsec_sa_stat "$A" $SPI_AB tx_bytes tx_packets)"
read -r rx_bytes rx_packets <<<"$(kipsec_sa_stat "$A" $SPI_BA rx_bytes rx_packets)"
check_ge "SA $SPI_AB tx_bytes" "$tx_bytes" $((MB << 20))
check_ge "SA $SPI_BA rx_bytes" "$rx_bytes" $((MB << 20))
check_eq "SA $SPI_AB tx_packets = ESP packets A -> B" "$tx_packets" "$esp_ab"
check_eq "SA $SPI_BA rx_packets = ESP packets B -> A" "$rx_packets" "$esp_ba"
check_eq "stats tx_packets = ESP packets A -> B" "$(kipsec_stat "$A" tx_packets)" "$esp_ab"
check_eq "stats rx_packets = ESP packets B -> A" "$(kipsec_stat "$A" rx_packets)" "$esp_ba"
check_eq "kipsec error counters in A" "$(kipsec_stats_nonzero "$A" rx_auth_fail rx_replay \
	rx_malformed rx_cleartext rx_policy_mismatch rx_nomem rx_crypto_error \
	tx_no_sa tx_no_route tx_gso_error tx_nomem tx_crypto_error)" ""
# and XFRM on the other side found nothing wrong with kipsec's packets
bad=$(ip netns exec "$B" awk '$2 != 0' /proc/net/xfrm_stat | tr -s ' \t\n' ' ')
check_eq "XFRM errors in B (/proc/net/xfrm_stat)" "$bad" ""

# The other key sizes and ICV lengths, new SAs under the same policies:
# ESP packets are 8 bytes (or 4) shorter with a shorter ICV
log "other key sizes and ICV lengths"
for v in "192 $KEY_C 64" "256 $KEY_D 96" "256 $KEY_D 128"; do
	read -r bits key icv <<<"$v"
	kip "$A" sa flush
	ip -n "$B" xfrm state flush
	ICV=$icv ipsec_sa kipsec "$A" $A_IP $B_IP $SPI_AB transport $key &&
	ICV=$icv ipsec_sa kipsec "$A" $B_IP $A_IP $SPI_BA transport $key &&
	ICV=$icv ipsec_sa xfrm "$B" $B_IP $A_IP $SPI_BA transport $key &&
	ICV=$icv ipsec_sa xfrm "$B" $A_IP $B_IP $SPI_AB transport $key || continue
	# an echo request or reply (64 bytes): IP 20 + ESP 8 + IV 8 + 64 +
	# pad 2 + trailer 2 + ICV, from either end
	capture_start len_$bits$icv "$A" va "$ESP and ip[2:2] = $((20 + 8 + 8 + 64 + 2 + 2 + icv / 8))" || continue
	check "AES-$bits ICV $icv: ping A -> B" ping_ok "$A" $B_IP
	check "AES-$bits ICV $icv: ping B -> A" ping_ok "$B" $A_IP
	# (no point waiting for TCP when ping failed)
	[ "$ksft_fails" -gt 0 ] ||
	check "AES-$bits ICV $icv: TCP 1 MB A -> B" tcp_transfer "$A" "$B" $B_IP 1 5003
	capture_stop len_$bits$icv
	check_ge "AES-$bits ICV $icv: ESP echo requests and replies of the expected length" "$(capture_packets len_$bits$icv)" 12
done

ksft_exit
