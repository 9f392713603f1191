#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/lib.sh - shared helpers for the kipsec selftests.  Source it:
#
#	. "$(dirname "$0")/lib.sh"
#
# A test is a bash script that prints one plain line per check ("ok: ..." or
# "FAIL: ..."), and ends with ksft_exit: 0 all checks passed, 1 a check
# failed, 4 skipped (a precondition is missing, nothing was tested).
#
# run.sh exports KIPSEC (the CLI), KIPSEC_KO (the module) and
# KIPSEC_SELFTESTS; without them the defaults point into the source tree, so
# a test also runs by hand inside the VM:
#
#	tools/vm/run --exec 'insmod kmod/kipsec.ko; selftests/test_10_transport_xfrm.sh'
#
# Everything a test creates (namespaces, background processes, files) is
# removed by the EXIT trap installed here.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

KIPSEC_SELFTESTS=${KIPSEC_SELFTESTS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
KIPSEC=${KIPSEC:-$KIPSEC_SELFTESTS/../tools/kipsec/kipsec}
KIPSEC_KO=${KIPSEC_KO:-$KIPSEC_SELFTESTS/../kmod/kipsec.ko}
export KIPSEC KIPSEC_KO KIPSEC_SELFTESTS
# run.sh's KIPSEC_TIMEOUT_SCALE (2 on the debug kernel): what a helper below
# waits for a slow kernel is multiplied by it
SCALE=${KIPSEC_TIMEOUT_SCALE:-1}

# bulk_mb N: the size in MB of a bulk TCP transfer that a test would make N
# MB, capped at $KIPSEC_BULK_MB_MAX when that is set.  tools/check sets it to
# 2 for the debug kernel, which moves about 120 KB/s under TCG: 2 MB take
# the same paths through kipsec and XFRM as 10 (GSO, GRO, ~1500 packets each
# way), at a fifth of the time.  The checks are computed from the result.
bulk_mb() {
	local n=$1 max=${KIPSEC_BULK_MB_MAX:-0}
	[ "$max" -le 0 ] || [ "$n" -le "$max" ] || n=$max
	echo "$n"
}

# Fixed test keys: AES key then the 4-byte salt, as ip xfrm takes them.
ALGO='rfc4106(gcm(aes))'
KEY_A=0x0102030405060708090a0b0c0d0e0f10c0c1c2c3	# AES-128 + salt
KEY_B=0x1112131415161718191a1b1c1d1e1f20d0d1d2d3	# AES-128 + salt
KEY_C=0x2122232425262728292a2b2c2d2e2f303132333435363738e0e1e2e3	# AES-192 + salt
KEY_D=0x4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60f0f1f2f3	# AES-256 + salt
KEY_WRONG=0x0102030405060708090a0b0c0d0e0f11c0c1c2c3	# KEY_A, one bit off

ksft_checks=0
ksft_fails=0

# ----------------------------------------------------------------- output

log() { echo "$*"; }

pass() {
	ksft_checks=$((ksft_checks + 1))
	echo "ok: $*"
}

fail() {
	ksft_checks=$((ksft_checks + 1))
	ksft_fails=$((ksft_fails + 1))
	echo "FAIL: $*"
}

# relay_checks: count a program's "ok: ..." / "FAIL: ..." lines (on stdin)
# as this test's checks, and log its other lines
relay_checks() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok: "*) pass "${line#ok: }" ;;
		"FAIL: "*) fail "${line#FAIL: }" ;;
		*) log "$line" ;;
		esac
	done
}

# check DESC CMD [ARG...]: CMD must succeed
check() {
	local desc=$1
	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc (command failed: $*)"
	fi
}

