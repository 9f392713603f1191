#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/lib_ike.sh - strongSwan's charon in network namespaces, for the
# IKE tests (issue 4).  Source it instead of lib.sh (it sources lib.sh):
#
#	. "$(dirname "$0")/lib_ike.sh"
#
# Every charon runs in its own namespace with its own files under a tmpfs
# ($IKE_DIR/NAME/): strongswan.conf, swanctl.conf, the vici socket, the log
# and a private /run (charon's pid file is fixed at /run/charon.pid).  A
# side is "kipsec" (charon loads kernel-kipsec before kernel-netlink: kipsec
# holds the SAs and policies, kernel-netlink stays for addresses and routes)
# or "xfrm" (stock charon, native XFRM).
#
#	ike_require kipsec xfrm       # skip unless both can run
#	ike_charon_start a "$GWA" kipsec
#	ike_swanctl a <<EOF ... EOF   # the side's swanctl.conf, loaded
#	ike_initiate a net
#	ike_child_json a net          # the CHILD_SA as charon reports it
#
# Environment:
#   IKE_IMPL_A   kipsec (default) or xfrm: the implementation of the side
#                the tests put under test (the "A" side).  IKE_IMPL_A=xfrm
#                runs every test XFRM <-> XFRM: the tests checking themselves
#                without the kipsec plugin.
#   IKE_IMPL_B   xfrm (default) or kipsec: the reference side.
#   KIPSEC_IKE_PLUGIN  the plugin to install (default
#                $top/build/strongswan/libstrongswan-kernel-kipsec.so,
#                built by 'make strongswan-plugin')
# tools/vm/run passes only KIPSEC_* variables into the VM: give the others
# on the command line of --exec.
#
# On failure (ksft_exit with a failed check), the end of every charon log
# is printed along with dump_state.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IKE_IMPL_A=${IKE_IMPL_A:-kipsec}
IKE_IMPL_B=${IKE_IMPL_B:-xfrm}
IKE_PLUGIN=${KIPSEC_IKE_PLUGIN:-$(readlink -m "$KIPSEC_SELFTESTS/..")/build/strongswan/libstrongswan-kernel-kipsec.so}
IKE_PLUGIN_DIR=/usr/lib/ipsec/plugins
CHARON=/usr/lib/ipsec/charon
IKE_PSK=kipsec-selftest-preshared-key-0123456789
IKE_NAMES=()

# IKE and ESP proposals that this strongSwan can do without the openssl or
# gcm plugins: IKE crypto in userspace (aes, sha2, gmp), ESP in the kernel
IKE_PROPOSAL=aes128-sha256-modp2048
ESP_PROPOSAL=aes128gcm16

# The plugins of a stock charon that the tests need, in load order;
# kernel-kipsec goes before kernel-netlink on a kipsec side
IKE_PLUGINS="random nonce aes sha1 sha2 hmac kdf gmp mgf1 pem pkcs1 pkcs8 x509 pubkey
	constraints revocation drbg kernel-netlink socket-default vici"

# ------------------------------------------------------------ requirements

# ike_require IMPL...: skip unless charon, swanctl and each IMPL are usable;
# installs the kipsec plugin when an IMPL is kipsec
ike_require() {
	local impl

	require_root
	require_cmds ip python3 jq timeout swanctl tcpdump ping
	[ -x "$CHARON" ] || skip "strongSwan's charon is not installed ($CHARON)"
	require_xfrm
	modprobe -q esp4_offload 2>/dev/null
	for impl; do
		case "$impl" in
		xfrm) ;;
		kipsec)
			require_kipsec
			[ -f "$IKE_PLUGIN" ] ||
				skip "the charon plugin $IKE_PLUGIN is missing (make strongswan-plugin)"
			if ! cmp -s "$IKE_PLUGIN" "$IKE_PLUGIN_DIR/libstrongswan-kernel-kipsec.so"; then
				cp "$IKE_PLUGIN" "$IKE_PLUGIN_DIR/libstrongswan-kernel-kipsec.so" ||
					skip "cannot install $IKE_PLUGIN in $IKE_PLUGIN_DIR"
			fi
			;;
		*)	fail "IKE implementation must be kipsec or xfrm, not '$impl'"; ksft_exit ;;
		esac
	done
	modprobe -q veth 2>/dev/null
	IKE_DIR=$TMPD/ike
	mkdir -p "$IKE_DIR" && mount -t tmpfs -o mode=0700 ike "$IKE_DIR" ||
		{ fail "tmpfs on $IKE_DIR"; ksft_exit; }
	at_exit "umount -l '$IKE_DIR'"
	ike_vici_py >"$IKE_DIR/vici.py"
}

