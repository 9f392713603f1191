#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
#
# The asynchronous crypto path.  With the module parameter force_async,
# kipsec puts every new SA's transform behind cryptd (unless the best
# implementation is asynchronous already), so each request completes later
# from a worker instead of inside the hook.  kipsec (A)
# against native XFRM (B), transport mode, AES-GCM and AES-CBC+HMAC-SHA256:
# traffic flows both ways with the payload intact; the ESP packets kipsec
# sends carry strictly increasing sequence numbers on the wire (no
# reordering) and the XFRM receiver reports no sequence errors; once the SAs
# are deleted, the cryptd instances kipsec created can be unregistered
# (the crypto API refuses while a transform still holds one: no leak),
# which also gives the tests after this one the kernel's usual algorithms.
. "$(dirname "$0")/lib.sh"

require_kipsec
require_xfrm
require_cmds nc tcpdump

PARAM=/sys/module/kipsec/parameters/force_async
[ -w "$PARAM" ] || skip "no $PARAM"
echo 1 >"$PARAM"
at_exit "echo 0 >$PARAM"

setup_ns A B
veth_link "$A" va 10.0.0.1/24 "$B" vb 10.0.0.2/24
A_IP=10.0.0.1 B_IP=10.0.0.2

# async_in_use NAME: an asynchronous implementation of NAME is referenced
async_in_use() {
	awk -v n="$1" '$1 == "name" { name = $3; r = 0 } $1 == "refcnt" { r = $3 }
		$1 == "async" && name == n && r > 1 && $3 == "yes" { found = 1 }
		END { exit !found }' /proc/crypto
}

# cryptd_drivers NAME: driver names of the cryptd instances for NAME
cryptd_drivers() {
	awk -v n="$1" '$1 == "name" { name = $3 } $1 == "driver" && name == n && $3 ~ /^cryptd\(/ { print $3 }' \
		/proc/crypto | sort -u
}

# crypto_delalg DRIVER: unregister a crypto instance (NETLINK_CRYPTO)
crypto_delalg() {
	python3 - "$1" <<'PY'
import errno, os, socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 21)	# NETLINK_CRYPTO
body = struct.pack("64s64s64sIIII", b"", sys.argv[1].encode(), b"", 0, 0, 0, 0)
s.send(struct.pack("=IHHII", 16 + len(body), 0x11, 0x5, 1, 0) + body)	# DELALG, REQUEST|ACK
err = struct.unpack("=i", s.recv(4096)[16:20])[0]
if err:
    print(os.strerror(-err))
    sys.exit(1)
PY
}

# kipsec_order PCAP SPI: "ok" if the ESP packets of SPI have strictly
# increasing sequence numbers in capture order
seq_order() {
	esp_frames "$1" | awk -v spi="$2" '
		$4 == spi { n++; if (n > 1 && $5 <= last) bad++; last = $5 }
		END { print (n > 0 && !bad) ? "ok " n : "bad " n " " bad + 0 }'
}

run_case() {
	local name=$1 cryptd=$2 spi_ab=$3 spi_ba=$4
	local order

	check "$name: an asynchronous $cryptd is in use" async_in_use "$cryptd"
	capture_start "$name" "$A" va "$ESP and src $A_IP" || return
	check "$name: flood ping A -> B, 300 requests" \
		ip netns exec "$A" ping -q -n -c 300 -i 0.002 -w 30 $B_IP
	check "$name: TCP 2 MB A -> B, payload intact" tcp_transfer "$A" "$B" $B_IP 2 5101
	check "$name: TCP 2 MB B -> A, payload intact" tcp_transfer "$B" "$A" $A_IP 2 5102
	check "$name: capture complete" capture_stop "$name"
	order=$(seq_order "$(capture_file "$name")" "$(printf 0x%08x $spi_ab)")
	check_contains "$name: kipsec's ESP sequence numbers strictly increase on the wire" "$order" "ok "
	log "$name: $order"
	check_eq "$name: kipsec rx_replay" "$(kipsec_stat "$A" rx_replay)" 0
	check_eq "$name: kipsec rx_auth_fail" "$(kipsec_stat "$A" rx_auth_fail)" 0
	check_eq "$name: kipsec rx_crypto_error + tx_crypto_error" \
		"$(kipsec_stat_sum "$A" rx_crypto_error tx_crypto_error)" 0
	check_eq "$name: XFRM sequence errors in B" "$(xfrm_stat "$B" XfrmInStateSeqError)" 0
	check_eq "$name: SA $spi_ab tx_packets = its ESP packets on the wire" \
		"ok $(kipsec_sa_stat "$A" $spi_ab tx_packets)" "$order"
	check_ge "$name: SA $spi_ba rx_packets" "$(kipsec_sa_stat "$A" $spi_ba rx_packets)" 300
}

# 1. AES-GCM
ipsec_transport kipsec "$A" $A_IP $B_IP 0x1000 0x2000 $KEY_A $KEY_B &&
ipsec_transport xfrm "$B" $B_IP $A_IP 0x2000 0x1000 $KEY_B $KEY_A || ksft_exit
run_case gcm "rfc4106(gcm(aes))" 0x1000 0x2000

# 2. AES-CBC with HMAC-SHA256 (authenc), new SAs and policies on both sides.
# Linux 6.1's crypto self-test fails cryptd(authenc(hmac(sha256),cbc(aes)))
# (a WARN in testmgr, and no transform), so there only the GCM case runs.
case "$(uname -r)" in
6.1.*)
	log "cbc: skipped on $(uname -r): its testmgr rejects cryptd(authenc(...))"
	;;
*)
	CBC="enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f"
	SHA="auth-trunc hmac(sha256) 0x101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f 128"
	kip "$A" sa flush && kip "$A" policy flush || fail "kipsec flush"
	ip -n "$B" xfrm state flush
	kip "$A" sa add src $A_IP dst $B_IP proto esp spi 0x3000 reqid 1 $CBC $SHA &&
	kip "$A" sa add src $B_IP dst $A_IP proto esp spi 0x4000 reqid 1 $CBC $SHA &&
	ip -n "$B" xfrm state add src $A_IP dst $B_IP proto esp spi 0x3000 reqid 1 $CBC $SHA &&
	ip -n "$B" xfrm state add src $B_IP dst $A_IP proto esp spi 0x4000 reqid 1 $CBC $SHA ||
		fail "CBC SAs"
	ipsec_policy kipsec "$A" $A_IP/32 $B_IP/32 out $A_IP $B_IP transport &&
	ipsec_policy kipsec "$A" $B_IP/32 $A_IP/32 in $B_IP $A_IP transport || ksft_exit
	run_case cbc "authenc(hmac(sha256),cbc(aes))" 0x3000 0x4000
	;;
esac

# 3. no transform left behind
kip "$A" sa flush || fail "kipsec sa flush"
ip netns del "$A"
ip netns del "$B"
sleep 2		# SAs are freed after an RCU grace period, from a worker
modprobe -q crypto_user
for c in "rfc4106(gcm(aes))" "authenc(hmac(sha256),cbc(aes))"; do
	for d in $(cryptd_drivers "$c"); do
		check "$d: unregistered, nothing holds it" crypto_delalg "$d"
	done
	check_eq "no cryptd instance of $c left" "$(cryptd_drivers "$c")" ""
done

ksft_exit
