#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# Two hosts behind one NAT (issue 4, test 9): pc1 has a transport mode
# CHILD_SA with the server over NAT-T; pc2, behind the same NAT, speaks
# plain TCP to the same server:
#
#   pc1 172.16.0.2 (charon+XFRM) --+
#                                  br-- nat ==wan== [wire] ==wan== server (charon+kipsec)
#   pc2 172.16.0.3 (no IPsec)    --+ 172.16.0.1  192.168.0.1         192.168.0.2
#
# Seen from the server both come from 192.168.0.1.  charon installs pc1's
# transport mode policies for 192.168.0.2 <-> 192.168.0.1 (the NAT's
# address, all protocols): native XFRM then applies them to pc2's packets
# too (it drops pc2's cleartext TCP for want of ESP and encrypts its
# replies to pc1), so pc2 cannot talk to the server while pc1's SA is up.
# With kipsec on the server pc2's TCP must keep working both ways, in the
# clear, while pc1's traffic is ESP in UDP: kipsec applies a transport
# policy whose SA is ESP in UDP per flow (kmod/natflow.c): pc1's flows
# arrive decrypted and stay protected, pc2's arrive in the clear, are let
# in (rx_nat_shared) and answered in the clear.
#
# With IKE_IMPL_A=xfrm this test checks that it catches the failure: pc2's
# TCP must fail against an XFRM server.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"
require_cmds nft nc cmp

setup_ns PC1 PC2 NAT WIRE SERVER
veth_link "$PC1" eth0 172.16.0.2/24 "$NAT" p1 -
veth_link "$PC2" eth0 172.16.0.3/24 "$NAT" p2 -
ike_wire_bridge "$NAT" p1 p2
ip -n "$NAT" addr add 172.16.0.1/24 dev br
veth_link "$NAT" out 192.168.0.1/24 "$WIRE" a -
veth_link "$WIRE" b - "$SERVER" wan 192.168.0.2/24
ike_wire_bridge "$WIRE" a b
ip -n "$PC1" route add default via 172.16.0.1
ip -n "$PC2" route add default via 172.16.0.1
forwarding "$NAT"
ip netns exec "$NAT" nft -f - <<EOF || { fail "nftables masquerade in nat"; ksft_exit; }
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "out" masquerade
	}
}
EOF

ike_warmup "$IKE_IMPL_A" "$SERVER"
ike_warmup "$IKE_IMPL_B" "$PC1"
ike_charon_start server "$SERVER" "$IKE_IMPL_A" &&
ike_charon_start pc1 "$PC1" "$IKE_IMPL_B" || ksft_exit
IKE_LOCAL_ID=server.kipsec.test IKE_REMOTE_ID=pc1.kipsec.test \
ike_conn_psk server 192.168.0.2 %any "$(ike_child host mode=transport)" &&
IKE_LOCAL_ID=pc1.kipsec.test IKE_REMOTE_ID=server.kipsec.test \
ike_conn_psk pc1 172.16.0.2 192.168.0.2 "$(ike_child host mode=transport)" || ksft_exit

ike_initiate pc1 host || ksft_exit
check_eq "server: pc1 is behind a NAT, UDP encapsulation (nat-remote encap)" \
	"$(ike_child_field server host ike.nat-remote encap)" "yes yes"
ike_check_peers server pc1 host || ksft_exit
spi_sp=0x$IKE_SPI_OUT spi_ps=0x$IKE_SPI_IN
log "server's CHILD_SA traffic selectors: $(ike_child_field server host local-ts remote-ts)"

# pc1 <-> server: ESP in UDP
U=udp[8:4]
capture_start pc1_in "$WIRE" a "src 192.168.0.1 and udp dst port 4500 and $U = $spi_ps" &&
capture_start pc1_out "$WIRE" a "src 192.168.0.2 and udp src port 4500 and $U = $spi_sp" || ksft_exit
check "ping pc1 -> server" ping_ok "$PC1" 192.168.0.2 5 0.1
check "TCP 256 KB pc1 -> server" tcp_transfer "$PC1" "$SERVER" 192.168.0.2 256K 5001
check "captures complete" capture_stop pc1_in pc1_out
check_ge "pc1 -> server: ESP in UDP with SPI $spi_ps" "$(capture_packets pc1_in)" 100
check_ge "server -> pc1: ESP in UDP with SPI $spi_sp" "$(capture_packets pc1_out)" 5

# tcp_download FROM_NS TO_NS FROM_ADDR BYTES PORT: TO connects to FROM,
# which sends BYTES bytes; succeeds if they all arrived
tcp_download() {
	local src=$TMPD/dl-src.$5 dst=$TMPD/dl-dst.$5 pid

	head -c "$4" /dev/urandom >"$src"
	ip netns exec "$1" timeout 30 python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", int(sys.argv[1])))
s.listen(1)
c, _ = s.accept()
c.sendall(open(sys.argv[2], "rb").read())
c.close()
' "$5" "$src" &
	pid=$!
	wait_listen "$1" tcp "$5" $pid
	ip netns exec "$2" timeout 20 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
with open(sys.argv[3], "wb") as f:
    while True:
        d = s.recv(65536)
        if not d:
            break
        f.write(d)
' "$3" "$5" "$dst" 2>/dev/null
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	cmp -s "$src" "$dst"
}

# pc2 <-> server while pc1's SA is up: cleartext TCP both ways
capture_start pc2_up "$WIRE" a "tcp and src 192.168.0.1 and dst port 5002" &&
capture_start pc2_down "$WIRE" a "tcp and src 192.168.0.2 and src port 5003" || ksft_exit
if [ "$IKE_IMPL_A" = kipsec ]; then
	check "pc2: TCP 256 KB pc2 -> server while pc1's SA is up" tcp_transfer "$PC2" "$SERVER" 192.168.0.2 256K 5002
	check "pc2: TCP 256 KB server -> pc2 while pc1's SA is up" tcp_download "$SERVER" "$PC2" 192.168.0.2 262144 5003
else
	log "server with XFRM: pc2's TCP is expected to fail (the behaviour this test exists for)"
	check_fails "pc2: TCP 64 KB pc2 -> server fails with an XFRM server" tcp_transfer "$PC2" "$SERVER" 192.168.0.2 64K 5002
	check_fails "pc2: TCP 64 KB server -> pc2 fails with an XFRM server" tcp_download "$SERVER" "$PC2" 192.168.0.2 65536 5003
	nsx "$SERVER" awk '$2 != 0' /proc/net/xfrm_stat | sed 's/^/    server: /'
fi
check "captures complete" capture_stop pc2_up pc2_down
if [ "$IKE_IMPL_A" = kipsec ]; then
	# (GSO: 256 KB can cross in a handful of large segments)
	check_ge "pc2's TCP to the server in the clear on the wire" "$(capture_packets pc2_up)" 5
	check_ge "the server's TCP to pc2 in the clear on the wire" "$(capture_packets pc2_down)" 5
	check_ge "server: pc2's cleartext let in as another host behind the NAT (rx_nat_shared)" \
		"$(kipsec_stat "$SERVER" rx_nat_shared)" 5
fi

# and pc1's SA is still fine
check "ping pc1 -> server afterwards" ping_ok "$PC1" 192.168.0.2 3 0.1
check_eq "server: CHILD_SAs" "$(ike_sas_count server)" "1 1"

ksft_exit