# ike_warmup IMPL NS [ALG KEY ICV]: load the kernel's crypto for an ESP
# algorithm (AES-GCM by default) once, so that the first IKE exchange does
# not wait for it: the first allocation of a transform autoloads modules and
# runs their self-tests, ~20 s under TCG.  Through kipsec or XFRM in NS,
# with an SA added and removed.
ike_warmup() {
	local impl=$1 ns=$2 alg=${3:-rfc4106(gcm(aes))} key=${4:-$KEY_A} icv=${5:-128}
	local t0=$SECONDS

	case "$impl" in
	kipsec)
		kip "$ns" sa add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x7ffffff0 \
			mode tunnel aead "$alg" "$key" "$icv" >/dev/null &&
		kip "$ns" sa del dst 192.0.2.2 proto esp spi 0x7ffffff0
		;;
	xfrm)
		ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x7ffffff0 \
			mode tunnel aead "$alg" "$key" "$icv" &&
		ip -n "$ns" xfrm state del src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x7ffffff0
		;;
	esac || log "warning: warm-up of $alg in $impl ($ns) failed"
	[ $((SECONDS - t0)) -lt 3 ] || log "crypto warm-up ($impl, $alg): $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- charons

# ike_charon_start NAME NS IMPL [EXTRA-CHARON-SETTINGS]: write NAME's
# strongswan.conf, start charon in NS and wait for its vici socket.
# EXTRA: more lines for the charon { } section (e.g. "retransmit_tries = 2").
# Sets IKE_NS_NAME, IKE_IMPL_NAME and IKE_PID_NAME.
ike_charon_start() {
	local name=$1 ns=$2 impl=$3 extra=${4:-} dir=$IKE_DIR/$1 plugins p load="" i pid

	# swanctl reads credentials from the directories beside swanctl.conf
	mkdir -p "$dir/run" "$dir"/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	plugins=$IKE_PLUGINS
	[ "$impl" != kipsec ] || plugins=${plugins/kernel-netlink/kernel-kipsec kernel-netlink}
	for p in $plugins; do
		[ -f "$IKE_PLUGIN_DIR/libstrongswan-$p.so" ] && load+=" $p"
	done
	cat >"$dir/strongswan.conf" <<EOF
# $name: charon + $impl in $ns
charon {
	load_modular = no
	load =$load
	install_virtual_ip = no
	# a test runs for seconds: no jitter on its timers, quick retries
	retransmit_timeout = 2.0
	retransmit_tries = 3
	filelog {
		test {
			path = $dir/charon.log
			time_format = %T
			append = no
			flush_line = yes
			default = 1
			ike = 2
			knl = 2
			cfg = 1
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
	plugins {
		vici {
			socket = unix://$dir/vici
		}
	}
$extra
}
swanctl {
	load = pem pkcs1 pkcs8 x509 pubkey gmp random sha1 sha2
	socket = unix://$dir/vici
}
EOF
	: >"$dir/charon.log"
	rm -f "$dir/vici"
	# ip netns exec gives charon a mount namespace of its own: its /run
	# there is $dir/run
	ip netns exec "$ns" sh -c 'mount --bind "$1/run" /run && STRONGSWAN_CONF="$1/strongswan.conf" exec "$2"' \
		- "$dir" "$CHARON" >"$dir/stdout" 2>&1 &
	pid=$!
	eval "IKE_NS_$name=\$ns IKE_IMPL_$name=\$impl IKE_PID_$name=\$pid"
	[[ " ${IKE_NAMES[*]} " == *" $name "* ]] || IKE_NAMES+=("$name")
	for ((i = 0; i < 300; i++)); do
		if [ -S "$dir/vici" ] && ike_swan "$name" --stats >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "charon $name ($impl in $ns) did not start: $(tail -n 5 "$dir/stdout" "$dir/charon.log")"
	return 1
}

# ike_charon_stop NAME [SIGNAL]: stop NAME's charon (TERM: it deletes its
# IKE_SAs, CHILD_SAs and their kernel state; KILL: it leaves them) and wait
# for it to end (20 s)
ike_charon_stop() {
	local name=$1 sig=${2:-TERM} pid i

	eval "pid=\${IKE_PID_$name:-}"
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "charon $name did not end on SIG$sig within 20 s; killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	eval "IKE_PID_$name="
}

ike_cleanup() {
	local name

	for name in "${IKE_NAMES[@]}"; do
		ike_charon_stop "$name"
	done
}
at_exit ike_cleanup

# ike_swan NAME ARG...: swanctl for NAME's charon, in its namespace
ike_swan() {
	local name=$1 ns dir=$IKE_DIR/$1
	shift

	eval "ns=\$IKE_NS_$name"
	STRONGSWAN_CONF=$dir/strongswan.conf ip netns exec "$ns" \
		timeout 60 swanctl "$@" --uri "unix://$dir/vici"
}

# ike_swanctl NAME < CONF: NAME's swanctl.conf from stdin; loaded at once
# (swanctl --load-all).  Files named in it: absolute paths.
ike_swanctl() {
	local name=$1 dir=$IKE_DIR/$1 out

	cat >"$dir/swanctl.conf"
	if ! out=$(ike_swan "$name" --load-all --file "$dir/swanctl.conf" 2>&1) ||
	   [[ "$out" == *"failed"* ]]; then
		fail "swanctl --load-all for $name: $out"
		return 1
	fi
}

# ike_initiate NAME CHILD [IKE]: initiate CHILD (of IKE), wait for it
ike_initiate() {
	local out

	if ! out=$(ike_swan "$1" --initiate --child "$2" ${3:+--ike "$3"} --timeout 30 2>&1); then
		fail "$1: initiate $2: $(echo "$out" | tail -n 3)"
		return 1
	fi
}

# ike_log NAME: NAME's charon log file
ike_log() { echo "$IKE_DIR/$1/charon.log"; }

# ike_dump_logs: the end of every charon's log (called on failure)
ike_dump_logs() {
	local name

	for name in "${IKE_NAMES[@]}"; do
		echo "--- charon $name: the last 40 lines of its log"
		tail -n 40 "$IKE_DIR/$name/charon.log" 2>/dev/null | sed 's/^/    /'
		[ ! -s "$IKE_DIR/$name/stdout" ] || sed 's/^/    stdout: /' "$IKE_DIR/$name/stdout" | tail -n 5
	done
}

# lib.sh's ksft_exit runs dump_state on failure; the charon logs go with it
eval "lib_$(declare -f dump_state)"
dump_state() {
	lib_dump_state
	ike_dump_logs
}

# --------------------------------------------------------------------- vici

# ike_vici NAME CMD [KEY=VALUE...]: one vici request to NAME's charon, the
# answer as JSON.  For the list-* commands: the streamed events as a list.
ike_vici() {
	local name=$1 ns dir=$IKE_DIR/$1
	shift

	eval "ns=\$IKE_NS_$name"
	ip netns exec "$ns" timeout 30 python3 -S "$IKE_DIR/vici.py" "$dir/vici" "$@"
}

# A minimal vici client (strongSwan's src/libcharon/plugins/vici/README.md)
ike_vici_py() {
	cat <<'EOF'
import json, socket, struct, sys

def enc_msg(kv):
    out = b""
    for k, v in kv.items():
        k = k.encode()
        v = v.encode()
        out += bytes([3, len(k)]) + k + struct.pack(">H", len(v)) + v
    return out

def dec_msg(b):
    stack, cur, lst, i = [], {}, None, 0
    while i < len(b):
        t = b[i]; i += 1
        if t in (1, 3, 4):
            n = b[i]; name = b[i + 1:i + 1 + n].decode(); i += 1 + n
        if t == 1:
            new = {}; cur[name] = new; stack.append(cur); cur = new
        elif t == 2:
            cur = stack.pop()
        elif t == 3:
            n = struct.unpack(">H", b[i:i + 2])[0]
            cur[name] = b[i + 2:i + 2 + n].decode(errors="replace"); i += 2 + n
        elif t == 4:
            lst = cur[name] = []
        elif t == 5:
            n = struct.unpack(">H", b[i:i + 2])[0]
            lst.append(b[i + 2:i + 2 + n].decode(errors="replace")); i += 2 + n
        elif t == 6:
            lst = None
    return cur

s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])

def send(typ, name=None, body=b""):
    p = bytes([typ])
    if name is not None:
        p += bytes([len(name)]) + name.encode()
    p += body
    s.sendall(struct.pack(">I", len(p)) + p)

def recv():
    hdr = b""
    while len(hdr) < 4:
        c = s.recv(4 - len(hdr))
        if not c:
            sys.exit("vici: connection closed")
        hdr += c
    n = struct.unpack(">I", hdr)[0]
    p = b""
    while len(p) < n:
        p += s.recv(n - len(p))
    typ, rest = p[0], p[1:]
    if typ == 7:	# EVENT: named
        rest = rest[1 + rest[0]:]
    return typ, rest

cmd = sys.argv[2]
args = dict(a.split("=", 1) for a in sys.argv[3:])
event = {"list-sas": "list-sa", "list-conns": "list-conn",
         "list-policies": "list-policy", "list-certs": "list-cert"}.get(cmd)
if event:
    send(3, event)
    if recv()[0] != 5:
        sys.exit("vici: cannot register for " + event)
send(0, cmd, enc_msg(args))
events = []
while True:
    typ, body = recv()
    if typ == 7:
        events.append(dec_msg(body))
    elif typ == 1:
        res = dec_msg(body)
        break
    else:
        sys.exit("vici: unknown command " + cmd)
print(json.dumps(events if event else res))
EOF
}

