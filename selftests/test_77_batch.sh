#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 600
#
# kipsec -batch FILE and -force, like ip -batch:
#
#  1. one process installs N policies and N SAs from one file, on one
#     netlink socket (strace counts the sockets and the requests), and the
#     kernel holds them all; the time per line is logged (the install rates
#     beside ip -batch and XFRM are the benchmark's: make bench)
#  2. quotes, "" keys, comments and backslash continuation reach the kernel
#     as the words they stand for
#  3. the first failed command stops the batch: the kernel's message and
#     "Command failed FILE:LINE" name its line, the lines before it are
#     applied and none after it; exit 2 (1 for a bad command line)
#  4. -force reports each failure, applies every other line, exits 2
#  5. monitor is refused in a batch
#  6. -n NETNS (as ip -n) works in that namespace and no other, for a batch
#     and a dump, without ip netns exec
. "$(dirname "$0")/lib.sh"

require_kipsec

N=${KIPSEC_BATCH_N:-2000}
setup_ns A B

# count NS: "<SAs> <policies>" per kipsec stats
count() {
	kipsec_stat "$1" sa_count policy_count
}

# now_ms: the time in milliseconds (bash alone)
now_ms() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }

# ---- 1. N policies and N SAs from one file, in one process
big=$TMPD/big.batch
bulk_batch "$N" >"$big"
log "kipsec -batch: $N policies and $N SAs ($((2 * N)) lines)"
t0=$(now_ms)
kip "$A" -batch "$big"
rc=$?
t1=$(now_ms)
check_eq "batch of $((2 * N)) lines exits 0" "$rc" 0
check_eq "every SA and policy installed (SAs, policies)" "$(count "$A")" "$N $N"
kms=$((t1 - t0))
log "kipsec -batch: $kms ms for $((2 * N)) lines, $((kms * 1000 / (2 * N))) us a line"
pol_json=$(kip "$A" -j policy show)
check_eq "policy dump holds $N policies" \
	"$(jq length <<<"$pol_json")" "$N"

# the start of the file again, traced: one netlink socket, one request a
# line (plus the family lookup); every add fails (exists), -force goes on.
# 40 lines: under strace each request costs 0.8 s on the debug kernel.
if command -v strace >/dev/null 2>&1; then
	head -n 40 "$big" >"$TMPD/40.batch"
	nsx "$A" strace -f -qq -e trace=socket,sendto,sendmsg -o "$TMPD/strace.log" \
		"$KIPSEC" -force -batch "$TMPD/40.batch" >/dev/null 2>"$TMPD/40.err"
	check_eq "40 lines: one netlink socket" \
		"$(grep -c 'socket(AF_NETLINK' "$TMPD/strace.log")" 1
	check_eq "40 lines: 41 requests (family lookup + one a line)" \
		"$(grep -cE '^[0-9]+ +(sendto|sendmsg)\(' "$TMPD/strace.log")" 41
	check_eq "40 lines, all existing: 40 failures reported" \
		"$(grep -c '^Command failed ' "$TMPD/40.err")" 40
else
	log "strace is not installed: socket count not checked"
fi

# ---- 2. the words of a line
cat >"$TMPD/words.batch" <<EOF
# a comment, then a blank line

sa add src 10.0.0.1 dst 10.0.0.3 proto esp spi 0x100 \\
	enc 'ecb(cipher_null)' "" auth digest_null "" flag insecure   # null keys
policy add src 10.3.0.1 dst "10.4.0.0/16" dir in \\
priority 7 action discard
EOF
kip "$B" -batch "$TMPD/words.batch"
check_eq "comments, quotes, empty keys, continuation: exit 0" "$?" 0
sa=$(kip "$B" -j sa show)
check_eq "quoted algorithm name and empty key arrive" \
	"$(json_get '0.enc.name' <<<"$sa") $(json_get '0.auth.name' <<<"$sa")" \
	"ecb(cipher_null) digest_null"
pol=$(kip "$B" -j policy show)
check_eq "continued line: priority on the next line arrives" \
	"$(json_get '0.priority' <<<"$pol") $(json_get '0.dir' <<<"$pol")" "7 in"
nsx "$B" "$KIPSEC" sa flush
nsx "$B" "$KIPSEC" policy flush

