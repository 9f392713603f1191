#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Path MTU, modelled on the kernel's pmtu.sh ESP cases.  A (kipsec) and B
# (native XFRM) in transport mode, through a router R; H (behind A, a
# gateway) reaches N (behind B) through a tunnel.  Links start at 1500.
#
#   H --- A (kipsec) --- R --- B (XFRM) --- N
#
#  1. a DF packet too big once encapsulated: the sender learns the MTU that
#     fits (ICMP fragmentation needed / ICMPv6 packet too big), for a local
#     sender (A) and a forwarded one (H, tunnel mode);
#  2. TCP through the SA over 1500-byte links never black-holes, and A's
#     ESP packets leave unfragmented;
#  3. R-B lowered to 1400: R's ICMP about A's ESP packets lowers the SA's
#     path MTU, which the inner flows learn; TCP still completes;
#  4. a non-DF packet bigger than the path: the ESP packet is fragmented,
#     and fragmented ESP arriving is reassembled before decryption;
#  5. IPv6: packet too big with the MTU that fits; fragmented ESP both ways
#     (received fragments are reassembled before decryption).
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds nc tcpdump

setup_ns H A R B N
for ns in "$A" "$R" "$B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.forwarding=1
done
veth_link "$H" vh 10.8.0.2/24 "$A" vh 10.8.0.1/24
veth_link "$A" va 10.1.0.1/24 "$R" va 10.1.0.254/24
veth_link "$R" vb 10.2.0.254/24 "$B" vb 10.2.0.1/24
veth_link "$B" vn 10.9.0.1/24 "$N" vn 10.9.0.2/24
ip -n "$A" addr add fd01::1/64 dev va nodad
ip -n "$R" addr add fd01::fe/64 dev va nodad
ip -n "$R" addr add fd02::fe/64 dev vb nodad
ip -n "$B" addr add fd02::1/64 dev vb nodad
forwarding "$A"; forwarding "$R"; forwarding "$B"
ip -n "$H" route add default via 10.8.0.1
ip -n "$N" route add default via 10.9.0.1
ip -n "$A" route add 10.2.0.0/24 via 10.1.0.254
ip -n "$A" route add 10.9.0.0/24 via 10.1.0.254
ip -n "$B" route add 10.1.0.0/24 via 10.2.0.254
ip -n "$B" route add 10.8.0.0/24 via 10.2.0.254
ip -n "$A" -6 route add fd02::/64 via fd01::fe
ip -n "$B" -6 route add fd01::/64 via fd02::fe
A_IP=10.1.0.1 B_IP=10.2.0.1

# transport A <-> B (AES-GCM-128, ICV 128: 32 bytes of ESP overhead + padding)
ipsec_transport kipsec "$A" $A_IP $B_IP 0x1000 0x2000 $KEY_A $KEY_B &&
ipsec_transport xfrm "$B" $B_IP $A_IP 0x2000 0x1000 $KEY_B $KEY_A || ksft_exit
# tunnel 10.8.0.0/24 <-> 10.9.0.0/24 between A and B
REQID=2 ipsec_tunnel kipsec "$A" $A_IP $B_IP 10.8.0.0/24 10.9.0.0/24 0x3000 0x4000 $KEY_C $KEY_D &&
REQID=2 ipsec_tunnel xfrm "$B" $B_IP $A_IP 10.9.0.0/24 10.8.0.0/24 0x4000 0x3000 $KEY_D $KEY_C ||
	ksft_exit
# IPv6 transport A <-> B
ipsec_sa kipsec "$A" fd01::1 fd02::1 0x5000 transport $KEY_A &&
ipsec_sa kipsec "$A" fd02::1 fd01::1 0x6000 transport $KEY_B &&
ipsec_policy kipsec "$A" fd01::1/128 fd02::1/128 out fd01::1 fd02::1 transport &&
ipsec_policy kipsec "$A" fd02::1/128 fd01::1/128 in fd02::1 fd01::1 transport &&
ipsec_sa xfrm "$B" fd01::1 fd02::1 0x5000 transport $KEY_A &&
ipsec_sa xfrm "$B" fd02::1 fd01::1 0x6000 transport $KEY_B &&
ipsec_policy xfrm "$B" fd02::1/128 fd01::1/128 out fd02::1 fd01::1 transport &&
ipsec_policy xfrm "$B" fd01::1/128 fd02::1/128 in fd01::1 fd02::1 transport || ksft_exit

# ping_mtu NS ARGS...: the MTU a DF ping of that size is told about
ping_mtu() {
	local ns=$1
	shift
	ip netns exec "$ns" ping -n -c 2 -i 0.3 -W 2 -M do "$@" 2>&1 |
		sed -n 's/.*mtu[ =:]*\([0-9][0-9]*\).*/\1/p' | head -1
}

check "ping A -> B" ping_ok "$A" $B_IP
check "ping H -> N (tunnel)" ping_ok "$H" 10.9.0.2

