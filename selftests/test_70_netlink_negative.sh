#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# The netlink API refuses what it must, says why, and changes nothing:
#
#  - through the CLI: bad key length, unknown algorithm, bad ICV length,
#    IPv6, duplicate SA (EEXIST), deleting a missing SA or policy
#    (ENOENT), a protect policy without a template, a tunnel template
#    without endpoints, a duplicate policy: exit status 2 and
#    "Error: <the kernel's reason>"
#  - raw requests past the CLI's own checks (missing attributes, ports with
#    proto icmp, a template on a bypass policy, AH, reply-only and unknown
#    attributes): the errno and the extack message
#  - after all that, `sa show` and `policy show` are unchanged
#  - without CAP_NET_ADMIN (uid 65534, or root of a user namespace that does
#    not own the network namespace): EPERM for changes, dumps, stats and the
#    event group; root of a user namespace owning its network namespace may
#  - an SA or policy made in one namespace is invisible in another
. "$(dirname "$0")/lib.sh"

require_kipsec
require_cmds setpriv unshare

A_IP=10.0.0.1
B_IP=10.0.0.2
SPI=0x5000

setup_ns N1 N2
ip -n "$N1" link add name d0 type dummy 2>/dev/null
reference_state "$N1" $SPI

# kernel_refuses DESC MESSAGE ARGS...: `kipsec ARGS` in N1 exits 2 with
# "Error: ...MESSAGE..." on stderr
kernel_refuses() {
	local desc=$1 msg=$2 rc err
	shift 2

	err=$(kip "$N1" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 2 ] && [[ "$err" == "Error: "*"$msg"* ]]; then
		pass "$desc: $err"
	else
		fail "$desc: exit $rc, '$err', want exit 2 and 'Error: ...$msg...'"
	fi
}

KEY_SHORT=0x0102030405060708090a0b0c0d0e0f10c0c1	# 18 bytes
SA_ARGS="src $A_IP dst $B_IP proto esp"

log "kernel errors through the CLI"
kernel_refuses "key of 18 bytes" "key length not valid for the algorithm" \
	sa add $SA_ARGS spi 0x5001 aead "$ALGO" $KEY_SHORT 128
kernel_refuses "key of 16 bytes (salt missing)" "key length not valid for the algorithm" \
	sa add $SA_ARGS spi 0x5001 aead "$ALGO" 0x0102030405060708090a0b0c0d0e0f10 128
kernel_refuses "unknown algorithm" "unsupported aead algorithm; supported: rfc4106(gcm(aes))" \
	sa add $SA_ARGS spi 0x5001 aead 'gcm(aes)' $KEY_A 128
kernel_refuses "ICV of 100 bits" "ICV length not valid for the algorithm" \
	sa add $SA_ARGS spi 0x5001 aead "$ALGO" $KEY_A 100
kernel_refuses "NULL encryption and NULL integrity without the insecure flag" \
	"ESP with neither encryption nor integrity needs the insecure flag" \
	sa add $SA_ARGS spi 0x5001 enc 'ecb(cipher_null)' "" auth digest_null ""
kernel_refuses "encryption without integrity" "ESP encryption without integrity is not allowed" \
	sa add $SA_ARGS spi 0x5001 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f auth digest_null ""
kernel_refuses "a truncation shorter than 96 bits" "truncation not valid for the algorithm" \
	sa add $SA_ARGS spi 0x5001 enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f \
	auth-trunc 'hmac(sha256)' 0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f 64
kernel_refuses "AH with NULL integrity" "digest_null is not valid for AH" \
	sa add src $A_IP dst $B_IP proto ah spi 0x5001 auth digest_null ""
kernel_refuses "sequence numbers above 2^32 without ESN" "sequence numbers above 2^32 - 1 need ESN" \
	sa add $SA_ARGS spi 0x5001 aead "$ALGO" $KEY_A 128 replay-oseq-hi 1 replay-oseq 0
kernel_refuses "duplicate SA" "an SA with this destination, SPI and protocol exists" \
	sa add $SA_ARGS spi $SPI aead "$ALGO" $KEY_B 128
