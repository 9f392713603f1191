#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 150
#
# Every kipsec operation needs CAP_NET_ADMIN over the user namespace that
# owns the network namespace, and a network namespace's SAs and policies
# are reachable only from it (nlpriv.py, raw generic netlink):
#
#  - the command list comes from uapi/linux/kipsec.h (every KIPSEC_CMD_*,
#    so a command added there is swept too) and is compared with the ops
#    the family reports (CTRL_CMD_GETFAMILY): every op must carry an
#    ADMIN_PERM flag and be a uapi command;
#  - uid 65534 without capabilities, and root of a user namespace that does
#    not own the network namespace: every command, do and dump, gets EPERM
#    where the family offers it (EOPNOTSUPP where not: events, dump-less
#    commands), joining the "events" group gets EPERM, and the namespace's
#    SAs and policies are unchanged afterwards (the sweep sends flushes);
#  - root of a user namespace owning a new network namespace: no command is
#    refused with EPERM, it joins the group, adds, gets, dumps and deletes
#    an SA;
#  - two such sibling namespaces A and B: A's dump shows only A's SA; a
#    socket of the initial network namespace (inherited from real root) and
#    one of B (passed with SCM_RIGHTS) refuse every request from A with
#    EPERM (dump, get, delete, flush, add, stats, group join), and A cannot
#    setns into either; both other namespaces keep their SA.
#
# test_70 checks the same refusals through the CLI (its error output).
. "$(dirname "$0")/lib.sh"

require_kipsec
require_cmds setpriv unshare

UAPI_H=$KIPSEC_SELFTESTS/../uapi/linux/kipsec.h
[ -f "$UAPI_H" ] || skip "no $UAPI_H"
# readable by uid 65534 and from other user namespaces
chmod 755 "$TMPD"
cp "$KIPSEC_SELFTESTS/kipsec_nl.py" "$KIPSEC_SELFTESTS/nlpriv.py" "$UAPI_H" "$TMPD/"
chmod 644 "$TMPD"/*
export KIPSEC_UAPI=$TMPD/kipsec.h

# nlpriv ARGS...: run nlpriv.py (after a prefix command), turning its lines
# into checks; a crash is a failure
nlpriv() {
	local line out rc

	out=$(cd "$TMPD" && timeout 60 "$@" 2>&1)
	rc=$?
	relay_checks <<<"$out"
	[ $rc = 0 ] || fail "nlpriv.py exited $rc: $*"
}

A_IP=10.0.0.1
B_IP=10.0.0.2
setup_ns N1
reference_state "$N1" 0x5000

log "uid 65534 without capabilities"
nlpriv ip netns exec "$N1" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all python3 nlpriv.py deny "uid 65534"

log "root of a user namespace that does not own the network namespace"
nlpriv ip netns exec "$N1" unshare --user --map-root-user \
	python3 nlpriv.py deny "foreign userns root"

check_eq "N1's SAs unchanged" "$(kip "$N1" -j sa show)" "$sa_before"
check_eq "N1's policies unchanged" "$(kip "$N1" -j policy show)" "$pol_before"

log "root of a user namespace owning its network namespace"
nlpriv unshare --user --map-root-user --net python3 nlpriv.py owner

log "isolation: the initial network namespace and two siblings"
# the initial namespace's SA, for the siblings to try to reach
if ! "$KIPSEC" sa add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x7000 \
	aead "$ALGO" $KEY_A 128; then
	fail "add an SA in the initial network namespace"
	ksft_exit
fi
at_exit "'$KIPSEC' sa del src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x7000"
nlpriv python3 nlpriv.py iso
check "the initial namespace's SA, seen by the CLI" \
	"$KIPSEC" sa get src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x7000 \
	>/dev/null
"$KIPSEC" sa del src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x7000

ksft_exit
