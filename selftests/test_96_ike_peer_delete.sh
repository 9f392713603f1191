#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# The peer deletes a CHILD_SA, then the IKE_SA (issue 4, test 7).  One
# IKE_SA with two CHILD_SAs:
#
#   hostA --lan-- gwA ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2 (charon+kipsec) 192.168.0.1  192.168.0.2 (charon+XFRM) 10.2.0.2
#
#   "net":  tunnel, 10.1.0.0/24 <-> 10.2.0.0/24
#   "host": transport, 192.168.0.1 <-> 192.168.0.2, TCP port 7 only
#
# gwB deletes "net": gwA's kernel loses net's SAs and policies and keeps
# host's, which still carries traffic.  gwB then deletes the IKE_SA: gwA's
# kernel holds no SA and no policy of charon's at all.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"

ike_topo_s2s
ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"
ike_charon_start a "$GWA" "$IKE_IMPL_A" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" || ksft_exit
children_a="$(ike_child net local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 mode=tunnel)
$(ike_child host local_ts=192.168.0.1/32[tcp/7] remote_ts=192.168.0.2/32[tcp] mode=transport)"
children_b="$(ike_child net local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 mode=tunnel)
$(ike_child host local_ts=192.168.0.2/32[tcp] remote_ts=192.168.0.1/32[tcp/7] mode=transport)"
ike_conn_psk a 192.168.0.1 192.168.0.2 "$children_a" &&
ike_conn_psk b 192.168.0.2 192.168.0.1 "$children_b" || ksft_exit

ike_initiate a net && ike_initiate a host || ksft_exit
check_eq "gwA: IKE_SAs and CHILD_SAs" "$(ike_sas_count a)" "1 2"
ike_check_peers a b net || ksft_exit
net_spis="$IKE_SPI_IN $IKE_SPI_OUT"
ike_check_peers a b host || ksft_exit
host_spis="$IKE_SPI_IN $IKE_SPI_OUT"
check_eq "gwA: SAs in the kernel ($IKE_IMPL_A)" "$(ike_kernel_sa_count a)" 4
pol0=$(ike_kernel_policy_count a)
check "ping hostA -> hostB through net" ping_ok "$HOSTA" 10.2.0.2 3 0.1

# gwB deletes the CHILD_SA "net"
check "gwB deletes the CHILD_SA net" ike_swan b --terminate --child net --timeout 10 >/dev/null
for ((i = 0; i < 25; i++)); do
	[ "$(ike_kernel_sa_count a)" = 2 ] && break
	sleep 0.2
done
sas=$(ike_kernel_sas a | awk '{ print $1 }' | sort | tr '\n' ' ')
check_eq "gwA: the kernel's SAs are host's only" "$sas" "$(printf '%s\n' $host_spis | sort | tr '\n' ' ')"
check_eq "gwA: IKE_SAs and CHILD_SAs charon holds" "$(ike_sas_count a)" "1 1"
case "$IKE_IMPL_A" in
kipsec)
	pols=$(kip "$GWA" policy show)
	check_eq "gwA: kipsec policies left: host's in and out (of $pol0)" "$(ike_kernel_policy_count a)" 2
	check_eq "gwA: no policy for 10.1.0.0/24 or 10.2.0.0/24 left" "$(echo "$pols" | grep -cE '10\.[12]\.0\.0/24')" 0
	;;
xfrm)
	check_eq "gwA: XFRM policies left: host's in and out (of $pol0)" "$(ike_kernel_policy_count a)" 2
	check_eq "gwA: no policy for 10.1.0.0/24 or 10.2.0.0/24 left" \
		"$(ip -n "$GWA" xfrm policy | grep -cE '10\.[12]\.0\.0/24')" 0
	;;
esac
# host's CHILD_SA still works: TCP to port 7 of gwA, ESP on the wire
capture_start host "$WIRE" a "$ESP and src 192.168.0.2 and ip[20:4] = 0x${host_spis% *}" || ksft_exit
ip netns exec "$GWA" timeout 20 nc -n -l 7 </dev/null >"$TMPD/echo7" &
wait_listen "$GWA" tcp 7 $!
echo "still here" | ip netns exec "$GWB" timeout 10 nc -n -N -w 5 192.168.0.1 7 >/dev/null
wait $!
check "captures complete" capture_stop host
check_eq "host's CHILD_SA still carries TCP to port 7" "$(cat "$TMPD/echo7")" "still here"
check_ge "... as ESP with host's SPI" "$(capture_packets host)" 3

# gwB deletes the IKE_SA
check "gwB deletes the IKE_SA" ike_swan b --terminate --ike gw --timeout 10 >/dev/null
for ((i = 0; i < 25; i++)); do
	[ "$(ike_kernel_sa_count a)" = 0 ] && [ "$(ike_kernel_policy_count a)" = 0 ] && break
	sleep 0.2
done
check_eq "gwA: IKE_SAs and CHILD_SAs charon holds" "$(ike_sas_count a)" "0 0"
check_eq "gwA: SAs in the kernel ($IKE_IMPL_A)" "$(ike_kernel_sa_count a)" 0
check_eq "gwA: policies in the kernel ($IKE_IMPL_A)" "$(ike_kernel_policy_count a)" 0
[ "$IKE_IMPL_A" != kipsec ] || check_eq "kipsec sa show on gwA" "$(kip "$GWA" sa show)" ""
check_eq "gwB: SAs in the kernel ($IKE_IMPL_B)" "$(ike_kernel_sa_count b)" 0

ksft_exit