# check_fails DESC CMD [ARG...]: CMD must fail
check_fails() {
	local desc=$1
	shift
	if "$@"; then
		fail "$desc (command succeeded: $*)"
	else
		pass "$desc"
	fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		if [ ${#2} -le 100 ]; then pass "$1 ($2)"; else pass "$1"; fi
	else
		fail "$1: got '$2', want '$3'"
	fi
}

# check_ge DESC GOT MIN (integers)
check_ge() {
	if [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		pass "$1 ($2 >= $3)"
	else
		fail "$1: got '$2', want >= $3"
	fi
}

# check_contains DESC TEXT NEEDLE
check_contains() {
	case "$2" in
	*"$3"*) pass "$1" ;;
	*) fail "$1: '$3' not in: $2" ;;
	esac
}

skip() {
	echo "SKIP: $*"
	exit $KSFT_SKIP
}

# The last line of every test.
ksft_exit() {
	if [ "$ksft_fails" -gt 0 ]; then
		dump_state
		echo "$ksft_fails of $ksft_checks checks failed"
		exit $KSFT_FAIL
	fi
	if [ "$ksft_checks" -eq 0 ]; then
		echo "no check ran"
		exit $KSFT_FAIL
	fi
	echo "all $ksft_checks checks passed"
	exit $KSFT_PASS
}

# dump_state: after a failure, what kipsec and XFRM hold and counted in
# every namespace of the test
dump_state() {
	local ns

	for ns in "${NS_LIST[@]}"; do
		ip netns list | grep -q "^$ns\b" || continue
		echo "--- state of $ns"
		if [ -d /sys/module/kipsec ]; then
			ip netns exec "$ns" "$KIPSEC" stats 2>&1 | awk '$2 != 0' | tr '\n' ' '
			echo
			ip netns exec "$ns" "$KIPSEC" sa show 2>&1
			ip netns exec "$ns" "$KIPSEC" policy show 2>&1
		fi
		ip -n "$ns" -s xfrm state 2>/dev/null | grep -E "^src|proto|stats|replay|lifetime current" -A1 | grep -v "^--"
		ip -n "$ns" xfrm policy 2>/dev/null
		ip netns exec "$ns" awk '$2 != 0' /proc/net/xfrm_stat 2>/dev/null
	done
}

# ---------------------------------------------------------------- cleanup

TMPD=$(mktemp -d /tmp/kipsec-selftest.XXXXXX)
NS_LIST=()
BG_PIDS=()
AT_EXIT=()

# at_exit CMD...: run at exit, before namespaces go away
at_exit() { AT_EXIT+=("$*"); }

lib_cleanup() {
	local cmd pid ns

	for cmd in "${AT_EXIT[@]}"; do
		eval "$cmd" >/dev/null 2>&1
	done
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	[ ${#NS_LIST[@]} = 0 ] ||
		printf 'netns del %s\n' "${NS_LIST[@]}" | ip -force -b - >/dev/null 2>&1
	rm -rf "$TMPD"
}
trap lib_cleanup EXIT

# ------------------------------------------------------------ requirements

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "must run as root"
}

require_cmds() {
	local c

	for c; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

# The kipsec module is loaded (run.sh loads it; by hand, load $KIPSEC_KO).
require_kipsec() {
	require_root
	[ -x "$KIPSEC" ] || skip "no kipsec CLI at $KIPSEC"
	if [ ! -d /sys/module/kipsec ]; then
		[ -f "$KIPSEC_KO" ] || skip "kipsec is not loaded and $KIPSEC_KO is missing"
		insmod "$KIPSEC_KO" || skip "insmod $KIPSEC_KO failed"
	fi
	require_cmds ip python3 jq timeout
	modprobe -q veth 2>/dev/null
}

# Native XFRM, the oracle: ESP, AES-GCM and the netlink configuration.
require_xfrm() {
	local m

	for m in esp4 xfrm_user xfrm_algo; do
		modprobe -q "$m" 2>/dev/null
	done
	ip xfrm state list >/dev/null 2>&1 || skip "ip xfrm does not work (xfrm_user)"
	[ -d /sys/module/esp4 ] || grep -q esp4 "/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null ||
		skip "esp4 is not available"
}

# --------------------------------------------------------------- namespaces

# setup_ns VAR...: make one namespace per VAR, with a unique name stored in
# VAR (like the kernel selftests' lib.sh), loopback up, IPv6 off (no
# router solicitations in the captures), forwarding off.  Where the kernel
# has a per-namespace net.core.rps_default_mask (6.12; 6.1's is global),
# it is set here too, so that in_order has nothing left to do for the
# interfaces made in the namespace later.  Few processes: each costs about
# 0.3 s on the debug kernel, an `ip netns exec` more.
declare -gA NS_RPS=()
setup_ns() {
	local var name names=()

	for var; do
		name="${var}-kt$$-$RANDOM"
		names+=("$name")
		NS_LIST+=("$name")	# before they exist: lib_cleanup takes all
		eval "$var=\$name"
	done
	printf 'netns add %s\n' "${names[@]}" | ip -b - ||
		{ fail "ip netns add ${names[*]}"; ksft_exit; }
	for name in "${names[@]}"; do
		ip -n "$name" link set dev lo up
		ip netns exec "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 \
			net.core.rps_default_mask=1 >/dev/null 2>&1 && NS_RPS[$name]=1
	done
}

# nsx NS CMD...: run CMD in NS
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# veth_link NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN (an address may be "-"):
# one `ip -batch` per side
veth_link() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6

	{
		echo "link add name $if1 type veth peer name $if2 netns $ns2"
		[ "$a1" = - ] || echo "addr add $a1 dev $if1"
		echo "link set dev $if1 up"
	} | ip -n "$ns1" -b - || { fail "veth $if1/$if2"; ksft_exit; }
	{
		[ "$a2" = - ] || echo "addr add $a2 dev $if2"
		echo "link set dev $if2 up"
	} | ip -n "$ns2" -b - || { fail "veth $if1/$if2: $if2"; ksft_exit; }
	in_order "$ns1" "$if1"
	in_order "$ns2" "$if2"
}

# in_order NS IFACE: process what IFACE receives on one CPU only (RPS), in
# the order it was sent.  A veth hands each packet to the backlog of the CPU
# that sent it; with two senders on two CPUs, ESP packets overtake each other
# by more than a 64-packet replay window now and then, and the receiver
# rightly drops them as replays.  That is not what the tests are about.
# In a namespace with net.core.rps_default_mask set (setup_ns), every new
# interface starts that way.
in_order() {
	[ -z "${NS_RPS[$1]:-}" ] || return 0
	ip netns exec "$1" sh -c "echo 1 > /sys/class/net/$2/queues/rx-0/rps_cpus" 2>/dev/null ||
		log "warning: cannot set RPS on $2, packets may be reordered"
}

# mac_of NS IFACE: the interface's MAC address
mac_of() {
	ip -n "$1" -o link show dev "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p'
}

# forwarding NS: a router (IPv4, and IPv6 where it is on)
forwarding() {
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
}

# ipv6_on NS...: IPv6 on in NS, for the interfaces made afterwards, with
# little chatter on the links: no duplicate address detection (add
# addresses with "nodad" anyway), no router solicitations.  Neighbour
# discovery and MLD still run.  (Link-local addresses stay: a router
# solicits a neighbour for a forwarded packet from its link-local address.)
ipv6_on() {
	local ns

	for ns; do
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
			>/dev/null || { fail "IPv6 on in $ns"; ksft_exit; }
	done
}

# --------------------------------------------------------------- kipsec CLI

# kip NS ARG...: the kipsec CLI in NS.  Its own -n, one exec: through
# `ip netns exec` and `timeout` a call took 2.6 s on the debug kernel, this
# way 0.8 s.  What hangs is stopped by the test's own timeout (run.sh).
kip() {
	local ns=$1
	shift
	"$KIPSEC" -n "$ns" "$@"
}

# The jq definitions json_get and kipsec_sa_stat share: num turns a
# number's text (0x allowed) into a number, absent exits 1 quietly, show
# prints a string as it is and anything else as compact JSON.  jq, not
# python: a python start costs about 3 s on the debug kernel.  (jq holds
# numbers as doubles, exact up to 2^53; no counter a test reads gets near.)
JQ_DEFS='
def num: if test("^0[xX][0-9a-fA-F]+$")
	then .[2:] | ascii_downcase | explode |
		reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end))
	elif test("^-?[0-9]+$") then tonumber else . end;