# 1. too big once encapsulated
# transport, IPv4: 1500 - 20 (IP) - 8 (ESP) - 8 (IV) - 16 (ICV), padded to
# 4 bytes with 2 trailer bytes: 1446 bytes after the IP header
tb0=$(kipsec_stat "$A" tx_too_big)
check_eq "A, DF 1500 bytes to B: told MTU 1466" "$(ping_mtu "$A" -s 1472 $B_IP)" 1466
check_ge "tx_too_big counted it" "$(( $(kipsec_stat "$A" tx_too_big) - tb0 ))" 1
check "A, DF 1466 bytes to B passes" \
	ip netns exec "$A" ping -q -n -c 2 -i 0.3 -W 2 -M do -s 1438 $B_IP
# tunnel, forwarded: 1500 - 20 (outer) - 32, padded: 1446
check_eq "H, DF 1500 bytes to N: told MTU 1446 by A" "$(ping_mtu "$H" -s 1472 10.9.0.2)" 1446
check "H, DF 1446 bytes to N passes" \
	ip netns exec "$H" ping -q -n -c 2 -i 0.3 -W 2 -M do -s 1418 10.9.0.2

# 2. TCP over 1500-byte links
capture_start frag "$A" va "ip proto 50 and (ip[6:2] & 0x3fff != 0)" || ksft_exit
check "TCP 1 MB A -> B" tcp_transfer "$A" "$B" $B_IP 1 5501
check "TCP 1 MB B -> A" tcp_transfer "$B" "$A" $A_IP 1 5502
check "TCP 1 MB H -> N (tunnel)" tcp_transfer "$H" "$N" 10.9.0.2 1 5503
check "TCP 1 MB N -> H (tunnel)" tcp_transfer "$N" "$H" 10.8.0.2 1 5504
check "capture complete" capture_stop frag
check_capture_none "ESP fragments between A and R" frag

# 3. a smaller link behind R: R's ICMP about ESP lowers the SA's path MTU
ip -n "$R" link set vb mtu 1400
ip -n "$B" link set vb mtu 1400
pl0=$(kipsec_stat "$A" rx_pmtu_learned)
check "TCP 1 MB A -> B over a 1400-byte link" tcp_transfer "$A" "$B" $B_IP 1 5505
check "TCP 1 MB H -> N over a 1400-byte link" tcp_transfer "$H" "$N" 10.9.0.2 1 5506
check_ge "A learned the path MTU from R's ICMP" \
	"$(( $(kipsec_stat "$A" rx_pmtu_learned) - pl0 ))" 1
# 1400 - 20 - 32, padded: 1346 after the IP header
check_eq "A, DF 1400 bytes to B: told MTU 1366" "$(ping_mtu "$A" -s 1372 $B_IP)" 1366
check_eq "H, DF 1400 bytes to N: told MTU 1346" "$(ping_mtu "$H" -s 1372 10.9.0.2)" 1346

# 4. not DF, bigger than the path: the ESP packet is fragmented both ways
capture_start frag2 "$A" va "ip proto 50 and (ip[6:2] & 0x3fff != 0)" || ksft_exit
check "A -> B, 3000 bytes without DF" \
	ip netns exec "$A" ping -q -n -c 2 -i 0.3 -W 3 -M dont -s 3000 $B_IP
check "H -> N, 3000 bytes without DF (tunnel)" \
	ip netns exec "$H" ping -q -n -c 2 -i 0.3 -W 3 -M dont -s 3000 10.9.0.2
check "capture complete" capture_stop frag2
check_ge "ESP fragments both ways between A and R" "$(capture_packets frag2)" 8
check_eq "kipsec rx_auth_fail" "$(kipsec_stat "$A" rx_auth_fail)" 0
check_eq "kipsec rx_malformed" "$(kipsec_stat "$A" rx_malformed)" 0

# 5. IPv6 (links still 1500 on A's side, 1400 behind R)
ip -n "$R" link set vb mtu 1500
ip -n "$B" link set vb mtu 1500
check "ping fd01::1 -> fd02::1" ping_ok "$A" fd02::1
# 1500 - 40 (IPv6) - 32, padded: 1426 after the IPv6 header
check_eq "A, 1500 bytes to fd02::1: told MTU 1466" "$(ping_mtu "$A" -s 1452 fd02::1)" 1466
check "A, 1466 bytes to fd02::1 pass" \
	ip netns exec "$A" ping -q -n -c 2 -i 0.3 -W 2 -M do -s 1418 fd02::1
# a local IPv6 sender that lets the stack fragment: the ESP packet is
# fragmented, both ways; kipsec decrypts the reassembled reply
capture_start frag6 "$A" va "ip6 and ip6[6] == 44" || ksft_exit
check "fd01::1 -> fd02::1, 3000 bytes, fragmented ESP both ways" \
	ip netns exec "$A" ping -q -n -c 2 -i 0.3 -W 3 -s 3000 fd02::1
check "capture complete" capture_stop frag6
check_ge "IPv6 fragments both ways between A and R" "$(capture_packets frag6)" 8

ksft_exit
