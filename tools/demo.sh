#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kipsec demo: two sites joined by an ESP tunnel.  Runs inside the VM
# (`make demo`); needs root, the kipsec module and the kipsec CLI.
#
#   hostA 10.1.0.2 --- gwA 10.1.0.1 | 192.168.0.1 ===ESP=== 192.168.0.2 | 10.2.0.1 gwB --- 10.2.0.2 hostB
#                        kipsec                                          native XFRM (ip xfrm)
#
# Each box is a network namespace.  gwA protects the LAN-to-LAN traffic
# with kipsec, gwB with Linux's own IPsec; both use the same keys and SPIs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
KIPSEC=${KIPSEC:-$here/kipsec/kipsec}
KIPSEC_KO=${KIPSEC_KO:-$here/../kmod/kipsec.ko}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '%s$ %s\n' "${ns:+[$ns] }" "$*"; "$@"; }
in_ns() { ns=$1; shift; run ip netns exec "$ns" "$@"; ns=; }

cleanup() {
	for n in hostA gwA gwB hostB; do ip netns del "$n" 2>/dev/null || true; done
	[ -n "${cap_pid:-}" ] && kill "$cap_pid" 2>/dev/null || true
}
trap cleanup EXIT

[ -d /sys/module/kipsec ] || insmod "$KIPSEC_KO"
modprobe -q veth
modprobe -q esp4
modprobe -q xfrm_user

say "Building two sites: hostA - gwA(kipsec) ===WAN=== gwB(XFRM) - hostB"
for n in hostA gwA gwB hostB; do ip netns add "$n"; ip -n "$n" link set lo up; done
link() {	# link NS1 DEV1 ADDR1 NS2 DEV2 ADDR2
	ip link add name "$2" type veth peer name "$5"
	ip link set dev "$2" netns "$1"; ip link set dev "$5" netns "$4"
	ip -n "$1" addr add "$3" dev "$2"; ip -n "$1" link set "$2" up
	ip -n "$4" addr add "$6" dev "$5"; ip -n "$4" link set "$5" up
}
link hostA lanA 10.1.0.2/24 gwA lanA-gw 10.1.0.1/24
link gwA wanA 192.168.0.1/24 gwB wanB 192.168.0.2/24
link gwB lanB-gw 10.2.0.1/24 hostB lanB 10.2.0.2/24
ip -n hostA route add default via 10.1.0.1
ip -n hostB route add default via 10.2.0.1
ip netns exec gwA sysctl -qw net.ipv4.ip_forward=1
ip netns exec gwB sysctl -qw net.ipv4.ip_forward=1
ip -n gwB route add 10.1.0.0/24 via 192.168.0.1	# XFRM routes first
echo "gwA has no route to 10.2.0.0/24: kipsec decides before routing."

# demo keys: AES-128 key + 4-byte salt; never use fixed keys in production
KEY_AB=0x6b69707365632d64656d6f2d612d623a73616c74
KEY_BA=0x6b69707365632d64656d6f2d622d613a73616c74

say "gwA: kipsec SAs and policies (the ip xfrm words, with kipsec sa/policy)"
in_ns gwA "$KIPSEC" sa add src 192.168.0.1 dst 192.168.0.2 proto esp spi 0x1001 \
	mode tunnel reqid 1 aead 'rfc4106(gcm(aes))' "$KEY_AB" 128
in_ns gwA "$KIPSEC" sa add src 192.168.0.2 dst 192.168.0.1 proto esp spi 0x2001 \
	mode tunnel reqid 2 aead 'rfc4106(gcm(aes))' "$KEY_BA" 128
in_ns gwA "$KIPSEC" policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out action protect \
	tmpl src 192.168.0.1 dst 192.168.0.2 proto esp mode tunnel reqid 1
in_ns gwA "$KIPSEC" policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir fwd action protect \
	tmpl src 192.168.0.2 dst 192.168.0.1 proto esp mode tunnel reqid 2

say "gwB: the same tunnel with native XFRM"
in_ns gwB ip xfrm state add src 192.168.0.1 dst 192.168.0.2 proto esp spi 0x1001 \
	mode tunnel reqid 1 aead 'rfc4106(gcm(aes))' "$KEY_AB" 128 replay-window 64
in_ns gwB ip xfrm state add src 192.168.0.2 dst 192.168.0.1 proto esp spi 0x2001 \
	mode tunnel reqid 2 aead 'rfc4106(gcm(aes))' "$KEY_BA" 128 replay-window 64
in_ns gwB ip xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir out \
	tmpl src 192.168.0.2 dst 192.168.0.1 proto esp mode tunnel reqid 2
in_ns gwB ip xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir fwd \
	tmpl src 192.168.0.1 dst 192.168.0.2 proto esp mode tunnel reqid 1

cap=$(mktemp /tmp/kipsec-demo.XXXXXX)
# Captured on gwA's side: on gwB, XFRM hands each decrypted tunnel packet
# back to the same device, so a capture there also shows the inner packets.
ip netns exec gwA tcpdump -q -n -i wanA -w "$cap" 2>/dev/null &
cap_pid=$!
sleep 1

say "LAN to LAN: ping and an iperf3 transfer through the tunnel"
in_ns hostA ping -c 3 -W 5 10.2.0.2
ip netns exec hostB iperf3 -s -1 -D
sleep 1
in_ns hostA timeout 60 iperf3 -c 10.2.0.2 -t 5 -f m | grep -E 'sender|receiver'

kill "$cap_pid"; wait "$cap_pid" 2>/dev/null || true
cap_pid=

say "kipsec's view on gwA"
in_ns gwA "$KIPSEC" sa show
in_ns gwA "$KIPSEC" policy show
in_ns gwA "$KIPSEC" stats

say "On the WAN wire (captured on gwA): ESP, nothing else"
tcpdump -n -r "$cap" 2>/dev/null | head -6
total=$(tcpdump -n -r "$cap" 2>/dev/null | grep -c ' IP ' || true)
esp=$(tcpdump -n -r "$cap" esp 2>/dev/null | grep -c ' IP ' || true)
echo "IPv4 packets on the WAN link: $total, of which ESP: $esp"
rm -f "$cap"
[ "$total" -gt 0 ] && [ "$total" -eq "$esp" ]
say "Done: LAN-to-LAN traffic crossed the WAN as ESP only."