def absent: "" | halt_error(1);
def show: if type == "string" then . else tojson end;'

# json_get PATH < JSON: print one value: a string as it is, anything else
# as compact JSON.  PATH is dot separated: a key, a list index, or
# [key=value] picking the first list element with that value (numbers
# compare as numbers, 0x allowed).  Exit 1 if absent.
json_get() {
	jq -r --arg path "$1" "$JQ_DEFS"'
	reduce ($path | split(".")[] | select(. != "")) as $p (.;
		if ($p | test("^\\[.*=.*\\]$")) then
			($p[1:-1] | capture("^(?<k>[^=]*)=(?<v>.*)$")) as $f |
			(first(.[]? | select(type == "object" and has($f.k) and
				(.[$f.k] == ($f.v | num) or (.[$f.k] | tostring) == $f.v)))
			 // absent)
		elif type == "array" then
			($p | tonumber) as $i |
			if $i < length and $i >= -length then .[$i] else absent end
		elif type == "object" and has($p) then .[$p]
		else absent end) | show'
}

# kipsec_stat NS NAME...: namespace counters from one `kipsec stats`, space
# separated, "?" where absent
kipsec_stat() {
	local ns=$1
	shift
	kip "$ns" stats | awk -v names="$*" '
		{ v[$1] = $2 }
		END {
			n = split(names, want, " ")
			for (i = 1; i <= n; i++)
				out = out (i > 1 ? " " : "") (want[i] in v ? v[want[i]] : "?")
			print out
		}'
}

# kipsec_stat_sum NS NAME...: the sum of namespace counters ("?" if one is
# absent)
kipsec_stat_sum() {
	local v vals sum=0

	read -r -a vals <<<"$(kipsec_stat "$@")"
	for v in "${vals[@]}"; do
		[ "$v" != "?" ] || { echo "?"; return; }
		sum=$((sum + v))
	done
	echo "$sum"
}

# kipsec_stats_nonzero NS NAME...: "NAME=VALUE" for each counter that is
# not 0 (or is missing), on one line
kipsec_stats_nonzero() {
	local ns=$1
	shift
	kip "$ns" stats | awk -v names="$*" '
		BEGIN { n = split(names, want, " ") }
		{ v[$1] = $2 }
		END {
			for (i = 1; i <= n; i++)
				if (v[want[i]] != "0")
					out = out (out ? " " : "") want[i] "=" (want[i] in v ? v[want[i]] : "?")
			print out
		}'
}

# kipsec_sa_stat NS SPI FIELD...: per-SA counters (rx_packets, tx_packets,
# rx_bytes, tx_bytes, auth_fail, replay, policy_fail, errors) or SA fields
# (seq_in, seq_out, replay_window, mode, ...), space separated, "?" where
# absent
kipsec_sa_stat() {
	local ns=$1 spi=$2
	shift 2
	kip "$ns" -j sa show | jq -r --arg spi "$spi" "$JQ_DEFS"'
	($spi | num) as $s | ([.[]? | select(.spi == $s)] | .[0]) as $sa |
	[$ARGS.positional[] as $f |
		if $sa == null then "?"
		elif ($sa.stats // {}) | has($f) then $sa.stats[$f] | show
		elif $sa | has($f) then $sa[$f] | show
		else "?" end] | join(" ")' --args "$@"
}

# ---------------------------------------------- SA and policy configuration
#
# The same configuration, for kipsec (IMPL=kipsec) or native XFRM
# (IMPL=xfrm), so that one side of a link can be swapped for the other.
# Addresses and prefixes are IPv4 or IPv6.  Every SA has a 64-packet replay
# window.  From the environment:
#   PROTO        esp (default) or ah: the protocol of SAs and templates
#   POLICY_PRIO  priority of the protect policies (default 100)
#   REQID        reqid of SAs and templates (default 1)
#   ICV          ICV bits of an AES-GCM SA given by its key alone (default 128)
#   SAS_ONLY     1: ipsec_transport and ipsec_tunnel add the SAs only (the
#                policies are there already, from an earlier call)
# A KEY argument is either a key alone (0xHEX): AES-GCM ($ALGO) with an ICV
# of $ICV bits, or an algorithm spec: ip-xfrm's words (kipsec's CLI has the
# same), separated by blanks, with "" for an empty key:
#	"aead rfc7539esp(chacha20,poly1305) 0xKEY 128"
#	"enc cbc(aes) 0xKEY auth-trunc hmac(sha256) 0xKEY 128"
#	"enc ecb(cipher_null) \"\" auth-trunc hmac(sha256) 0xKEY 128"
#	"auth-trunc hmac(sha1) 0xKEY 96"		(PROTO=ah)

# is_ip6 ADDR[/LEN]: ADDR is an IPv6 address
is_ip6() {
	[[ "$1" == *:* ]]
}

# ipsec_alg_words KEY: KEY as the words of an algorithm spec, in the array
# IPSEC_ALG
ipsec_alg_words() {
	local -a words
	local w

	read -r -a words <<<"$1"
	if [ "${#words[@]}" -eq 1 ]; then
		IPSEC_ALG=(aead "$ALGO" "$1" "${ICV:-128}")
		return
	fi
	IPSEC_ALG=()
	for w in "${words[@]}"; do
		[ "$w" != '""' ] || w=
		IPSEC_ALG+=("$w")
	done
}

# bulk_batch N: a kipsec batch of N discard policies (10.1.X.Y ->
# 10.2.0.0/24, tcp dport 1000 + i) and N SAs (10.0.0.1 -> 10.0.0.2, SPI
# 0x10000 + i, $ALGO with KEY_A), a policy and an SA a line pair, for
# tests that need many objects in one process (awk: one process for them
# all)
bulk_batch() {
	awk -v n="$1" -v algo="$ALGO" -v key="$KEY_A" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "policy add src 10.1.%d.%d dst 10.2.0.0/24 proto tcp dport %d dir out action discard\n",
				int(i / 250), i % 250, 1000 + i
			printf "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi %d aead \047%s\047 %s 128\n",
				65536 + i, algo, key
		}
	}'
}

