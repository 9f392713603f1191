#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# charon restarts (issue 4, test 10): the tunnel of test_89 is up; gwA's
# charon stops (SIGTERM): it deletes its IKE_SA and CHILD_SA, and its
# kernel (kipsec or XFRM) holds none of its SAs and policies any more; the
# peer learns it (DELETE).  A new charon starts on gwA with the same
# configuration, cleanly (its plugins load, the kernel backend is the
# expected one), re-establishes the tunnel, and traffic flows as ESP with
# the new SPIs.
#
#   hostA --lan-- gwA ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2 (charon+kipsec) 192.168.0.1  192.168.0.2 (charon+XFRM) 10.2.0.2
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"

ike_topo_s2s
ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"
child_a=$(ike_child net local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 mode=tunnel)
ike_charon_start a "$GWA" "$IKE_IMPL_A" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" || ksft_exit
ike_conn_psk a 192.168.0.1 192.168.0.2 "$child_a" &&
ike_conn_psk b 192.168.0.2 192.168.0.1 "$(ike_child net local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 mode=tunnel)" ||
	ksft_exit
ike_initiate a net || ksft_exit
ike_check_peers a b net || ksft_exit
old="$IKE_SPI_IN $IKE_SPI_OUT"
check "ping hostA -> hostB" ping_ok "$HOSTA" 10.2.0.2 3 0.1
check_eq "gwA: SAs in the kernel ($IKE_IMPL_A) while up" "$(ike_kernel_sa_count a)" 2

# stop
ike_charon_stop a TERM
check "gwA's charon sent a DELETE for its IKE_SA on the way out" grep -q "sending DELETE for IKE_SA" "$(ike_log a)"
check_eq "gwA: SAs in the kernel ($IKE_IMPL_A) after charon stopped" "$(ike_kernel_sa_count a)" 0
check_eq "gwA: policies in the kernel ($IKE_IMPL_A) after charon stopped" "$(ike_kernel_policy_count a)" 0
if [ "$IKE_IMPL_A" = kipsec ]; then
	check_eq "kipsec sa show on gwA" "$(kip "$GWA" sa show)" ""
	check_eq "kipsec policy show on gwA" "$(kip "$GWA" policy show)" ""
fi
for ((i = 0; i < 25; i++)); do
	[ "$(ike_sas_count b)" = "0 0" ] && break
	sleep 0.2
done
check_eq "gwB: IKE_SAs and CHILD_SAs after gwA's DELETE" "$(ike_sas_count b)" "0 0"
check_eq "gwB: SAs in the kernel ($IKE_IMPL_B)" "$(ike_kernel_sa_count b)" 0
cp "$(ike_log a)" "$TMPD/charon-a-1.log"

# a new charon
ike_charon_start a "$GWA" "$IKE_IMPL_A" || ksft_exit
log="$(ike_log a)"
if [ "$IKE_IMPL_A" = kipsec ]; then
	check "gwA's new charon loaded kernel-kipsec" grep -qE "loaded plugins: .*kernel-kipsec" "$log"
fi
bad=$(grep -iE "failed|error|unable" "$log" | head -n 3)
check_eq "gwA's new charon started without errors (log)" "$bad" ""
ike_conn_psk a 192.168.0.1 192.168.0.2 "$child_a" || ksft_exit
ike_initiate a net || ksft_exit
ike_check_peers a b net || ksft_exit
[ "$IKE_SPI_IN $IKE_SPI_OUT" != "$old" ] && pass "new SPIs ($old -> $IKE_SPI_IN $IKE_SPI_OUT)" ||
	fail "the same SPIs as before the restart ($old)"
check_eq "gwA: SAs in the kernel ($IKE_IMPL_A): the new CHILD_SA's only" "$(ike_kernel_sa_count a)" 2
capture_start ab "$WIRE" a "$ESP and src 192.168.0.1 and ip[20:4] = 0x$IKE_SPI_OUT" &&
capture_start ba "$WIRE" a "$ESP and src 192.168.0.2 and ip[20:4] = 0x$IKE_SPI_IN" || ksft_exit
check "ping hostA -> hostB after the restart" ping_ok "$HOSTA" 10.2.0.2 5 0.1
check "captures complete" capture_stop ab ba
check_eq "ESP gwA -> gwB with the new SPI" "$(capture_packets ab)" 5
check_eq "ESP gwB -> gwA with the new SPI" "$(capture_packets ba)" 5

ksft_exit
