#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# ESP/AH input fuzzer: selftests/espfuzz sends mutated packets at live
# kipsec SAs from a packet socket on the peer's side of the link.
#
#   A (kipsec, receiver under test) 10.0.0.1 --veth-- 10.0.0.2 B (espfuzz)
#
# A holds four inbound transport SAs B -> A, each with an inbound policy
# for UDP to one port, where an application logs every datagram:
#   ESP cbc(aes)+hmac(sha256) (5001), ESP-NULL+hmac(sha256) (5002),
#   AH hmac(sha256) (5003), ESP-in-UDP 4500 cbc(aes)+hmac(sha256) (5004).
# espfuzz does the crypto itself (AF_ALG) and sends, class by class with
# valid packets interleaved: ESP/AH truncated at every length; bit flips
# (bad ICV); unknown SPIs and plain/UDP-encapsulated SPI mix-ups; replays
# (exact duplicates, old sequence numbers); packets up to 65535 bytes in
# fragments; fragments reversed, shuffled, overlapping, missing; authentic
# ESP with a pad length beyond the payload or eating into the inner packet,
# with non-monotone pad bytes (kipsec does not check them, RFC 4303 2.4
# lets it: such packets must be delivered), with bad next headers, with
# inner packets of the wrong family or truncated; outer IPv4 with options,
# a bad IHL, a bad checksum, a bad total length; ESP-in-UDP keepalives,
# non-ESP markers, bad UDP lengths and checksums; AH with a bad length
# field, changed mutable (accepted) and immutable (refused) fields.
# Checked:
#  - after every batch, kipsec's and the stack's counters in A moved by
#    exactly what each packet's class predicts (espfuzz exits 1 otherwise):
#    every packet is accounted for under its drop reason
#  - the application received exactly the markers of the valid packets,
#    each once, and none of the forged ones (zero accepted forgeries)
#
# KIPSEC_FUZZ_N: frames to send (default 2500); KIPSEC_FUZZ_SEED: the seed;
# KIPSEC_FUZZ_SECS: stop after that many seconds, however many were sent
# (for big runs, which also want a longer timeout: KIPSEC_TEST_TIMEOUT).
# One bad-ICV case in 8 is ESP with the sequence number's high bit
# flipped, which the ICV covers (KIPSEC_FUZZ_SEQFLIP=0: none, 2: all).
. "$(dirname "$0")/lib.sh"

require_kipsec
require_cmds python3

FUZZ=$KIPSEC_SELFTESTS/espfuzz
[ -x "$FUZZ" ] || skip "$FUZZ not built (make -C selftests)"
for m in af_alg algif_hash algif_skcipher; do
	modprobe -q $m 2>/dev/null
done
python3 -c 'import socket
socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0)' 2>/dev/null ||
	skip "no AF_ALG in this kernel"

N=${KIPSEC_FUZZ_N:-2500}
SEED=${KIPSEC_FUZZ_SEED:-$(date +%s)}
log "seed $SEED (KIPSEC_FUZZ_SEED=$SEED reproduces this run), $N frames"

A_IP=10.0.0.1
B_IP=10.0.0.2
EKEY=0x000102030405060708090a0b0c0d0e0f
AKEY=0x101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f
SPIS=(0x1000a5 0x2000c3 0x3000f0 0x40005a)

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
ip netns exec "$A" sysctl -qw net.ipv4.ipfrag_time=1
old_backlog=$(sysctl -n net.core.netdev_max_backlog)
sysctl -qw net.core.netdev_max_backlog=100000
at_exit sysctl -qw net.core.netdev_max_backlog="$old_backlog"
# room for the application's socket to hold a burst of 64 KiB datagrams
old_rmem=$(sysctl -n net.core.rmem_max)
sysctl -qw net.core.rmem_max=16777216
at_exit sysctl -qw net.core.rmem_max="$old_rmem"

sa_in() {
	local reqid=$1 spi=$2
	shift 2
	kip "$A" sa add src $B_IP dst $A_IP spi "$spi" mode transport \
		reqid "$reqid" replay-window 64 "$@" &&
	kip "$A" policy add src $B_IP/32 dst $A_IP/32 proto udp \
		dport $((5000 + reqid)) dir in priority 100 action protect \
		tmpl src $B_IP dst $A_IP proto "$PR" mode transport reqid "$reqid"
}
PR=esp check "ESP cbc(aes)+hmac(sha256) SA" sa_in 1 "${SPIS[0]}" proto esp \
	enc 'cbc(aes)' $EKEY auth-trunc 'hmac(sha256)' $AKEY 128
PR=esp check "ESP-NULL+hmac(sha256) SA" sa_in 2 "${SPIS[1]}" proto esp \
	enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha256)' $AKEY 128
