#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kipsec CLI without the kernel module: every command's request, decoded
# by KIPSEC_DEBUG_DUMP=dry (built and printed, never sent), and the errors of
# bad command lines.  VALGRIND="valgrind -q --leak-check=full
# --error-exitcode=99" runs every invocation under valgrind.
set -u
cd "$(dirname "$0")/.." || exit 1
K=${KIPSEC:-./kipsec/kipsec}
VALGRIND=${VALGRIND:-}
pass=0
fail=0

run() {
	KIPSEC_DEBUG_DUMP=dry $VALGRIND "$K" "$@"
}

# expect_request "ARGS" <<EOF  decoded request  EOF
expect_request() {
	local args=$1 want got rc
	want=$(cat)
	got=$(eval run "$args" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kipsec $args (exit $rc)"
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
	fi
}

# expect_error RC "MESSAGE" "ARGS": exit RC, MESSAGE on stderr, nothing sent
expect_error() {
	local want_rc=$1 msg=$2 args=$3 got rc
	got=$(eval run "$args" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq "$want_rc" ] && grep -qF -- "$msg" <<<"$got" &&
	   ! grep -q '^request' <<<"$got"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kipsec $args: want exit $want_rc and \"$msg\", got exit $rc:"
		sed 's/^/    /' <<<"$got"
	fi
}

# expect_output RC "ARGS" <<EOF  stdout  EOF
expect_output() {
	local want_rc=$1 args=$2 want got rc
	want=$(cat)
	got=$(eval run "$args" 2>/dev/null)
	rc=$?
	if [ $rc -eq "$want_rc" ] && [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kipsec $args (exit $rc)"
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
	fi
}

AEAD="aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128"

# --- sa -------------------------------------------------------------------

expect_request "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 reqid 1 $AEAD replay-window 64" <<'X'
request sa-add (cmd 1) version 1 flags request ack len 140
  sa
    src 10.0.0.1
    dst 10.0.0.2
    spi 0x00001000
    proto 50
    mode 0
    reqid 1
    aead
      name rfc4106(gcm(aes))
      key (20 bytes, hidden)
      icv-len 128
    replay-window 64
X

expect_request "sa update src fd00::1 dst fd00::2 proto esp spi 4096 mode tunnel aead 'rfc4106(gcm(aes))' 0x$(printf '%072d' 0) 96" <<'X'
request sa-update (cmd 2) version 1 flags request ack len 172
  sa
    src fd00::1
    dst fd00::2
    spi 0x00001000
    proto 50
    mode 1
    reqid 0
    aead
      name rfc4106(gcm(aes))
      key (36 bytes, hidden)
      icv-len 96
X

expect_request "state add $AEAD spi 1 proto 50 dst 10.0.0.2 src 10.0.0.1" <<'X'
request sa-add (cmd 1) version 1 flags request ack len 132
  sa
    src 10.0.0.1
    dst 10.0.0.2
    spi 0x00000001
    proto 50
    mode 0
    reqid 0
    aead
      name rfc4106(gcm(aes))
      key (20 bytes, hidden)
      icv-len 128
X

expect_request "sa del src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000" <<'X'
request sa-del (cmd 3) version 1 flags request ack len 56
  sa
    src 10.0.0.1
    dst 10.0.0.2
    spi 0x00001000
    proto 50
X

expect_request "sa get dst 10.0.0.2 proto esp spi 0xdeadbeef" <<'X'
request sa-get (cmd 4) version 1 flags request ack len 48
  sa
    dst 10.0.0.2
    spi 0xdeadbeef
    proto 50
X

for cmd in "sa" "sa show" "sa list"; do
	expect_request "$cmd" <<'X'
request sa-get (cmd 4) version 1 flags request dump len 20
X
done

expect_request "sa flush" <<'X'
request sa-flush (cmd 5) version 1 flags request ack len 20
X

expect_request "sa flush proto esp" <<'X'
request sa-flush (cmd 5) version 1 flags request ack len 32
  sa
    proto 50
X

expect_request "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp" <<'X'
request sa-allocspi (cmd 6) version 1 flags request ack len 48
  sa
    src 10.0.0.1
    dst 10.0.0.2
    proto 50
X

expect_request "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp min 0x100 max 4095" <<'X'
request sa-allocspi (cmd 6) version 1 flags request ack len 64
  sa
    src 10.0.0.1
    dst 10.0.0.2
    proto 50
    spi-min 0x00000100
    spi-max 0x00000fff
X

# -n NETNS: a namespace that does not exist stops before anything is sent
expect_error 1 'cannot open network namespace "kipsec-no-such-ns": No such file or directory' "-n kipsec-no-such-ns policy show"
expect_error 1 'cannot open network namespace "/nonexistent/ns"' "-netns /nonexistent/ns sa show"
expect_error 1 'invalid network namespace name ".."' "-n .. sa show"
expect_error 1 'missing value after "-n"' "-n"
expect_error 1 'invalid SPI "xyz"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi xyz $AEAD"
expect_error 1 'invalid SPI "0x100000000"' "sa del dst 10.0.0.2 proto esp spi 0x100000000"
expect_error 1 'invalid SPI "-1"' "sa get dst 10.0.0.2 proto esp spi -1"
expect_error 1 'invalid key: not a hex string' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x 0xzz 128"
expect_error 1 'invalid key: odd number of hex digits' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x 0xabc 128"
expect_error 1 'invalid key: empty' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x 0x 128"
expect_error 1 'invalid key: 0x followed by hex digits, "" or @FILE expected' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x secret 128"
expect_error 1 'cannot read key file "/nonexistent/key"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x @/nonexistent/key 128"
expect_error 1 'invalid key: longer than 128 bytes' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x 0x$(printf '%0258d' 0) 128"
expect_error 1 'invalid ICV length "x"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x 0x00 x"
expect_error 1 '"aead" needs NAME KEY ICV-BITS' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead x 0x00"
expect_error 1 'src and dst address families differ' "sa add src 10.0.0.1 dst fd00::2 proto esp spi 1 $AEAD"
expect_error 1 'src and dst address families differ' "sa allocspi src fd00::1 dst 10.0.0.2 proto esp"
expect_error 1 'invalid src address "10.0.0.300"' "sa add src 10.0.0.300 dst 10.0.0.2 proto esp spi 1 $AEAD"
expect_error 1 'missing "src ADDR"' "sa add dst 10.0.0.2 proto esp spi 1 $AEAD"
expect_error 1 'missing "proto { esp | ah }"' "sa add src 10.0.0.1 dst 10.0.0.2 spi 1 $AEAD"
expect_error 1 'missing "spi SPI"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp $AEAD"
expect_error 1 'missing "aead NAME KEY ICV-BITS", "enc NAME KEY" with "auth", or "alg PROPOSAL KEY"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1"
expect_error 1 'missing "dst ADDR"' "sa del src 10.0.0.1 proto esp spi 1"
expect_error 1 'missing value after "dst"' "sa add src 10.0.0.1 dst"
expect_error 1 'duplicate "spi"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 spi 2 $AEAD"
expect_error 1 'unsupported proto "gre" (esp or ah)' "sa add src 10.0.0.1 dst 10.0.0.2 proto gre spi 1 $AEAD"
expect_error 1 'unsupported proto "gre" (esp or ah)' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out tmpl proto gre"
expect_error 1 'invalid mode "beet"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 mode beet $AEAD"
expect_error 1 'unknown argument "foo"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 $AEAD foo"
expect_error 1 'unknown argument "mode"' "sa del dst 10.0.0.2 proto esp spi 1 mode tunnel"
expect_error 1 'unknown argument "spi"' "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp spi 4"
expect_error 1 '"min" and "max" go together' "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp min 5"
expect_error 1 'SPI range: min 0x00000005 is above max 0x00000004' "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp min 5 max 4"
expect_error 1 'unknown argument "foo"' "sa show foo"
expect_error 1 'unknown argument "frob"' "sa frob"
expect_error 1 'Try "kipsec sa help".' "sa frob"

# --- sa: algorithms, sequence numbers, flags, df, limits -------------------

# key N: an N-byte hex key
key() { printf '0x%0*d' $((2 * $1)) 0; }
SA="sa add src 10.0.0.1 dst 10.0.0.2"
HEAD='request sa-add (cmd 1) version 1 flags request ack'
ADDRS='    src 10.0.0.1
    dst 10.0.0.2'

# every setup word at once; "auth" sends no icv-len (the kernel's default)
expect_request "$SA proto esp spi 0x1000 mode tunnel reqid 7 enc 'cbc(aes)' $(key 16) auth 'hmac(sha256)' $(key 32) replay-window 128 replay-seq 0x10 replay-seq-hi 2 replay-oseq 0x100000020 flag esn noecn flag decap-dscp extra-flag dont-encap-dscp df set limit time-soft 3000 limit time-hard 3600 limit time-use-soft 100 limit time-use-hard 200 limit byte-soft 1000000 limit byte-hard 2000000 limit packet-soft 10 limit packet-hard 20" <<X
$HEAD len 324
  sa
$ADDRS
    spi 0x00001000
    proto 50
    mode 1
    reqid 7
    enc
      name cbc(aes)
      key (16 bytes, hidden)
    auth
      name hmac(sha256)
      key (32 bytes, hidden)
    replay-window 128
    flags 15
    seq-out 4294967328
    seq-in 8589934608
    lifetime-soft
      bytes 1000000
      packets 10
      add-secs 3000
      use-secs 100
    lifetime-hard
      bytes 2000000
      packets 20
      add-secs 3600
      use-secs 200
    tunnel-df 1
X

# auth-trunc sends its truncation; words in any order; one soft limit only
expect_request "$SA limit packet-soft 5 auth-trunc 'hmac(sha512)' $(key 64) 256 proto esp enc 'rfc3686(ctr(aes))' $(key 20) spi 2" <<X
$HEAD len 240
  sa
$ADDRS
    spi 0x00000002
    proto 50
    mode 0
    reqid 0
    enc
      name rfc3686(ctr(aes))
      key (20 bytes, hidden)
    auth
      name hmac(sha512)
      key (64 bytes, hidden)
      icv-len 256
    lifetime-soft
      packets 5
X

# AH: auth-trunc with its ICV, auth without
expect_request "$SA proto ah spi 1 auth-trunc 'hmac(sha1)' $(key 20) 96" <<X
$HEAD len 124
  sa
$ADDRS
    spi 0x00000001
    proto 51
    mode 0
    reqid 0
    auth
      name hmac(sha1)
      key (20 bytes, hidden)
      icv-len 96
X
expect_request "$SA proto 51 spi 1 auth 'hmac(sha384)' $(key 48)" <<X
$HEAD len 148
  sa
$ADDRS
    spi 0x00000001
    proto 51
    mode 0
    reqid 0
    auth
      name hmac(sha384)
      key (48 bytes, hidden)
X

# NULL/NULL: empty keys are sent as empty attributes
expect_request "$SA proto esp spi 1 enc 'ecb(cipher_null)' \"\" auth digest_null '' flag insecure" <<X
$HEAD len 136
  sa
$ADDRS
    spi 0x00000001
    proto 50
    mode 0
    reqid 0
    enc
      name ecb(cipher_null)
      key (0 bytes, hidden)
    auth
      name digest_null
      key (0 bytes, hidden)
    flags 16
X
expect_request "$SA proto esp spi 1 aead 'rfc7539esp(chacha20,poly1305)' $(key 36) 128 replay-oseq-hi 1 replay-seq 0x1122334455667788" <<X
$HEAD len 184
  sa
$ADDRS
    spi 0x00000001
    proto 50
    mode 0
    reqid 0
    aead
      name rfc7539esp(chacha20,poly1305)
      key (36 bytes, hidden)
      icv-len 128
    seq-out 4294967296
    seq-in 1234605616436508552
X

# each flag on its own, extra-flag, each df
for f in esn:1 noecn:2 decap-dscp:4 dont-encap-dscp:8 insecure:16; do
	expect_request "$SA proto esp spi 1 $AEAD flag ${f%:*}" <<X
$HEAD len 140
  sa
$ADDRS
    spi 0x00000001
    proto 50
    mode 0
    reqid 0
    aead
      name rfc4106(gcm(aes))
      key (20 bytes, hidden)
      icv-len 128
    flags ${f#*:}
X
done
for d in copy:0 set:1 clear:2 extra:; do
	if [ "$d" = extra: ]; then
		args="extra-flag dont-encap-dscp" attr="flags 8"
	else
		args="df ${d%:*}" attr="tunnel-df ${d#*:}"
	fi
	expect_request "$SA proto esp spi 1 mode tunnel $AEAD $args" <<X
$HEAD len 140
  sa
$ADDRS
    spi 0x00000001
    proto 50
    mode 1
    reqid 0
    aead
      name rfc4106(gcm(aes))
      key (20 bytes, hidden)
      icv-len 128
    $attr
X
done

# IKE proposals (every entry's mapping and key split: tests/unit.c)
# expect_alg PROPOSAL KEYBYTES <<X  the algorithm nests  X
expect_alg() {
	local proto=esp protonum=50 len=$3
	case $1 in sha*) proto=ah protonum=51 ;; esac
	expect_request "$SA proto $proto spi 1 alg $1 $(key "$2")" <<X
$HEAD len $len
  sa
$ADDRS
    spi 0x00000001
    proto $protonum
    mode 0
    reqid 0
$(cat)
X
}
expect_alg aes128gcm16 20 132 <<'X'
    aead
      name rfc4106(gcm(aes))
      key (20 bytes, hidden)
      icv-len 128
X
expect_alg aes256gcm8 36 148 <<'X'
    aead
      name rfc4106(gcm(aes))
      key (36 bytes, hidden)
      icv-len 64
X
expect_alg aes192gcm12 28 140 <<'X'
    aead
      name rfc4106(gcm(aes))
      key (28 bytes, hidden)
      icv-len 96
X
expect_alg chacha20poly1305 36 160 <<'X'
    aead
      name rfc7539esp(chacha20,poly1305)
      key (36 bytes, hidden)
      icv-len 128
X
expect_alg aes192gmac 28 140 <<'X'
    aead
      name rfc4543(gcm(aes))
      key (28 bytes, hidden)
      icv-len 128
X
# the key is 16 bytes of AES, then 20 of HMAC
expect_alg aes128-sha1 36 164 <<'X'
    enc
      name cbc(aes)
      key (16 bytes, hidden)
    auth
      name hmac(sha1)
      key (20 bytes, hidden)
      icv-len 96
X
# 32 bytes of AES and 4 of nonce, then 48 of HMAC
expect_alg aes256ctr-sha384 84 224 <<'X'
    enc
      name rfc3686(ctr(aes))
      key (36 bytes, hidden)
    auth
      name hmac(sha384)
      key (48 bytes, hidden)
      icv-len 192
X
expect_alg aes256-sha256 64 196 <<'X'
    enc
      name cbc(aes)
      key (32 bytes, hidden)
    auth
      name hmac(sha256)
      key (32 bytes, hidden)
      icv-len 128
X
expect_alg null-sha512 64 204 <<'X'
    enc
      name ecb(cipher_null)
      key (0 bytes, hidden)
    auth
      name hmac(sha512)
      key (64 bytes, hidden)
      icv-len 256
X
expect_alg sha256 32 140 <<'X'
    auth
      name hmac(sha256)
      key (32 bytes, hidden)
      icv-len 128
X

expect_request "sa del dst 10.0.0.2 proto ah spi 1" <<'X'
request sa-del (cmd 3) version 1 flags request ack len 48
  sa
    dst 10.0.0.2
    spi 0x00000001
    proto 51
X

# usage errors: exit 1, nothing sent
ENC="enc 'cbc(aes)' $(key 16)"
AUTH="auth 'hmac(sha1)' $(key 20)"
TRUNC="auth-trunc 'hmac(sha1)' $(key 20) 96"
E="$SA proto esp spi 1"
A="$SA proto ah spi 1"
expect_error 1 'unknown proposal "aes128gcm20"' "$E alg aes128gcm20 $(key 20)"
expect_error 1 'unknown proposal "aes128-md5"' "$E alg aes128-md5 $(key 32)"
expect_error 1 'proposal aes128-sha256 takes a key of 48 bytes (16 encryption, then 32 integrity), not 16' "$E alg aes128-sha256 $(key 16)"
expect_error 1 'proposal aes256ctr-sha384 takes a key of 84 bytes (36 encryption, then 48 integrity), not 80' "$E alg aes256ctr-sha384 $(key 80)"
expect_error 1 'proposal aes128gcm16 takes a key of 20 bytes, not 16' "$E alg aes128gcm16 $(key 16)"
expect_error 1 'proposal null-sha1 takes a key of 20 bytes, not 0' "$E alg null-sha1 ''"
expect_error 1 'proposal sha256 takes a key of 32 bytes, not 20' "$A alg sha256 $(key 20)"
expect_error 1 'proposal sha256 is for proto ah' "$E alg sha256 $(key 32)"
expect_error 1 'proposal aes128gcm16 is for proto esp' "$A alg aes128gcm16 $(key 20)"
expect_error 1 '"alg" needs PROPOSAL KEY' "$E alg aes128gcm16"
expect_error 1 'duplicate "alg"' "$E alg aes128gcm16 $(key 20) alg aes128gcm16 $(key 20)"
expect_error 1 '"alg" excludes "aead", "enc", "auth" and "auth-trunc"' "$E alg aes128gcm16 $(key 20) $AEAD"
expect_error 1 '"alg" excludes "aead", "enc", "auth" and "auth-trunc"' "$E $ENC alg aes128-sha1 $(key 36)"
expect_error 1 '"aead" excludes "enc", "auth" and "auth-trunc"' "$E $AEAD $ENC $AUTH"
expect_error 1 '"aead" excludes "enc", "auth" and "auth-trunc"' "$E $TRUNC $AEAD"
expect_error 1 '"enc" needs "auth" or "auth-trunc" (proto esp)' "$E $ENC"
expect_error 1 '"auth" needs "enc" with proto esp' "$E $AUTH"
expect_error 1 '"auth-trunc" needs "enc" with proto esp' "$E $TRUNC"
expect_error 1 '"auth" and "auth-trunc" exclude each other' "$E $ENC $AUTH $TRUNC"
expect_error 1 'proto ah takes "auth" or "auth-trunc" only, not "enc"' "$A $ENC $AUTH"
expect_error 1 'proto ah takes "auth" or "auth-trunc" only, not "aead"' "$A $AEAD"
expect_error 1 'missing "auth NAME KEY", "auth-trunc NAME KEY BITS" or "alg PROPOSAL KEY"' "$A"
expect_error 1 'duplicate "enc"' "$E $ENC $ENC $AUTH"
expect_error 1 'duplicate "auth"' "$E $ENC $AUTH $AUTH"
expect_error 1 'duplicate "aead"' "$E $AEAD $AEAD"
expect_error 1 '"enc" needs NAME KEY' "$E enc 'cbc(aes)'"
expect_error 1 '"auth-trunc" needs NAME KEY BITS' "$E $ENC auth-trunc 'hmac(sha1)' $(key 20)"
expect_error 1 'invalid truncation length "x"' "$E $ENC auth-trunc 'hmac(sha1)' $(key 20) x"
expect_error 1 'invalid algorithm name ""' "$E enc '' $(key 16) $AUTH"
expect_error 1 'invalid key: odd number of hex digits' "$E $ENC auth 'hmac(sha1)' 0x123"
expect_error 1 'invalid flag "bogus" (esn, noecn, decap-dscp, dont-encap-dscp or insecure)' "$E $AEAD flag bogus"
expect_error 1 'missing value after "flag"' "$E $AEAD flag"
expect_error 1 'unknown argument "bogus"' "$E $AEAD flag esn bogus"
expect_error 1 'invalid extra-flag "oseq-may-wrap" (only dont-encap-dscp)' "$E $AEAD extra-flag oseq-may-wrap"
expect_error 1 'duplicate "extra-flag"' "$E $AEAD extra-flag dont-encap-dscp extra-flag dont-encap-dscp"
expect_error 1 'invalid df "maybe" (copy, set or clear)' "$E $AEAD df maybe"
expect_error 1 'duplicate "df"' "$E $AEAD df set df clear"
expect_error 1 'invalid limit "time-medium"' "$E $AEAD limit time-medium 5"
expect_error 1 'missing value after "limit"' "$E $AEAD limit"
expect_error 1 'missing value after "limit byte-soft"' "$E $AEAD limit byte-soft"
expect_error 1 'invalid limit packet-hard "lots"' "$E $AEAD limit packet-hard lots"
expect_error 1 'duplicate "limit time-hard"' "$E $AEAD limit time-hard 5 limit time-hard 6"
expect_error 1 'invalid replay-seq "-1"' "$E $AEAD replay-seq -1"
expect_error 1 'invalid replay-oseq-hi "0x100000000"' "$E $AEAD replay-oseq-hi 0x100000000"
expect_error 1 'duplicate "replay-seq-hi"' "$E $AEAD replay-seq-hi 1 replay-seq-hi 1"
expect_error 1 '"replay-seq" above 32 bits and "replay-seq-hi": give the high bits once' "$E $AEAD replay-seq 0x100000000 replay-seq-hi 1"
expect_error 1 '"replay-oseq" above 32 bits and "replay-oseq-hi": give the high bits once' "$E $AEAD replay-oseq-hi 0 replay-oseq 0x100000000"
expect_error 1 'unknown argument "flag"' "sa del dst 10.0.0.2 proto esp spi 1 flag esn"
expect_error 1 'unknown argument "limit"' "sa get dst 10.0.0.2 proto esp spi 1 limit time-soft 1"

# --- policy ---------------------------------------------------------------

expect_request "policy add src 10.0.1.0/24 dst 10.0.2.0/24 proto tcp dport 80 dir out priority 100 action protect tmpl src 192.168.0.1 dst 192.168.0.2 proto esp mode tunnel reqid 1 spi 0x1000" <<'X'
request policy-add (cmd 7) version 1 flags request ack len 160
  policy
    dir 1
    priority 100
    action 0
    sel
      src 10.0.1.0
      dst 10.0.2.0
      src-prefixlen 24
      dst-prefixlen 24
      proto 6
      dport-min 80
      dport-max 80
    tmpl
      proto 50
      mode 1
      src 192.168.0.1
      dst 192.168.0.2
      reqid 1
      spi 0x00001000
X

# an AH template
expect_request "policy add src 10.0.1.1 dst 10.0.2.1 dir out action protect tmpl proto ah" <<'X'
request policy-add (cmd 7) version 1 flags request ack len 112
  policy
    dir 1
    priority 0
    action 0
    sel
      src 10.0.1.1
      dst 10.0.2.1
      src-prefixlen 32
      dst-prefixlen 32
    tmpl
      proto 51
      mode 0
      reqid 0
X

# no action: allow = bypass without a tmpl; host prefixes; a port range
expect_request "policy add src 10.0.1.1 dst 10.0.2.0/24 proto udp sport 1000-2000 dir in" <<'X'
request policy-add (cmd 7) version 1 flags request ack len 108
  policy
    dir 0
    priority 0
    action 1
    sel
      src 10.0.1.1
      dst 10.0.2.0
      src-prefixlen 32
      dst-prefixlen 24
      proto 17
      sport-min 1000
      sport-max 2000
X

# action allow with a tmpl = protect; words after the tmpl go back to the policy
expect_request "policy add src fd00:1::/64 dst fd00:2::1 tmpl mode transport dir fwd action allow" <<'X'
request policy-add (cmd 7) version 1 flags request ack len 136
  policy
    dir 2
    priority 0
    action 0
    sel
      src fd00:1::
      dst fd00:2::1
      src-prefixlen 64
      dst-prefixlen 128
    tmpl
      proto 50
      mode 0
      reqid 0
X

expect_request "policy add src ::/0 dst ::/0 proto ipv6-icmp type 135 code 0 dir in action bypass priority 1" <<'X'
request policy-add (cmd 7) version 1 flags request ack len 132
  policy
    dir 0
    priority 1
    action 1
    sel
      src ::
      dst ::
      src-prefixlen 0
      dst-prefixlen 0
      proto 58
      icmp-type 135
      icmp-code 0
X

expect_request "policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out action block" <<'X'
request policy-add (cmd 7) version 1 flags request ack len 84
  policy
    dir 1
    priority 0
    action 2
    sel
      src 0.0.0.0
      dst 0.0.0.0
      src-prefixlen 0
      dst-prefixlen 0
X

expect_request "policy del src 10.0.1.0/24 dst 10.0.2.0/24 proto tcp dport 80 dir out" <<'X'
request policy-del (cmd 8) version 1 flags request ack len 92
  policy
    dir 1
    sel
      src 10.0.1.0
      dst 10.0.2.0
      src-prefixlen 24
      dst-prefixlen 24
      proto 6
      dport-min 80
      dport-max 80
X

expect_request "policy get src 10.0.1.0/24 dst 10.0.2.0/24 dir out priority 5" <<'X'
request policy-get (cmd 9) version 1 flags request ack len 76
  policy
    dir 1
    priority 5
    sel
      src 10.0.1.0
      dst 10.0.2.0
      src-prefixlen 24
      dst-prefixlen 24
X

expect_request "policy del index 7" <<'X'
request policy-del (cmd 8) version 1 flags request ack len 32
  policy
    index 7
X

expect_request "policy show" <<'X'
request policy-get (cmd 9) version 1 flags request dump len 20
X

expect_request "policy flush" <<'X'
request policy-flush (cmd 10) version 1 flags request ack len 20
X

expect_request "policy flush dir fwd" <<'X'
request policy-flush (cmd 10) version 1 flags request ack len 32
  policy
    dir 2
X

expect_error 1 'invalid src prefix "10.0.1.0/33"' "policy add src 10.0.1.0/33 dst 10.0.2.0/24 dir out"
expect_error 1 'src and dst address families differ' "policy add src 10.0.1.0/24 dst fd00::/8 dir out"
expect_error 1 'missing "dir DIR"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24"
expect_error 1 'missing "src PREFIX"' "policy del dst 10.0.2.0/24 dir out"
expect_error 1 'invalid dir "sideways"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir sideways"
expect_error 1 '"sport" and "dport" need proto' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out dport 80"
expect_error 1 '"sport" and "dport" need proto' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out proto icmp sport 80"
expect_error 1 '"type" and "code" need proto icmp or ipv6-icmp' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out proto tcp type 8"
expect_error 1 'invalid dport range "90-80"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out proto tcp dport 90-80"
expect_error 1 'invalid dport "70000"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out proto tcp dport 70000"
expect_error 1 'invalid type "256"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out proto icmp type 256"
expect_error 1 'invalid proto "bogus"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out proto bogus"
expect_error 1 'invalid action "foo"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out action foo"
expect_error 1 '"tmpl" goes with action protect only' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out action discard tmpl proto esp"
expect_error 1 'tmpl needs both src and dst, or neither' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out tmpl src 1.1.1.1 mode tunnel"
expect_error 1 'tmpl src and dst address families differ' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out tmpl src 1.1.1.1 dst fd00::1 mode tunnel"
expect_error 1 'only one tmpl is supported' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out tmpl mode tunnel tmpl"
expect_error 1 'duplicate "mode" in tmpl' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out tmpl mode tunnel mode transport"
expect_error 1 'duplicate "dir"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out dir in"
expect_error 1 'unknown argument "index"' "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out index 4"
expect_error 1 '"index" replaces the selector, dir and priority' "policy del index 4 dir out"
expect_error 1 'unknown argument "action"' "policy del src 10.0.1.0/24 dst 10.0.2.0/24 dir out action protect"
expect_error 1 'unknown argument "priority"' "policy flush dir out priority 3"
expect_error 1 'unknown argument "x"' "policy show x"
expect_error 1 'Try "kipsec policy help".' "policy show x"

# --- ESP in UDP, allocspi's lifetime, sockets -------------------------------

# encap espinudp SPORT DPORT [OADDR]: ip-xfrm's words; OADDR is ignored
for oaddr in "" " 0.0.0.0" " 192.0.2.1"; do
	expect_request "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10 $AEAD encap espinudp 4500 4501$oaddr" <<'X'
request sa-add (cmd 1) version 1 flags request ack len 160
  sa
    src 10.0.0.1
    dst 10.0.0.2
    spi 0x00000010
    proto 50
    mode 0
    reqid 0
    aead
      name rfc4106(gcm(aes))
      key (20 bytes, hidden)
      icv-len 128
    encap
      type 1
      sport 4500
      dport 4501
X
done

# update without algorithms: the SA's identity and encap, nothing else
expect_request "sa update src fd00::1 dst fd00::2 proto esp spi 0x10 encap espinudp 4501 4500 ::" <<'X'
request sa-update (cmd 2) version 1 flags request ack len 108
  sa
    src fd00::1
    dst fd00::2
    spi 0x00000010
    proto 50
    encap
      type 1
      sport 4501
      dport 4500
X

expect_request "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp min 0x100 max 0x1ff limit time-hard 2" <<'X'
request sa-allocspi (cmd 6) version 1 flags request ack len 80
  sa
    src 10.0.0.1
    dst 10.0.0.2
    proto 50
    lifetime-hard
      add-secs 2
    spi-min 0x00000100
    spi-max 0x000001ff
X

expect_error 1 'unsupported encap "espinudp-nonike" (only espinudp)' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 $AEAD encap espinudp-nonike 4500 4500"
expect_error 1 'invalid encap source port "0" (1 to 65535 expected)' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 $AEAD encap espinudp 0 4500"
expect_error 1 'invalid encap destination port "65536" (1 to 65535 expected)' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 $AEAD encap espinudp 4500 65536"
expect_error 1 'invalid encap destination port "x"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 $AEAD encap espinudp 4500 x"
expect_error 1 'missing value after "encap espinudp SPORT DPORT"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 $AEAD encap espinudp 4500"
expect_error 1 'duplicate "encap"' "sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 $AEAD encap espinudp 1 2 encap espinudp 1 2"
expect_error 1 'encap is for proto esp only' "sa add src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 auth 'hmac(sha1)' $(key 20) encap espinudp 4500 4500"
expect_error 1 'without algorithms, sa update changes only the encap ports of a valid SA' "sa update src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 encap espinudp 4500 4500 mode tunnel"
expect_error 1 'missing the algorithms (to complete an SA from allocspi) or "encap espinudp SPORT DPORT"' "sa update src 10.0.0.1 dst 10.0.0.2 proto esp spi 1"
expect_error 1 'missing "src ADDR"' "sa update dst 10.0.0.2 proto esp spi 1 encap espinudp 4500 4500"
expect_error 1 'unknown argument "encap"' "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp encap espinudp 1 2"
expect_error 1 'allocspi takes "limit time-hard SECONDS" only' "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp limit time-soft 2"
expect_error 1 'allocspi takes "limit time-hard SECONDS" only' "sa allocspi src 10.0.0.1 dst 10.0.0.2 proto esp limit time-hard 2 limit byte-hard 5"

for cmd in "sock" "sock show" "sock list"; do
	expect_request "$cmd" <<'X'
request sock-get (cmd 20) version 1 flags request dump len 20
X
done
expect_output 0 "-j sock show" <<'X'
[]
X

# natt listen: a UDP socket handed over by its descriptor (a dry run binds
# nothing and waits for nothing)
natt_request() {
	local args=$1 flags=$2 got rc
	got=$(run $args 2>&1)
	rc=$?
	got=$(sed 's/^    fd [0-9][0-9]*$/    fd N/' <<<"$got")
	if [ $rc -eq 0 ] && [ "$got" = "request sock-add (cmd 18) version 1 flags request ack len 40
  sock
    fd N
    flags $flags" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kipsec $args:"
		sed 's/^/    /' <<<"$got"
	fi
}
natt_request "natt listen" 2
natt_request "natt listen port 4501 family inet6" 2
natt_request "natt listen bypass family inet" 3
expect_error 1 'invalid port "0" (1 to 65535 expected)' "natt listen port 0"
expect_error 1 'invalid port "x"' "natt listen port x"
expect_error 1 'invalid family "ipx" (inet or inet6)' "natt listen family ipx"
expect_error 1 'duplicate "bypass"' "natt listen bypass bypass"
expect_error 1 'duplicate "port"' "natt listen port 1 port 2"
expect_error 1 'unknown argument "foo"' "natt listen foo"
expect_error 1 'unknown argument "connect"' "natt connect"
expect_error 1 'Try "kipsec natt help".' "natt connect"
expect_error 1 'unknown argument "foo"' "sock foo"
expect_error 1 'Try "kipsec sock help".' "sock show foo"

# --- stats, monitor, global options ---------------------------------------

expect_request "stats" <<'X'
request stats-get (cmd 11) version 1 flags request ack len 20
X
expect_request "-j stats" <<'X'
request stats-get (cmd 11) version 1 flags request ack len 20
X
expect_error 1 'unknown argument "foo"' "stats foo"
expect_error 1 'unknown argument "foo"' "monitor foo"
expect_error 1 'unknown argument "frob"' "frob"
expect_error 1 'unknown argument "-x"' "-x sa show"
expect_error 1 'Try "kipsec help".' "frob"
expect_error 1 'Usage: kipsec' ""
expect_output 0 "-j sa show" <<'X'
[]
X
expect_output 0 "-json policy list" <<'X'
[]
X
expect_output 0 "-V" <<'X'
kipsec 0.1 (netlink family "kipsec" version 1)
X
for h in "-h" "help" "--help" "sa help" "policy help"; do
	if run $h | grep -q '^kipsec .*add'; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kipsec $h prints no usage"
	fi
done

# the SA usage names every word of the grammar
sa_help=$(run sa help)
for w in 'proto { esp | ah }' aead enc auth auth-trunc 'alg PROPOSAL KEY' \
	 replay-window replay-seq replay-oseq replay-seq-hi replay-oseq-hi \
	 'flag FLAG [ FLAG ... ] ]...' 'extra-flag dont-encap-dscp' \
	 'df { copy | set | clear }' time-soft time-hard time-use-soft \
	 time-use-hard byte-soft byte-hard packet-soft packet-hard \
	 'esn | noecn | decap-dscp | dont-encap-dscp | insecure' \
	 'aes{128,192,256}gcm{8,12,16}' chacha20poly1305 \
	 'aes{128,192,256}gmac' 'aes{128,192,256}-sha{1,256,384,512}' \
	 'aes{128,192,256}ctr-sha{1,256,384,512}' 'null-sha{1,256,384,512}' \
	 'sha{1,256,384,512} (ah)' "'rfc7539esp(chacha20,poly1305)'" \
	 "'rfc4543(gcm(aes))'" "'rfc3686(ctr(aes))'" "'ecb(cipher_null)'" \
	 digest_null '0xHEX | "" | @FILE' 'encap espinudp SPORT DPORT [ OADDR ]' \
	 'limit time-hard SECONDS'; do
	if grep -qF -- "$w" <<<"$sa_help"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kipsec sa help does not mention: $w"
	fi
done

# sock and natt help name their words
for h in "sock help" "natt help"; do
	for w in 'kipsec sock [ show | list ]' 'natt listen [ port PORT ] [ family { inet | inet6 } ] [ bypass ]'; do
		if run $h | grep -qF -- "$w"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL: kipsec $h does not mention: $w"
		fi
	done
done

# --- -batch ----------------------------------------------------------------

BATCH_DIR=$(mktemp -d /tmp/kipsec-cli-batch.XXXXXX)
trap 'rm -rf "$BATCH_DIR"' EXIT
B=$BATCH_DIR/b
cat >"$B" <<'X'
# null algorithms: quoted names, "" keys, a continued line

sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 \
	enc 'ecb(cipher_null)' "" auth digest_null "" flag insecure	# comment
policy add src 10.0.0.1 dst 10.0.0.2 dir out action discard
X

# the requests of a batch are those of the same command lines
want=$( (run sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 \
	enc 'ecb(cipher_null)' "" auth digest_null "" flag insecure
	run policy add src 10.0.0.1 dst 10.0.0.2 dir out action discard) 2>&1)
for opt in "-batch" "-b" "--batch" "-j -force -batch"; do
	got=$(run $opt "$B" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kipsec $opt $B (exit $rc)"
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
	fi
done
got=$(run -batch - <"$B" 2>&1)
if [ "$got" = "$want" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: kipsec -batch - (stdin)"
fi

# expect_batch RC "OPTIONS" "STDERR" <<EOF  batch file  EOF: exit RC, STDERR
# exactly (the file called F)
expect_batch() {
	local want_rc=$1 opts=$2 want=$3 got rc
	cat >"$BATCH_DIR/F"
	(cd "$BATCH_DIR" && KIPSEC_DEBUG_DUMP=dry $VALGRIND "$OLDPWD/$K" $opts \
		-batch F >/dev/null 2>"$BATCH_DIR/err")
	rc=$?
	got=$(grep -v '^ \|^request ' "$BATCH_DIR/err")
	if [ $rc -eq "$want_rc" ] && [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kipsec $opts -batch: want exit $want_rc, got $rc:"
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
	fi
}

expect_batch 1 "" 'F:3: Error: invalid dir "sideways" (in, out or fwd)
Command failed F:3' <<'X'
policy add src 10.0.0.1 dst 10.0.0.2 dir out
# line 2
policy add src 10.0.0.1 dst 10.0.0.3 dir sideways
policy add src 10.0.0.1 dst 10.0.0.4 dir out
X
expect_batch 1 "-force" 'F:3: Error: invalid dir "sideways" (in, out or fwd)
Command failed F:3
F:6: Error: unterminated quoted string
Command failed F:6' <<'X'
policy add src 10.0.0.1 dst 10.0.0.2 dir out
# line 2
policy add src 10.0.0.1 dst 10.0.0.3 dir sideways
policy add src 10.0.0.1 \
	dst 10.0.0.4 dir out
sa add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc 'cbc(aes) 0x00
policy add src 10.0.0.1 dst 10.0.0.5 dir out
X
expect_batch 1 "-force" 'F:1: Error: monitor runs until stopped: not in a batch
Command failed F:1
F:2: Error: natt listen runs until stopped: not in a batch
Command failed F:2
F:3: Error: options go before -batch, not on a line of the batch
Command failed F:3
F:4: Error: text right after a closing quote
Command failed F:4' <<'X'
monitor
natt listen
-j sa show
sa add enc 'cbc(aes)'0x00
X

expect_error 1 'Error: cannot open "/nonexistent/kipsec.batch" for reading' "-batch /nonexistent/kipsec.batch"
expect_error 1 'Error: missing value after "-batch"' "-batch"
expect_error 1 'Error: unexpected "sa": -batch FILE takes the commands from FILE' "-batch $B sa show"
expect_error 1 'Error: -force goes with -batch FILE' "-force sa show"

# without the module (the usual case on a build host), a clear message
if [ ! -d /sys/module/kipsec ]; then
	got=$($VALGRIND "$K" sa show 2>&1)
	rc=$?
	if [ $rc -eq 2 ] &&
	   [ "$got" = 'Error: kipsec module not loaded (family "kipsec" not found)' ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: without the module: exit $rc: $got"
	fi
	# a batch opens the socket once: without the module even -force stops
	printf 'sa show\npolicy show\n' >"$BATCH_DIR/nomod"
	got=$($VALGRIND "$K" -force -batch "$BATCH_DIR/nomod" 2>&1)
	rc=$?
	want="$BATCH_DIR/nomod:1: Error: kipsec module not loaded (family \"kipsec\" not found)
Command failed $BATCH_DIR/nomod:1"
	if [ $rc -eq 2 ] && [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: batch without the module: exit $rc: $got"
	fi
fi

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
