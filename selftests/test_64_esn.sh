#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 180
#
# Extended sequence numbers (RFC 4304) across 2^32, against native XFRM:
#
#   A (PROTO_IMPL) 10.0.0.1 --veth-- 10.0.0.2 B (XFRM)
#
# Both ends' SAs start 256 packets before 2^32 (flag esn, replay-oseq-hi 0
# replay-oseq 0xffffff00, and the same replay-seq).  Pings, then 1 MB over
# TCP each way carry both directions past 2^32; afterwards pings still
# pass both ways.  Every SA's 64-bit counters are past 2^32 and each
# sender's seq-out equals its peer's seq-in; on the wire the 32-bit
# sequence field wrapped (numbers >= 0xffffff00 and small ones); no ICV or
# replay drop anywhere.
#
# Negative: ESN on one end only (each way round: PROTO_IMPL without ESN
# against XFRM with it, and the reverse), starting just below 2^32.  The
# ICV covers the high half of the number (RFC 4304 section 3.2.1), so the
# ends never agree: no ping passes, nothing is accepted, and both
# receivers count authentication failures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_inject.sh"

require_impl
require_cmds tcpdump ping nc ss cmp

A_IP=10.0.0.1
B_IP=10.0.0.2
SPI_AB=0x6401
SPI_BA=0x6402
START=0xffffff00
TWO32=4294967296
ESN=(replay-window 128 flag esn replay-seq-hi 0 replay-seq $START replay-oseq-hi 0 replay-oseq $START)

setup_ns A B A2 B2 A3 B3
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
pt_pair "$PROTO_IMPL" "$A" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B "${ESN[@]}" ||
	{ fail "$PROTO_IMPL ESN SAs in A"; ksft_exit; }
pt_pair xfrm "$B" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A "${ESN[@]}" ||
	{ fail "XFRM ESN SAs in B"; ksft_exit; }

# the 32-bit sequence field on the wire, each way: before and after 2^32
SEQ_FIELD="ip[24:4]"	# behind a 20-byte IP header and the SPI
capture_start ab_hi "$A" va "$ESP and src $A_IP and $SEQ_FIELD >= $START" &&
capture_start ab_lo "$A" va "$ESP and src $A_IP and $SEQ_FIELD < 0x10000" &&
capture_start ba_hi "$A" va "$ESP and src $B_IP and $SEQ_FIELD >= $START" &&
capture_start ba_lo "$A" va "$ESP and src $B_IP and $SEQ_FIELD < 0x10000" || ksft_exit

check "ping A -> B before 2^32" ping_ok "$A" $B_IP 3 0.1
read -r out <<<"$(impl_sa_stat "$PROTO_IMPL" "$A" $SPI_AB seq_out)"
check_eq "A's seq-out before 2^32" "$out" $((START + 3))
check "TCP 1 MB A -> B across 2^32, payload intact" tcp_xfer "$A" "$B" $B_IP 1024 6401
check "TCP 1 MB B -> A across 2^32, payload intact" tcp_xfer "$B" "$A" $A_IP 1024 6402
check "ping A -> B after 2^32" ping_ok "$A" $B_IP 5 0.1
check "ping B -> A after 2^32" ping_ok "$B" $A_IP 5 0.1
check "captures complete" capture_stop ab_hi ab_lo ba_hi ba_lo

