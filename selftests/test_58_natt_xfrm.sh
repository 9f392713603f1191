#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# ESP in UDP (NAT traversal, RFC 3948), kipsec against native XFRM:
#
#   A (kipsec) 10.0.0.1 / fd00::1 --veth-- 10.0.0.2 / fd00::2 B (ip xfrm)
#
# kipsec's UDP port 4500 is a socket of `kipsec natt listen`; XFRM's is a
# UDP socket with the UDP_ENCAP option (ESPINUDP) held by python.  The SAs
# of both sides carry "encap espinudp 4500 4500".  Checked: pings both ways
# in IPv4 transport, IPv4 tunnel and IPv6 transport mode; on the wire only
# UDP port 4500 carrying ESP with the SAs' SPIs, no bare ESP, no cleartext;
# kipsec's per-SA and namespace counters; a bare ESP packet for the
# ESP-in-UDP SA, and ESP in UDP for a plain SA, are dropped as
# rx_encap_mismatch; when XFRM's SA starts sending from port 4501, kipsec
# reports one mapping event, and `kipsec sa update ... encap` moves its
# SAs to the new port.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds tcpdump ping ss

A_IP=10.0.0.1
B_IP=10.0.0.2
A_IP6=fd00::1
B_IP6=fd00::2
SPI_AB=0x1000
SPI_BA=0x2000
SPI_PLAIN=0x3000

setup_ns A B
ipv6_on "$A" "$B"
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
ip -n "$A" addr add $A_IP6/64 dev va nodad
ip -n "$B" addr add $B_IP6/64 dev vb nodad
modprobe -q esp6 2>/dev/null

# natt_listen NAME NS ARG...: `kipsec natt listen ARG...` in the background,
# its output in $TMPD/natt.NAME; returns once it printed its socket
natt_listen() {
	local name=$1 ns=$2 i
	shift 2

	ip netns exec "$ns" "$KIPSEC" natt listen "$@" >"$TMPD/natt.$name" 2>&1 &
	eval "NATT_PID_$name=\$!"
	BG_PIDS+=($!)
	for i in $(seq 100); do
		grep -q "flags" "$TMPD/natt.$name" && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.1
	done
	fail "kipsec natt listen $*: $(cat "$TMPD/natt.$name")"
	return 1
}

# xfrm_encap_sock NS FAMILY PORT: what an IKE daemon does for XFRM, a UDP
# socket on PORT with UDP_ENCAP = UDP_ENCAP_ESPINUDP, held open.  Like
# charon's, it has socket policies that bypass the SPD both ways: XFRM
# checks a datagram against the "in" policy before it hands it to the
# encapsulation handler, and a transport-mode policy for all of B <-> A
# would drop the ESP-in-UDP datagrams themselves (XfrmInTmplMismatch).
xfrm_encap_sock() {
	local out=$TMPD/encap.$2.$3 i

	ip netns exec "$1" python3 -c '
import socket, struct, sys, time
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("", int(sys.argv[2])))
s.setsockopt(socket.IPPROTO_UDP, 100, 2)	# UDP_ENCAP, UDP_ENCAP_ESPINUDP
# struct xfrm_userpolicy_info: selector (family at 40), lifetimes,
# priority, index, dir (160), action (161, ALLOW = 0); 168 bytes
for d in (0, 1):	# XFRM_POLICY_IN, XFRM_POLICY_OUT
    pol = bytearray(168)
    struct.pack_into("=H", pol, 40, fam)
    pol[160] = d
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, 35, bytes(pol))	# IPV6_XFRM_POLICY
    else:
        s.setsockopt(socket.IPPROTO_IP, 17, bytes(pol))	# IP_XFRM_POLICY
print("ready", flush=True)
time.sleep(3600)
' "$2" "$3" >"$out" 2>&1 &
	BG_PIDS+=($!)
	for i in $(seq 100); do
		grep -q ready "$out" && return 0
		sleep 0.1
	done
	fail "XFRM encap socket on port $3: $(cat "$out")"
	return 1
}

