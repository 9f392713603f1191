#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/bench/guest.sh - the measurements of `make bench`, run inside the VM
# by tools/bench/run (kipsec.ko loaded, or --ko to load it).  Writes one
# JSON object per sample to OUT/samples.jsonl and OUT/meta.json; the host
# (tools/bench/report.py) makes the tables and plots.
#
#   guest.sh --out DIR --kbench PATH [--ko KO] [--kipsec CLI] [--quick]
#
# Every configuration gets its own pair of namespaces A (10.0.0.1) and B
# (10.0.0.2) joined by a veth, so that the configurations stay set up and
# the samples of a round alternate between them (drift under TCG hits all
# alike).  A sends (iperf3 client, UDP flood, RR client), B receives.
#   plain         no tunnel
#   xfrm_gcm      native XFRM on both ends, ESP transport, AES-GCM-128
#   kipsec_gcm    kipsec on both ends, the same SAs
#   wg            WireGuard (ChaCha20-Poly1305), inner addresses 10.9.0.0/24
#   xfrm_null     XFRM, ESP with NULL encryption and NULL integrity
#   kipsec_null   kipsec, the same (flag insecure)

. "$(cd "$(dirname "$0")/../../selftests" && pwd)/lib.sh"

OUT="" KBENCH="" KO="" QUICK=0
while [ "$#" -gt 0 ]; do
	case "$1" in
	--out) OUT=$2; shift 2 ;;
	--kbench) KBENCH=$2; shift 2 ;;
	--ko) KO=$2; shift 2 ;;
	--kipsec) KIPSEC=$2; shift 2 ;;
	--quick) QUICK=1; shift ;;
	*) echo "guest.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$OUT" ] && [ -x "$KBENCH" ] || { echo "guest.sh: need --out DIR and --kbench PATH" >&2; exit 2; }
if [ ! -d /sys/module/kipsec ]; then
	insmod "${KO:-$KIPSEC_KO}" || exit 2
fi
for m in esp4 xfrm_user xfrm_algo veth wireguard; do modprobe -q "$m" 2>/dev/null; done

# seconds one scale step's install may take (see scale())
INSTALL_BUDGET=${BENCH_INSTALL_BUDGET:-600}
# Sizes and durations.  QUICK is CI's smoke test (about 3.5 minutes of VM
# time); the full mode is what Documentation/performance.md shows.
if [ "$QUICK" = 1 ]; then
	DUR=1 SAMPLES=3 SCALE_SAMPLES=1
	SPD_SIZES="0 1000" SA_SIZES="0 1000" CP_SIZES="1000"
else
	DUR=${BENCH_DUR:-3} SAMPLES=${BENCH_SAMPLES:-5} SCALE_SAMPLES=${BENCH_SCALE_SAMPLES:-5}
	SPD_SIZES=${BENCH_SPD_SIZES:-0 1000 10000 100000}
	SA_SIZES=${BENCH_SA_SIZES:-0 10000 100000}
	CP_SIZES=${BENCH_CP_SIZES:-10000 100000}
fi
SAMPLES_JSON=$OUT/samples.jsonl
: >"$SAMPLES_JSON"
T_START=$(date +%s)

say() { echo "# bench: [$(($(date +%s) - T_START))s] $*"; }

# sample SECTION CONFIG METRIC SIZE VALUE: one measurement (VALUE "null"
# when it failed)
sample() {
	printf '{"section":"%s","config":"%s","metric":"%s","size":%s,"value":%s}\n' \
		"$1" "$2" "$3" "$4" "${5:-null}" >>"$SAMPLES_JSON"
}

# record SECTION KEY JSON: anything else worth keeping (counters, skips)
record() {
	printf '{"section":"%s","%s":%s}\n' "$1" "$2" "$3" >>"$SAMPLES_JSON"
}

jstr() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

# kipsec -batch is being added on another branch; probe for it.
KIPSEC_BATCH=0
"$KIPSEC" -batch /dev/null >/dev/null 2>&1 && KIPSEC_BATCH=1
HAVE_WG=0
command -v wg >/dev/null && [ -d /sys/module/wireguard ] && HAVE_WG=1

