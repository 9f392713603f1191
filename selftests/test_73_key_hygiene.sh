#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# No reply, dump, event or error carries key bytes, and /proc and /sys show
# none: SAs with distinctive keys (rfc4106(gcm(aes)) in and out,
# cbc(aes) + hmac(sha256), rfc7539esp(chacha20,poly1305), AH hmac(sha256),
# ESN, ESP-in-UDP, a larval SA from allocspi completed by sa update, one
# with a 1 s soft / 2 s hard lifetime) are added while "kipsec monitor"
# listens; then every dump (sa, policy, sock, stats), sa get of each, an
# acquire, the expire events, SA_ADD and SA_UPDATE requests the kernel
# refuses (sent without NETLINK_CAP_ACK, so each error echoes the request
# unless its key was wiped: duplicate, bad ICV or key length, unknown
# algorithm, SPI 0, an unknown attribute, a replay window out of range),
# deletes and flushes.  An nlmon device captures every netlink message of
# the namespace (keyscan.py, AF_PACKET): no message the kernel sends (no
# NLM_F_REQUEST) holds a key, the key without its salt, or any 8 bytes of
# it, while a control key does: one in an SA_ADD dump request, which the
# genetlink core refuses and echoes before kipsec sees it.  The
# files under /proc/net (in the namespace), /proc/sys/net,
# /sys/module/kipsec and /sys/kernel/debug/kipsec* hold none of those
# bytes, raw or in hex.
. "$(dirname "$0")/lib.sh"

require_kipsec
modprobe -q nlmon 2>/dev/null
require_cmds ping

K_OUT=0xfa950c5a3dc971b580a6408c992718e9cc353621		# gcm aes-128 + salt
K_IN=0xf1b17944badaee70f8a85b68ab66602e00f90b81
K_CBC=0x4da1605ea1b66f7706da8e05cefbcfde			# aes-128
K_HMAC=0xdff63df181aaa8d05e14664f6f18d9f0f7c30fab45514cee6c91d34189caa78c
K_CHACHA=0xfd26ca0bf3a779bfeb5decae659da68f1bc1369c84adb629f114753a1faf05487985b0c8
K_AH=0x85254a4fe782528966574c709c28e470d79db83c31156ba15a1cb3d9f78909ce
K_ESN=0x7a2791bdc2b1592944294ee707fcb8f3ed7c40da
K_UDP=0x036120768af0a092ab1196750d1eaefb821d4d16
K_LARVAL=0x2f787fa97f3732c98a6a2b5bc56438d86f59447d
K_LIFE=0xa29df9dde8cd856ac2ba76a58f45ef18aabacb4b
K_DUP=0x8a339332f067844dee5b06c7c2a35d31bf990fff		# refused requests
K_BAD=0xd015d55ba19eac3d2e2c228eaabc9cc22731ffc7
K_CTRL=0x3231ab835876cbf93f55813fdafde5c41495ae33	# must be found (echo)
KEYS="$K_OUT $K_IN $K_CBC $K_HMAC $K_CHACHA $K_AH $K_ESN $K_UDP $K_LARVAL $K_LIFE $K_DUP $K_BAD"

A=10.0.0.1
B=10.0.0.2
setup_ns N1
ip -n "$N1" link add name nlmon0 type nlmon 2>/dev/null ||
	skip "no nlmon device (CONFIG_NLMON)"
ip -n "$N1" link set nlmon0 up
ip -n "$N1" link add name d0 type dummy
ip -n "$N1" addr add $A/24 dev d0
ip -n "$N1" link set d0 up

cp "$KIPSEC_SELFTESTS/keyscan.py" "$KIPSEC_SELFTESTS/kipsec_nl.py" "$TMPD/"
CAP=$TMPD/nl.cap
ip netns exec "$N1" python3 "$TMPD/keyscan.py" capture nlmon0 "$CAP" "$TMPD/stop" &
BG_PIDS+=($!)
for _ in $(seq 50); do [ -e "$CAP.ready" ] && break; sleep 0.1; done
[ -e "$CAP.ready" ] || { fail "the capture did not start"; ksft_exit; }
# bounded by this test's own timeout (60 s was too short on the debug
# kernel: the deletes came later, and the monitor had gone); it is
# stopped at exit.
ip netns exec "$N1" timeout $((300 * SCALE)) "$KIPSEC" monitor >"$TMPD/monitor" 2>&1 &
BG_PIDS+=($!)
sleep 0.5

