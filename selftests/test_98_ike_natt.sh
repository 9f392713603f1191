#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# NAT traversal (issue 4, test 8): gwA (charon+kipsec) sits behind a NAT
# (nftables masquerade); charon detects it and moves to port 4500, and the
# CHILD_SA's ESP travels in UDP (RFC 3948):
#
#   hostA --lan-- gwA --- nat ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2  172.16.0.2  172.16.0.1 192.168.0.1   192.168.0.2 (charon+XFRM)  10.2.0.2
#
# Checks: charon on both sides reports the NAT and UDP encapsulation; the
# SAs agree with the kernels; pings and TCP between the LANs; on the wire
# UDP port 4500 with the CHILD_SA's SPIs behind the (zero-free) non-ESP
# marker position, no bare ESP, nothing else in the clear.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"
require_cmds nft nc cmp

setup_ns HOSTA GWA NAT WIRE GWB HOSTB
veth_link "$HOSTA" eth0 10.1.0.2/24 "$GWA" lan 10.1.0.1/24
veth_link "$GWA" wan 172.16.0.2/24 "$NAT" in 172.16.0.1/24
veth_link "$NAT" out 192.168.0.1/24 "$WIRE" a -
veth_link "$WIRE" b - "$GWB" wan 192.168.0.2/24
veth_link "$GWB" lan 10.2.0.1/24 "$HOSTB" eth0 10.2.0.2/24
ike_wire_bridge "$WIRE" a b
ip -n "$HOSTA" route add default via 10.1.0.1
ip -n "$HOSTB" route add default via 10.2.0.1
ip -n "$GWA" route add default via 172.16.0.1
ip -n "$GWB" route add 10.1.0.0/24 via 192.168.0.1
forwarding "$GWA"
forwarding "$GWB"
forwarding "$NAT"
ip netns exec "$NAT" nft -f - <<EOF || { fail "nftables masquerade in nat"; ksft_exit; }
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "out" masquerade
	}
}
EOF

ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"
ike_charon_start a "$GWA" "$IKE_IMPL_A" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" || ksft_exit
IKE_LOCAL_ID=gwa.kipsec.test IKE_REMOTE_ID=gwb.kipsec.test \
ike_conn_psk a 172.16.0.2 192.168.0.2 "$(ike_child net local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 mode=tunnel)" &&
IKE_LOCAL_ID=gwb.kipsec.test IKE_REMOTE_ID=gwa.kipsec.test \
ike_conn_psk b 192.168.0.2 %any "$(ike_child net local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 mode=tunnel)" ||
	ksft_exit

ike_initiate a net || ksft_exit
check_eq "gwA: charon sees itself behind a NAT, UDP encapsulation (nat-local encap)" \
	"$(ike_child_field a net ike.nat-local encap)" "yes yes"
check_eq "gwB: charon sees the peer behind a NAT, UDP encapsulation (nat-remote encap)" \
	"$(ike_child_field b net ike.nat-remote encap)" "yes yes"
read -r rport <<<"$(ike_child_field b net ike.remote-port)"
log "gwB sees gwA at 192.168.0.1:$rport (the NAT's mapping)"
ike_check_peers a b net || ksft_exit
spi_ab=0x$IKE_SPI_OUT spi_ba=0x$IKE_SPI_IN

# ESP in UDP: behind the 8-byte UDP header the SPI (never 0: that is the
# non-ESP marker of IKE packets)
U=udp[8:4]
capture_start ab "$WIRE" a "src 192.168.0.1 and udp dst port 4500 and $U = $spi_ab" &&
capture_start ba "$WIRE" a "src 192.168.0.2 and udp src port 4500 and $U = $spi_ba" &&
capture_start esp "$WIRE" a "ip proto 50" &&
capture_start other "$WIRE" a "ip and not (udp port 4500 and ($U = $spi_ab or $U = $spi_ba))" -s 0 || ksft_exit
check "ping hostA -> hostB" ping_ok "$HOSTA" 10.2.0.2 5 0.1
check "ping hostB -> hostA" ping_ok "$HOSTB" 10.1.0.2 5 0.1
check "TCP 1 MB hostA -> hostB, payload intact" tcp_transfer "$HOSTA" "$HOSTB" 10.2.0.2 1 5001
check "TCP 1 MB hostB -> hostA, payload intact" tcp_transfer "$HOSTB" "$HOSTA" 10.1.0.2 1 5002
check "captures complete" capture_stop ab ba esp other
check_ge "ESP in UDP nat -> gwB:4500 with SPI $spi_ab" "$(capture_packets ab)" 500
check_ge "ESP in UDP gwB:4500 -> nat with SPI $spi_ba" "$(capture_packets ba)" 500
check_capture_none "bare ESP (IP protocol 50) on the wire" esp
check_capture_none "anything else on the wire (cleartext, other SPIs)" other
tcpdump -n -r "$(capture_file ab)" -c 1 2>/dev/null | sed 's/^/    /'

ksft_exit
