#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# CHILD_SA rekeying under load (issue 4, test 6): gwA rekeys its CHILD_SA
# every 5 s (rekey_time, no jitter; charon rekeys on kipsec's soft expire)
# while hostA pings hostB 50 times a second for 18 s (both SCALE^2 times
# longer on a slow kernel, see below):
#
#   hostA --lan-- gwA ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2 (charon+kipsec) 192.168.0.1  192.168.0.2 (charon+XFRM) 10.2.0.2
#
# Checks: at least two rekeys happened during the pings (three or more
# SPIs each way on the wire, the log); not one echo request or reply lost
# (exact counts), nothing in the clear; afterwards (charon deletes a
# rekeyed inbound SA after delete_rekeyed_delay, here 1 s) no SA of the
# older CHILD_SAs is left in either kernel: only the SPIs of the last two
# CHILD_SAs (the current one, and the one just rekeyed if a rekey happened
# in the last second) and the ones swanctl reports.  The rekeying goes on
# during the checks, so they read the kernel and charon once each.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"

# On the debug kernel (SCALE 2) reading charon and the kernel takes many
# seconds (16 s for one gateway's snapshot below): with a rekey every 5 s,
# two rekeys fell into one snapshot and showed SAs that no read of charon
# knew.  There a CHILD_SA lives 20 s (SCALE^2 times longer) and the pings
# last as much longer, so that as many rekeys happen during them.
REKEY=$((5 * SCALE * SCALE))
COUNT=$((900 * SCALE * SCALE))	# echo requests, 20 ms apart: 18 s (times SCALE^2)
ike_topo_s2s
ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"
ike_charon_start a "$GWA" "$IKE_IMPL_A" "delete_rekeyed_delay = 1" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" "delete_rekeyed_delay = 1" || ksft_exit
ike_conn_psk a 192.168.0.1 192.168.0.2 "$(ike_child net local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 \
	mode=tunnel rekey_time=${REKEY}s life_time=60s rand_time=0s)" &&
ike_conn_psk b 192.168.0.2 192.168.0.1 "$(ike_child net local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 \
	mode=tunnel rekey_time=0s)" || ksft_exit

ike_initiate a net || ksft_exit
log "CHILD_SA up after ${SECONDS} s"
pol0=$(ike_kernel_policy_count a)

capture_start esp "$WIRE" a "$ESP" -s 64 -B 16384 &&
capture_start clear "$WIRE" a "icmp" || ksft_exit
t0=$SECONDS
out=$(ip netns exec "$HOSTA" timeout $((COUNT / 25 + 30)) ping -n -q -c $COUNT -i 0.02 -W 3 10.2.0.2 2>&1)
log "ping: $(echo "$out" | grep transmitted) ($((SECONDS - t0)) s, ended at $SECONDS s)"
check_eq "echo requests sent / replies received across the rekeys" \
	"$(echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p')" "$COUNT $COUNT"
check "captures complete" capture_stop esp clear
check_capture_none "ICMP in the clear on the wire" clear

# the SPIs on the wire, in order of appearance, per direction
read -r spis_ab spis_ba n_ab n_ba <<<"$(esp_frames "$(capture_file esp)" | awk '
	$2 == "192.168.0.1" { ab++; if (!($4 in s)) { s[$4]; la = la (la ? "," : "") $4 } }
	$2 == "192.168.0.2" { ba++; if (!($4 in s)) { s[$4]; lb = lb (lb ? "," : "") $4 } }
	END { print la, lb, ab + 0, ba + 0 }')"
log "SPIs gwA -> gwB: $spis_ab; gwB -> gwA: $spis_ba"
check_eq "ESP packets each way: one per echo request and reply" "$n_ab $n_ba" "$COUNT $COUNT"
check_ge "SPIs gwA -> gwB on the wire (two rekeys or more)" "$(echo "$spis_ab" | tr ',' '\n' | grep -c .)" 3
check_ge "SPIs gwB -> gwA on the wire (two rekeys or more)" "$(echo "$spis_ba" | tr ',' '\n' | grep -c .)" 3
check_ge "gwA's log: CHILD_SAs rekeyed" "$(grep -c 'CHILD_SA net{[0-9]*} established' "$(ike_log a)")" 3