# inject_ipv4 NS IFACE DST_MAC SRC DST PAYLOAD_HEX [UDP_SPORT UDP_DPORT]:
# one IPv4 packet through a packet socket (below IP: neither XFRM nor
# kipsec sees it go out): ESP, or with ports UDP (checksum 0)
inject_ipv4() {
	ip netns exec "$1" python3 - "$@" <<'EOF'
import socket, struct, sys
ns, ifc, dmac, src, dst, payload = sys.argv[1:7]
payload = bytes.fromhex(payload)
proto = 50
if len(sys.argv) > 8:
    sport, dport = int(sys.argv[7]), int(sys.argv[8])
    payload = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    proto = 17
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                  socket.inet_aton(src), socket.inet_aton(dst))
s = sum(struct.unpack("!10H", hdr))
s = (s & 0xffff) + (s >> 16)
s = (s & 0xffff) + (s >> 16)
hdr = hdr[:10] + struct.pack("!H", ~s & 0xffff) + hdr[12:]
smac = open("/sys/class/net/%s/address" % ifc).read().strip()
eth = bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", "")) + b"\x08\x00"
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
p.bind((ifc, 0))
p.send(eth + hdr + payload)
EOF
}

# ---------------------------------------------------------- IPv4 transport

log "IPv4 transport mode, ESP in UDP 4500 <-> 4500, SPIs $SPI_AB/$SPI_BA"
ENCAP="encap espinudp 4500 4500"
natt_listen v4 "$A" || ksft_exit
check_contains "natt listen prints its socket" "$(cat "$TMPD/natt.v4")" \
	"inet udp 0.0.0.0:4500 flags espinudp"
check_eq "sock show lists it" "$(kip "$A" sock show)" "inet udp 0.0.0.0:4500 flags espinudp"
check_eq "sock show -j" "$(kip "$A" -j sock show | json_get 0.port)" 4500
xfrm_encap_sock "$B" 4 4500 || ksft_exit

ipsec_sa kipsec "$A" $A_IP $B_IP $SPI_AB transport $KEY_A $ENCAP &&
ipsec_sa kipsec "$A" $B_IP $A_IP $SPI_BA transport $KEY_B $ENCAP &&
ipsec_policy kipsec "$A" $A_IP/32 $B_IP/32 out $A_IP $B_IP transport &&
ipsec_policy kipsec "$A" $B_IP/32 $A_IP/32 in $B_IP $A_IP transport &&
ipsec_sa xfrm "$B" $B_IP $A_IP $SPI_BA transport $KEY_B $ENCAP 0.0.0.0 &&
ipsec_sa xfrm "$B" $A_IP $B_IP $SPI_AB transport $KEY_A $ENCAP 0.0.0.0 &&
ipsec_policy xfrm "$B" $B_IP/32 $A_IP/32 out $B_IP $A_IP transport &&
ipsec_policy xfrm "$B" $A_IP/32 $B_IP/32 in $A_IP $B_IP transport || ksft_exit

sa_text=$(kip "$A" sa get dst $B_IP proto esp spi $SPI_AB)
check_contains "sa show: the encap line" "$sa_text" "encap type espinudp sport 4500 dport 4500"
check_eq "sa show -j: encap" "$(kip "$A" -j sa get dst $B_IP proto esp spi $SPI_AB | json_get 0.encap)" \
	'{"type":"espinudp","sport":4500,"dport":4500}'

# UDP 4500 -> 4500 with the SPI as its first four payload bytes
capture_start udp_ab "$A" va "src $A_IP and dst $B_IP and udp src port 4500 and udp dst port 4500 and udp[8:4] = $SPI_AB" &&
capture_start udp_ba "$A" va "src $B_IP and dst $A_IP and udp src port 4500 and udp dst port 4500 and udp[8:4] = $SPI_BA" &&
capture_start bare "$A" va "ip proto 50" &&
capture_start clear "$A" va "icmp" || ksft_exit

check "ping A -> B" ping_ok "$A" $B_IP
check "ping B -> A" ping_ok "$B" $A_IP

