#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# Integrity and anti-replay of kipsec's inbound SA, against ESP packets
# sent again from the peer's side of the link through a packet socket:
#
#   A (kipsec) 10.0.0.1 --veth-- 10.0.0.2 B (XFRM)
#   F (XFRM, the same SA B -> A, sequence numbers ahead of B's) --veth-- sink
#
# F makes genuine ESP packets that A has never seen: F holds B's outbound
# SA (key, SPI) with its sequence counter set ahead, and sends to a sink
# (a copy of B's MAC address on F's side, A's MAC as the neighbour), so the
# captured frames are exactly what B would send next.
#
#  - a packet A already accepted, again: dropped as a replay (within the
#    window, and older than the window)
#  - a fresh packet with a byte flipped in the ciphertext, in the ICV, or in
#    the sequence number: dropped as an authentication failure, and the
#    window does not move
#  - the same fresh packet unmodified: accepted (the failed copy did not
#    use up its sequence number), and then a replay
#  - counters: rx_replay / rx_auth_fail and the SA's replay / auth-fail
#  - traffic between A and B keeps flowing afterwards
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds tcpdump ping

A_IP=10.0.0.1
B_IP=10.0.0.2
SPI_AB=0x1000
SPI_BA=0x2000

setup_ns A B F S
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
ipsec_transport kipsec "$A" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B || ksft_exit
ipsec_transport xfrm "$B" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A || ksft_exit

# what B sends to A, whole frames
capture_start old "$B" vb "$ESP and src $B_IP and dst $A_IP" -s 0 || ksft_exit
check "ping B -> A" ping_ok "$B" $A_IP
# move the window well past the first packets: 80 more echo requests
check "80 more pings B -> A" ping_ok "$B" $A_IP 80 0.02
check "capture of B's packets complete" capture_stop old
OLD=$(capture_file old)
esp_frames "$OLD" >"$TMPD/old.txt"
read -r first_idx _ _ _ first_seq _ <<<"$(head -n 1 "$TMPD/old.txt")"
read -r last_idx _ _ _ last_seq _ <<<"$(tail -n 1 "$TMPD/old.txt")"
top=$(kipsec_sa_stat "$A" $SPI_BA seq_in)
log "B sent ESP seq $first_seq..$last_seq, A's highest accepted: $top"
check_eq "A accepted all of B's packets" "$top" "$last_seq"
check_ge "the first is older than the 64-packet window" $((top - first_seq)) 64

# F: B's outbound SA with its counter 20 ahead, sending to a sink
F_SEQ=$((top + 20))
ip -n "$F" link add name fb type veth peer name fs netns "$S"
ip -n "$F" link set dev fb address "$(mac_of "$B" vb)"
ip -n "$F" addr add $B_IP/24 dev fb
ip -n "$F" link set dev fb up
ip -n "$S" link set dev fs up
ip -n "$F" neigh add $A_IP lladdr "$(mac_of "$A" va)" dev fb nud permanent
ip -n "$F" xfrm state add src $B_IP dst $A_IP proto esp spi $SPI_BA mode transport \
	reqid 1 aead "$ALGO" $KEY_B 128 replay-oseq $F_SEQ || fail "XFRM SA in F"
ip -n "$F" xfrm policy add src $B_IP/32 dst $A_IP/32 dir out \
	tmpl src $B_IP dst $A_IP proto esp mode transport reqid 1 || fail "XFRM policy in F"
capture_start new "$F" fb "$ESP" -s 0 || ksft_exit
ip netns exec "$F" ping -q -n -c 2 -i 0.2 -w 2 $A_IP >/dev/null 2>&1
check "capture of F's packets complete" capture_stop new
NEW=$(capture_file new)
esp_frames "$NEW" >"$TMPD/new.txt"
read -r new_idx _ _ new_spi new_seq _ <<<"$(head -n 1 "$TMPD/new.txt")"
check_eq "F's first packet: SPI and sequence number" "$new_spi $new_seq" \
	"$(printf 0x%08x $SPI_BA) $((F_SEQ + 1))"

# counters: namespace rx_packets rx_replay rx_auth_fail, then the SA's
# rx_packets replay auth_fail seq_in
counters() {
	echo "$(kipsec_stat "$A" rx_packets rx_replay rx_auth_fail)" \
	     "$(kipsec_sa_stat "$A" $SPI_BA rx_packets replay auth_fail seq_in)"
}

# inject DESC WANT PCAP INDEX [FLIP]: send a frame again from B's side,
# check how A's counters moved: WANT is "rx_packets rx_replay rx_auth_fail
# sa_rx_packets sa_replay sa_auth_fail seq_in" as increments, except seq_in,
# the expected value ("=" unchanged)
inject() {
	local desc=$1 want=$2 pcap=$3 idx=$4 flip=${5:--} before after i got

	read -r -a before <<<"$(counters)"
	if ! esp_inject "$B" vb "$pcap" "$idx" "$flip"; then
		fail "$desc: injection failed"
		return
	fi
	sleep 1
	read -r -a after <<<"$(counters)"
	got=""
	for i in 0 1 2 3 4 5; do
		got="$got$((after[i] - before[i])) "
	done
	if [ "${want##* }" = "=" ]; then
		[ "${after[6]}" = "${before[6]}" ] && got="$got=" || got="$got${after[6]}"
	else
		got="$got${after[6]}"
	fi
	check_eq "$desc [rx_packets rx_replay rx_auth_fail; SA rx_packets replay auth-fail seq-in]" "$got" "$want"
}

log "replays of B's packets"
inject "B's last packet again (in the window)" "0 1 0 0 1 0 =" "$OLD" "$last_idx"
inject "B's first packet again (older than the window)" "0 1 0 0 1 0 =" "$OLD" "$first_idx"

log "fresh packets from F, tampered"
inject "F's packet, a ciphertext byte flipped" "0 0 1 0 0 1 =" "$NEW" "$new_idx" 20
inject "F's packet, the last ICV byte flipped" "0 0 1 0 0 1 =" "$NEW" "$new_idx" -1
# the high byte of the sequence number: a number far ahead, in the AAD
inject "B's last packet, high byte of the sequence number flipped" "0 0 1 0 0 1 =" "$OLD" "$last_idx" 4

log "the same fresh packet, unmodified"
inject "F's packet as it was made: accepted" "1 0 0 1 0 0 $new_seq" "$NEW" "$new_idx"
inject "F's packet once more: a replay" "0 1 0 0 1 0 =" "$NEW" "$new_idx"

log "traffic keeps flowing"
check "ping A -> B" ping_ok "$A" $B_IP
check "ping B -> A" ping_ok "$B" $A_IP
check_eq "other kipsec errors" "$(kipsec_stats_nonzero "$A" rx_malformed rx_cleartext \
	rx_policy_mismatch rx_crypto_error tx_no_sa tx_crypto_error)" ""

ksft_exit