kernel_refuses "deleting a missing SA" "no such SA" \
	sa del $SA_ARGS spi 0x5001
kernel_refuses "deleting a missing policy" "no such policy" \
	policy del src $B_IP dst $A_IP dir in
kernel_refuses "protect policy without a template" "a protect policy needs a template" \
	policy add src $B_IP dst $A_IP dir in action protect
kernel_refuses "tunnel template without endpoints" "tunnel mode template needs src and dst endpoints" \
	policy add src $B_IP dst $A_IP dir in tmpl proto esp mode tunnel
kernel_refuses "duplicate policy" "a policy with this selector, direction and priority exists" \
	policy add src $A_IP dst $B_IP dir out priority 10 action protect \
	tmpl src $A_IP dst $B_IP proto esp mode transport

# raw_refuses DESC ERRNO MESSAGE CMD SPEC: a raw request in N1 is refused
# with ERRNO and an extack message containing MESSAGE ("" = any message).
# Queued: raw_refused sends them all from one process and checks each.
RAW_DESC=() RAW_ERRNO=() RAW_MSG=() RAW_REQ=()
raw_refuses() {
	RAW_DESC+=("$1") RAW_ERRNO+=("$2") RAW_MSG+=("$3") RAW_REQ+=("$4 $5")
}

raw_refused() {
	local answers=() out i errno msg

	mapfile -t answers < <(printf '%s\n' "${RAW_REQ[@]}" | kipsec_raw "$N1" 2>&1)
	for i in "${!RAW_REQ[@]}"; do
		out=${answers[i]-"(no answer)"} errno=${RAW_ERRNO[i]} msg=${RAW_MSG[i]}
		if [[ "$out" == "Error: "*"$msg"*" (errno $errno)" ]] &&
		   [[ "$out" != *"(no extack message)"* ]]; then
			pass "${RAW_DESC[i]}: $out"
		else
			fail "${RAW_DESC[i]}: '$out', want $errno and a message${msg:+ with '$msg'}"
		fi
	done
	check_eq "one answer per raw request" "${#answers[@]}" "${#RAW_REQ[@]}"
}

AEAD="(8, [(1, strz('$ALGO')), (2, hexkey('$KEY_A')), (3, u32(128))])"
ID="(2, ip('$A_IP')), (3, ip('$B_IP')), (5, u32(50))"
SEL="(6, [(1, ip('$B_IP')), (2, ip('$A_IP')), (3, u32(32)), (4, u32(32))])"
TMPL="(7, [(1, u32(50)), (2, u32(0))])"

log "kernel errors for raw requests"
raw_refuses "SA add without an SA" EINVAL "missing SA" $KCMD_SA_ADD "[]"
raw_refuses "SA add without an algorithm" EINVAL "ESP needs aead, or enc and auth" \
	$KCMD_SA_ADD "[(1, [$ID, (4, be32(0x5002))])]"
raw_refuses "SA add without an SPI" EINVAL "missing SA SPI" \
	$KCMD_SA_ADD "[(1, [$ID, $AEAD])]"
raw_refuses "SA add without a source address" EINVAL "missing SA source address" \
	$KCMD_SA_ADD "[(1, [(3, ip('$B_IP')), (5, u32(50)), (4, be32(0x5002)), $AEAD])]"
raw_refuses "SA add without the key" EINVAL "missing algorithm key" \
	$KCMD_SA_ADD "[(1, [$ID, (4, be32(0x5002)), (8, [(1, strz('$ALGO')), (3, u32(128))])])]"
raw_refuses "SA add with SPI 0" EINVAL "SPI 0 is reserved" \
	$KCMD_SA_ADD "[(1, [$ID, (4, be32(0)), $AEAD])]"
raw_refuses "SA add with a 5-byte address" EINVAL "address must be 4 (IPv4) or 16 (IPv6) bytes" \
	$KCMD_SA_ADD "[(1, [(2, b'12345'), (3, ip('$B_IP')), (5, u32(50)), (4, be32(0x5002)), $AEAD])]"