python3 - "$OUT/meta.json" "$QUICK" "$DUR" "$SAMPLES" "$SCALE_SAMPLES" "$SPD_SIZES" \
	"$SA_SIZES" "$CP_SIZES" "$KIPSEC_BATCH" "$HAVE_WG" <<'EOF'
import json, os, sys, time
a = sys.argv
json.dump({"kernel": os.uname().release, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "mode": "quick" if a[2] == "1" else "full", "duration_s": float(a[3]),
           "samples": int(a[4]), "scale_samples": int(a[5]),
           "spd_sizes": [int(x) for x in a[6].split()], "sa_sizes": [int(x) for x in a[7].split()],
           "cp_sizes": [int(x) for x in a[8].split()], "kipsec_batch": a[9] == "1",
           "wireguard": a[10] == "1", "cpus": os.cpu_count(),
           "mem_total_kb": int(open("/proc/meminfo").read().split()[1])}, open(a[1], "w"), indent=1)
EOF

# ------------------------------------------------------------ topologies

NULL_ALG="enc ecb(cipher_null) \"\" auth digest_null \"\""
IPERF_PORT=5201 RR_PORT=5300 UDP_PORT=5400

# pair NAME: namespaces NS_NAME_a and NS_NAME_b, veth, servers in b
pair() {
	local a=NS_$1_a b=NS_$1_b

	setup_ns "$a" "$b"
	veth_link "${!a}" va 10.0.0.1/24 "${!b}" vb 10.0.0.2/24
	iperf_server "$1"
	at_exit "kill \$(cat $TMPD/iperf-$1.pid)"
	nsx "${!b}" "$KBENCH" rr-server -p $RR_PORT &
	BG_PIDS+=($!)
}
# iperf_server CONFIG: (re)start iperf3 -s in B; one test that broke off
# can leave the old one waiting for it
iperf_server() {
	[ ! -f "$TMPD/iperf-$1.pid" ] || kill "$(cat "$TMPD/iperf-$1.pid")" 2>/dev/null
	sleep 0.2
	nsx "$(ns_b "$1")" iperf3 -s -D -p $IPERF_PORT -I "$TMPD/iperf-$1.pid"
}
ns_a() { local v=NS_$1_a; echo "${!v}"; }
ns_b() { local v=NS_$1_b; echo "${!v}"; }
target() { if [ "$1" = wg ]; then echo 10.9.0.2; else echo 10.0.0.2; fi; }

# transport IMPL NS LOCAL REMOTE SPI_OUT SPI_IN KEY_OUT KEY_IN [SA-EXTRA...]
transport() {
	local impl=$1 ns=$2 l=$3 r=$4 so=$5 si=$6 ko=$7 ki=$8
	shift 8
	ipsec_sa "$impl" "$ns" "$l" "$r" "$so" transport "$ko" "$@" &&
	ipsec_sa "$impl" "$ns" "$r" "$l" "$si" transport "$ki" "$@" &&
	ipsec_policy "$impl" "$ns" "$l/32" "$r/32" out "$l" "$r" transport &&
	ipsec_policy "$impl" "$ns" "$r/32" "$l/32" in "$r" "$l" transport
}

# configure CONFIG: the tunnel of CONFIG on both ends of its pair
configure() {
	local c=$1 a b impl alg_a alg_b extra=()
	a=$(ns_a "$c") b=$(ns_b "$c")
	case "$c" in
	plain) return 0 ;;
	wg)
		local ka kb
		ka=$(wg genkey) kb=$(wg genkey)
		ip -n "$a" link add name wg0 type wireguard &&
		ip -n "$b" link add name wg0 type wireguard &&
		nsx "$a" wg set wg0 listen-port 51820 private-key <(echo "$ka") \
			peer "$(echo "$kb" | wg pubkey)" endpoint 10.0.0.2:51820 allowed-ips 10.9.0.0/24 &&
		nsx "$b" wg set wg0 listen-port 51820 private-key <(echo "$kb") \
			peer "$(echo "$ka" | wg pubkey)" endpoint 10.0.0.1:51820 allowed-ips 10.9.0.0/24 &&
		ip -n "$a" addr add 10.9.0.1/24 dev wg0 && ip -n "$b" addr add 10.9.0.2/24 dev wg0 &&
		ip -n "$a" link set dev wg0 up && ip -n "$b" link set dev wg0 up
		return
		;;
	*_gcm) alg_a=$KEY_A alg_b=$KEY_B ;;
	*_null | *_ref) alg_a=$NULL_ALG alg_b=$NULL_ALG ;;
	esac
	impl=${c%%_*}
	[ "$impl:${c#*_}" != kipsec:null ] && [ "$c" != kipsec_ref ] || extra=(flag insecure)
	transport "$impl" "$a" 10.0.0.1 10.0.0.2 0x100 0x200 "$alg_a" "$alg_b" "${extra[@]}" &&
	transport "$impl" "$b" 10.0.0.2 10.0.0.1 0x200 0x100 "$alg_b" "$alg_a" "${extra[@]}"
}