PR=ah check "AH hmac(sha256) SA" sa_in 3 "${SPIS[2]}" proto ah \
	auth-trunc 'hmac(sha256)' $AKEY 128
PR=esp check "ESP-in-UDP cbc(aes)+hmac(sha256) SA" sa_in 4 "${SPIS[3]}" proto esp \
	enc 'cbc(aes)' $EKEY auth-trunc 'hmac(sha256)' $AKEY 128 \
	encap espinudp 4500 4500 0.0.0.0
[ "$ksft_fails" = 0 ] || ksft_exit

ip netns exec "$A" "$KIPSEC" natt listen >"$TMPD/natt" 2>&1 &
BG_PIDS+=($!)

# the application: every datagram's marker, a line each ("junk-HEX" for a
# datagram without one)
ip netns exec "$A" python3 -c '
import select, signal, socket, sys
out = open(sys.argv[1], "w")
def stop(*a):
    out.close()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
socks = []
for port in range(5001, 5005):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
    s.bind(("10.0.0.1", port))
    socks.append(s)
print("ready", flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        d = s.recv(65536)
        m = d[2:10].decode("latin-1")
        if d[:2] != b"FZ" or len(m) != 8 or m.strip("0123456789abcdef"):
            m = "junk-" + d[:16].hex()
        out.write("%d %s\n" % (s.getsockname()[1], m))
' "$TMPD/app.log" >"$TMPD/app.out" 2>&1 &
APP=$!
BG_PIDS+=($APP)
for i in $(seq 100); do
	grep -q ready "$TMPD/app.out" && grep -q flags "$TMPD/natt" && break
	sleep 0.1
done
check "application and ESP-in-UDP socket up" grep -q flags "$TMPD/natt"

before=$(date +%s)
ip netns exec "$B" "$FUZZ" --dev vb --dmac "$(mac_of "$A" va)" \
	--kipsec "$KIPSEC" --ns "$A" --pid "$APP" \
	--spi "$(IFS=,; echo "${SPIS[*]}")" \
	--ekey $EKEY --akey $AKEY --log "$TMPD/sent.log" --seed "$SEED" \
	--count "$N" ${KIPSEC_FUZZ_BATCH:+--batch $KIPSEC_FUZZ_BATCH} \
	${KIPSEC_FUZZ_SECS:+--secs $KIPSEC_FUZZ_SECS} 2>&1 | tee "$TMPD/fuzz.out"
rc=${PIPESTATUS[0]}
secs=$(($(date +%s) - before))
check_eq "every batch's counters moved exactly as its packets predict" "$rc" 0
frames=$(awk '/frames sent/ {
	for (i = 1; i < NF; i++) if ($(i + 1) == "frames") print $i }' "$TMPD/fuzz.out")
log "$frames frames in $secs s"
if [ -n "${KIPSEC_FUZZ_SECS:-}" ]; then
	check_ge "frames sent" "${frames:-0}" 1
else
	check_ge "frames sent" "${frames:-0}" "$N"
fi

sleep 0.5
kill "$APP"
wait "$APP" 2>/dev/null
awk '{ print $2 }' "$TMPD/app.log" | sort >"$TMPD/got"
awk '$2 == 1 { print $1 }' "$TMPD/sent.log" | sort >"$TMPD/want"
awk '$2 == 0 { print $1 }' "$TMPD/sent.log" | sort >"$TMPD/forged"
log "markers: $(wc -l <"$TMPD/want") valid, $(wc -l <"$TMPD/forged")" \
	"forged or dropped, $(wc -l <"$TMPD/got") received"
check_eq "no marker received twice" "$(uniq -d "$TMPD/got" | head -5 | tr '\n' ' ')" ""
check_eq "every valid packet's marker received" \
	"$(comm -23 "$TMPD/want" "$TMPD/got" | head -5 | tr '\n' ' ')" ""
check_eq "no forged packet's marker received (accepted forgeries)" \
	"$(comm -12 "$TMPD/forged" "$TMPD/got" | head -5 | tr '\n' ' ')" ""
check_eq "nothing received that was not sent" \
	"$(sort "$TMPD/want" "$TMPD/forged" | comm -13 - "$TMPD/got" |
	   head -5 | tr '\n' ' ')" ""
check_ge "valid markers" "$(wc -l <"$TMPD/want")" 280
if [ "$ksft_fails" != 0 ]; then
	log "forged markers received (marker deliver class / port marker):"
	comm -12 "$TMPD/forged" "$TMPD/got" | head -20 | while read -r m; do
		echo "  $(grep -m1 "^$m " "$TMPD/sent.log") / $(grep -m1 " $m" "$TMPD/app.log")"
	done
fi

ksft_exit
