#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 420
#
# The SPD classifier (spd.c) groups policies by shape (prefix lengths,
# protocol given, single destination port) and hashes them by key; the
# answer must still be the policy with the lowest priority number across
# all shapes, the older one on a tie.  No SA: A's "out" policies bypass or
# discard a UDP datagram to B; what arrives at B and which policy counted
# the datagram tell the winner.
#
#  1. six policies of six shapes match UDP A -> B:7000 (host pair, /24
#     pair, /0 pair, proto+single dport, proto+port range, ICMP type for
#     pings): the lowest priority wins, whatever the order they came in
#  2. deleting the winner hands over to the next priority, down to none
#  3. equal priority in two shapes: the policy added first wins, both orders
#  4. about a thousand non-matching policies, most of them with a better
#     priority and many sharing a shape or even a key with the matching
#     ones, change none of the answers
. "$(dirname "$0")/lib.sh"

require_kipsec
require_cmds ping ss

A_IP=10.0.0.1
B_IP=10.0.0.2
BULK=${BULK:-600}	# non-matching policies per kind in 4 (7 kinds)

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"

# The policies matching UDP A -> B:7000 (all "dir out")
P_DPORT="src 0.0.0.0/0 dst $B_IP/32 proto udp dport 7000"		# 10 discard
P_RANGE="src $A_IP dst 10.0.0.0/16 proto udp dport 6000-8000"		# 20 bypass
P_HOST="src $A_IP dst $B_IP"						# 30 discard
P_NET="src 10.0.0.0/24 dst 10.0.0.0/24"					# 40 bypass
P_ANY="src 0.0.0.0/0 dst 0.0.0.0/0"					# 50 discard
P_ICMP="src $A_IP dst $B_IP proto icmp type 8"				# 1 discard

add() {	# add PRIO ACTION SELECTOR...
	local prio=$1 action=$2
	shift 2
	kip "$A" policy add "$@" dir out priority "$prio" action "$action" ||
		fail "add policy priority $prio: $*"
}

del() {	# del PRIO SELECTOR...
	local prio=$1
	shift
	kip "$A" policy del "$@" dir out priority "$prio" ||
		fail "delete policy priority $prio: $*"
}

# policies_to FILE: the JSON policy dump (too large for an argument)
policies_to() {
	kip "$A" -j policy show >"$TMPD/$1"
}