# ---------------------------------------------------------- measurements

# tcp CONFIG STREAMS: iperf3 goodput at the receiver, Mbit/s
tcp() {
	local v
	v=$(tcp_once "$@")
	echo "$v"
	[ "$v" != null ] || { say "iperf3 failed in $1, restarting its server" >&2; iperf_server "$1"; }
}
tcp_once() {
	nsx "$(ns_a "$1")" timeout $((DUR + 30)) iperf3 -c "$(target "$1")" -p $IPERF_PORT \
		-t "$DUR" -P "$2" -J 2>/dev/null | python3 -c '
import json, sys
try:
    print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6, 3))
except Exception:
    print("null")'
}

# udp_pps CONFIG: 64-byte-payload UDP datagrams per second at the receiver
udp_pps() {
	local a b f=$TMPD/sink.out
	a=$(ns_a "$1") b=$(ns_b "$1")
	: >"$f"
	nsx "$b" timeout $((DUR + 20)) "$KBENCH" udp-sink -p $UDP_PORT -t $((DUR + 3)) >"$f" &
	local sink=$! i
	for i in $(seq 50); do grep -q ready "$f" && break; sleep 0.1; done
	nsx "$a" timeout $((DUR + 20)) "$KBENCH" udp-flood -c "$(target "$1")" -p $UDP_PORT \
		-t "$DUR" -s 64 >/dev/null
	wait "$sink"
	awk '$1 == "pps" { print $2; f = 1 } END { if (!f) print "null" }' "$f"
}

# rr CONFIG: 1-byte TCP request/response transactions per second
rr() {
	nsx "$(ns_a "$1")" timeout $((DUR + 20)) "$KBENCH" rr-client -c "$(target "$1")" \
		-p $RR_PORT -t "$DUR" 2>/dev/null |
		awk '$1 == "tps" { print $2; f = 1 } END { if (!f) print "null" }'
}

# kipsec_counters CONFIG: both ends' kipsec counters, {"a": {...}, "b": {...}}
kipsec_counters() {
	printf '{"a":%s,"b":%s}' "$(kip "$(ns_a "$1")" -j stats || echo null)" \
		"$(kip "$(ns_b "$1")" -j stats || echo null)"
}

# xfrm_seq_errors CONFIG: XFRM's replay-window drops (XfrmInStateSeqError)
# at both ends, to set beside kipsec's: both run with replay-window 64
xfrm_seq_errors() {
	local n t=0
	for n in "$(ns_a "$1")" "$(ns_b "$1")"; do
		n=$(ip netns exec "$n" awk '$1 == "XfrmInStateSeqError" { print $2 }' /proc/net/xfrm_stat)
		t=$((t + ${n:-0}))
	done
	echo "$t"
}

# ------------------------------------------------- 1-3: the four tunnels

GCM_CONFIGS="plain xfrm_gcm kipsec_gcm" NULL_CONFIGS="plain xfrm_null kipsec_null"
[ "$HAVE_WG" = 0 ] || { GCM_CONFIGS+=" wg"; NULL_CONFIGS+=" wg"; }
[ "$HAVE_WG" = 1 ] || record tunnels skip "$(jstr "WireGuard: no wireguard module or no wg (wireguard-tools)")"
# kipsec_ref: a second kipsec ESP-NULL pair that never gets the scale steps'
# objects, measured in the same rounds as a drift-free "one policy" figure
CONFIGS="plain xfrm_gcm kipsec_gcm xfrm_null kipsec_null kipsec_ref"
[ "$HAVE_WG" = 0 ] || CONFIGS+=" wg"
for c in $CONFIGS; do
	pair "$c"
	configure "$c" || { say "configuring $c failed"; exit 1; }