# The newest installed CHILD_SA named $name in charon's list-sas (a list of
# events, each {IKE_SA name: {..., "child-sas": {...}}}), with its IKE_SA's
# fields as "ike"; null if there is none.  jq, not python: each python
# start costs about 3 s on the debug kernel, and ike_check_agree used five.
IKE_JQ_CHILD='
def child($name):
	[.[] | .[] | . as $ike | (."child-sas" // {})[] |
	 select(.name == $name and .state == "INSTALLED") |
	 . + {ike: ($ike | del(."child-sas"))}] |
	max_by(.uniqueid | tonumber);'

# ike_child_json NAME CHILD: the installed CHILD_SA named CHILD, as charon's
# list-sas gives it (keys spi-in, spi-out, mode, protocol, encap,
# encr-alg, encr-keysize, integ-alg, local-ts, remote-ts, ...) plus
# "ike" (the IKE_SA's fields: version, state, local-host, remote-host,
# nat-local, nat-remote, ...), or nothing (exit 1) when there is none.  With
# several, the newest.
ike_child_json() {
	ike_vici "$1" list-sas | jq -c --arg name "$2" "$IKE_JQ_CHILD"'
	child($name) // ("" | halt_error(1))'
}

# ike_child_field NAME CHILD FIELD...: fields of ike_child_json, space
# separated, "?" where absent; "ike.FIELD" for the IKE_SA's; a list (the
# traffic selectors) as compact JSON.  Just "?" when there is no such
# CHILD_SA.
ike_child_field() {
	local name=$1 child=$2
	shift 2
	ike_vici "$name" list-sas | jq -r --arg name "$child" "$IKE_JQ_CHILD"'
	child($name) as $c |
	if $c == null then "?" else
		[$ARGS.positional[] |
		 reduce split(".")[] as $p ($c;
			if type == "object" and has($p) then .[$p] else "?" end) |
		 if type == "string" then . else tojson end] | join(" ")
	end' --args "$@" || echo "?"
}

# ike_sas_count NAME: "IKE_SAS CHILD_SAS" (established/installed) of NAME
ike_sas_count() {
	ike_vici "$1" list-sas | jq -r '
	[.[] | .[]] |
	"\(map(select(.state == "ESTABLISHED")) | length) \([.[] | (."child-sas" // {})[] | select(.state == "INSTALLED")] | length)"'
}

# ike_wait_child NAME CHILD [SECONDS]: until CHILD is installed at NAME (10 s)
ike_wait_child() {
	local i

	for ((i = 0; i < ${3:-10} * 5; i++)); do
		ike_child_json "$1" "$2" >/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# ike_wait_log NAME REGEX [SECONDS]: until NAME's log has a line matching
# REGEX (10 s)
ike_wait_log() {
	local i

	for ((i = 0; i < ${3:-10} * 5; i++)); do
		grep -qE "$2" "$IKE_DIR/$1/charon.log" && return 0
		sleep 0.2
	done
	return 1
}

# ------------------------------------------------------- the kernel's view

# ike_kernel_sas NAME: the SAs in the kernel backend of NAME's side (kipsec
# or XFRM), one per line: "SPI SRC DST PROTO MODE ALG" with SPI as 8 hex
# digits (like swanctl), ALG like "rfc4106(gcm(aes))/128/128" (AEAD: name,
# key bits without salt, ICV bits) or "cbc(aes)/128+hmac(sha256)/128"
# (jq for kipsec's JSON, awk for ip xfrm's text)
ike_kernel_sas() {
	local name=$1 ns impl

	eval "ns=\$IKE_NS_$name impl=\$IKE_IMPL_$name"
	case "$impl" in
	kipsec) kip "$ns" -j sa show | jq -r '
		def salt: if test("^(rfc4106|rfc4543|rfc3686|rfc7539)") then 32 else 0 end;
		def hex8: . as $n | [range(7; -1; -1) as $i |
			($n / pow(16; $i) | floor) % 16 | "0123456789abcdef"[.:. + 1]] | join("");
		.[]? |
		([("aead", "enc", "auth") as $k | .[$k] // empty |
		  "\(.name)/\((.key_len // 0) - (.name | salt))" +
		  (if has("icv_len") then "/\(.icv_len)" else "" end)] | join("+")) as $alg |
		"\(.spi | hex8) \(.src) \(.dst) \(.proto) \(.mode) \(if $alg == "" then "-" else $alg end)"' ;;
	xfrm) ip -n "$ns" xfrm state | awk '
		function salt(n) { return n ~ /^(rfc4106|rfc4543|rfc3686|rfc7539)/ ? 32 : 0 }
		function flush() {
			if (spi != "")
				print spi, src, dst, proto, mode, (alg == "" ? "-" : alg)
			spi = ""; alg = ""; mode = ""
		}
		/^src / { flush(); src = $2; dst = $4; next }
		$1 == "proto" && $3 == "spi" {
			proto = $2
			spi = substr($4, 3)
			while (length(spi) < 8)
				spi = "0" spi
			for (i = 5; i < NF; i++)
				if ($i == "mode")
					mode = $(i + 1)
		}
		$1 ~ /^(aead|enc|auth-trunc|auth)$/ && $3 ~ /^0x[0-9a-f]*$/ {
			a = $2 "/" (length($3) * 4 - 8 - salt($2))
			if ($1 == "aead" || $1 == "auth-trunc")
				a = a "/" $4
			alg = alg (alg == "" ? "" : "+") a
		}
		END { flush() }' ;;
	esac
}

