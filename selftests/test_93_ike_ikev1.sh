#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# IKEv1 main mode with a pre-shared key, then quick mode (issue 4, test 4),
# site to site:
#
#   hostA --lan-- gwA ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2 (charon+kipsec) 192.168.0.1  192.168.0.2 (charon+XFRM) 10.2.0.2
#
# gwA initiates; the IKE_SA is IKEv1 and the log shows main mode and quick
# mode; swanctl and the kernels agree on the SAs; traffic between the LANs
# is ESP with the CHILD_SA's SPIs, nothing in the clear.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"
require_cmds nc cmp

ike_topo_s2s
ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"
ike_charon_start a "$GWA" "$IKE_IMPL_A" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" || ksft_exit
ike_conn_psk a 192.168.0.1 192.168.0.2 \
	"$(ike_child net local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 mode=tunnel)" "version = 1" &&
ike_conn_psk b 192.168.0.2 192.168.0.1 \
	"$(ike_child net local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 mode=tunnel)" "version = 1" || ksft_exit

ike_initiate a net || ksft_exit
check_eq "gwA: IKE version of the SA (charon)" "$(ike_child_field a net ike.version)" 1
check "gwA's log: main mode" grep -q "initiating Main Mode IKE_SA" "$(ike_log a)"
check "gwA's log: quick mode" grep -q "QUICK_MODE request" "$(ike_log a)"
ike_check_peers a b net || ksft_exit

capture_start ab "$WIRE" a "$ESP and src 192.168.0.1 and ip[20:4] = 0x$IKE_SPI_OUT" &&
capture_start ba "$WIRE" a "$ESP and src 192.168.0.2 and ip[20:4] = 0x$IKE_SPI_IN" &&
capture_start other "$WIRE" a "ip and not $ESP" -s 0 || ksft_exit
check "ping hostA -> hostB" ping_ok "$HOSTA" 10.2.0.2 5 0.1
check "ping hostB -> hostA" ping_ok "$HOSTB" 10.1.0.2 5 0.1
check "TCP 1 MB hostA -> hostB, payload intact" tcp_transfer "$HOSTA" "$HOSTB" 10.2.0.2 1 5001
check "captures complete" capture_stop ab ba other
check_ge "ESP gwA -> gwB with SPI 0x$IKE_SPI_OUT" "$(capture_packets ab)" 500
check_ge "ESP gwB -> gwA with SPI 0x$IKE_SPI_IN" "$(capture_packets ba)" 50
check_capture_none "anything but ESP on the wire" other

ksft_exit