check "captures complete" capture_stop udp_ab udp_ba bare clear
n_ab=$(capture_packets udp_ab)
n_ba=$(capture_packets udp_ba)
check_ge "ESP in UDP A -> B (SPI $SPI_AB) on the wire" "$n_ab" 6
check_ge "ESP in UDP B -> A (SPI $SPI_BA) on the wire" "$n_ba" 6
check_capture_none "bare ESP between A and B" bare
check_capture_none "cleartext ICMP between A and B" clear
read -r tx rx <<<"$(kipsec_sa_stat "$A" $SPI_AB tx_packets) $(kipsec_sa_stat "$A" $SPI_BA rx_packets)"
check_eq "SA $SPI_AB tx_packets = ESP in UDP A -> B" "$tx" "$n_ab"
check_eq "SA $SPI_BA rx_packets = ESP in UDP B -> A" "$rx" "$n_ba"
check_eq "kipsec error counters in A" "$(kipsec_stats_nonzero "$A" rx_auth_fail rx_replay \
	rx_malformed rx_no_sa rx_encap_mismatch rx_natt_mapping rx_policy_mismatch \
	tx_no_sa tx_nomem tx_crypto_error)" ""
check_eq "XFRM errors in B (/proc/net/xfrm_stat)" \
	"$(ip netns exec "$B" awk '$2 != 0' /proc/net/xfrm_stat | tr -s ' \t\n' ' ')" ""

# the SA takes UDP-encapsulated ESP only, a plain SA never takes it
log "encapsulation mismatches"
ipsec_sa kipsec "$A" $B_IP $A_IP $SPI_PLAIN transport $KEY_B || ksft_exit
MAC_A=$(mac_of "$A" va)
before=$(kipsec_stat "$A" rx_encap_mismatch)
# SPI, sequence number 1, then 48 bytes of "ciphertext"
inject_ipv4 "$B" vb "$MAC_A" $B_IP $A_IP "$(printf '%08x00000001%096d' $SPI_BA 0)"
sleep 0.5
check_eq "bare ESP for the ESP-in-UDP SA $SPI_BA: rx_encap_mismatch" \
	"$(kipsec_stat "$A" rx_encap_mismatch)" $((before + 1))
inject_ipv4 "$B" vb "$MAC_A" $B_IP $A_IP "$(printf '%08x00000001%096d' $SPI_PLAIN 0)" 4500 4500
sleep 0.5
check_eq "ESP in UDP for the plain SA $SPI_PLAIN: rx_encap_mismatch" \
	"$(kipsec_stat "$A" rx_encap_mismatch)" $((before + 2))
check_eq "neither counted as received by an SA" \
	"$(kipsec_sa_stat "$A" $SPI_PLAIN rx_packets) $(kipsec_sa_stat "$A" $SPI_BA auth_fail)" "0 0"
kip "$A" sa del dst $A_IP proto esp spi $SPI_PLAIN

# B's NAT mapping changes: its SA now sends from port 4501
log "mapping: XFRM's SA $SPI_BA moves to source port 4501"
ip netns exec "$A" "$KIPSEC" -j monitor >"$TMPD/monitor" 2>&1 &
BG_PIDS+=($!)
sleep 0.5
ip -n "$B" xfrm state del src $B_IP dst $A_IP proto esp spi $SPI_BA
# (sequence numbers go on where the old state stopped: no replays)
ipsec_sa xfrm "$B" $B_IP $A_IP $SPI_BA transport $KEY_B encap espinudp 4501 4500 0.0.0.0 \
	replay-oseq 1000 || ksft_exit
capture_start from4501 "$A" va "src $B_IP and udp src port 4501 and udp dst port 4500 and udp[8:4] = $SPI_BA" || ksft_exit
check "ping B -> A from port 4501" ping_ok "$B" $A_IP 5
check "ping B -> A again" ping_ok "$B" $A_IP
capture_stop from4501
check_ge "ESP in UDP from port 4501 on the wire" "$(capture_packets from4501)" 8
sleep 0.5
events=$(grep -c '"event":"sa-mapping"' "$TMPD/monitor")
check_eq "one mapping event for one new mapping" "$events" 1
ev=$(grep -m1 '"event":"sa-mapping"' "$TMPD/monitor")
check_eq "mapping event: SPI" "$(json_get sa.spi <<<"$ev")" $((SPI_BA))
check_eq "mapping event: old" "$(json_get old <<<"$ev")" '{"addr":"10.0.0.2","port":4500}'
check_eq "mapping event: new" "$(json_get new <<<"$ev")" '{"addr":"10.0.0.2","port":4501}'
check_eq "rx_natt_mapping" "$(kipsec_stat "$A" rx_natt_mapping)" 1