# ike_kernel_sa_count NAME: how many SAs NAME's kernel backend holds
ike_kernel_sa_count() {
	ike_kernel_sas "$1" | grep -c .
}

# ike_kernel_policy_count NAME: how many policies NAME's kernel backend
# holds (for XFRM without the socket policies charon adds per socket)
ike_kernel_policy_count() {
	local name=$1 ns impl

	eval "ns=\$IKE_NS_$name impl=\$IKE_IMPL_$name"
	case "$impl" in
	kipsec) kip "$ns" -j policy show | jq length ;;
	xfrm) ip -n "$ns" xfrm policy | grep -cE '^[[:space:]]*dir (in|out|fwd) ' ;;
	esac
}

# ike_esp_alg ENCR-ALG ENCR-KEYSIZE INTEG-ALG: the kernel's algorithm of a
# CHILD_SA, from charon's encr-alg, encr-keysize, integ-alg (as
# ike_kernel_sas writes it); "?" for one it does not know
ike_esp_alg() {
	local encr=$1 size=$2 integ=${3:--} n="" icv k

	case "$encr" in
	AES_GCM_16) n="rfc4106(gcm(aes))" icv=128 ;;
	AES_GCM_12) n="rfc4106(gcm(aes))" icv=96 ;;
	AES_GCM_8) n="rfc4106(gcm(aes))" icv=64 ;;
	CHACHA20_POLY1305) n="rfc7539esp(chacha20,poly1305)" icv=128 size=256 ;;
	NULL_AES_GMAC) n="rfc4543(gcm(aes))" icv=128 ;;
	esac
	if [ -n "$n" ]; then
		echo "$n/$size/$icv"
		return
	fi
	case "$encr" in
	AES_CBC) n="cbc(aes)" ;;
	AES_CTR) n="rfc3686(ctr(aes))" ;;
	NULL) n="ecb(cipher_null)" ;;
	*) echo "?"; return ;;
	esac
	case "$integ" in
	HMAC_SHA1_96) echo "$n/$size+hmac(sha1)/160/96" ;;
	HMAC_SHA2_256_128) echo "$n/$size+hmac(sha256)/256/128" ;;
	HMAC_SHA2_384_192) echo "$n/$size+hmac(sha384)/384/192" ;;
	HMAC_SHA2_512_256) echo "$n/$size+hmac(sha512)/512/256" ;;
	*) echo "?" ;;
	esac
}