# batch_line FILE WORD...: WORD... as one more line of a batch file, the
# words that are empty or hold blanks in double quotes (ip -batch and
# kipsec -batch read the same quoting)
batch_line() {
	local file=$1 w line=""
	shift

	for w; do
		case "$w" in
		"" | *[[:space:]]*) line+=" \"$w\"" ;;
		*) line+=" $w" ;;
		esac
	done
	echo "${line# }" >>"$file"
}

# ip_xfrm NS ARG...: ip -n NS xfrm ARG..., or, between xfrm_batch_begin
# and xfrm_batch_end NS (the same NS), one more line of a batch for
# ip -batch (under TCG every ip process costs about 0.1 s, on the debug
# kernel about 1 s)
ip_xfrm() {
	local ns=$1
	shift

	if [ -z "${XFRM_BATCH:-}" ]; then
		ip -n "$ns" xfrm "$@"
		return
	fi
	batch_line "$XFRM_BATCH" xfrm "$@"
}

# kip_cfg NS ARG...: the same for kipsec: kip NS ARG..., or, between
# ipsec_batch_begin kipsec and ipsec_batch_end kipsec NS, one more line of
# a kipsec -batch
kip_cfg() {
	local ns=$1
	shift

	if [ -z "${KIP_BATCH:-}" ]; then
		kip "$ns" "$@"
		return
	fi
	batch_line "$KIP_BATCH" "$@"
}

# xfrm_batch_begin: from now on, the helpers collect their XFRM commands
xfrm_batch_begin() {
	XFRM_BATCH=$TMPD/xfrm.batch
	: >"$XFRM_BATCH"
}

# xfrm_batch_end NS: run the commands collected in NS, with one ip process.
# Fails at the first command that fails (ip says which).
xfrm_batch_end() {
	local batch=$XFRM_BATCH

	XFRM_BATCH=
	ip -n "$1" -batch "$batch" || { fail "XFRM commands in $1:"; sed 's/^/    /' "$batch"; return 1; }
}

# ipsec_batch_begin IMPL: from now on, the ipsec_* helpers collect IMPL's
# commands (kipsec or xfrm) for one process, which ipsec_batch_end IMPL NS
# runs in NS; it fails at the first command that fails (the CLI says
# which).  ipsec_transport and ipsec_tunnel open one of their own when
# none is open.  ipsec_batching IMPL: one is open.
ipsec_batch_begin() {
	case "$1" in
	kipsec) KIP_BATCH=$TMPD/kipsec.batch; : >"$KIP_BATCH" ;;
	xfrm) xfrm_batch_begin ;;
	esac
}

ipsec_batch_end() {
	local batch=${KIP_BATCH:-}

	case "$1" in
	kipsec)
		KIP_BATCH=
		kip "$2" -batch "$batch" ||
			{ fail "kipsec commands in $2:"; sed 's/^/    /' "$batch"; return 1; }
		;;
	xfrm) xfrm_batch_end "$2" ;;
	esac
}

ipsec_batching() {
	case "$1" in
	kipsec) [ -n "${KIP_BATCH:-}" ] ;;
	xfrm) [ -n "${XFRM_BATCH:-}" ] ;;
	esac
}

# ipsec_sa IMPL NS SRC DST SPI MODE KEY [EXTRA...]
ipsec_sa() {
	local impl=$1 ns=$2 src=$3 dst=$4 spi=$5 mode=$6 key=$7
	shift 7

	ipsec_alg_words "$key"
	case "$impl" in
	kipsec)
		kip_cfg "$ns" sa add src "$src" dst "$dst" proto "${PROTO:-esp}" spi "$spi" \
			mode "$mode" reqid "${REQID:-1}" "${IPSEC_ALG[@]}" \
			replay-window 64 "$@"
		;;
	xfrm)
		ip_xfrm "$ns" state add src "$src" dst "$dst" proto "${PROTO:-esp}" \
			spi "$spi" mode "$mode" reqid "${REQID:-1}" \
			"${IPSEC_ALG[@]}" replay-window 64 "$@"
		;;
	esac || { fail "$impl ${PROTO:-esp} SA $src -> $dst spi $spi in $ns"; return 1; }
}

