#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# A trap policy (issue 4, test 5): gwA's CHILD_SA has start_action = trap,
# so charon installs only the policies; the first packet from hostA to
# hostB finds no SA, the kernel raises an ACQUIRE, charon sets up the
# IKE_SA and CHILD_SA, and traffic flows:
#
#   hostA --lan-- gwA ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2 (charon+kipsec) 192.168.0.1  192.168.0.2 (charon+XFRM) 10.2.0.2
#
# Checks: before the packet, policies and no SA; the acquire seen by
# `kipsec monitor` (`ip xfrm monitor` for XFRM), once or twice, not a storm,
# and by charon (its log: with the packet's selectors); gwA initiated; the SAs agree; then pings flow,
# as ESP with the CHILD_SA's SPIs.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"

ike_topo_s2s
ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"
ike_charon_start a "$GWA" "$IKE_IMPL_A" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" || ksft_exit
ike_conn_psk a 192.168.0.1 192.168.0.2 \
	"$(ike_child net local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 mode=tunnel start_action=trap)" &&
ike_conn_psk b 192.168.0.2 192.168.0.1 \
	"$(ike_child net local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 mode=tunnel)" || ksft_exit

check_contains "gwA: charon lists the trap policy (list-policies)" "$(ike_vici a list-policies trap=yes)" '"child": "net"'
check_eq "gwA: no IKE_SA, no CHILD_SA before the first packet" "$(ike_sas_count a)" "0 0"
check_eq "gwA: no SA in the kernel ($IKE_IMPL_A) before the first packet" "$(ike_kernel_sa_count a)" 0
check_ge "gwA: the trap's policies in the kernel ($IKE_IMPL_A)" "$(ike_kernel_policy_count a)" 2

# the kernel's events while the first packets go out
case "$IKE_IMPL_A" in
kipsec) ip netns exec "$GWA" timeout $((60 * SCALE)) "$KIPSEC" monitor >"$TMPD/monitor" 2>&1 & ;;
xfrm) ip -n "$GWA" xfrm monitor acquire >"$TMPD/monitor" 2>&1 & ;;
esac
BG_PIDS+=($!)
sleep 0.5	# the monitor joined its group (no way to tell)

# 30 echo requests, 50 ms apart: the first ones raise the acquire and are
# lost (queued or dropped), the later ones travel over the new CHILD_SA
capture_start esp "$WIRE" a "$ESP" || ksft_exit
t0=${EPOCHREALTIME/[.,]/}
got=$(ip netns exec "$HOSTA" ping -n -q -c 30 -i 0.05 -w 20 10.2.0.2 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
t1=${EPOCHREALTIME/[.,]/}
check_ge "ping hostA -> hostB: replies once the trap has brought the tunnel up (of 30)" "${got:-0}" 1
log "first ping: ${got:-0} of 30 replies in $(((t1 - t0) / 1000)) ms"
# charon's acquire job names the packet's selectors (not the policy's)
check "gwA's log: charon got the acquire for hostA -> hostB's packet" \
	grep -qE "creating acquire job for policy 10\.1\.0\.2/32.* === 10\.2\.0\.2/32" "$(ike_log a)"
grep -E "acquire" "$(ike_log a)" | head -n 3 | sed 's/^/    /'
check "the CHILD_SA is up at gwA" ike_wait_child a net 10
check_eq "gwA initiated the IKE_SA" "$(ike_child_field a net ike.initiator)" yes

sleep 0.5
kill "${BG_PIDS[-1]}" 2>/dev/null
wait "${BG_PIDS[-1]}" 2>/dev/null
log "$IKE_IMPL_A monitor on gwA:"
grep -i acquire "$TMPD/monitor" | head -n 5 | sed 's/^/    /'
n_acq=$(grep -ci acquire "$TMPD/monitor")
check_ge "acquire events from the kernel ($IKE_IMPL_A monitor)" "$n_acq" 1
[ "$n_acq" -le 3 ] && pass "acquire events: no storm ($n_acq for 30 packets)" ||
	fail "acquire events: $n_acq for 30 packets (a storm)"

ike_check_peers a b net || ksft_exit
check "captures complete" capture_stop esp
capture_start ab "$WIRE" a "$ESP and src 192.168.0.1 and ip[20:4] = 0x$IKE_SPI_OUT" &&
capture_start ba "$WIRE" a "$ESP and src 192.168.0.2 and ip[20:4] = 0x$IKE_SPI_IN" || ksft_exit
check "ping hostA -> hostB over the CHILD_SA, all 10 replies" ping_ok "$HOSTA" 10.2.0.2 10 0.05
check "captures complete" capture_stop ab ba
check_eq "ESP gwA -> gwB with SPI 0x$IKE_SPI_OUT" "$(capture_packets ab)" 10
check_eq "ESP gwB -> gwA with SPI 0x$IKE_SPI_IN" "$(capture_packets ba)" 10

ksft_exit
