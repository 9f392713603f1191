#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 120
#
# Sequence number overflow without ESN (RFC 4303 section 3.3.3: the
# counter must not cycle):
#
#   A (PROTO_IMPL) 10.0.0.1 --veth-- 10.0.0.2 B (XFRM)
#
# A's outbound SA starts at replay-oseq 0xfffffff0, B's inbound one at
# replay-seq 0xfffffff0.  20 pings A -> B: the first 15 pass (sequence
# numbers 0xfffffff1..0xffffffff), then A sends nothing more: the 5 others
# are counted as tx_seq_overflow (or, once the SA was removed by the hard
# expire, as tx_no_sa), a hard expire event with the reason seq-overflow
# appears, no packet with a wrapped number is on the wire, and B accepted
# exactly those 15 packets, the last one 0xffffffff.
# XFRM, the reference, counts XfrmOutStateSeqError and raises no event.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_inject.sh"

require_impl
require_cmds tcpdump ping

A_IP=10.0.0.1
B_IP=10.0.0.2
SPI_AB=0x6801
SPI_BA=0x6802

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
expire_mon_start mon "$PROTO_IMPL" "$A" || ksft_exit
pt_sa "$PROTO_IMPL" "$A" $A_IP $B_IP $SPI_AB $KEY_A replay-window 64 replay-oseq 0xfffffff0 &&
pt_sa "$PROTO_IMPL" "$A" $B_IP $A_IP $SPI_BA $KEY_B replay-window 64 &&
ipsec_policy "$PROTO_IMPL" "$A" $A_IP/32 $B_IP/32 out $A_IP $B_IP transport &&
ipsec_policy "$PROTO_IMPL" "$A" $B_IP/32 $A_IP/32 in $B_IP $A_IP transport &&
pt_pair xfrm "$B" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A replay-window 64 replay-seq 0xfffffff0 ||
	{ fail "SAs and policies"; ksft_exit; }

capture_start wire "$A" va "$ESP and src $A_IP" &&
capture_start wrapped "$A" va "$ESP and src $A_IP and ip[24:4] < 0xfffffff1" || ksft_exit
overflow0=$(impl_stat "$PROTO_IMPL" "$A" tx_seq_overflow)
nosa0=$(impl_stat "$PROTO_IMPL" "$A" tx_no_sa)
got=$(ip netns exec "$A" ping -n -c 20 -i 0.1 -W 1 $B_IP 2>/dev/null | sed -n 's/.* \([0-9]*\) received.*/\1/p')
check_eq "echo replies to 20 pings" "$got" 15
check "captures complete" capture_stop wire wrapped

seqs=$(esp_seq_index "$(capture_file wire)" | awk '{ printf "%x ", $1 }' | sed 's/ $//')
check_eq "sequence numbers A sent" "$seqs" "$(printf '%x ' $(seq 4294967281 4294967295) | sed 's/ $//')"
check_capture_none "no wrapped sequence number on the wire" wrapped

overflow=$(($(impl_stat "$PROTO_IMPL" "$A" tx_seq_overflow) - overflow0))
nosa=$(($(impl_stat "$PROTO_IMPL" "$A" tx_no_sa) - nosa0))
log "A: tx_seq_overflow +$overflow, tx_no_sa +$nosa"
check_ge "tx_seq_overflow counted the first request that could not go" "$overflow" 1
check_eq "the 5 requests that could not go [tx_seq_overflow + tx_no_sa]" $((overflow + nosa)) 5

if [ "$PROTO_IMPL" = xfrm ]; then
	log "XFRM raises no expire event on sequence overflow: the event is kipsec's alone"
else
	expire_mon_wait mon "expire hard" 3
	check_eq "expire events [KIND REASON SPI]" \
		"$(expire_events mon | cut -d' ' -f2- | grep hard)" "hard seq-overflow $(printf 0x%x $SPI_AB)"
fi

check_eq "B accepted [packets, highest sequence number]" \
	"$(xfrm_sa_stat "$B" $SPI_AB packets seq_in)" "15 4294967295"
check_eq "B's drops [ICV, replay]" \
	"$(xfrm_stat "$B" XfrmInStateProtoError) $(xfrm_stat "$B" XfrmInStateSeqError)" "0 0"

ksft_exit