raw_refuses "SA add with a replay window of 4097" ERANGE "" \
	$KCMD_SA_ADD "[(1, [$ID, (4, be32(0x5002)), $AEAD, (11, u32(4097))])]"
raw_refuses "SA add with a reply-only attribute (state)" EINVAL "" \
	$KCMD_SA_ADD "[(1, [$ID, (4, be32(0x5002)), $AEAD, (13, u32(1))])]"
raw_refuses "SA add with an unknown attribute (type 200)" EINVAL "" \
	$KCMD_SA_ADD "[(1, [$ID, (4, be32(0x5002)), $AEAD, (200, u32(1))])]"
raw_refuses "duplicate SA" EEXIST "an SA with this destination, SPI and protocol exists" \
	$KCMD_SA_ADD "[(1, [$ID, (4, be32($SPI)), $AEAD])]"
raw_refuses "SA between two families" EINVAL "source and destination must be of the same address family" \
	$KCMD_SA_ADD "[(1, [(2, ip('$A_IP')), (3, ip6('fd00::2')), (5, u32(50)), (4, be32(0x5002)), $AEAD])]"
raw_refuses "AH SA with an AEAD" EINVAL "AH takes an auth algorithm only" \
	$KCMD_SA_ADD "[(1, [(2, ip('$A_IP')), (3, ip('$B_IP')), (5, u32(51)), (4, be32(0x5002)), $AEAD])]"
raw_refuses "SA with protocol 17" EINVAL "protocol must be esp (50) or ah (51)" \
	$KCMD_SA_ADD "[(1, [(2, ip('$A_IP')), (3, ip('$B_IP')), (5, u32(17)), (4, be32(0x5002)), $AEAD])]"
raw_refuses "deleting a missing SA" ENOENT "no such SA" \
	$KCMD_SA_DEL "[(1, [$ID, (4, be32(0x5002))])]"
raw_refuses "getting a missing SA" ENOENT "" \
	$KCMD_SA_GET "[(1, [$ID, (4, be32(0x5002))])]"
raw_refuses "policy with ports and proto icmp" EINVAL "ports need protocol tcp, udp, udplite or sctp" \
	$KCMD_POLICY_ADD "[(2, [(3, u32(0)), (5, u32(1)), (6, [(1, ip('$B_IP')), (2, ip('$A_IP')), (5, u32(1)), (8, be16(22)), (9, be16(22))])])]"
raw_refuses "policy without a direction" EINVAL "missing policy direction" \
	$KCMD_POLICY_ADD "[(2, [(5, u32(1)), $SEL])]"
raw_refuses "policy without a selector" EINVAL "missing policy selector" \
	$KCMD_POLICY_ADD "[(2, [(3, u32(0)), (5, u32(1))])]"
raw_refuses "bypass policy with a template" EINVAL "only a protect policy takes a template" \
	$KCMD_POLICY_ADD "[(2, [(3, u32(0)), (5, u32(1)), $SEL, $TMPL])]"
raw_refuses "policy with prefix length 33" EINVAL "" \
	$KCMD_POLICY_ADD "[(2, [(3, u32(0)), (5, u32(1)), (6, [(1, ip('$B_IP')), (2, ip('$A_IP')), (3, u32(33)), (4, u32(32))])])]"
raw_refuses "policy with a reply-only attribute (packets)" EINVAL "" \
	$KCMD_POLICY_ADD "[(2, [(3, u32(0)), (5, u32(1)), $SEL, (8, struct.pack('=Q', 1))])]"
raw_refuses "deleting a missing policy" ENOENT "no such policy" \
	$KCMD_POLICY_DEL "[(2, [(3, u32(0)), $SEL])]"
raw_refused

check_eq "SAs unchanged after the refused requests" "$(kip "$N1" -j sa show)" "$sa_before"
check_eq "policies unchanged after the refused requests" "$(kip "$N1" -j policy show)" "$pol_before"
check_eq "stats: one SA, one policy" "$(kipsec_stat "$N1" sa_count policy_count)" "1 1"

