#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# The netlink object model beyond add/delete:
#
#  1. dumps larger than one netlink message come back whole: every SA and
#     policy exactly once (the dump resumes from a stable id)
#  2. a dump racing with changes in the middle of the table neither repeats
#     nor loses an untouched object (NLM_F_DUMP_INTR makes the CLI restart)
#  3. allocspi reserves a random free SPI in the range as a larval SA, and
#     sa update completes it; the errors say why when it cannot
#  4. kipsec monitor reports SA and policy additions and deletions
. "$(dirname "$0")/lib.sh"

require_kipsec

N=300	# SA dumps of about 250 bytes each: several netlink messages
setup_ns A

# count_unique FIELD < JSON: "<objects> <distinct FIELD values>"
count_unique() {
	jq -r --arg f "$1" '"\(length) \(map(.[$f]) | unique | length)"'
}

# ---- 1. large dumps
log "adding $N SAs and $N policies"
# one kipsec -batch: the dumps are what this tests, not how the objects
# came (600 kipsec processes took 170 s on the debug kernel)
bulk_batch "$N" >"$TMPD/objects.batch"
kip "$A" -batch "$TMPD/objects.batch"
check "$N SAs and $N policies added" test $? -eq 0

sa_json=$(kip "$A" -j sa show)
check_eq "SA dump: objects, distinct SPIs" "$(count_unique spi <<<"$sa_json")" "$N $N"
check_ge "SA dump is larger than one netlink message (bytes of JSON)" "${#sa_json}" 65536
pol_json=$(kip "$A" -j policy show)
check_eq "policy dump: objects, distinct indexes" "$(count_unique index <<<"$pol_json")" "$N $N"
check_eq "stats agree" "$(kipsec_stat "$A" sa_count policy_count)" "$N $N"

# ---- 2. dumps racing with changes at the start of the table: the first
# policy is deleted and added again (it gets a new index at the end), over
# and over.  Every dump must hold each other policy exactly once.
# (ip netns exec execs the shell, so $! is the loop itself)
ip netns exec "$A" sh -c '
	while :; do
		"$KIPSEC" policy del src 10.1.0.0 dst 10.2.0.0/24 proto tcp dport 1000 dir out
		"$KIPSEC" policy add src 10.1.0.0 dst 10.2.0.0/24 proto tcp dport 1000 \
			dir out action discard
	done >/dev/null 2>&1' &
churn=$!
BG_PIDS+=("$churn")
bad=0
for i in 1 2 3 4 5 6 7 8; do
	# each of the N-1 untouched policies once; the churned one 0 or 1 times
	got=$(kip "$A" -j policy show | jq -r --argjson n $((N - 1)) '
		map(.sel.dport_min) as $p | ($p | map(select(. != 1000))) as $o |
		if ($o | length) == $n and ($o | unique | length) == $n and
		   ($p | map(select(. == 1000)) | length) <= 1
		then "ok"
		else "bad \($p | length) objects, \($o | length) untouched, \($o | unique | length) distinct"
		end')
	[ "$got" = ok ] || { bad=$((bad + 1)); log "dump $i: $got"; }
done
kill "$churn" 2>/dev/null
wait "$churn" 2>/dev/null
check_eq "8 dumps during churn, each with every untouched policy once" "$bad" 0

kip "$A" sa flush
kip "$A" policy flush
check_eq "flush empties both tables" "$(kip "$A" -j sa show) $(kip "$A" -j policy show)" "[] []"

# ---- 3. allocspi and update
spi_of() { json_get 0.spi; }
larval=$(kip "$A" -j sa allocspi src 10.9.0.1 dst 10.9.0.2 proto esp min 0x5000 max 0x50ff)
spi=$(spi_of <<<"$larval")
check "allocspi gives an SPI in [0x5000, 0x50ff]" test "${spi:-0}" -ge $((0x5000)) -a "${spi:-0}" -le $((0x50ff))
check_eq "the reserved SA is larval" "$(json_get 0.state <<<"$larval")" larval
spi2=$(kip "$A" -j sa allocspi src 10.9.0.1 dst 10.9.0.2 proto esp min 0x5000 max 0x50ff | spi_of)
check "a second allocspi gets another SPI" test -n "$spi2" -a "$spi2" != "$spi"

kip "$A" sa allocspi src 10.9.0.1 dst 10.9.0.3 proto esp min 0x6000 max 0x6000 >/dev/null
out=$(kip "$A" sa allocspi src 10.9.0.1 dst 10.9.0.3 proto esp min 0x6000 max 0x6000 2>&1)
check "allocspi in an exhausted range fails" test $? -ne 0
check_contains "... and says why" "$out" "no free SPI"

out=$(kip "$A" sa update src 10.9.0.9 dst 10.9.0.2 proto esp spi "$spi" aead "$ALGO" $KEY_A 128 2>&1)
check "update from another source address fails" test $? -ne 0
check_contains "... and says why" "$out" "source address differs"
check_eq "... and the SA is still larval" \
	"$(kip "$A" -j sa get dst 10.9.0.2 proto esp spi "$spi" | json_get 0.state)" larval

check "update completes the larval SA" \
	kip "$A" sa update src 10.9.0.1 dst 10.9.0.2 proto esp spi "$spi" aead "$ALGO" $KEY_A 128
check_eq "... which is now valid" \
	"$(kip "$A" -j sa get dst 10.9.0.2 proto esp spi "$spi" | json_get 0.state)" valid
out=$(kip "$A" sa update src 10.9.0.1 dst 10.9.0.2 proto esp spi "$spi" aead "$ALGO" $KEY_B 128 2>&1)
check "a valid SA keeps its keys" test $? -ne 0
check_contains "... and the error says so" "$out" "a valid SA keeps its algorithms"
out=$(kip "$A" sa update src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x7777 aead "$ALGO" $KEY_A 128 2>&1)
check "update of an unknown SPI fails" test $? -ne 0
check_contains "... with ENOENT's reason" "$out" "no SA with this destination"

# ---- 4. monitor
mon=$TMPD/monitor
ip netns exec "$A" timeout $((30 * SCALE)) "$KIPSEC" monitor >"$mon" 2>&1 &
BG_PIDS+=($!)
sleep 1	# monitor prints nothing when it is ready
kip "$A" sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x4242 aead "$ALGO" $KEY_A 128
kip "$A" policy add src 10.3.0.0/16 dst 10.4.0.0/16 dir in action bypass
kip "$A" policy del src 10.3.0.0/16 dst 10.4.0.0/16 dir in
kip "$A" sa del src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x4242
sleep 1
events=$(grep -o '^\[[a-z-]*\]' "$mon" | tr '\n' ' ')
check_eq "monitor saw the four events in order" "$events" "[sa-add] [policy-add] [policy-del] [sa-del] "
check "the SA event names the SPI" grep -q 'spi 0x00004242' "$mon"
check "no event carries key material" test "$(grep -c -i -e '0102030405060708' -e 'c0c1c2c3' "$mon")" -eq 0

ksft_exit