# ike_check_agree NAME CHILD: charon's view of CHILD at NAME (swanctl's
# list-sas) matches its kernel backend's SAs: an inbound SA with spi-in
# (peer -> us) and an outbound with spi-out, of the CHILD_SA's algorithm,
# mode and protocol.  Sets IKE_SPI_IN and IKE_SPI_OUT (8 hex digits).
ike_check_agree() {
	local name=$1 child=$2 impl f sas want local remote ln

	eval "impl=\$IKE_IMPL_$name"
	read -r IKE_SPI_IN IKE_SPI_OUT mode proto encr size integ local remote <<<"$(ike_child_field "$name" "$child" \
		spi-in spi-out mode protocol encr-alg encr-keysize integ-alg ike.local-host ike.remote-host)"
	if [ "$IKE_SPI_IN" = "?" ] || [ -z "$IKE_SPI_IN" ]; then
		fail "$name: no installed CHILD_SA $child in swanctl --list-sas"
		return 1
	fi
	want=$(ike_esp_alg "$encr" "$size" "$integ")
	mode=${mode,,} proto=${proto,,}
	sas=$(ike_kernel_sas "$name")
	# the inbound SA: to us; with NAT-T the kernel may know the addresses
	# charon reports as nat-local/remote
	ln=$(echo "$sas" | awk -v s="$IKE_SPI_IN" '$1 == s')
	check_eq "$name ($impl): $child inbound SA $IKE_SPI_IN in the kernel: dst proto mode algorithm" \
		"$(echo "$ln" | awk '{ print $3, $4, $5, $6 }')" "$local $proto $mode $want"
	ln=$(echo "$sas" | awk -v s="$IKE_SPI_OUT" '$1 == s')
	check_eq "$name ($impl): $child outbound SA $IKE_SPI_OUT in the kernel: dst proto mode algorithm" \
		"$(echo "$ln" | awk '{ print $3, $4, $5, $6 }')" "$remote $proto $mode $want"
}