read -r a_out <<<"$(impl_sa_stat "$PROTO_IMPL" "$A" $SPI_AB seq_out)"
read -r a_in <<<"$(impl_sa_stat "$PROTO_IMPL" "$A" $SPI_BA seq_in)"
read -r b_out <<<"$(xfrm_sa_stat "$B" $SPI_BA seq_out)"
read -r b_in <<<"$(xfrm_sa_stat "$B" $SPI_AB seq_in)"
log "A -> B: A sent up to $a_out, B accepted up to $b_in; B -> A: B sent up to $b_out, A accepted up to $a_in"
check_ge "$PROTO_IMPL seq-out (A -> B) past 2^32" "$a_out" $((TWO32 + 1))
check_ge "$PROTO_IMPL seq-in (B -> A) past 2^32" "$a_in" $((TWO32 + 1))
check_ge "XFRM seq-out (B -> A) past 2^32" "$b_out" $((TWO32 + 1))
check_ge "XFRM seq-in (A -> B) past 2^32" "$b_in" $((TWO32 + 1))
check_eq "A -> B: B accepted up to what A sent" "$b_in" "$a_out"
check_eq "B -> A: A accepted up to what B sent" "$a_in" "$b_out"
check_eq "A -> B on the wire: sequence fields > $START" "$(capture_packets ab_hi)" 255
check_ge "A -> B on the wire: sequence fields wrapped to small numbers" "$(capture_packets ab_lo)" 200
check_eq "B -> A on the wire: sequence fields > $START" "$(capture_packets ba_hi)" 255
check_ge "B -> A on the wire: sequence fields wrapped to small numbers" "$(capture_packets ba_lo)" 200
check_eq "$PROTO_IMPL in A: drops [rx_auth_fail rx_replay; SA auth-fail replay]" \
	"$(impl_stat "$PROTO_IMPL" "$A" rx_auth_fail) $(impl_stat "$PROTO_IMPL" "$A" rx_replay); $(impl_sa_stat "$PROTO_IMPL" "$A" $SPI_BA auth_fail replay)" \
	"0 0; 0 0"
check_eq "XFRM in B: drops [ICV, replay; SA failed, left of the window, duplicates]" \
	"$(xfrm_stat "$B" XfrmInStateProtoError) $(xfrm_stat "$B" XfrmInStateSeqError); $(xfrm_sa_stat "$B" $SPI_AB failed replay_window replay)" \
	"0 0; 0 0 0"

# ---- negative: ESN on one end only
# received NS DST: how many of 8 echo requests got a reply
received() {
	ip netns exec "$1" ping -n -c 8 -i 0.05 -W 1 "$2" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

NEAR=0xfffffffb
NO_ESN=(replay-window 128 replay-seq $NEAR replay-oseq $NEAR)
ONE_ESN=(replay-window 128 flag esn replay-seq-hi 0 replay-seq $NEAR replay-oseq-hi 0 replay-oseq $NEAR)
veth_link "$A2" va "$A_IP/24" "$B2" vb "$B_IP/24"
veth_link "$A3" va "$A_IP/24" "$B3" vb "$B_IP/24"
pt_pair "$PROTO_IMPL" "$A2" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B "${NO_ESN[@]}" &&
pt_pair xfrm "$B2" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A "${ONE_ESN[@]}" &&
pt_pair "$PROTO_IMPL" "$A3" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B "${ONE_ESN[@]}" &&
pt_pair xfrm "$B3" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A "${NO_ESN[@]}" ||
	{ fail "SAs for the mismatched pairs"; ksft_exit; }

for pair in "2 without" "3 with"; do
	read -r n esn <<<"$pair"
	eval "a=\$A$n b=\$B$n"
	log "$PROTO_IMPL $esn ESN, XFRM the other way"
	check_eq "$esn ESN: ping A -> B, replies" "$(received "$a" $B_IP)" 0
	check_eq "$esn ESN: ping B -> A, replies" "$(received "$b" $A_IP)" 0
	check_eq "$esn ESN: packets accepted by $PROTO_IMPL, by XFRM" \
		"$(impl_sa_stat "$PROTO_IMPL" "$a" $SPI_BA rx_packets), $(xfrm_sa_stat "$b" $SPI_AB packets)" "0, 0"
	check_ge "$esn ESN: $PROTO_IMPL counted ICV failures" "$(impl_stat "$PROTO_IMPL" "$a" rx_auth_fail)" 1
	check_ge "$esn ESN: XFRM counted ICV failures" "$(xfrm_stat "$b" XfrmInStateProtoError)" 1
done

ksft_exit
