#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# IKEv2 host to host, transport mode (issue 4, test 2):
#
#   gwA (charon+kipsec) 192.168.0.1 ==wan== [wire] ==wan== 192.168.0.2 gwB (charon+XFRM)
#
# The CHILD_SA covers all traffic between the two hosts, IKE included: the
# IKE packets pass beside the policies only through the bypass of charon's
# sockets.  gwA initiates; swanctl and the kernels agree on the SAs; pings
# and TCP both ways are ESP with the CHILD_SA's SPIs on the wire; then a
# CHILD_SA rekey (an IKE exchange over the protected path) replaces the
# SAs, and traffic moves to the new SPIs.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"
require_cmds nc cmp

ike_topo_h2h
ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"
ike_charon_start a "$GWA" "$IKE_IMPL_A" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" || ksft_exit
ike_conn_psk a 192.168.0.1 192.168.0.2 "$(ike_child host mode=transport)" &&
ike_conn_psk b 192.168.0.2 192.168.0.1 "$(ike_child host mode=transport)" || ksft_exit

ike_initiate a host || ksft_exit
ike_check_peers a b host || ksft_exit
check_eq "gwA: mode and protocol (charon)" "$(ike_child_field a host mode protocol)" "TRANSPORT ESP"
check_eq "gwA: traffic selectors (charon)" "$(ike_child_field a host local-ts remote-ts)" \
	'["192.168.0.1/32"] ["192.168.0.2/32"]'

# traffic_check TAG SPI_AB SPI_BA: pings and TCP, only ESP with these SPIs
traffic_check() {
	local tag=$1 ab=$2 ba=$3 spi="ip[20:4]"

	capture_start ab_$tag "$WIRE" a "$ESP and src 192.168.0.1 and $spi = $ab" &&
	capture_start ba_$tag "$WIRE" a "$ESP and src 192.168.0.2 and $spi = $ba" &&
	capture_start other_$tag "$WIRE" a "ip and not ($ESP and ((src 192.168.0.1 and $spi = $ab) or (src 192.168.0.2 and $spi = $ba)))" -s 0 ||
		return 1
	check "$tag: ping gwA -> gwB" ping_ok "$GWA" 192.168.0.2 5 0.1
	check "$tag: ping gwB -> gwA" ping_ok "$GWB" 192.168.0.1 5 0.1
	check "$tag: TCP 1 MB gwA -> gwB" tcp_transfer "$GWA" "$GWB" 192.168.0.2 1 5001
	check "$tag: TCP 1 MB gwB -> gwA" tcp_transfer "$GWB" "$GWA" 192.168.0.1 1 5002
	check "$tag: captures complete" capture_stop ab_$tag ba_$tag other_$tag
	check_ge "$tag: ESP gwA -> gwB with SPI $ab" "$(capture_packets ab_$tag)" 500
	check_ge "$tag: ESP gwB -> gwA with SPI $ba" "$(capture_packets ba_$tag)" 500
	check_capture_none "$tag: anything else between gwA and gwB (cleartext, other SPIs)" other_$tag
}

traffic_check first 0x$IKE_SPI_OUT 0x$IKE_SPI_IN
old="$IKE_SPI_IN $IKE_SPI_OUT"

# a rekey: IKE packets between the two hosts while the policies are in place
capture_start ike "$WIRE" a "udp port 500 or udp port 4500" || ksft_exit
out=$(ike_swan a --rekey --child host 2>&1) || fail "swanctl --rekey --child host: $out"
for ((i = 0; i < 50; i++)); do
	new=$(ike_child_field a host spi-in spi-out)
	[ "$new" = "$old" ] || [ "$new" = "? ?" ] || break
	sleep 0.2
done
capture_stop ike
check_ge "the rekey's IKE exchange went in the clear (UDP 500 or 4500)" "$(capture_packets ike)" 2
[ "$new" != "$old" ] && pass "the CHILD_SA was rekeyed ($old -> $new)" ||
	fail "the CHILD_SA was not rekeyed within 10 s (still $old)"
ike_check_peers a b host || ksft_exit
traffic_check rekeyed 0x$IKE_SPI_OUT 0x$IKE_SPI_IN

ksft_exit