# follow the peer: kipsec's SAs move to port 4501, so does XFRM's in SA
log "sa update: kipsec's SAs move to B's port 4501"
xfrm_encap_sock "$B" 4 4501 || ksft_exit
check "sa update moves the in SA's ports" \
	kip "$A" sa update src $B_IP dst $A_IP proto esp spi $SPI_BA encap espinudp 4501 4500
check "sa update moves the out SA's ports" \
	kip "$A" sa update src $A_IP dst $B_IP proto esp spi $SPI_AB encap espinudp 4500 4501
check_contains "sa show: the new ports" "$(kip "$A" sa get dst $B_IP proto esp spi $SPI_AB)" \
	"encap type espinudp sport 4500 dport 4501"
ip -n "$B" xfrm state del src $A_IP dst $B_IP proto esp spi $SPI_AB
ipsec_sa xfrm "$B" $A_IP $B_IP $SPI_AB transport $KEY_A encap espinudp 4500 4501 0.0.0.0 || ksft_exit
capture_start to4501 "$A" va "src $A_IP and udp src port 4500 and udp dst port 4501 and udp[8:4] = $SPI_AB" || ksft_exit
check "ping A -> B to port 4501" ping_ok "$A" $B_IP
capture_stop to4501
check_ge "ESP in UDP to port 4501 on the wire" "$(capture_packets to4501)" 3
check_eq "no further mapping event" "$(grep -c '"event":"sa-mapping"' "$TMPD/monitor")" 1

ipsec_flush kipsec "$A"
ipsec_flush xfrm "$B"

# ------------------------------------------------------------- IPv4 tunnel

log "IPv4 tunnel mode, 172.16.1.1 (A) <-> 172.16.2.1 (B), ESP in UDP"
ip -n "$A" addr add 172.16.1.1/32 dev lo
ip -n "$B" addr add 172.16.2.1/32 dev lo
ip -n "$A" route add 172.16.2.0/24 via $B_IP src 172.16.1.1
ip -n "$B" route add 172.16.1.0/24 via $A_IP src 172.16.2.1
ipsec_sa kipsec "$A" $A_IP $B_IP $SPI_AB tunnel $KEY_A $ENCAP &&
ipsec_sa kipsec "$A" $B_IP $A_IP $SPI_BA tunnel $KEY_B $ENCAP &&
ipsec_policy kipsec "$A" 172.16.1.0/24 172.16.2.0/24 out $A_IP $B_IP tunnel &&
ipsec_policy kipsec "$A" 172.16.2.0/24 172.16.1.0/24 in $B_IP $A_IP tunnel &&
ipsec_sa xfrm "$B" $B_IP $A_IP $SPI_BA tunnel $KEY_B $ENCAP 0.0.0.0 &&
ipsec_sa xfrm "$B" $A_IP $B_IP $SPI_AB tunnel $KEY_A $ENCAP 0.0.0.0 &&
ipsec_policy xfrm "$B" 172.16.2.0/24 172.16.1.0/24 out $B_IP $A_IP tunnel &&
ipsec_policy xfrm "$B" 172.16.1.0/24 172.16.2.0/24 in $A_IP $B_IP tunnel || ksft_exit
capture_start t_ab "$A" va "src $A_IP and dst $B_IP and udp port 4500 and udp[8:4] = $SPI_AB" &&
capture_start t_ba "$A" va "src $B_IP and dst $A_IP and udp port 4500 and udp[8:4] = $SPI_BA" &&
capture_start t_bad "$A" va "ip proto 50 or icmp" || ksft_exit
check "tunnel: ping 172.16.1.1 -> 172.16.2.1" ping_ok "$A" 172.16.2.1
check "tunnel: ping 172.16.2.1 -> 172.16.1.1" ping_ok "$B" 172.16.1.1
check "tunnel captures complete" capture_stop t_ab t_ba t_bad
check_ge "tunnel: ESP in UDP A -> B" "$(capture_packets t_ab)" 6
check_ge "tunnel: ESP in UDP B -> A" "$(capture_packets t_ba)" 6
check_capture_none "tunnel: bare ESP or cleartext ICMP on the link" t_bad
check_eq "tunnel: SA $SPI_BA rx_packets" "$(kipsec_sa_stat "$A" $SPI_BA rx_packets)" "$(capture_packets t_ba)"
ipsec_flush kipsec "$A"
ipsec_flush xfrm "$B"

