#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 1500
#
# The interop matrix (issue 3): kipsec on gwA against native XFRM on gwB,
#
#   hostA --lan-- gwA ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2   (kipsec) 192.168.0.1   192.168.0.2 (ip xfrm)   10.2.0.2
#   fd01::2             fd00::1       fd00::2                 fd02::2
#
# for {ESP, AH} x {transport, tunnel} x {ip4, ip6, 4in6, 6in4} x every
# algorithm.  Transport mode protects gwA <-> gwB on their WAN addresses;
# tunnel mode protects hostA's LAN <-> hostB's LAN between the gateways'
# WAN addresses, of the other family for 4in6 (IPv4 LANs, IPv6 WAN) and
# 6in4.  The namespaces are set up once; each case replaces the SAs on both
# sides (fresh SPIs), and the policies when the mode, families or protocol
# change, then
#   - pings both ways between the protected endpoints,
#   - sends 64 KB over TCP from the A side to the B side, payload checked,
#   - checks the WAN link: between the endpoints only ESP (or AH) with the
#     case's SPI for each direction, nothing else in the clear (IPv6
#     neighbour discovery and MLD aside); AH's ICV field of the algorithm's
#     length; for an encrypting algorithm none of the payload visible, for
#     AH, GMAC and NULL encryption the payload visible inside ESP/AH (which
#     also proves that the capture would see cleartext).
# One tcpdump records the WAN for the whole matrix in "wire", a namespace
# that only bridges gwA and gwB (on a gateway's own interface, tcpdump
# would also see the packets XFRM decapsulates: XFRM passes them up
# through the interface again).  A UDP datagram between two addresses that
# no policy covers marks the end of each case in the capture.
#
# Environment:
#   MATRIX_IMPL   kipsec (default) or xfrm: what runs on gwA.  With xfrm
#                 both gateways are native XFRM (the matrix checking itself)
#   MATRIX_CASES  an extended regex: run the cases whose names match, e.g.
#                 'esp/tunnel/4in6/' or '/(ip6|6in4)/aes128gcm16$'
#   MATRIX_BREAK  prove that the checks fail: key (gwB decrypts with a wrong
#                 key), spi (gwA sends with another SPI than gwB expects),
#                 policy (gwA has no out policy: cleartext on the wire)
# Case names: PROTO/MODE/FAMILY/ALGORITHM, the algorithms named like
# strongSwan proposals (aes128gcm16, aes256-sha512, null-sha256, sha1...).
# tools/check passes MATRIX_CASES only on the debug kernel (a 30-case
# subset, see there) and no other MATRIX_*; by hand, e.g.:
#   tools/vm/run --run 6.12.95+deb12-amd64 \
#	--exec 'MATRIX_IMPL=xfrm selftests/test_90_interop_matrix.sh'
# (with MATRIX_IMPL=kipsec, load build/REL/kipsec.ko first).
. "$(dirname "$0")/lib.sh"

IMPL=${MATRIX_IMPL:-kipsec}
case "$IMPL" in
kipsec) require_kipsec ;;
xfrm) require_root; require_cmds ip python3 timeout ;;
*) fail "MATRIX_IMPL must be kipsec or xfrm, not '$IMPL'"; ksft_exit ;;
esac
case "${MATRIX_BREAK:-}" in
"" | key | spi | policy) ;;
*) fail "MATRIX_BREAK must be key, spi or policy, not '$MATRIX_BREAK'"; ksft_exit ;;
esac
require_xfrm
for m in esp6 ah4 ah6; do modprobe -q "$m" 2>/dev/null; done
require_cmds tcpdump nc ping cmp

SIZE=64K
PING="3 0.05 5"		# count, interval, deadline (s)

# ------------------------------------------------------------ topology
setup_ns HOSTA GWA WIRE GWB HOSTB
ipv6_on "$HOSTA" "$GWA" "$GWB" "$HOSTB"
veth_link "$HOSTA" eth0 10.1.0.2/24 "$GWA" lan 10.1.0.1/24
veth_link "$GWA" wan 192.168.0.1/24 "$WIRE" a -
veth_link "$WIRE" b - "$GWB" wan 192.168.0.2/24
veth_link "$GWB" lan 10.2.0.1/24 "$HOSTB" eth0 10.2.0.2/24
ip -n "$WIRE" link add name br type bridge mcast_snooping 0 &&
ip -n "$WIRE" link set dev a master br &&
ip -n "$WIRE" link set dev b master br &&
ip -n "$WIRE" link set dev br up || { fail "bridge in wire"; ksft_exit; }
for a in "$HOSTA eth0 fd01::2" "$GWA lan fd01::1" "$GWA wan fd00::1" \
	 "$GWB wan fd00::2" "$GWB lan fd02::1" "$HOSTB eth0 fd02::2"; do
	read -r ns ifc addr <<<"$a"
	ip -n "$ns" addr add "$addr/64" dev "$ifc" nodad || { fail "address $addr"; ksft_exit; }