log "SAs with known keys"
SA="src $A dst $B proto esp"
check "aead out" kip "$N1" sa add $SA spi 0x1001 reqid 1 aead "$ALGO" $K_OUT 128
check "aead in" kip "$N1" sa add src $B dst $A proto esp spi 0x1002 reqid 1 \
	aead "$ALGO" $K_IN 128
check "cbc(aes) + hmac(sha256)" kip "$N1" sa add $SA spi 0x1003 \
	enc 'cbc(aes)' $K_CBC auth-trunc 'hmac(sha256)' $K_HMAC 128
check "chacha20poly1305" kip "$N1" sa add $SA spi 0x1004 \
	aead 'rfc7539esp(chacha20,poly1305)' $K_CHACHA 128
check "AH hmac(sha256)" kip "$N1" sa add src $A dst $B proto ah spi 0x1005 \
	auth 'hmac(sha256)' $K_AH
check "ESN" kip "$N1" sa add $SA spi 0x1006 flag esn aead "$ALGO" $K_ESN 128
check "ESP in UDP" kip "$N1" sa add $SA spi 0x1007 aead "$ALGO" $K_UDP 128 \
	encap espinudp 4500 4500 0.0.0.0
spi=$(kip "$N1" -j sa allocspi src $A dst $B proto esp min 0x2000 max 0x2fff |
	json_get 0.spi)
check "allocspi + update" kip "$N1" sa update $SA spi "$spi" aead "$ALGO" $K_LARVAL 128
check "1 s soft, 2 s hard lifetime" kip "$N1" sa add $SA spi 0x1008 \
	aead "$ALGO" $K_LIFE 128 limit time-soft 1 limit time-hard 2

log "requests the kernel refuses"
out=$(cd "$TMPD" && ip netns exec "$N1" python3 keyscan.py errors "$ALGO" $K_DUP $K_BAD $K_CTRL 2>&1)
relay_checks <<<"$out"

log "dumps, gets, events"
kip "$N1" policy add src $A dst $B dir out action protect \
	tmpl src $A dst $B proto esp mode transport reqid 77 >/dev/null
kip "$N1" natt listen >/dev/null 2>&1 &
BG_PIDS+=($!)
ip netns exec "$N1" ping -c 1 -W 1 $B >/dev/null 2>&1	# acquire
for spi in 0x1001 0x1003 0x1004 0x1006 0x1007; do
	kip "$N1" sa get $SA spi $spi >/dev/null || fail "sa get $spi"
done
kip "$N1" sa get src $A dst $B proto ah spi 0x1005 >/dev/null
for i in $(seq 40); do	# the expire events, and the hard one's delete
	kip "$N1" sa get $SA spi 0x1008 >/dev/null 2>&1 || break
	sleep 0.1
done
check_fails "the 2 s SA expired" kip "$N1" sa get $SA spi 0x1008 2>/dev/null
sa_json=$(kip "$N1" -j sa show)
sa_text=$(kip "$N1" sa show)
kip "$N1" policy show >/dev/null
kip "$N1" sock show >/dev/null
kip "$N1" stats >/dev/null
check_eq "eight SAs left" "$(kipsec_stat "$N1" sa_count)" 8

log "/proc and /sys"
files_out=$(ip netns exec "$N1" python3 "$TMPD/keyscan.py" files $KEYS -- \
	/proc/net/ /proc/sys/net /sys/module/kipsec $(ls -d /sys/kernel/debug/kipsec* 2>/dev/null) 2>&1)

log "deletes and flushes"
kip "$N1" sa del $SA spi 0x1001
kip "$N1" sa flush
kip "$N1" policy flush
# the monitor and the capture see the delete events when they see them (the
# debug kernel is slow): wait for the monitor's, then a little longer
for _ in $(seq 100); do
	grep -qF "[sa-del]" "$TMPD/monitor" && break
	sleep 0.1
done
sleep 0.5
touch "$TMPD/stop"
wait "${BG_PIDS[0]}"

relay_checks < <(echo "$files_out"; python3 "$TMPD/keyscan.py" search "$CAP" $K_CTRL $KEYS 2>&1)

events=$(cat "$TMPD/monitor")
check_contains "monitor saw an SA add" "$events" "[sa-add]"
check_contains "monitor saw an expire" "$events" "[sa-expire]"
check_contains "monitor saw an acquire" "$events" "[acquire]"
check_contains "monitor saw an SA delete" "$events" "[sa-del]"
for k in $KEYS; do
	h=${k#0x}
	if [[ "$events$sa_json$sa_text" == *"${h:0:16}"* ]]; then
		fail "CLI output shows key $k"
	fi
done
pass "the CLI's monitor and show output show no key"

ksft_exit
