#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# Which SA a protect policy sends with, as the SAD changes under traffic:
#
#   A 10.0.0.1 --veth-- 10.0.0.2 B     kipsec both ends, transport, reqid 1
#
# A's outbound policy asks for reqid 1.  The newest valid SA between the
# endpoints wins (a rekey installs the new SA before deleting the old);
# 500 SAs between the same endpoints that the template does not accept
# (reqid 7) change nothing; deleting SAs hands over to the remaining one,
# and without any, packets are dropped (tx_no_sa) until an SA comes back.
# output.c remembers each policy's answer: every step here must be seen by
# the very next packet.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_cmds ping

A_IP=10.0.0.1
B_IP=10.0.0.2
NULL_ALG="enc ecb(cipher_null) \"\" auth digest_null \"\""

setup_ns A B
veth_link "$A" va "$A_IP/24" "$B" vb "$B_IP/24"
ipsec_transport kipsec "$A" $A_IP $B_IP 0x100 0x200 $KEY_A $KEY_B || ksft_exit
ipsec_transport kipsec "$B" $B_IP $A_IP 0x200 0x100 $KEY_B $KEY_A || ksft_exit
# B accepts what A may send on the later SAs
for spi in 0x101 0x102; do
	ipsec_sa kipsec "$B" $A_IP $B_IP $spi transport $KEY_A || ksft_exit
done

# tx_packets of A's outbound SAs 0x100 0x101 0x102 ("?" for a missing one)
tx() {
	kipsec_sa_stat "$A" 0x100 tx_packets | tr '\n' ' '
	kipsec_sa_stat "$A" 0x101 tx_packets | tr '\n' ' '
	kipsec_sa_stat "$A" 0x102 tx_packets
}

check "ping on SA 0x100" ping_ok "$A" $B_IP
check_eq "only 0x100 sent" "$(tx)" "3 ? ?"

ipsec_sa kipsec "$A" $A_IP $B_IP 0x101 transport $KEY_A || ksft_exit
check "ping after a newer SA" ping_ok "$A" $B_IP
check_eq "the newer SA 0x101 took over at once" "$(tx)" "3 3 ?"

log "500 SAs between the same endpoints with reqid 7"
bulk=$(mktemp)
for i in $(seq 500); do
	echo "sa add src $A_IP dst $B_IP proto esp spi $((0x10000 + i)) mode transport reqid 7 $NULL_ALG flag insecure"
done >"$bulk"
rc=0
nsx "$A" "$KIPSEC" -batch "$bulk" || rc=$?
rm -f "$bulk"
check "500 SAs added" test "$rc" -eq 0
check "ping with them" ping_ok "$A" $B_IP
check_eq "still 0x101: the template asks for reqid 1" "$(tx)" "3 6 ?"

kip "$A" sa del src $A_IP dst $B_IP proto esp spi 0x101
check "ping after deleting 0x101" ping_ok "$A" $B_IP
check_eq "back to 0x100" "$(tx | cut -d' ' -f1,3)" "6 ?"

no_sa0=$(kipsec_stat "$A" tx_no_sa)
kip "$A" sa del src $A_IP dst $B_IP proto esp spi 0x100
check "no reply without an SA" ping_none "$A" $B_IP
check_ge "tx_no_sa counted the drops" "$(kipsec_stat "$A" tx_no_sa)" $((no_sa0 + 3))

ipsec_sa kipsec "$A" $A_IP $B_IP 0x102 transport $KEY_A || ksft_exit
check "ping once an SA is back" ping_ok "$A" $B_IP
check_eq "it went on 0x102" "$(kipsec_sa_stat "$A" 0x102 tx_packets)" 3

ksft_exit