done
# the end-of-case markers, between addresses that no policy covers
MARK_A=192.168.9.1
MARK_B=192.168.9.2
ip -n "$GWA" addr add $MARK_A/24 dev wan
ip -n "$GWB" addr add $MARK_B/24 dev wan
ip -n "$HOSTA" route add default via 10.1.0.1
ip -n "$HOSTA" -6 route add default via fd01::1
ip -n "$HOSTB" route add default via 10.2.0.1
ip -n "$HOSTB" -6 route add default via fd02::1
ip -n "$GWA" route add 10.2.0.0/24 via 192.168.0.2
ip -n "$GWA" -6 route add fd02::/64 via fd00::2
ip -n "$GWB" route add 10.1.0.0/24 via 192.168.0.1
ip -n "$GWB" -6 route add fd01::/64 via fd00::1
forwarding "$GWA"
forwarding "$GWB"

# --------------------------------------------------------- algorithms

# key VAR BYTES SEED: a key of BYTES bytes (0xHEX) in VAR, from SEED
key() {
	local i k=0x

	for ((i = 0; i < $2; i++)); do
		printf -v k '%s%02x' "$k" $(((i * 29 + $3 * 101 + 7) & 255))
	done
	printf -v "$1" '%s' "$k"
}

# alg NAME SEED: the algorithm spec of NAME with keys from SEED in SPEC,
# and PROTO (esp or ah), ENCRYPTS (1 if the payload is hidden) and AH_ICV
# (bits, for AH)
alg() {
	local name=$1 seed=$2 ek ak bits h trunc

	PROTO=esp ENCRYPTS=1 AH_ICV=0
	case "$name" in
	aes*gcm*)
		bits=${name#aes}; bits=${bits%gcm*}
		key ek $((bits / 8 + 4)) "$seed"
		SPEC="aead rfc4106(gcm(aes)) $ek $((${name#*gcm} * 8))"
		;;
	chacha20poly1305)
		key ek 36 "$seed"
		SPEC="aead rfc7539esp(chacha20,poly1305) $ek 128"
		;;
	aes128gmac)
		key ek 20 "$seed"
		SPEC="aead rfc4543(gcm(aes)) $ek 128"
		ENCRYPTS=0
		;;
	*sha*)
		h=${name##*sha}
		case "$h" in
		1) trunc=96 bits=160 ;;
		*) trunc=$((h / 2)) bits=$h ;;
		esac
		key ak $((bits / 8)) $((seed + 50))
		SPEC="auth-trunc hmac(sha$h) $ak $trunc"
		case "$name" in
		sha*)	PROTO=ah AH_ICV=$trunc ENCRYPTS=0 ;;
		null-*)	SPEC="enc ecb(cipher_null) \"\" $SPEC" ENCRYPTS=0 ;;
		aes128ctr-*)
			key ek 20 "$seed"
			SPEC="enc rfc3686(ctr(aes)) $ek $SPEC"
			;;
		aes*)
			bits=${name#aes}; bits=${bits%-*}
			key ek $((bits / 8)) "$seed"
			SPEC="enc cbc(aes) $ek $SPEC"
			;;
		esac
		;;
	*)	fail "unknown algorithm $name"; return 1 ;;
	esac
}

ALGS=(
	aes128gcm8 aes128gcm12 aes128gcm16 aes192gcm8 aes192gcm12 aes192gcm16
	aes256gcm8 aes256gcm12 aes256gcm16 chacha20poly1305
	aes128-sha1 aes128-sha256 aes128-sha384 aes128-sha512
	aes256-sha1 aes256-sha256 aes256-sha384 aes256-sha512
	aes128ctr-sha256 aes128gmac null-sha256
	sha1 sha256 sha512
)
# MODE/FAMILY: outer A, outer B, inner network A, inner network B, the
# endpoints of the traffic (namespace variable and address) on each side
TOPOS=(
	"transport/ip4 192.168.0.1 192.168.0.2 - - GWA 192.168.0.1 GWB 192.168.0.2"
	"transport/ip6 fd00::1 fd00::2 - - GWA fd00::1 GWB fd00::2"
	"tunnel/ip4 192.168.0.1 192.168.0.2 10.1.0.0/24 10.2.0.0/24 HOSTA 10.1.0.2 HOSTB 10.2.0.2"
	"tunnel/ip6 fd00::1 fd00::2 fd01::/64 fd02::/64 HOSTA fd01::2 HOSTB fd02::2"
	"tunnel/4in6 fd00::1 fd00::2 10.1.0.0/24 10.2.0.0/24 HOSTA 10.1.0.2 HOSTB 10.2.0.2"
	"tunnel/6in4 192.168.0.1 192.168.0.2 fd01::/64 fd02::/64 HOSTA fd01::2 HOSTB fd02::2"
)