# ------------------------------------------------------------ permissions
log "without CAP_NET_ADMIN"
# the CLI where uid 65534 can run it
chmod 755 "$TMPD"
cp "$KIPSEC" "$TMPD/kipsec-cli" && chmod 755 "$TMPD/kipsec-cli"
CLI=$TMPD/kipsec-cli

# as_nobody ARGS...: the CLI in N1 as uid/gid 65534, no capabilities
as_nobody() {
	ip netns exec "$N1" timeout 10 setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all --bounding-set=-all "$CLI" "$@"
}

# eperm DESC CMD...: CMD exits 2 and says "Operation not permitted"
eperm() {
	local desc=$1 err rc
	shift

	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 2 ] && [[ "$err" == "Error: "*"Operation not permitted"* ]]; then
		pass "$desc: $err"
	else
		fail "$desc: exit $rc, '$err', want exit 2 and 'Operation not permitted'"
	fi
}

eperm "uid 65534: sa add" as_nobody sa add $SA_ARGS spi 0x5003 aead "$ALGO" $KEY_A 128
eperm "uid 65534: sa del" as_nobody sa del $SA_ARGS spi $SPI
eperm "uid 65534: sa show (dump)" as_nobody sa show
eperm "uid 65534: sa get" as_nobody sa get $SA_ARGS spi $SPI
eperm "uid 65534: policy add" as_nobody policy add src $B_IP dst $A_IP dir in action bypass
eperm "uid 65534: policy show (dump)" as_nobody policy show
eperm "uid 65534: policy flush" as_nobody policy flush
eperm "uid 65534: stats" as_nobody stats
eperm "uid 65534: monitor (the events group)" as_nobody monitor
# root of a user namespace that does not own N1
eperm "root of another user namespace: sa show" \
	ip netns exec "$N1" timeout 10 unshare --user --map-root-user "$CLI" sa show
eperm "root of another user namespace: sa add" \
	ip netns exec "$N1" timeout 10 unshare --user --map-root-user "$CLI" \
	sa add $SA_ARGS spi 0x5003 aead "$ALGO" $KEY_A 128
check_eq "SAs unchanged after the refused requests" "$(kip "$N1" -j sa show)" "$sa_before"
check_eq "policies unchanged after the refused requests" "$(kip "$N1" -j policy show)" "$pol_before"

# root of a user namespace owning a new network namespace: allowed there
out=$(timeout 60 unshare --user --map-root-user --net sh -c "
	'$CLI' sa add $SA_ARGS spi $SPI aead '$ALGO' $KEY_A 128 &&
	'$CLI' policy add src $A_IP dst $B_IP dir out action bypass &&
	'$CLI' stats" 2>&1)
rc=$?
check_eq "root of a user namespace, in its own network namespace: add an SA and a policy" "$rc" 0
check_contains "... and its stats count them" "$out" "sa_count 1"

# --------------------------------------------------------------- isolation
log "namespaces"
check_eq "N2 has no SA" "$(kip "$N2" -j sa show)" "[]"
check_eq "N2 has no policy" "$(kip "$N2" -j policy show)" "[]"
check_fails "N2 cannot get N1's SA" kip "$N2" sa get $SA_ARGS spi $SPI
check_fails "N2 cannot delete N1's SA" kip "$N2" sa del $SA_ARGS spi $SPI
check "N2 can add an SA with the same destination and SPI" \
	kip "$N2" sa add $SA_ARGS spi $SPI aead "$ALGO" $KEY_B 128
check_eq "N2's stats: one SA" "$(kipsec_stat "$N2" sa_count)" 1
check "N2 deletes its SA" kip "$N2" sa del $SA_ARGS spi $SPI
check_eq "N1's SAs unchanged" "$(kip "$N1" -j sa show)" "$sa_before"
check_eq "N1's policies unchanged" "$(kip "$N1" -j policy show)" "$pol_before"

ksft_exit