done
# warm up: the first packet loads the crypto modules (slow under TCG), the
# first connection fills the neighbour caches
for c in $GCM_CONFIGS xfrm_null kipsec_null kipsec_ref; do
	nsx "$(ns_a "$c")" timeout 60 "$KBENCH" rr-client -c "$(target "$c")" -p $RR_PORT -t 0.2 >/dev/null ||
		say "warm-up of $c failed"
done

say "tunnels: $SAMPLES rounds of ${DUR}s"
# kipsec says why it refused a sequence number (dynamic debug, rate
# limited): duplicates and packets behind the window, with the distance
ddc=/proc/dynamic_debug/control
[ -w "$ddc" ] || { mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug; ddc=/sys/kernel/debug/dynamic_debug/control; } 2>/dev/null
echo 'module kipsec +p' >"$ddc" 2>/dev/null || say "no dynamic debug: replay drops not explained"
dmesg -C 2>/dev/null || :
before=$(kipsec_counters kipsec_gcm)
xbefore=$(xfrm_seq_errors xfrm_gcm)
for round in $(seq "$SAMPLES"); do
	for c in $GCM_CONFIGS; do
		sample tunnels "$c" tcp1_mbps 0 "$(tcp "$c" 1)"
		sample tunnels "$c" tcp4_mbps 0 "$(tcp "$c" 4)"
	done
	for c in $NULL_CONFIGS; do
		sample tunnels "$c" udp64_pps 0 "$(udp_pps "$c")"
		sample tunnels "$c" rr_tps 0 "$(rr "$c")"
	done
done
record tunnels kipsec_gcm_counters "{\"before\":$before,\"after\":$(kipsec_counters kipsec_gcm)}"
record tunnels xfrm_gcm_seq_errors "$(($(xfrm_seq_errors xfrm_gcm) - xbefore))"
dmesg | grep 'kipsec: SA .* refused' >"$OUT/replay-drops.log" || :
record tunnels kipsec_replay_notes "$(python3 - "$OUT/replay-drops.log" <<'EOF2'
import json, re, sys
kinds, far = {}, 0
for line in open(sys.argv[1]):
    m = re.search(r"refused (.*?): (.*?), (\d+) below", line)
    if m:
        k = m.group(2) + " " + m.group(1)
        kinds[k] = kinds.get(k, 0) + 1
        far = max(far, int(m.group(3)))
print(json.dumps({"logged": kinds, "max_distance": far}))
EOF2
)"
echo 'module kipsec -p' >"$ddc" 2>/dev/null || :

# ----------------------------------------------------- generated configs