# ipsec_policy IMPL NS SRC DST DIR TSRC TDST MODE [SELECTOR-EXTRA...]
# a protect policy SRC -> DST (prefixes) with a template TSRC -> TDST.
# kipsec never applies a policy to IPv6 neighbour discovery (its
# documented default); XFRM does, so an IPv6 policy in XFRM comes with
# xfrm_nd_bypass.
ipsec_policy() {
	local impl=$1 ns=$2 src=$3 dst=$4 dir=$5 tsrc=$6 tdst=$7 mode=$8
	shift 8

	case "$impl" in
	kipsec)
		kip_cfg "$ns" policy add src "$src" dst "$dst" "$@" dir "$dir" \
			priority "${POLICY_PRIO:-100}" action protect \
			tmpl src "$tsrc" dst "$tdst" proto "${PROTO:-esp}" mode "$mode" \
			reqid "${REQID:-1}"
		;;
	xfrm)
		{ ! is_ip6 "$src" || xfrm_nd_bypass "$ns"; } &&
		ip_xfrm "$ns" policy add src "$src" dst "$dst" "$@" \
			dir "$dir" priority "${POLICY_PRIO:-100}" \
			tmpl src "$tsrc" dst "$tdst" proto "${PROTO:-esp}" mode "$mode" \
			reqid "${REQID:-1}"
		;;
	esac || { fail "$impl policy $src -> $dst dir $dir in $ns"; return 1; }
}

# xfrm_nd_bypass NS: XFRM policies (priority 0, in and out) that let IPv6
# neighbour discovery (ICMPv6 types 133-136) pass in the clear, as kipsec
# does by default: a neighbour solicitation or advertisement sent inside
# ESP by one end is dropped by the other, and one sent in the clear is
# dropped by an XFRM "in" policy.  Idempotent.
xfrm_nd_bypass() {
	local dir type batch=${XFRM_BATCH:-}

	[ -n "$batch" ] || xfrm_batch_begin
	for dir in out in; do
		for type in 133 134 135 136; do
			ip_xfrm "$1" policy update src ::/0 dst ::/0 proto ipv6-icmp type $type \
				dir $dir priority 0 action allow
		done
	done
	[ -n "$batch" ] || xfrm_batch_end "$1"
}

# ipsec_bypass IMPL NS SRC DST DIR PRIO [SELECTOR-EXTRA...]
ipsec_bypass() {
	local impl=$1 ns=$2 src=$3 dst=$4 dir=$5 prio=$6
	shift 6

	case "$impl" in
	kipsec)
		kip_cfg "$ns" policy add src "$src" dst "$dst" "$@" dir "$dir" \
			priority "$prio" action bypass
		;;
	xfrm)
		ip_xfrm "$ns" policy add src "$src" dst "$dst" "$@" \
			dir "$dir" priority "$prio" action allow
		;;
	esac || { fail "$impl bypass $src -> $dst dir $dir in $ns"; return 1; }
}

# ipsec_transport IMPL NS LOCAL REMOTE SPI_OUT SPI_IN KEY_OUT KEY_IN
# Host-to-host transport mode: two SAs, an out and an in policy.
ipsec_transport() {
	local impl=$1 ns=$2 l=$3 r=$4 spi_out=$5 spi_in=$6 key_out=$7 key_in=$8
	local host=/32 own=0 rc

	! is_ip6 "$l" || host=/128
	ipsec_batching "$impl" || { ipsec_batch_begin "$impl"; own=1; }
	ipsec_sa "$impl" "$ns" "$l" "$r" "$spi_out" transport "$key_out" &&
	ipsec_sa "$impl" "$ns" "$r" "$l" "$spi_in" transport "$key_in" &&
	if [ "${SAS_ONLY:-}" != 1 ]; then
		ipsec_policy "$impl" "$ns" "$l$host" "$r$host" out "$l" "$r" transport &&
		ipsec_policy "$impl" "$ns" "$r$host" "$l$host" in "$r" "$l" transport
	fi
	rc=$?
	[ "$own" = 0 ] || ipsec_batch_end "$impl" "$ns" || rc=1
	return $rc
}

# reference_state NS SPI: one SA (A_IP -> B_IP, $ALGO, KEY_A) and its out
# policy in NS, the state a negative test proves it left unchanged; sets
# sa_before and pol_before to their JSON dumps.  Ends the test on failure.
reference_state() {
	local ns=$1 spi=$2

	kip "$ns" sa add src "$A_IP" dst "$B_IP" proto esp spi "$spi" mode transport \
		reqid 1 aead "$ALGO" "$KEY_A" 128 || { fail "add the reference SA"; ksft_exit; }
	kip "$ns" policy add src "$A_IP" dst "$B_IP" dir out priority 10 action protect \
		tmpl src "$A_IP" dst "$B_IP" proto esp mode transport reqid 1 ||
		{ fail "add the reference policy"; ksft_exit; }
	sa_before=$(kip "$ns" -j sa show)
	pol_before=$(kip "$ns" -j policy show)
}