# ike_check_peers NAME1 NAME2 CHILD: the two ends agree: NAME1's spi-in is
# NAME2's spi-out and the other way round, and both kernels hold them
ike_check_peers() {
	local in1 out1 in2 out2

	ike_check_agree "$1" "$3" || return 1
	in1=$IKE_SPI_IN out1=$IKE_SPI_OUT
	ike_check_agree "$2" "$3" || return 1
	in2=$IKE_SPI_IN out2=$IKE_SPI_OUT
	check_eq "$3: $1's inbound/outbound SPIs are $2's outbound/inbound" "$in1/$out1" "$out2/$in2"
	IKE_SPI_IN=$in1 IKE_SPI_OUT=$out1
}

# --------------------------------------------------------------- topology

# ike_topo_s2s: the site-to-site topology of test_90, with a bridge in
# "wire" to capture the WAN on (port a, gwA's side):
#
#   hostA --lan-- gwA ==wan== [wire] ==wan== gwB --lan-- hostB
#   10.1.0.2  10.1.0.1  192.168.0.1   192.168.0.2  10.2.0.1  10.2.0.2
#
# Sets HOSTA GWA WIRE GWB HOSTB (namespaces).
ike_topo_s2s() {
	setup_ns HOSTA GWA WIRE GWB HOSTB
	veth_link "$HOSTA" eth0 10.1.0.2/24 "$GWA" lan 10.1.0.1/24
	veth_link "$GWA" wan 192.168.0.1/24 "$WIRE" a -
	veth_link "$WIRE" b - "$GWB" wan 192.168.0.2/24
	veth_link "$GWB" lan 10.2.0.1/24 "$HOSTB" eth0 10.2.0.2/24
	ike_wire_bridge "$WIRE" a b
	ip -n "$HOSTA" route add default via 10.1.0.1
	ip -n "$HOSTB" route add default via 10.2.0.1
	ip -n "$GWA" route add 10.2.0.0/24 via 192.168.0.2
	ip -n "$GWB" route add 10.1.0.0/24 via 192.168.0.1
	forwarding "$GWA"
	forwarding "$GWB"
}