# grown BEFORE AFTER: "PRIO ACTION" of each policy whose packet counter grew
# between the two dumps (files in $TMPD)
grown() {
	jq -n -r --slurpfile b "$TMPD/$1" --slurpfile a "$TMPD/$2" '
	($b[0] | map({key: (.index | tostring), value: .packets}) | from_entries) as $m |
	[$a[0][] | select(.packets > ($m[.index | tostring] // 0)) |
	 "\(.priority) \(.action)"] | join(" ")'
}

# udp_winner PORT: send one datagram A -> B:PORT; print which policies
# counted it and whether it arrived: "10 discard dropped", " delivered"...
# The previous check's last dump is this one's first: counters only grow,
# a policy added since counts from 0 (absent from it), and indexes are not
# reused (xa_alloc_cyclic).  With 4200 policies a dump is the cost.
udp_winner() {
	local got

	[ -s "$TMPD/after" ] && mv "$TMPD/after" "$TMPD/before" || policies_to before
	udp_recv_start w "$B" "$1" || { echo "no receiver"; return; }
	udp_send "$A" $B_IP "$1" "to-$1" >/dev/null
	udp_recv_wait w
	got=dropped
	[ "$(udp_received w)" != "to-$1" ] || got=delivered
	policies_to after
	echo "$(grown before after) $got"
}

# ------------------------------------------------- 1. lowest priority wins
log "1. six shapes match the same packet: the lowest priority wins"
# neither the first nor the last added is the winner
add 50 discard $P_ANY
add 20 bypass $P_RANGE
add 10 discard $P_DPORT
add 40 bypass $P_NET
add 30 discard $P_HOST
add 1 discard $P_ICMP
check_eq "UDP :7000 -> proto+dport (10, discard)" "$(udp_winner 7000)" "10 discard dropped"
check_eq "UDP :7001 -> proto+range (20, bypass)" "$(udp_winner 7001)" "20 bypass delivered"
check_eq "UDP :9000 -> host pair (30, discard)" "$(udp_winner 9000)" "30 discard dropped"
policies_to before
check "ping A -> B: echo requests discarded by the ICMP type policy" ping_none "$A" $B_IP
check_eq "only the ICMP type 8 policy (1) counted the pings" \
	"$(policies_to after && grown before after)" "1 discard"
del 1 $P_ICMP

# ------------------------------------------------ 2. deletion hands over
log "2. deleting the winner hands over to the next priority"
del 10 $P_DPORT
check_eq "without 10: proto+range (20, bypass)" "$(udp_winner 7000)" "20 bypass delivered"
del 20 $P_RANGE
check_eq "without 20: host pair (30, discard)" "$(udp_winner 7000)" "30 discard dropped"
del 30 $P_HOST
check_eq "without 30: /24 pair (40, bypass)" "$(udp_winner 7000)" "40 bypass delivered"
del 40 $P_NET
check_eq "without 40: /0 pair (50, discard)" "$(udp_winner 7000)" "50 discard dropped"
del 50 $P_ANY
check_eq "no policy: nothing counts, the datagram passes" "$(udp_winner 7000)" " delivered"

# ------------------------------------------ 3. ties across shapes: oldest
log "3. same priority, two shapes: the policy added first wins"
T_X="src 10.0.0.0/24 dst $B_IP/32 proto udp"
T_Y="src 0.0.0.0/0 dst 0.0.0.0/0 proto udp dport 7000"
add 20 discard $T_X
add 20 bypass $T_Y
check_eq "/24->/32 udp added first" "$(udp_winner 7000)" "20 discard dropped"
kip "$A" policy flush
add 20 bypass $T_Y
add 20 discard $T_X
check_eq "/0->/0 udp dport added first" "$(udp_winner 7000)" "20 bypass delivered"
kip "$A" policy flush

# --------------------------------------------- 4. many non-matching policies
log "4. $((BULK * 7 + 1)) non-matching policies, most with priority 0"
t0=$(date +%s)
# one batch file, one process (kipsec -batch): the CLI costs ~0.3 s a call
bulk=$(mktemp)
i=0
while [ $i -lt $BULK ]; do
	a=$((i / 200)) b=$((i % 200))
	o="dir out action discard"
	# same shape as the host pair, other hosts
	echo "policy add src $A_IP dst 10.9.$a.$b priority 0 $o"
	# same shape as the /24 pair
	echo "policy add src 10.0.0.0/24 dst 10.$((8 + a)).$b.0/24 priority 0 $o"
	# same shape and address as proto+dport, other ports
	echo "policy add src 0.0.0.0/0 dst $B_IP/32 proto udp dport $((9100 + i)) priority 0 $o"
	# same key as the port range (the range is not in the key)
	echo "policy add src $A_IP dst 10.0.0.0/16 proto udp dport $((20000 + 10 * i))-$((20005 + 10 * i)) priority 0 $o"
	# same ports, other protocol
	echo "policy add src 0.0.0.0/0 dst $B_IP/32 proto tcp dport 7000 priority $i $o"
	# other ICMP types
	echo "policy add src $A_IP dst $B_IP proto icmp type $((100 + i % 100)) code $((i / 100)) priority 0 $o"
	# shapes of their own: source ports nobody uses, each prefix length
	echo "policy add src 0.0.0.0/0 dst 10.0.0.0/$((8 + i % 17)) proto udp sport $((1 + i)) priority 0 $o"
	i=$((i + 1))
done >"$bulk"
echo "policy add src ::/0 dst ::/0 dir out priority 0 action discard" >>"$bulk"
rc=0
nsx "$A" "$KIPSEC" -batch "$bulk" || rc=$?
check "$((BULK * 7 + 1)) policies added ($(($(date +%s) - t0)) s)" test "$rc" -eq 0
rm -f "$bulk"

add 50 discard $P_ANY
add 20 bypass $P_RANGE
add 10 discard $P_DPORT
add 40 bypass $P_NET
add 30 discard $P_HOST
check_eq "policy count" "$(kip "$A" -j stats | json_get policy_count)" $((BULK * 7 + 6))
check_eq "UDP :7000 -> proto+dport (10, discard)" "$(udp_winner 7000)" "10 discard dropped"
check_eq "UDP :7001 -> proto+range (20, bypass)" "$(udp_winner 7001)" "20 bypass delivered"
check_eq "UDP :9000 -> host pair (30, discard)" "$(udp_winner 9000)" "30 discard dropped"
del 10 $P_DPORT
check_eq "without 10: proto+range (20, bypass)" "$(udp_winner 7000)" "20 bypass delivered"
del 20 $P_RANGE
del 30 $P_HOST
check_eq "without 20 and 30: /24 pair (40, bypass)" "$(udp_winner 7000)" "40 bypass delivered"
add 40 discard $T_X
check_eq "a tie at 40 in another shape: the older /24 pair wins" \
	"$(udp_winner 7000)" "40 bypass delivered"
del 40 $P_NET
check_eq "without it, the tied one (40, discard)" "$(udp_winner 7000)" "40 discard dropped"

ksft_exit