# ipsec_tunnel IMPL NS LWAN RWAN LNET RNET SPI_OUT SPI_IN KEY_OUT KEY_IN
# Gateway-to-gateway tunnel mode between the networks LNET and RNET.
# kipsec: out and fwd policies (the gateway itself does not use the
# tunnel); XFRM: out, fwd and in (as XFRM wants).  The networks may be of
# the other family than the gateways (IPv4 in IPv6, IPv6 in IPv4): XFRM
# then wants the inner selector on the SAs too ("sel"), or it gives the SA
# the outer family's selector and finds no SA for the inner packets.
ipsec_tunnel() {
	local impl=$1 ns=$2 lw=$3 rw=$4 ln=$5 rn=$6
	local spi_out=$7 spi_in=$8 key_out=$9 key_in=${10}
	local sel_out=() sel_in=() outer=4 inner=4 own=0 rc

	is_ip6 "$lw" && outer=6
	is_ip6 "$ln" && inner=6
	if [ "$impl" = xfrm ] && [ $outer != $inner ]; then
		sel_out=(sel src "$ln" dst "$rn")
		sel_in=(sel src "$rn" dst "$ln")
	fi
	ipsec_batching "$impl" || { ipsec_batch_begin "$impl"; own=1; }
	ipsec_sa "$impl" "$ns" "$lw" "$rw" "$spi_out" tunnel "$key_out" "${sel_out[@]}" &&
	ipsec_sa "$impl" "$ns" "$rw" "$lw" "$spi_in" tunnel "$key_in" "${sel_in[@]}" &&
	if [ "${SAS_ONLY:-}" != 1 ]; then
		ipsec_policy "$impl" "$ns" "$ln" "$rn" out "$lw" "$rw" tunnel &&
		ipsec_policy "$impl" "$ns" "$rn" "$ln" fwd "$rw" "$lw" tunnel &&
		if [ "$impl" = xfrm ]; then
			ipsec_policy "$impl" "$ns" "$rn" "$ln" in "$rw" "$lw" tunnel
		fi
	fi
	rc=$?
	[ "$own" = 0 ] || ipsec_batch_end "$impl" "$ns" || rc=1
	return $rc
}

# ipsec_flush IMPL NS [sa]: remove every SA and policy (or the SAs only)
ipsec_flush() {
	case "$1" in
	kipsec) kip_cfg "$2" sa flush && { [ "$3" = sa ] || kip_cfg "$2" policy flush; } ;;
	xfrm) ip_xfrm "$2" state flush && { [ "$3" = sa ] || ip_xfrm "$2" policy flush; } ;;
	esac || { fail "$1 flush in $2"; return 1; }
}

# xfrm_stat NS NAME: a counter of /proc/net/xfrm_stat (XfrmInNoStates, ...)
xfrm_stat() {
	ip netns exec "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/xfrm_stat
}

# ------------------------------------------------------------------ traffic

# ping_ok NS DST [COUNT [INTERVAL [DEADLINE]]]: COUNT (3) echo replies
# within DEADLINE (10) seconds, requests INTERVAL (0.2) seconds apart; DST
# IPv4 or IPv6.  No `timeout` around ping (one process less, 0.3 s on the
# debug kernel): -w ends it.
ping_ok() {
	ip netns exec "$1" ping -q -n -c "${3:-3}" -i "${4:-0.2}" -w "${5:-10}" "$2" >/dev/null 2>&1
}

# ping_none NS DST: not a single reply to 3 requests (ping ends 1 s, -W,
# after the third)
ping_none() {
	! ip netns exec "$1" ping -q -n -c 3 -i 0.2 -W 1 "$2" >/dev/null 2>&1
}

# nap SECONDS: sleep without starting a process (a read that times out on
# a pipe nobody writes to): in the polling loops below, where `sleep` would
# cost a fork and exec each round (0.3 s on the debug kernel)
exec {NAP_FD}<> <(:)
nap() {
	read -r -t "$1" -u "$NAP_FD" _ || :
}

# deadline VAR SECONDS: in VAR, the time SECONDS x SCALE from now (for
# `past`), so that a polling loop with naps gives up after a time, not a
# number of rounds (a round with `sleep` took four times longer on the
# debug kernel than without)
deadline() {
	printf -v "$1" '%d' $((${EPOCHREALTIME/[.,]/} + $2 * SCALE * 1000000))
}

# past DEADLINE: that time has come
past() {
	((${EPOCHREALTIME/[.,]/} >= $1))
}

# listening PID PROTO PORT: a socket listens (tcp) or is bound (udp) on
# PORT, IPv4 or IPv6, in the network namespace of process PID (its
# /proc/PID/net, read by bash alone)
listening() {
	local f hex addr st want=07	# sl local rem st ...: UNCONN 07

	[ "$2" = tcp ] && want=0A	# LISTEN
	printf -v hex ':%04X' "$3"
	for f in "/proc/$1/net/$2" "/proc/$1/net/${2}6"; do
		[ -r "$f" ] || continue
		while read -r _ addr _ st _; do
			[[ "$addr" == *"$hex" && "$st" == "$want" ]] && return 0
		done <"$f"
	done
	return 1
}

# wait_listen NS PROTO PORT [PID]: until a socket listens (tcp) or is
# bound (udp), for up to 15 s x SCALE.  With PID, a process in NS (the
# listener started in the background, say), without starting a process:
# `ss` in NS costs two execs a round.
wait_listen() {
	local end opt=-Htln

	[ "$2" = udp ] && opt=-Huln
	deadline end 15
	until past "$end"; do
		if [ -n "${4:-}" ]; then
			listening "$4" "$2" "$3" && return 0
		else
			[ -n "$(ip netns exec "$1" ss $opt "sport = :$3" 2>/dev/null)" ] && return 0
		fi
		nap 0.1
	done
	return 1
}