# ---------------------------------------------------------- IPv6 transport

log "IPv6 transport mode, ESP in UDP 4500 <-> 4500"
natt_listen v6 "$A" family inet6 || ksft_exit
check_contains "natt listen family inet6" "$(cat "$TMPD/natt.v6")" "inet6 udp [::]:4500 flags espinudp"
xfrm_encap_sock "$B" 6 4500 || ksft_exit
ipsec_sa kipsec "$A" $A_IP6 $B_IP6 $SPI_AB transport $KEY_A $ENCAP &&
ipsec_sa kipsec "$A" $B_IP6 $A_IP6 $SPI_BA transport $KEY_B $ENCAP &&
ipsec_policy kipsec "$A" $A_IP6/128 $B_IP6/128 out $A_IP6 $B_IP6 transport &&
ipsec_policy kipsec "$A" $B_IP6/128 $A_IP6/128 in $B_IP6 $A_IP6 transport &&
ipsec_sa xfrm "$B" $B_IP6 $A_IP6 $SPI_BA transport $KEY_B $ENCAP :: &&
ipsec_sa xfrm "$B" $A_IP6 $B_IP6 $SPI_AB transport $KEY_A $ENCAP :: &&
ipsec_policy xfrm "$B" $B_IP6/128 $A_IP6/128 out $B_IP6 $A_IP6 transport &&
ipsec_policy xfrm "$B" $A_IP6/128 $B_IP6/128 in $A_IP6 $B_IP6 transport || ksft_exit
# IPv6 40 + UDP 8: the SPI at ip6[48:4]
capture_start u6_ab "$A" va "ip6 and src $A_IP6 and dst $B_IP6 and udp port 4500 and ip6[48:4] = $SPI_AB" &&
capture_start u6_ba "$A" va "ip6 and src $B_IP6 and dst $A_IP6 and udp port 4500 and ip6[48:4] = $SPI_BA" &&
capture_start u6_bad "$A" va "ip6 proto 50 or (icmp6 and ip6[40] < 133)" || ksft_exit
check "IPv6: ping A -> B" ping_ok "$A" $B_IP6
check "IPv6: ping B -> A" ping_ok "$B" $A_IP6
check "IPv6 captures complete" capture_stop u6_ab u6_ba u6_bad
n6_ba=$(capture_packets u6_ba)
check_ge "IPv6: ESP in UDP A -> B" "$(capture_packets u6_ab)" 6
check_ge "IPv6: ESP in UDP B -> A" "$n6_ba" 6
check_capture_none "IPv6: bare ESP or cleartext echo on the link" u6_bad
check_eq "IPv6: SA $SPI_BA rx_packets" "$(kipsec_sa_stat "$A" $SPI_BA rx_packets)" "$n6_ba"
check_eq "IPv6: XFRM errors in B" \
	"$(ip netns exec "$B" awk '$2 != 0' /proc/net/xfrm_stat | tr -s ' \t\n' ' ')" ""

# natt listen ends on SIGTERM, exit 0, and gives its socket back
kill -TERM "$NATT_PID_v6"
wait "$NATT_PID_v6"
check_eq "natt listen: SIGTERM, exit status" "$?" 0
check_eq "sock show: only the IPv4 socket is left" "$(kip "$A" sock show)" \
	"inet udp 0.0.0.0:4500 flags espinudp"

ksft_exit
