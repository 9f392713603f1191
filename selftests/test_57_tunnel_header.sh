#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# The outer header of a tunnel, against native XFRM on the other gateway:
#
#   HA --- GA (kipsec) ==== ESP ==== GB (XFRM) --- HB
#
#  encapsulation (GA): the outer DSCP is the inner one, ECN per RFC 6040
#  (a CE inner packet gives ECT(0) outside), DF copied from the inner
#  header; `flag dont-encap-dscp noecn` gives an outer TOS of 0; `df set`
#  and `df clear` force the DF bit;
#  decapsulation (GA): a CE mark set on the outer header on the way (an
#  nftables rule in GB) reaches the inner packet if it is ECN-capable, not
#  with `flag noecn`; `flag decap-dscp` copies the outer DSCP inwards.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds tcpdump nft

setup_ns HA GA GB HB
veth_link "$HA" vh 10.8.0.2/24 "$GA" vh 10.8.0.1/24
veth_link "$GA" wan 192.168.0.1/24 "$GB" wan 192.168.0.2/24
veth_link "$GB" vh 10.9.0.1/24 "$HB" vh 10.9.0.2/24
forwarding "$GA"; forwarding "$GB"
ip -n "$HA" route add default via 10.8.0.1
ip -n "$HB" route add default via 10.9.0.1
ip -n "$GB" route add 10.8.0.0/24 dev wan	# XFRM needs a route, kipsec does not
WA=192.168.0.1 WB=192.168.0.2 HA_IP=10.8.0.2 HB_IP=10.9.0.2

# gwA's SAs, with EXTRA words for the outbound one
ga_sas() {
	kip "$GA" sa flush && kip "$GA" policy flush &&
	ipsec_sa kipsec "$GA" $WA $WB 0x1000 tunnel $KEY_A "$@" &&
	ipsec_sa kipsec "$GA" $WB $WA 0x2000 tunnel $KEY_B $IN_EXTRA &&
	ipsec_policy kipsec "$GA" 10.8.0.0/24 10.9.0.0/24 out $WA $WB tunnel &&
	ipsec_policy kipsec "$GA" 10.9.0.0/24 10.8.0.0/24 fwd $WB $WA tunnel
}
IN_EXTRA=
ga_sas || ksft_exit
ipsec_tunnel xfrm "$GB" $WB $WA 10.9.0.0/24 10.8.0.0/24 0x2000 0x1000 $KEY_B $KEY_A ||
	ksft_exit
check "ping hostA -> hostB" ping_ok "$HA" $HB_IP

# outer NAME TOS PING-ARGS...: one echo request from HA; prints the outer
# "tos df" of the ESP packet gwA sends
outer() {
	local name=$1
	shift
	capture_start "$name" "$GA" wan "ip proto 50 and src $WA" -c 1 || return 1
	ip netns exec "$HA" ping -q -n -c 1 -W 2 "$@" $HB_IP >/dev/null 2>&1
	capture_stop "$name" >/dev/null
	tcpdump -n -v -r "$(capture_file "$name")" 2>/dev/null | head -1 |
		sed -n 's/.*tos \(0x[0-9a-f]*\).*flags \[\([^]]*\)\].*/\1 \2/p'
}

# 1. defaults: copy
check_eq "DSCP EF, not ECT, DF: outer" "$(outer d1 -Q 0xb8 -M do)" "0xb8 DF"
check_eq "ECT(1) inner: ECT(1) outer" "$(outer d2 -Q 0x01 -M do)" "0x1 DF"
check_eq "CE inner: ECT(0) outer (RFC 6040)" "$(outer d3 -Q 0xbb -M do)" "0xba DF"
check_eq "no DF inner: no DF outer" "$(outer d4 -Q 0x20 -M dont)" "0x20 none"

# 2. dont-encap-dscp, noecn, df set
ga_sas flag dont-encap-dscp noecn df set || ksft_exit
check_eq "dont-encap-dscp noecn: outer TOS 0" "$(outer s1 -Q 0xb9 -M do)" "0x0 DF"
check_eq "df set: DF outside without DF inside" "$(outer s2 -M dont)" "0x0 DF"

# 3. df clear
ga_sas df clear || ksft_exit
check_eq "df clear: no DF outside with DF inside" "$(outer c1 -Q 0x20 -M do)" "0x20 none"

# 4. decapsulation: GB marks its outer headers CE (and DSCP AF41)
ip netns exec "$GB" nft -f - <<'NFT' || fail "nftables rule in gwB"
table ip ecntest {
	chain post {
		type filter hook postrouting priority 0;
		ip protocol esp ip dscp set af41
		ip protocol esp ip ecn set ce
	}
}
NFT

# inner NAME: TOS of the echo request from HB as it arrives at HA
inner() {
	local name=$1
	capture_start "$name" "$HA" vh "icmp and src $HB_IP" -c 1 || return 1
	ip netns exec "$HB" ping -q -n -c 1 -W 2 -Q 0x02 $HA_IP >/dev/null 2>&1
	capture_stop "$name" >/dev/null
	tcpdump -n -v -r "$(capture_file "$name")" 2>/dev/null | head -1 |
		sed -n 's/.*tos \(0x[0-9a-f]*\).*/\1/p'
}
ga_sas || ksft_exit
check_eq "outer CE reaches the ECT(0) inner packet" "$(inner e1)" "0x3"
IN_EXTRA="flag noecn" ga_sas || ksft_exit
check_eq "noecn: the inner packet stays ECT(0)" "$(inner e2)" "0x2"
IN_EXTRA="flag decap-dscp" ga_sas || ksft_exit
check_eq "decap-dscp: outer AF41 and CE inwards" "$(inner e3)" "0x8b"

ksft_exit