# tcp_transfer FROM_NS TO_NS TO_ADDR SIZE PORT: send SIZE of random data
# over TCP (nc), succeed if the receiver got exactly those bytes.  SIZE:
# megabytes, or bytes with a K or M suffix (64K).  TO_ADDR: IPv4 or IPv6.
# The data sent stays in $TMPD/tcp-src.PORT.
tcp_transfer() {
	local from=$1 to=$2 addr=$3 size=$4 port=$5
	local src=$TMPD/tcp-src.$port dst=$TMPD/tcp-dst.$port
	local rpid end line="" fam=-4 t0 t1

	is_ip6 "$addr" && fam=-6
	: >"$dst.log"
	# -v: nc says "Listening on ..." once it listens
	ip netns exec "$to" timeout $((90 * SCALE)) nc -v -n $fam -l "$port" </dev/null >"$dst" 2>"$dst.log" &
	rpid=$!
	[[ "$size" == *[KM] ]] || size=${size}M
	head -c "$size" /dev/urandom >"$src"
	deadline end 15
	until past "$end"; do
		read -r line <"$dst.log"
		[[ "$line" != "Listening on"* ]] && kill -0 $rpid 2>/dev/null || break
		nap 0.05
	done
	if [[ "$line" != "Listening on"* ]]; then
		kill $rpid 2>/dev/null
		log "tcp_transfer: nothing listens on $addr:$port ($line)"
		return 1
	fi
	t0=${EPOCHREALTIME/[.,]/}
	# -w: give up after 10 s without progress, or if the connection fails;
	# 10 MB take 70-90 s on the debug kernel beside another VM
	if ! ip netns exec "$from" timeout $((90 * SCALE)) nc -n -N -w 10 "$addr" "$port" <"$src" >/dev/null; then
		log "tcp_transfer: the sender failed or timed out"
		kill $rpid 2>/dev/null
	fi
	if ! wait $rpid; then
		log "tcp_transfer: the receiver failed or timed out"
	fi
	t1=${EPOCHREALTIME/[.,]/}
	log "tcp_transfer: $size to $addr:$port in $(((t1 - t0) / 1000000)).$(((t1 - t0) / 100000 % 10)) s"
	cmp "$src" "$dst" || { log "tcp_transfer: $(stat -c %s "$dst") bytes received"; return 1; }
}

# udp_send NS DST PORT TEXT [SRC]: one datagram, from address SRC if given;
# if sending fails (EPERM: dropped on the way out), "udp_send: REASON" and
# exit 1.  Through bash's /dev/udp, not python: a python start costs 3-4 s
# on the debug kernel.
udp_send() {
	if [ -n "${5:-}" ]; then
		ip netns exec "$1" timeout 10 python3 -S -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[4], 0))
try:
    s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print("udp_send: %s" % e.strerror)
    sys.exit(1)
' "$2" "$3" "$4" "$5"
		return
	fi
	# shellcheck disable=SC2016
	ip netns exec "$1" timeout 10 bash -c '
		exec 3>"/dev/udp/$1/$2" || exit 1
		# the write error, without "bash: printf: write error: "
		err=$(printf %s "$3" 2>&1 >&3) && exit 0
		echo "udp_send: ${err##*: }"
		exit 1' udp_send "$2" "$3" "$4"
}

# udp_recv_start NAME NS PORT: wait in the background for one datagram on
# PORT (IPv4); then, once the datagram is sent, udp_recv_wait NAME (in the
# same shell, not in $(...)) gives it one more second to arrive and waits
# for the receiver to end, and udp_received NAME prints what arrived
# (nothing if nothing did).  The receiver gives up after 25 s in any case.
udp_recv_start() {
	local name=$1 ns=$2 port=$3

	rm -f "$TMPD/udp.$name"
	# -W 1: exit after the first datagram
	ip netns exec "$ns" timeout 25 nc -4 -d -n -u -l -W 1 "$port" >"$TMPD/udp.$name" 2>/dev/null &
	eval "UDP_PID_$name=\$!"
	wait_listen "$ns" udp "$port" $!
}

udp_recv_wait() {
	local pid end

	eval "pid=\$UDP_PID_$1"
	deadline end 1
	while kill -0 "$pid" 2>/dev/null && ! past "$end"; do
		nap 0.05
	done
	kill "$pid" 2>/dev/null	# timeout passes it on to nc
	wait "$pid" 2>/dev/null
}

udp_received() {
	cat "$TMPD/udp.$1" 2>/dev/null
}

# ----------------------------------------------------------------- captures
#
# Under TCG, decoding a capture afterwards costs about a millisecond per
# packet, so a capture counts what its filter matched on the fly (the
# kernel filters; tcpdump reports how many it captured) and is read back
# only when it is small.

# tcpdump filters: an ESP packet (its first fragment, if fragmented: kipsec
# fragments ESP packets larger than the MTU); any IPv4 packet but ESP
ESP="(ip proto 50 and ip[6:2] & 0x1fff = 0)"
NOT_ESP="(ip and not ip proto 50)"

# capture_start NAME NS IFACE FILTER [TCPDUMP-ARGS...]: capture what FILTER
# matches on IFACE into $TMPD/NAME.pcap, in the background; returns once
# tcpdump listens.  Headers only (-s 128) unless TCPDUMP-ARGS say -s 0.
capture_start() {
	local name=$1 ns=$2 ifc=$3 filter=$4 end line
	shift 4

	rm -f "$TMPD/$name.pcap" "$TMPD/$name.log"
	ip netns exec "$ns" tcpdump -i "$ifc" -n -U --immediate-mode -Z root -B 8192 -s 128 "$@" \
		-w "$TMPD/$name.pcap" "$filter" 2>"$TMPD/$name.log" &
	eval "CAP_PID_$name=\$!"
	BG_PIDS+=($!)
	deadline end 15
	until past "$end"; do
		while IFS= read -r line; do
			[[ "$line" != *"listening on"* ]] || return 0
		done 2>/dev/null <"$TMPD/$name.log"
		nap 0.1
	done
	fail "tcpdump on $ifc in $ns did not start: $(cat "$TMPD/$name.log")"
	return 1
}

# capture_stop NAME...: stop the captures; fails if the kernel dropped
# packets (a capture that missed packets proves nothing about them)
capture_stop() {
	local name pid dropped ret=0

	nap 0.5		# let the last packets reach the ring
	for name; do
		eval "pid=\$CAP_PID_$name"
		kill -INT "$pid" 2>/dev/null
	done
	for name; do
		eval "pid=\$CAP_PID_$name"
		wait "$pid" 2>/dev/null
		dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$TMPD/$name.log")
		if [ "${dropped:-?}" != 0 ]; then
			log "capture $name: ${dropped:-?} packets dropped by the kernel"
			ret=1
		fi
	done
	return $ret
}

