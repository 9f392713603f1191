#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# IKEv2 with a pre-shared key, site to site (issue 4, test 1): charon with
# kipsec on gwA, stock charon with XFRM on gwB, an AES-GCM tunnel between
# the LANs:
#
#   hostA --lan-- gwA ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2 (charon+kipsec) 192.168.0.1  192.168.0.2 (charon+XFRM) 10.2.0.2
#
# gwA initiates.  Then
#   - swanctl --list-sas on each side agrees with its kernel (kipsec sa show,
#     ip xfrm state): SPIs, addresses, mode, algorithm and key size; the two
#     sides agree with each other;
#   - pings and TCP both ways between the LANs;
#   - on the wire only ESP with the CHILD_SA's SPIs, nothing in the clear;
#   - charon's packet counters (query_sa) match what the wire saw.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"
require_cmds nc cmp

ike_topo_s2s
ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"

ike_charon_start a "$GWA" "$IKE_IMPL_A" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" || ksft_exit
ike_conn_psk a 192.168.0.1 192.168.0.2 "$(ike_child net local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 mode=tunnel)" &&
ike_conn_psk b 192.168.0.2 192.168.0.1 "$(ike_child net local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 mode=tunnel)" ||
	ksft_exit

t0=${EPOCHREALTIME/[.,]/}
ike_initiate a net || ksft_exit
t1=${EPOCHREALTIME/[.,]/}
log "IKE_SA and CHILD_SA established in $(((t1 - t0) / 1000)) ms (swanctl --initiate)"

ike_check_peers a b net || ksft_exit
check_eq "gwA: the CHILD_SA's algorithm (charon)" "$(ike_child_field a net encr-alg encr-keysize)" "AES_GCM_16 128"
spi_ab=0x$IKE_SPI_OUT spi_ba=0x$IKE_SPI_IN

SPI_FIELD="ip[20:4]"
capture_start esp_ab "$WIRE" a "$ESP and src 192.168.0.1 and dst 192.168.0.2 and $SPI_FIELD = $spi_ab" &&
capture_start esp_ba "$WIRE" a "$ESP and src 192.168.0.2 and dst 192.168.0.1 and $SPI_FIELD = $spi_ba" &&
capture_start other "$WIRE" a "ip and not ($ESP and ((src 192.168.0.1 and $SPI_FIELD = $spi_ab) or (src 192.168.0.2 and $SPI_FIELD = $spi_ba)))" -s 0 ||
	ksft_exit

check "ping hostA -> hostB" ping_ok "$HOSTA" 10.2.0.2 5 0.1
check "ping hostB -> hostA" ping_ok "$HOSTB" 10.1.0.2 5 0.1
check "TCP 1 MB hostA -> hostB, payload intact" tcp_transfer "$HOSTA" "$HOSTB" 10.2.0.2 1 5001
check "TCP 1 MB hostB -> hostA, payload intact" tcp_transfer "$HOSTB" "$HOSTA" 10.1.0.2 1 5002

check "captures complete (no packet dropped by the kernel)" capture_stop esp_ab esp_ba other
n_ab=$(capture_packets esp_ab)
n_ba=$(capture_packets esp_ba)
check_ge "ESP gwA -> gwB with SPI $spi_ab on the wire" "$n_ab" 500
check_ge "ESP gwB -> gwA with SPI $spi_ba on the wire" "$n_ba" 500
check_capture_none "anything else on the wire (cleartext, other SPIs)" other

# charon asks the kernel for the CHILD_SA's counters (query_sa).  XFRM
# counts an outbound GSO packet once, kipsec every ESP packet.
read -r pkt_out pkt_in bytes_out bytes_in <<<"$(ike_child_field a net packets-out packets-in bytes-out bytes-in)"
check_eq "gwA: charon's packets-in (query_sa) = ESP gwB -> gwA on the wire" "$pkt_in" "$n_ba"
check_ge "gwA: charon's bytes-in (query_sa), 1 MB and the pings" "$bytes_in" $((1 << 20))
check_ge "gwA: charon's bytes-out (query_sa), 1 MB and the pings" "$bytes_out" $((1 << 20))
if [ "$IKE_IMPL_A" = kipsec ]; then
	check_eq "gwA: charon's packets-out (query_sa) = ESP gwA -> gwB on the wire" "$pkt_out" "$n_ab"
	check_eq "gwA: kipsec error counters" "$(kipsec_stats_nonzero "$GWA" rx_auth_fail rx_replay \
		rx_malformed rx_cleartext rx_policy_mismatch tx_no_sa)" ""
fi
check_eq "gwB: XFRM errors (/proc/net/xfrm_stat)" \
	"$(nsx "$GWB" awk '$2 != 0' /proc/net/xfrm_stat | tr -s ' \t\n' ' ')" ""

ksft_exit
