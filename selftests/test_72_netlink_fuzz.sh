#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# The netlink API survives a fuzzer (selftests/nlfuzz.c: every command
# number, do and dump, attributes missing, duplicated, oversized, of the
# wrong type or length, wrongly nested, truncated nests, garbage, bad
# nlmsg_len, random flags, and a share of valid requests) and its tables
# hold exactly what the requests that succeeded made:
#
#  - namespace F (its own): the fuzzer keeps a model of the tables, checks
#    it against dumps after each request that changed something and every
#    200 messages, and writes it out; `kipsec sa show` / `policy show`
#    must list exactly those objects
#  - namespace A, which holds an SA pair and policies to B: fuzzing there
#    (-p) sends no flush and no delete naming A's objects, and removes
#    what it made; A's SAs and policies are then unchanged (JSON) and
#    still carry pings both ways, with their counters rising
#  - 4 workers in parallel in F, then a flush: the dumps and
#    `kipsec stats` say 0 SAs, 0 policies
#  - uid 65534 in namespace U: every message to a kipsec operation gets
#    EPERM, and U's tables stay empty
#  - run.sh fails the test on any kernel WARNING/BUG/KASAN/Oops
#
# KIPSEC_FUZZ_N: messages in all (default 20000: half in F, a quarter in
# A, 15% with 4 workers, 10% unprivileged); KIPSEC_FUZZ_SEED: the seed
# (printed; the phases use SEED, SEED+1, SEED+2, SEED+3).  Under TCG on
# 6.12: about 5000 messages/s with the model, 4000 in A, 9000 with 4
# workers, 10000 unprivileged; KIPSEC_FUZZ_N=1000000 took 217 s, near
# this test's timeout, and 400000 took 2312 s on the debug kernel: raise
# KIPSEC_TEST_TIMEOUT for big runs (Documentation/robustness.rst).
. "$(dirname "$0")/lib.sh"

require_kipsec
FUZZ=$KIPSEC_SELFTESTS/nlfuzz
[ -x "$FUZZ" ] || skip "$FUZZ is not built (make -C selftests)"

N=${KIPSEC_FUZZ_N:-20000}
SEED=${KIPSEC_FUZZ_SEED:-$(( ($(date +%s) << 16) ^ $$ ))}
log "seed $SEED (KIPSEC_FUZZ_SEED), $N messages"

A_IP=10.0.0.1
B_IP=10.0.0.2
SPI_AB=0x1000
SPI_BA=0x2000

setup_ns A B F U
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
ipsec_transport kipsec "$A" $A_IP $B_IP $SPI_AB $SPI_BA $KEY_A $KEY_B || ksft_exit
ipsec_transport kipsec "$B" $B_IP $A_IP $SPI_BA $SPI_AB $KEY_B $KEY_A || ksft_exit
check "before: ping A -> B" ping_ok "$A" $B_IP
check "before: ping B -> A" ping_ok "$B" $A_IP

# objects NS: the SAs and policies of NS as JSON, without counters and times
objects() {
	kip "$1" -j sa show >"$TMPD/sa.json"
	kip "$1" -j policy show >"$TMPD/policy.json"
	python3 -c '
import json, sys
drop = {"stats", "packets", "bytes", "add_time", "use_time", "last_use_time"}
for f in sys.argv[1:]:
    for o in json.load(open(f)):
        print(json.dumps({k: v for k, v in o.items() if k not in drop},
                         sort_keys=True))' "$TMPD/sa.json" "$TMPD/policy.json"
}

# tables NS: "sa DST SPI PROTO" and "policy INDEX", sorted, as nlfuzz -o
tables() {
	kip "$1" -j sa show >"$TMPD/sa.json"
	kip "$1" -j policy show >"$TMPD/policy.json"
	python3 -c '
import json, sys
protos = {"esp": 50, "ah": 51}
for s in json.load(open(sys.argv[1])):
    p = s["proto"]
    p = protos.get(p, p) if isinstance(p, str) else p
    print("sa %s %d %d" % (s["dst"], s["spi"], p))
for p in json.load(open(sys.argv[2])):
    print("policy %d" % p["index"])' "$TMPD/sa.json" "$TMPD/policy.json" | sort
}

a_before=$(objects "$A")
tx_before=$(kipsec_sa_stat "$A" $SPI_AB tx_packets)
rx_before=$(kipsec_sa_stat "$A" $SPI_BA rx_packets)

n_f=$((N / 2))
n_a=$((N / 4))
n_j=$((N * 3 / 20))
n_u=$((N - n_f - n_a - n_j))

# fuzz NS ARGS...: nlfuzz in NS, its output in the log
fuzz() {
	local ns=$1 t0 rc
	shift

	t0=$(date +%s%N)
	ip netns exec "$ns" "$FUZZ" "$@" 2>&1 | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	log "    ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
	return "$rc"
}

log "fuzzing in F, with a model of the tables ($n_f messages)"
check "nlfuzz in F: no mismatch with its model" \
	fuzz "$F" -n $n_f -s $SEED -o "$TMPD/expected"
sort "$TMPD/expected" >"$TMPD/expected.sorted" 2>/dev/null
tables "$F" >"$TMPD/shown"
check_eq "F: sa show / policy show list what the fuzzer's successful requests made" \
	"$(diff "$TMPD/expected.sorted" "$TMPD/shown" && wc -l <"$TMPD/shown")" \
	"$(wc -l <"$TMPD/expected.sorted")"

log "fuzzing in A, its objects protected ($n_a messages)"
check "nlfuzz -p in A: no flush, its own objects removed" \
	fuzz "$A" -p -n $n_a -s $((SEED + 1))
check_eq "A: SAs and policies unchanged" "$(objects "$A")" "$a_before"

log "fuzzing in F with 4 workers ($n_j messages), then a flush"
check "nlfuzz -j 4 -F in F" fuzz "$F" -j 4 -F -n $n_j -s $((SEED + 2))
check_eq "F: sa show after the flush" "$(kip "$F" sa show)" ""
check_eq "F: policy show after the flush" "$(kip "$F" policy show)" ""
check_eq "F: stats count no SA, no policy" \
	"$(kipsec_stat "$F" sa_count policy_count)" "0 0"

log "fuzzing in U as uid 65534 ($n_u messages)"
check "nlfuzz -u in U: EPERM for every kipsec operation" \
	fuzz "$U" -u -n $n_u -s $((SEED + 3))
check_eq "U: no SA, no policy" \
	"$(kipsec_stat "$U" sa_count policy_count)" "0 0"

log "the known SAs after fuzzing"
check "after: ping A -> B" ping_ok "$A" $B_IP
check "after: ping B -> A" ping_ok "$B" $A_IP
check_ge "after: SA $SPI_AB tx_packets in A rose" \
	"$(kipsec_sa_stat "$A" $SPI_AB tx_packets)" $((tx_before + 3))
check_ge "after: SA $SPI_BA rx_packets in A rose" \
	"$(kipsec_sa_stat "$A" $SPI_BA rx_packets)" $((rx_before + 3))

ksft_exit
