#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# The anti-replay window of an inbound SA, for windows of 0 (off), 32, 64,
# 1024 and 4096 packets, against native XFRM receiving the same packets:
#
#   S (XFRM sender) --veth-- I (injector; a sink for S's packets)
#                            I --veth-- R1 (PROTO_IMPL, the receiver under test)
#                            I --veth-- R2 (XFRM, the oracle)
#
# S sends UDP datagrams "sSEQ" through an SA whose sequence counter is set
# so that the packets carry exactly the sequence numbers needed around a
# top H = 5000 (H-W, H-W+1, H-W+2, H-W/2-1, H-1..H+2, H+W+5).  Nobody
# accepts them: I just sinks them.  For each window W, R1 and R2 get an
# SA with that window (made afresh: an empty window), then I sends the
# same captured frames in the same order to both.  What each receiver's
# application got (and in which order), its per-SA counters and its
# replay drop counters must match the RFC 4303 window, and R1 must decide
# exactly as XFRM did: reordered packets inside the window accepted, the
# oldest number inside accepted, one further left dropped, duplicates
# dropped, numbers that fell out of a sliding window dropped; W=0 accepts
# everything.  Windows beyond 4096 are refused.
#
# iproute2 6.1 sends a window of up to 32 as the legacy replay state and a
# larger one as XFRMA_REPLAY_ESN_VAL without ESN (the kernel's bitmap
# mode, bitmap-length W/32), and refuses 4097 itself; "flag esn" is not
# needed, and would change the window's semantics (RFC 4304 appendix A).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_inject.sh"

require_impl
require_cmds tcpdump

S_IP=10.0.0.1
R_IP=10.0.0.2
R_MAC=02:00:00:00:00:02
SPI=0x6201
PORT=6200
H=5000
WINDOWS="0 32 64 1024 4096"

setup_ns S I R1 R2
# python starts slowly under TCG: the receiving applications first
udp_log_start r1 "$R1" $PORT nowait
udp_log_start r2 "$R2" $PORT nowait
veth_link "$S" vs "$S_IP/24" "$I" vc -
ip -n "$I" link set dev vc address $R_MAC
ip -n "$S" neigh add $R_IP lladdr $R_MAC dev vs nud permanent
ip -n "$S" xfrm policy add src $S_IP/32 dst $R_IP/32 proto udp dir out \
	tmpl src $S_IP dst $R_IP proto esp mode transport reqid 1 || fail "XFRM policy in S"

# the packets: one batch of consecutive numbers per group, made while the
# receivers are set up
batches="$((H - 1)):4"
for w in $WINDOWS; do
	[ "$w" = 0 ] && continue
	batches="$batches $((H - w)):3 $((H - w / 2 - 1)):1 $((H + w + 5)):1"
done
capture_start gen "$S" vs "$ESP" -s 0 || ksft_exit
esp_gen "$S" $R_IP $PORT $SPI $S_IP $KEY_A $batches &
GEN_PID=$!

for r in 1 2; do
	eval "ns=\$R$r"
	veth_link "$I" vi$r - "$ns" vr "$R_IP/24"
	ip -n "$ns" link set dev vr address $R_MAC
	impl=xfrm
	[ $r = 1 ] && impl=$PROTO_IMPL
	ipsec_policy $impl "$ns" $S_IP/32 $R_IP/32 in $S_IP $R_IP transport || ksft_exit
done
wait_listen "$R1" udp $PORT || fail "UDP receiver in R1"
wait_listen "$R2" udp $PORT || fail "UDP receiver in R2"