# gen WHAT IMPL FROM TO: lines for ip -batch (IMPL xfrm) or kipsec -batch,
# objects FROM..TO-1 of WHAT:
#   exact  out policies between /32 hosts in 10.128.0.0/10 -> 10.192.0.0/10
#   wild   out policies src 0.0.0.0/0, dst prefixes /16../32 (half of them
#          containing 10.0.0.2), proto tcp, dport 6000..55999
#   sa     NULL ESP SAs: even i inbound to 10.0.0.1, odd i outbound with
#          reqid 99 (no template asks for it); SPI 0x10000 + i
#   peers  NULL ESP SAs from 10.0.0.1, each to its own peer in 10.64.0.0/10
#          with reqids 1..1000, as a remote-access gateway holds them (the
#          control-plane step: "sa" puts 50k SAs on one address pair and
#          reqid, which XFRM installs in quadratic time)
# Every policy discards, at priority 50 (looked at before the match, at
# 100): a policy that matched the measured flow would stop it.
gen() {
	python3 - "$@" <<'EOF'
import sys
what, impl, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = impl == "xfrm"
pre = "xfrm " if x else ""
act = "action block" if x else "action discard"
out = []
def ip(base, i):
    n = base + i
    return "%d.%d.%d.%d" % (n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)
for i in range(lo, hi):
    if what == "exact":
        out.append("%spolicy add src %s/32 dst %s/32 dir out priority 50 %s"
                   % (pre, ip(10 << 24 | 128 << 16, i), ip(10 << 24 | 192 << 16, i), act))
    elif what == "wild":
        plen = 16 + i % 17
        net = (10 << 24 | (i // 50000) << 16) & ~((1 << (32 - plen)) - 1) & 0xffffffff
        out.append("%spolicy add src 0.0.0.0/0 dst %s/%d proto tcp dport %d dir out priority 50 %s"
                   % (pre, ip(net, 0), plen, 6000 + i % 50000, act))
    elif what == "peers":
        out.append('%s%s add src 10.0.0.1 dst %s proto esp spi 0x%x mode transport reqid %d '
                   'enc ecb(cipher_null) "" auth digest_null ""%s'
                   % (pre, "state" if x else "sa", ip(10 << 24 | 64 << 16, i), 0x10000 + i, 1 + i % 1000,
                      "" if x else " flag insecure"))
    else:
        s, d, r = ("10.0.0.2", "10.0.0.1", 1) if i % 2 == 0 else ("10.0.0.1", "10.0.0.2", 99)
        out.append('%s%s add src %s dst %s proto esp spi 0x%x mode transport reqid %d '
                   'enc ecb(cipher_null) "" auth digest_null ""%s'
                   % (pre, "state" if x else "sa", s, d, 0x10000 + i, r, "" if x else " flag insecure"))
print("\n".join(out))
EOF
}

# load IMPL NS FILE: install a generated file; fails with "nobatch" on
# stdout when kipsec -batch is missing
load() {
	case "$1" in
	xfrm) ip -n "$2" -batch "$3" ;;
	kipsec)
		[ "$KIPSEC_BATCH" = 1 ] || { echo nobatch; return 1; }
		"$KIPSEC" -n "$2" -batch "$3"
		;;
	esac
}

# ms CMD...: run CMD, print its wall time in milliseconds (or null)
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$TMPD/ms.err" || { sed 's/^/# /' "$TMPD/ms.err" | head -n 5 >&2; echo null; return 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# ------------------------------------------------------ 4-5: SPD and SAD

# scale SECTION WHAT SIZES: NULL pairs of both implementations, WHAT
# objects added to A up to each size, TCP and RR measured at each
scale() {
	local section=$1 what=$2 sizes=$3 have=0 n impl round f ok rc t0
	local -A dead=() took=()
	for n in $sizes; do
		for impl in xfrm kipsec; do
			[ -z "${dead[$impl]:-}" ] || continue
			[ "$n" -gt "$have" ] || continue
			f=$TMPD/gen.$impl
			# an install that could take too long at this size (projected
			# from the last one as if quadratic, which XFRM's inexact
			# policies come close to) is skipped, and said so
			if [ -n "${took[$impl]:-}" ] &&
			   [ $((took[$impl] * (n / have) * (n / have))) -gt $((INSTALL_BUDGET * 1000)) ]; then
				dead[$impl]=1
				record "$section" skip "$(jstr "$impl $what from $n: the install up to $have took ${took[$impl]} ms; projected quadratically, $n could exceed BENCH_INSTALL_BUDGET=${INSTALL_BUDGET}s")"
				continue
			fi
			gen "$what" "$impl" "$have" "$n" >"$f"
			say "$section $what: $impl installs $have..$n"
			t0=$(date +%s%N)
			ok=$(load "$impl" "$(ns_a "${impl}_null")" "$f")
			rc=$?
			took[$impl]=$((($(date +%s%N) - t0) / 1000000))
			say "$section $what: $impl took ${took[$impl]} ms"
			if [ "$rc" != 0 ]; then
				dead[$impl]=1
				if [ "$ok" = nobatch ]; then
					record "$section" skip "$(jstr "$impl $what from $n: kipsec -batch not available")"
				else
					record "$section" skip "$(jstr "$impl $what: installing $n failed")"
				fi
			fi
		done
		have=$n
		say "$section $what: $n"
		for round in $(seq "$SCALE_SAMPLES"); do
			for impl in xfrm kipsec; do
				[ -z "${dead[$impl]:-}" ] || continue
				sample "$section-$what" "${impl}_null" tcp1_mbps "$n" "$(tcp "${impl}_null" 1)"
				sample "$section-$what" "${impl}_null" rr_tps "$n" "$(rr "${impl}_null")"
			done
			sample "$section-$what" kipsec_ref tcp1_mbps "$n" "$(tcp kipsec_ref 1)"
		done
	done
	# back to the measured configuration alone, on both ends (B's
	# replay windows would drop A's restarted sequence numbers)
	for impl in xfrm kipsec; do
		ipsec_flush "$impl" "$(ns_a "${impl}_null")"
		ipsec_flush "$impl" "$(ns_b "${impl}_null")"
		configure "${impl}_null" || say "reconfiguring ${impl}_null failed"
	done
}