# ike_topo_h2h: two hosts on a wire (for transport mode)
#
#   gwA ==wan== [wire] ==wan== gwB
#   192.168.0.1         192.168.0.2
#
# Sets GWA WIRE GWB.
ike_topo_h2h() {
	setup_ns GWA WIRE GWB
	veth_link "$GWA" wan 192.168.0.1/24 "$WIRE" a -
	veth_link "$WIRE" b - "$GWB" wan 192.168.0.2/24
	ike_wire_bridge "$WIRE" a b
}

# ike_wire_bridge NS PORT...: a bridge "br" in NS over the PORTs
ike_wire_bridge() {
	local ns=$1 p
	shift

	ip -n "$ns" link add name br type bridge mcast_snooping 0 || { fail "bridge in $ns"; ksft_exit; }
	for p; do
		ip -n "$ns" link set dev "$p" master br
	done
	ip -n "$ns" link set dev br up
}

# ------------------------------------------------------------ swanctl.conf

# ike_conn_psk NAME LOCAL REMOTE CHILDREN [IKE-EXTRA]: NAME's swanctl.conf,
# loaded: one connection "gw" with PSK authentication, IKEv2 (IKE-EXTRA
# "version = 1" overrides it: the last word wins), CHILDREN the text of
# its children { } section (ike_child).  The IDs are the addresses unless
# IKE_LOCAL_ID / IKE_REMOTE_ID say otherwise; REMOTE may be %any.
ike_conn_psk() {
	local name=$1 l=$2 r=$3 children=$4 extra=${5:-}
	local lid=${IKE_LOCAL_ID:-$2} rid=${IKE_REMOTE_ID:-$3}

	ike_swanctl "$name" <<EOF
connections {
	gw {
		version = 2
		local_addrs = $l
		remote_addrs = $r
		proposals = $IKE_PROPOSAL
		$extra
		local {
			auth = psk
			id = $lid
		}
		remote {
			auth = psk
			id = $rid
		}
		children {
$children
		}
	}
}
secrets {
	ike-gw {
		id-1 = $lid
		id-2 = $rid
		secret = $IKE_PSK
	}
}
EOF
}

# ike_child NAME KEY=VALUE...: the text of one child section for
# ike_conn_psk, with esp_proposals = $ESP_PROPOSAL unless given
ike_child() {
	local name=$1 kv out
	shift

	out="			$name {"$'\n'
	[[ " $* " == *" esp_proposals="* ]] || set -- "esp_proposals=$ESP_PROPOSAL" "$@"
	for kv; do
		out+="				${kv%%=*} = ${kv#*=}"$'\n'
	done
	out+="			}"
	echo "$out"
}