# old SAs removed: every SA in a kernel is of the last two CHILD_SAs on
# the wire or of the one charon reports now.  gwA keeps rekeying: a rekey
# between reading charon and reading a kernel shows SAs that charon did not
# know yet, so charon is read before and after each kernel (one gateway
# at a time, to keep that window short), and a snapshot with strays is
# taken again (up to three times); an SA that was never deleted stays a
# stray in every one.  No python here: on the debug kernel a snapshot
# that started python six times took 77 s, long enough for two rekeys.
# charon_spis G: the SPIs (in, out) of the CHILD_SAs "net" that G's charon
# holds installed (swanctl --list-sas: "  net: #3, reqid 1, INSTALLED, ..."
# then "    in  c1234567, ..." and "    out ...")
charon_spis() {
	ike_swan "$1" --list-sas 2>/dev/null | awk '
		/^  [^ ].*: #[0-9]+, reqid / { on = ($0 ~ /^  net: .*, INSTALLED,/); next }
		on && ($1 == "in" || $1 == "out") { sub(/,$/, "", $2); print $2 }'
}
# kernel_spis G: the SPIs of the SAs in G's kernel (kipsec or XFRM), 0x...
kernel_spis() {
	local ns impl

	eval "ns=\$IKE_NS_$1 impl=\$IKE_IMPL_$1"
	case "$impl" in
	kipsec) kip "$ns" sa show ;;
	xfrm) ip -n "$ns" xfrm state ;;
	esac | sed -n 's/.*proto [a-z]* spi \(0x[0-9a-f]*\).*/\1/p'
}
# snapshot G: "SAS-IN-THE-KERNEL|SPIS-CHARON-REPORTED" of gateway G
snapshot() {
	local before sas after

	before=$(charon_spis "$1")
	sas=$(kernel_spis "$1")
	after=$(charon_spis "$1")
	echo $sas"|"$before $after
}
for try in 1 2 3; do
	sleep 1.5
	t0=$SECONDS
	snap_a=$(snapshot a)
	snap_b=$(snapshot b)
	sas_a=$(echo ${snap_a%%|*} | tr ' ' '\n')
	sas_b=$(echo ${snap_b%%|*} | tr ' ' '\n')
	recent=$(for l in "$spis_ab" "$spis_ba"; do echo "$l" | tr ',' '\n' | tail -n 2; done
		for s in ${snap_a#*|} ${snap_b#*|}; do echo "0x$s"; done)
	stale_a=$(echo "$sas_a" | grep -vxF "$recent" | tr '\n' ' ')
	stale_b=$(echo "$sas_b" | grep -vxF "$recent" | tr '\n' ' ')
	log "snapshot $try ($((SECONDS - t0)) s), SAs in the kernel|in charon: gwA $snap_a; gwB $snap_b"
	[ -n "$stale_a$stale_b" ] || break
done
check_eq "gwA ($IKE_IMPL_A): SAs of older CHILD_SAs left in the kernel" "$stale_a" ""
check_eq "gwB ($IKE_IMPL_B): SAs of older CHILD_SAs left in the kernel" "$stale_b" ""
for g in "gwA $sas_a" "gwB $sas_b"; do
	n=$(echo "${g#gw? }" | grep -c '^0x')
	[ "$n" -ge 2 ] && [ "$n" -le 4 ] && pass "${g%% *}: $n SAs in the kernel (the current pair, perhaps the last rekey's)" ||
		fail "${g%% *}: $n SAs in the kernel, want 2 to 4"
done
check_eq "gwA: IKE_SAs and CHILD_SAs charon holds" "$(ike_sas_count a)" "1 1"
check_eq "gwA: policies in the kernel ($IKE_IMPL_A): as many as before the rekeys" "$(ike_kernel_policy_count a)" "$pol0"

ksft_exit