scale spd exact "$SPD_SIZES"
scale spd wild "$SPD_SIZES"
scale sad sa "$SA_SIZES"

# ------------------------------------------------------ 6: control plane

# kB of slab and per-CPU memory
kmem() { awk '$1 == "Slab:" || $1 == "Percpu:" { s += $2 } END { print s }' /proc/meminfo; }

setup_ns CP_xfrm CP_kipsec
declare -A cp_took=() cp_n=()
for n in $CP_SIZES; do
	for impl in xfrm kipsec; do
		v=CP_$impl ns=${!v}
		for what in policy sa; do
			f=$TMPD/cp.$impl.$what
			# the install budget of the scale steps: projected
			# quadratically from the size before (XFRM's 50k SAs of one
			# address pair and reqid install in about quadratic time)
			p=${cp_n[$impl.$what]:-0}
			if [ "$p" -gt 0 ] &&
			   [ $((cp_took[$impl.$what] * (n / p) * (n / p))) -gt $((INSTALL_BUDGET * 1000)) ]; then
				record control skip "$(jstr "$impl $what x $n: installing $p took ${cp_took[$impl.$what]} ms; projected quadratically, $n could exceed BENCH_INSTALL_BUDGET=${INSTALL_BUDGET}s")"
				continue
			fi
			gen "$([ $what = policy ] && echo exact || echo peers)" "$impl" 0 "$n" >"$f"
			if [ "$impl" = kipsec ] && [ "$KIPSEC_BATCH" = 0 ]; then
				# not a measurement: the generator's first lines, one
				# kipsec process each, to show they parse
				ok=true
				while read -r -a line; do
					line=("${line[@]//\"\"/}")
					ip netns exec "$ns" "$KIPSEC" "${line[@]}" || ok=false
				done < <(head -n 2 "$f")
				ip netns exec "$ns" "$KIPSEC" sa flush; ip netns exec "$ns" "$KIPSEC" policy flush
				record control skip "$(jstr "kipsec $what x $n: kipsec -batch not available (first generated lines accepted one by one: $($ok && echo yes || echo no))")"
				continue
			fi
			sync; echo 2 >/proc/sys/vm/drop_caches; sleep 1
			m0=$(kmem)
			t=$(ms load "$impl" "$ns" "$f")
			[ "$t" = null ] || { cp_took[$impl.$what]=$t; cp_n[$impl.$what]=$n; }
			sleep 2	# RCU frees what the batch allocated and dropped
			m1=$(kmem)
			sample control "$impl" "install_${what}_per_s" "$n" \
				"$(python3 -c "import sys; t=sys.argv[1]; print('null' if t == 'null' else round($n * 1000 / max(int(t), 1)))" "$t")"
			sample control "$impl" "mem_${what}_bytes" "$n" $(((m1 - m0) * 1024 / n))
			if [ "$impl" = xfrm ]; then
				show=(ip -n "$ns" xfrm "$([ $what = policy ] && echo policy || echo state)" show)
			else
				show=("$KIPSEC" -n "$ns" "$what" show)
			fi
			# a dump is short: three of them, for a median
			for round in 1 2 3; do
				t=$(ms "${show[@]}")
				sample control "$impl" "dump_${what}_per_s" "$n" \
					"$(python3 -c "import sys; t=sys.argv[1]; print('null' if t == 'null' else round($n * 1000 / max(int(t), 1)))" "$t")"
			done
		done
		ipsec_flush "$impl" "$ns"
	done
done

say "done in $(($(date +%s) - T_START))s"
echo "bench-complete" >"$OUT/complete"