# capture_packets NAME: how many packets a stopped capture matched
capture_packets() {
	local n

	n=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$TMPD/$1.log")
	echo "${n:-?}"
}

# capture_show NAME [N]: the first N (5) packets of a capture, decoded
capture_show() {
	tcpdump -n -r "$TMPD/$1.pcap" -c "${2:-5}" 2>/dev/null
}

capture_file() { echo "$TMPD/$1.pcap"; }

# check_capture_none DESC NAME: a stopped capture matched nothing
check_capture_none() {
	local n

	n=$(capture_packets "$2")
	if [ "$n" = 0 ]; then
		pass "$1 (0)"
	else
		fail "$1: $n packets, e.g.:"
		capture_show "$2" | sed 's/^/    /'
	fi
}

# ------------------------------------------------------- ESP packet surgery

# esp_frames PCAP: list the ESP frames of a capture, one per line:
# "INDEX SRC DST SPI SEQ LEN"
esp_frames() {
	python3 - "$1" <<'EOF'
import socket, struct, sys
def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl
for i, fr in enumerate(frames(sys.argv[1])):
    if len(fr) < 14 + 20 + 8 or fr[12:14] != b"\x08\x00" or fr[14 + 9] != 50:
        continue
    if struct.unpack(">H", fr[20:22])[0] & 0x1fff:
        continue		# a later fragment: no ESP header
    ihl = (fr[14] & 15) * 4
    spi, seq = struct.unpack(">II", fr[14 + ihl:14 + ihl + 8])
    print(i, socket.inet_ntoa(fr[26:30]), socket.inet_ntoa(fr[30:34]),
          "0x%08x" % spi, seq, len(fr))
EOF
}

# esp_inject NS IFACE PCAP INDEX [FLIP-OFFSET [ETH-FROM-PCAP ETH-INDEX]]:
# send frame INDEX of PCAP out of IFACE in NS again, through a packet
# socket (below IP: no netfilter, no XFRM, no kipsec on the way out).
# FLIP-OFFSET: invert the byte at this offset from the start of the ESP
# header (8 = the first IV byte, 16 = the first ciphertext byte, -1 = the
# last ICV byte); "-" = no change.  ETH-FROM-PCAP/ETH-INDEX: take the
# Ethernet header from that frame instead (MAC addresses of another link).
esp_inject() {
	ip netns exec "$1" python3 - "$2" "$3" "$4" "${5:--}" "${6:-}" "${7:-}" <<'EOF'
import socket, struct, sys
def frame(path, index):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off, i = 24, 0
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        if i == index:
            if incl != orig:
                sys.exit("frame %d was truncated by the capture" % index)
            return bytearray(data[off + 16:off + 16 + incl])
        off += 16 + incl
        i += 1
    sys.exit("no frame %d in %s" % (index, path))
ifname, path, index, flip, ethpath, ethindex = sys.argv[1:7]
fr = frame(path, int(index))
if ethpath:
    fr[0:14] = frame(ethpath, int(ethindex))[0:14]
ihl = (fr[14] & 15) * 4
tot = struct.unpack(">H", fr[16:18])[0]
fr = fr[:14 + tot]		# no Ethernet padding
if flip != "-":
    esp = 14 + ihl
    off = int(flip)
    pos = esp + off if off >= 0 else len(fr) + off
    if not esp <= pos < len(fr):
        sys.exit("offset %s is outside the ESP packet" % flip)
    fr[pos] ^= 0xff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
s.send(bytes(fr))
EOF
}

# ------------------------------------------------------- raw netlink requests

# kipsec_raw NS < REQUESTS: send kipsec generic netlink requests built
# from a spec, bypassing the CLI's own checks, on one socket in NS, one
# process for them all (a python start costs about 3 s on the debug
# kernel).  Each line of REQUESTS is "CMD SPEC": CMD a KIPSEC_CMD_* number,
# SPEC a Python expression, a list of attributes (TYPE, VALUE) where VALUE
# is a list (a nest) or bytes; helpers u32(n), be32(n), be16(n),
# ip("a.b.c.d"), ip6("::1"), strz("s"), hexkey("0x...").  Prints one line
# per request, the answer as the CLI gives it: "ok" on success, "Error:
# <extack message> (errno NAME)" on error.  Exit 1 if the family is not
# there.
kipsec_raw() {
	ip netns exec "$1" timeout 60 python3 -c '
import errno, os, struct, sys
sys.path.insert(0, os.environ["KIPSEC_SELFTESTS"])
from kipsec_nl import Genl, attrs, u32, u64, be32, be16, ip, ip6, strz, hexkey

try:
    nl = Genl(cap_ack=True).resolve()
except OSError as e:
    print("Error: family kipsec not found (%s)" % errno.errorcode.get(e.errno, e.errno))
    sys.exit(1)
for line in sys.stdin:
    cmd, _, spec = line.strip().partition(" ")
    if not cmd:
        continue
    _, err = nl.req(int(cmd), eval(spec) if spec else [])
    if err:
        name = "EOPNOTSUPP" if err == errno.EOPNOTSUPP else errno.errorcode.get(err, err)
        print("Error: %s (errno %s)" % (nl.ext_msg or "(no extack message)", name))
    else:
        print("ok")
'
}

# KIPSEC_CMD_* and attribute numbers for kipsec_raw (uapi/linux/kipsec.h)
KCMD_SA_ADD=1 KCMD_SA_DEL=3 KCMD_SA_GET=4 KCMD_POLICY_ADD=7 KCMD_POLICY_DEL=8