# ------------------------------------------------------------ the wire

# wire_check START N PROTO A B SPI_AB SPI_BA AH_ICV PAYLOAD-FILE: send the
# end marker of case N from gwA, read the capture from byte START up to
# it, and print "NEXT AB BA BAD ICVBAD PING TCP": the offset behind the
# marker; IPsec packets A -> B and B -> A with the right SPI; packets that
# are neither those nor ND/MLD nor markers; AH headers of another length
# than AH_ICV bits give; whether the ping pattern and how many of 8 slices
# of the TCP payload appear in IPsec packets.  Then up to 5 bad packets.
wire_check() {
	python3 -S - "$(capture_file wan)" "$@" "$GWA" $MARK_A $MARK_B <<'EOF'
import ctypes, os, socket, struct, sys, time
path, start, n, proto, a, b, spi_ab, spi_ba, ah_icv, payload, ns, ma, mb = sys.argv[1:]
start, proto = int(start), {"esp": 50, "ah": 51}[proto]
spi = {(a, b): int(spi_ab, 0), (b, a): int(spi_ba, 0)}
ah_icv = int(ah_icv) // 8
marker = b"kipsec-matrix end of case %s\n" % n.encode()

# the marker, from gwA's namespace (no "ip netns exec": each process
# costs 0.1 s under TCG)
if ctypes.CDLL(None, use_errno=True).setns(os.open("/run/netns/" + ns, os.O_RDONLY),
                                           0x40000000):	# CLONE_NEWNET
    sys.exit("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((ma, 0))
s.sendto(marker, (mb, 9))
probes = [bytes(range(0x10, 0x38))]	# ping's pattern
try:
    with open(payload, "rb") as f:
        data = f.read()
    probes += [data[k * len(data) // 9:][:16] for k in range(1, 9)]
except OSError:
    pass				# no TCP transfer

def records():
    """(frame, offset behind it) from start to the marker (waits for it)"""
    end = time.time() + 10
    while True:
        with open(path, "rb") as f:
            endian = "<" if f.read(4) in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
            f.seek(start)
            buf = f.read()
        out, off = [], 0
        while off + 16 <= len(buf):
            incl = struct.unpack(endian + "I", buf[off + 8:off + 12])[0]
            if off + 16 + incl > len(buf):
                break
            fr = buf[off + 16:off + 16 + incl]
            off += 16 + incl
            out.append((fr, start + off))
            if marker in fr:
                return out
        if time.time() > end:
            out.append((b"no end marker", start + off))
            return out
        time.sleep(0.05)

def ipsec_hdr(fr):
    """(src, dst, outer protocol, fragment offset, its payload) or None"""
    et, l3 = struct.unpack(">H", fr[12:14])[0], fr[14:]
    if et == 0x0800:
        ihl = (l3[0] & 15) * 4
        return (socket.inet_ntop(socket.AF_INET, l3[12:16]),
                socket.inet_ntop(socket.AF_INET, l3[16:20]), l3[9],
                struct.unpack(">H", l3[6:8])[0] & 0x1fff, l3[ihl:], 4)
    if et == 0x86dd:
        nh, off, frag = l3[6], 40, 0
        while nh in (0, 43, 44, 60) and off + 8 <= len(l3):
            if nh == 44:
                frag = struct.unpack(">H", l3[off + 2:off + 4])[0] >> 3
                nh, off = l3[off], off + 8
            else:
                nh, off = l3[off], off + (l3[off + 1] + 1) * 8
        return (socket.inet_ntop(socket.AF_INET6, l3[8:24]),
                socket.inet_ntop(socket.AF_INET6, l3[24:40]), nh, frag, l3[off:], 6)
    return None

count = {(a, b): 0, (b, a): 0}
bad, icvbad, seen, nxt = [], 0, set(), start
for fr, nxt in records():
    if fr == b"no end marker":
        bad.append("the end marker is not in the capture after 10 s")
        continue
    h = ipsec_hdr(fr)
    if h is None:
        continue			# ARP
    src, dst, p, frag, pl, fam = h
    if {src, dst} <= {ma, mb}:
        continue			# markers and the port unreachable they get
    if p == 58 and pl and pl[0] in (130, 131, 132, 133, 134, 135, 136, 137, 143):
        continue			# neighbour discovery, MLD
    what = "%s > %s proto %d len %d" % (src, dst, p, len(fr))
    if p != proto or (src, dst) not in spi:
        bad.append(what)
        continue
    if frag == 0:
        got = struct.unpack(">I", pl[0:4] if p == 50 else pl[4:8])[0]
        if got != spi[(src, dst)]:
            bad.append("%s spi 0x%x" % (what, got))
            continue
        # AH header and ICV padded to 64 bits, in IPv4 too: RFC 4302
        # allows it, XFRM does it and wants it (unless "flag align4")
        if p == 51 and (pl[1] + 2) * 4 != -(-(12 + ah_icv) // 8) * 8:
            icvbad += 1
        count[(src, dst)] += 1
    seen.update(i for i, pr in enumerate(probes) if pr in fr)
print(nxt, count[(a, b)], count[(b, a)], len(bad), icvbad,
      int(0 in seen), len(seen - {0}))
for what in bad[:5]:
    print("    " + what)
EOF
}

# --------------------------------------------------------------- cases

# case_setup IMPL NS LOCAL REMOTE LNET RNET SPI_OUT SPI_IN SPEC_OUT SPEC_IN:
# one gateway's SAs and policies for a case, in place of the last case's;
# transport mode if LNET is "-".  The policies depend on the mode, the
# families and the protocol only: while these stay, SAS_ONLY=1 replaces
# the SAs only, under the policies of the case before (as a rekey does;
# each kipsec command costs ~0.3 s under TCG).
case_setup() {
	local impl=$1 ns=$2 l=$3 r=$4 ln=$5 rn=$6 spi_out=$7 spi_in=$8 key_out=$9 key_in=${10}
	local what=

	[ "${SAS_ONLY:-}" != 1 ] || what=sa
	ipsec_batch_begin "$impl"
	ipsec_flush "$impl" "$ns" $what &&
	if [ "$ln" = - ]; then
		ipsec_transport "$impl" "$ns" "$l" "$r" "$spi_out" "$spi_in" "$key_out" "$key_in"
	else
		ipsec_tunnel "$impl" "$ns" "$l" "$r" "$ln" "$rn" "$spi_out" "$spi_in" "$key_out" "$key_in"
	fi
	local rc=$?
	ipsec_batch_end "$impl" "$ns" || rc=1
	return $rc
}

# secs VAR MICROSECONDS: "S.D" (seconds) in VAR
secs() {
	printf -v "$1" '%d.%d' $(($2 / 1000000)) $(($2 / 100000 % 10))
}

# now VAR: the time in microseconds in VAR
now() {
	printf -v "$1" '%s' "${EPOCHREALTIME/[.,]/}"
}

capture_start wan "$WIRE" a "ip or ip6" -s 0 -B 32768 || ksft_exit
wire_off=24		# behind the pcap file header
n=0 ran=0 failed_cases=() policies=""
now t_matrix
for topo in "${TOPOS[@]}"; do
	read -r tname oa ob na nb ea_ns ea eb_ns eb <<<"$topo"
	eval "ea_ns=\$$ea_ns eb_ns=\$$eb_ns"
	for an in "${ALGS[@]}"; do
		n=$((n + 1))
		# the case's name first (alg's PROTO rule): alg builds keys
		# byte by byte, for nothing in a case MATRIX_CASES leaves out
		case "$an" in sha*) name=ah ;; *) name=esp ;; esac
		name+="/$tname/$an"
		[ -z "$MATRIX_CASES" ] || [[ "$name" =~ $MATRIX_CASES ]] || continue
		alg "$an" 1 || continue
		ran=$((ran + 1))
		now t0
		fails0=$ksft_fails
		printf -v spi_ab '0x%x' $((0x10000 + n))
		printf -v spi_ba '0x%x' $((0x20000 + n))
		spec_ab=$SPEC
		alg "$an" 2
		spec_ba=$SPEC
		spec_ab_at_b=$spec_ab spi_ab_at_a=$spi_ab
		case "$MATRIX_BREAK" in
		key)	alg "$an" 3; spec_ab_at_b=$SPEC ;;
		spi)	printf -v spi_ab_at_a '0x%x' $((spi_ab + 0x100000)) ;;
		esac
		log "--- case $n: $name ($IMPL on gwA, XFRM on gwB): $spec_ab"

		SAS_ONLY=0
		[ "$policies" != "$tname $PROTO" ] || SAS_ONLY=1
		policies=
		if ! case_setup "$IMPL" "$GWA" "$oa" "$ob" "$na" "$nb" "$spi_ab_at_a" "$spi_ba" "$spec_ab" "$spec_ba" ||
		   ! case_setup xfrm "$GWB" "$ob" "$oa" "$nb" "$na" "$spi_ba" "$spi_ab" "$spec_ba" "$spec_ab_at_b"; then
			fail "$name: SAs and policies (traffic not attempted)"
			failed_cases+=("$name")
			continue
		fi
		[ "$MATRIX_BREAK" = policy ] || policies="$tname $PROTO"
		if [ "$MATRIX_BREAK" = policy ]; then
			case "$IMPL" in
			kipsec) kip "$GWA" policy flush dir out ;;
			xfrm) ip -n "$GWA" xfrm policy deleteall dir out ;;
			esac
		fi
		# IPv6 transport: the policies cover the neighbours, and the
		# neighbour discovery of the case must pass beside them
		if [ "$tname" = transport/ip6 ]; then
			ip -n "$GWA" neigh flush dev wan
			ip -n "$GWB" neigh flush dev wan
		fi
		now t1

		# both ways at once
		ping_ok "$ea_ns" "$eb" $PING &
		ping_pid=$!
		ping_ok "$eb_ns" "$ea" $PING
		ping_ba=$?
		wait $ping_pid
		ping_ab=$?
		for v in "A -> B $ping_ab" "B -> A $ping_ba"; do
			if [ "${v##* }" = 0 ]; then
				pass "$name: ping ${v% *}"
			else
				fail "$name: ping ${v% *}: no reply"
			fi
		done
		now t2
		if [ "$ksft_fails" = "$fails0" ]; then
			check "$name: TCP $SIZE A -> B, payload intact" \
				tcp_transfer "$ea_ns" "$eb_ns" "$eb" $SIZE $((5000 + n))
		else
			fail "$name: TCP $SIZE A -> B not attempted (no ping)"
		fi
		now t3

		wire=$(wire_check $wire_off $n $PROTO "$oa" "$ob" $spi_ab $spi_ba $AH_ICV \
			"$TMPD/tcp-src.$((5000 + n))")
		read -r next ab ba bad icvbad ping_seen tcp_seen <<<"$wire"
		[[ "$next" != [0-9]* ]] || wire_off=$next
		P=${PROTO^^}
		check_ge "$name: $P packets A -> B with SPI $spi_ab" "$ab" 10
		check_ge "$name: $P packets B -> A with SPI $spi_ba" "$ba" 6
		if [ "$bad" = 0 ]; then
			pass "$name: nothing else on the WAN"
		else
			fail "$name: $bad packets on the WAN other than $P with the case's SPIs, e.g.:"
			echo "$wire" | tail -n +2
		fi
		[ "$PROTO" = esp ] || check_eq "$name: AH headers with another ICV length than $AH_ICV bits" "$icvbad" 0
		if [ "$ENCRYPTS" = 1 ]; then
			check_eq "$name: payload hidden (ping pattern, slices of the TCP data seen)" \
				"$ping_seen $tcp_seen" "0 0"
		elif [ "$ping_seen" = 1 ] && [ "$tcp_seen" -ge 1 ]; then
			pass "$name: payload visible inside $P (ping pattern, $tcp_seen of 8 TCP slices)"
		else
			fail "$name: payload not visible inside $P (ping pattern $ping_seen, $tcp_seen of 8 TCP slices)"
		fi
		if [ "$ksft_fails" != "$fails0" ]; then
			failed_cases+=("$name")
			policies=	# the next case starts afresh
			log "XFRM counters of gwB (since the start): $(nsx "$GWB" awk '$2 != 0' /proc/net/xfrm_stat | tr -s ' \t\n' ' ')"
		fi
		now t4
		secs d_total $((t4 - t0)); secs d_setup $((t1 - t0)); secs d_ping $((t2 - t1))
		secs d_tcp $((t3 - t2)); secs d_wire $((t4 - t3))
		log "--- case $n: $name: $d_total s (setup $d_setup, ping $d_ping, TCP $d_tcp, wire $d_wire)"
	done
done
check "the WAN capture is complete (no packet dropped by the kernel)" capture_stop wan
now t_end
secs d_total $((t_end - t_matrix))
log "matrix: $ran cases in $d_total s, ${#failed_cases[@]} failed${failed_cases[0]:+: ${failed_cases[*]}}"
[ "$ran" -gt 0 ] || fail "MATRIX_CASES='$MATRIX_CASES' matches no case"
ksft_exit