check "the sender made its packets" wait $GEN_PID
check "capture of the sender's packets complete" capture_stop gen
PCAP=$(capture_file gen)
esp_seq_index "$PCAP" >"$TMPD/seqs"
want_n=0
for b in $batches; do want_n=$((want_n + ${b#*:})); done
check_eq "distinct sequence numbers captured" "$(cut -d' ' -f1 "$TMPD/seqs" | sort -u | wc -l)" "$want_n"
check_eq "frames captured" "$(wc -l <"$TMPD/seqs")" "$want_n"

# IDX[SEQ]: the frame that carries SEQ
declare -A IDX
while read -r seq i; do IDX[$seq]=$i; done <"$TMPD/seqs"

# namespace replay drops so far (fresh namespaces: none)
DROPS1=0 DROPS2=0

run_window() {
	local w=$1 ww steps seq acc i seqs=() want="" nacc=0 ndrop=0 nleft=0 ndup=0
	local skip1 skip2 got1 got2 x1 a1 p1 w1 n1 a2 l2 d2 w2 n2

	# SEQ:OUTCOME, in injection order.  a accepted, l dropped left of
	# the window, d dropped as a duplicate (as XFRM counts them).  W=0
	# gets the packets of W=32, and accepts them all.
	ww=$w
	[ "$w" = 0 ] && ww=32
	steps="$H:a $((H - ww + 1)):a $((H - ww)):l $((H - 1)):a $((H - ww / 2 - 1)):a
	       $((H - 1)):d $H:d $((H - ww + 1)):d $((H - ww / 2 - 1)):d
	       $((H + 1)):a $((H - ww + 2)):a $((H - ww + 1)):l
	       $((H + ww + 5)):a $((H + 2)):l"
	[ "$w" = 0 ] && steps=$(echo $steps | sed 's/:[ld]/:a/g')
	log "window $w"
	for i in $steps; do
		seq=${i%:*} acc=${i#*:}
		x1=${IDX[$seq]}
		[ -n "$x1" ] || { fail "W=$w: no frame with sequence number $seq"; return; }
		seqs+=("$x1")
		case "$acc" in
		a) want="$want s$seq"; nacc=$((nacc + 1)) ;;
		l) nleft=$((nleft + 1)); ndrop=$((ndrop + 1)) ;;
		d) ndup=$((ndup + 1)); ndrop=$((ndrop + 1)) ;;
		esac
	done
	want=${want# }

	# fresh SAs with this window on both receivers
	pt_sa_del "$PROTO_IMPL" "$R1" $S_IP $R_IP $SPI 2>/dev/null
	pt_sa_del xfrm "$R2" $S_IP $R_IP $SPI 2>/dev/null
	pt_sa "$PROTO_IMPL" "$R1" $S_IP $R_IP $SPI $KEY_A replay-window "$w" ||
		{ fail "W=$w: $PROTO_IMPL SA in R1"; return; }
	pt_sa xfrm "$R2" $S_IP $R_IP $SPI $KEY_A replay-window "$w" ||
		{ fail "W=$w: XFRM SA in R2"; return; }
	udp_log r1
	skip1=$UDP_LINES
	udp_log r2
	skip2=$UDP_LINES
	check "W=$w: inject ${#seqs[@]} frames into both receivers" \
		esp_inject_list "$I" 10 "vi1 vi2" "$PCAP" "${seqs[@]}"
	udp_log_wait r1:$((skip1 + nacc)) r2:$((skip2 + nacc))
	udp_log r1 "$skip1"
	got1=$UDP_LOG
	udp_log r2 "$skip2"
	got2=$UDP_LOG
	check_eq "W=$w: XFRM (oracle) delivered to the application" "$got2" "$want"
	check_eq "W=$w: $PROTO_IMPL delivered to the application" "$got1" "$want"
	check_eq "W=$w: $PROTO_IMPL accepted and dropped exactly what XFRM did" "$got1" "$got2"

	read -r a1 p1 w1 <<<"$(impl_sa_stat "$PROTO_IMPL" "$R1" $SPI rx_packets replay replay_window)"
	n1=$(impl_stat "$PROTO_IMPL" "$R1" rx_replay)
	read -r a2 l2 d2 w2 <<<"$(xfrm_sa_stat "$R2" $SPI packets replay_window replay window)"
	n2=$(impl_stat xfrm "$R2" rx_replay)
	check_eq "W=$w: XFRM [window; SA packets, drops left of the window, duplicates; namespace replay drops]" \
		"$w2; $a2 $l2 $d2; $((n2 - DROPS2))" "$w; $nacc $nleft $ndup; $ndrop"
	check_eq "W=$w: $PROTO_IMPL [window; SA rx_packets, replay; rx_replay]" \
		"$w1; $a1 $p1; $((n1 - DROPS1))" "$w; $nacc $ndrop; $ndrop"
	DROPS1=$n1 DROPS2=$n2
}

for w in $WINDOWS; do
	run_window "$w"
done

check_fails "a window of 4097 is refused" \
	pt_sa "$PROTO_IMPL" "$R1" $S_IP $R_IP 0x6202 $KEY_A replay-window 4097
check_eq "other receive errors in R1" "$(impl_stat "$PROTO_IMPL" "$R1" rx_auth_fail)" 0

ksft_exit