# ---- 3. a failing line stops the batch
bad=$TMPD/bad.batch
{
	echo "# lines 2-5: four SAs"
	for i in 1 2 3 4; do
		echo "sa add src 10.0.0.1 dst 10.0.0.9 proto esp spi $((0x200 + i)) aead '$ALGO' $KEY_A 128"
	done
	echo "sa add src 10.0.0.1 dst 10.0.0.9 proto esp spi 0x202 aead '$ALGO' $KEY_B 128"
	for i in 5 6 7; do
		echo "sa add src 10.0.0.1 dst 10.0.0.9 proto esp spi $((0x200 + i)) aead '$ALGO' $KEY_A 128"
	done
} >"$bad"
err=$(kip "$B" -batch "$bad" 2>&1 >/dev/null)
rc=$?
check_eq "kernel refusal in a batch: exit 2" "$rc" 2
check_contains "the kernel's message, prefixed by FILE:LINE" "$err" \
	"$bad:6: Error: an SA with this destination, SPI and protocol exists (attribute sa.spi)"
check_contains "Command failed FILE:LINE" "$err" "Command failed $bad:6"
check_eq "the 4 lines before applied, none after" "$(count "$B")" "4 0"

# a bad command line stops it the same way, with exit 1
nsx "$B" "$KIPSEC" sa flush
sed -i '6s/spi 0x202/spi 0xzz/' "$bad"
err=$(kip "$B" -batch "$bad" 2>&1 >/dev/null)
rc=$?
check_eq "bad command line in a batch: exit 1" "$rc" 1
check_contains "the parser's message, prefixed by FILE:LINE" "$err" "$bad:6: Error: invalid SPI"
check_eq "the 4 lines before applied, none after" "$(count "$B")" "4 0"

# ---- 4. -force goes on
nsx "$B" "$KIPSEC" sa flush
sed -i '6s/spi 0xzz/spi 0x202/' "$bad"
err=$(kip "$B" -force -batch "$bad" 2>&1 >/dev/null)
rc=$?
check_eq "-force with a failure: exit 2" "$rc" 2
check_eq "-force: one failure reported" "$(grep -c '^Command failed ' <<<"$err") $(grep -o 'Command failed .*' <<<"$err")" \
	"1 Command failed $bad:6"
check_eq "-force: every other line applied" "$(count "$B")" "7 0"

# ---- 5. monitor never ends: refused
err=$(echo monitor | kip "$B" -batch - 2>&1 >/dev/null)
rc=$?
check_eq "monitor in a batch: exit 1" "$rc" 1
check_contains "monitor in a batch: why" "$err" "-:1: Error: monitor runs until stopped: not in a batch"

# ---- 6. -n NETNS from this namespace
nsx "$B" "$KIPSEC" sa flush
here0=$(timeout 60 "$KIPSEC" -j stats)
timeout 60 "$KIPSEC" -n "$B" -batch "$TMPD/words.batch"
check_eq "-n NETNS -batch: exit 0" "$?" 0
check_eq "-n NETNS: the SA and policy land in NETNS" "$(count "$B")" "1 1"
here1=$(timeout 60 "$KIPSEC" -j stats)
check_eq "-n NETNS: nothing lands in the caller's namespace" \
	"$(json_get sa_count <<<"$here1") $(json_get policy_count <<<"$here1")" \
	"$(json_get sa_count <<<"$here0") $(json_get policy_count <<<"$here0")"
check_eq "-n NETNS policy show: the dump ip netns exec gives" \
	"$(timeout 60 "$KIPSEC" -n "$B" -j policy show)" "$(nsx "$B" "$KIPSEC" -j policy show)"
timeout 60 "$KIPSEC" -n "/run/netns/$B" sa flush
check_eq "-n PATH: a path names the namespace too" "$(count "$B")" "0 1"
err=$(timeout 60 "$KIPSEC" -n "kt-none-$$" sa show 2>&1 >/dev/null)
check_eq "-n with no such namespace: exit 1" "$?" 1
check_contains "-n with no such namespace: why" "$err" \
	"Error: cannot open network namespace \"kt-none-$$\": No such file or directory"

ksft_exit
