#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# IKEv2 with X.509 certificates (issue 4, test 3), made at test time with
# strongSwan's pki: a CA, and a certificate for each gateway (RSA, with its
# DNS name as subjectAltName and ID).  Transport mode between
#
#   gwA (charon+kipsec) 192.168.0.1 ==wan== [wire] ==wan== 192.168.0.2 gwB (charon+XFRM)
#
# gwA initiates; each side must report the other's certificate identity;
# swanctl and the kernels agree on the SAs; pings are ESP with the
# CHILD_SA's SPIs.  Then the negative case: gwB trusts another CA only, the
# initiation fails and kipsec holds no SA.
. "$(dirname "$0")/lib_ike.sh"

ike_require "$IKE_IMPL_A" "$IKE_IMPL_B"
require_cmds pki

ike_topo_h2h
ike_warmup "$IKE_IMPL_A" "$GWA"
ike_warmup "$IKE_IMPL_B" "$GWB"

PKI=$IKE_DIR/pki
mkdir -p "$PKI"
# pki PKI-ARGS...: quietly (it lists the plugins it cannot load)
pki_q() { pki "$@" 2>"$PKI/err" || { cat "$PKI/err" >&2; return 1; }; }
t0=$SECONDS
make_pki() {
	local ca
	for ca in ca other; do
		pki_q --gen --type rsa --size 2048 --outform pem >"$PKI/$ca.key" &&
		pki_q --self --ca --lifetime 30 --in "$PKI/$ca.key" --type rsa \
			--dn "C=CH, O=kipsec selftests, CN=$ca" --outform pem >"$PKI/$ca.crt" || return 1
	done
	for gw in gwa gwb; do
		pki_q --gen --type rsa --size 2048 --outform pem >"$PKI/$gw.key" &&
		pki_q --pub --in "$PKI/$gw.key" --type rsa |
		pki_q --issue --cacert "$PKI/ca.crt" --cakey "$PKI/ca.key" --lifetime 30 \
			--dn "C=CH, O=kipsec selftests, CN=$gw.kipsec.test" --san "$gw.kipsec.test" \
			--flag serverAuth --outform pem >"$PKI/$gw.crt" || return 1
	done
}
check "pki: a CA, another CA, gwA's and gwB's certificates" make_pki || ksft_exit
log "pki: $((SECONDS - t0)) s"

# conf NAME ME PEER CA: NAME's credentials in its swanctl directories
# (private/, x509/, x509ca/), and its swanctl.conf
conf() {
	local d=$IKE_DIR/$1

	rm -f "$d"/private/* "$d"/x509/* "$d"/x509ca/*
	cp "$PKI/$2.key" "$d/private/" && cp "$PKI/$2.crt" "$d/x509/" &&
	cp "$PKI/$4.crt" "$d/x509ca/" || return 1
	ike_swanctl "$1" <<EOC
connections {
	gw {
		version = 2
		local_addrs = $( [ "$2" = gwa ] && echo 192.168.0.1 || echo 192.168.0.2 )
		remote_addrs = $( [ "$2" = gwa ] && echo 192.168.0.2 || echo 192.168.0.1 )
		proposals = $IKE_PROPOSAL
		local {
			auth = pubkey
			certs = $2.crt
			id = $2.kipsec.test
		}
		remote {
			auth = pubkey
			id = $3.kipsec.test
			cacerts = $4.crt
		}
		children {
$(ike_child host mode=transport)
		}
	}
}
EOC
}

ike_charon_start a "$GWA" "$IKE_IMPL_A" &&
ike_charon_start b "$GWB" "$IKE_IMPL_B" || ksft_exit
conf a gwa gwb ca && conf b gwb gwa ca || ksft_exit

ike_initiate a host || ksft_exit
check_eq "gwA: authenticated gwB by its certificate (local-id remote-id)" \
	"$(ike_child_field a host ike.local-id ike.remote-id)" "gwa.kipsec.test gwb.kipsec.test"
check_eq "gwB: authenticated gwA by its certificate (local-id remote-id)" \
	"$(ike_child_field b host ike.local-id ike.remote-id)" "gwb.kipsec.test gwa.kipsec.test"
check "gwA's log: gwB's certificate verified by the CA" \
	grep -q "using trusted ca certificate \"C=CH, O=kipsec selftests, CN=ca\"" "$(ike_log a)"
ike_check_peers a b host || ksft_exit

capture_start ab "$WIRE" a "$ESP and src 192.168.0.1 and ip[20:4] = 0x$IKE_SPI_OUT" &&
capture_start ba "$WIRE" a "$ESP and src 192.168.0.2 and ip[20:4] = 0x$IKE_SPI_IN" &&
capture_start clear "$WIRE" a "icmp" || ksft_exit
check "ping gwA -> gwB" ping_ok "$GWA" 192.168.0.2 5 0.1
check "ping gwB -> gwA" ping_ok "$GWB" 192.168.0.1 5 0.1
check "captures complete" capture_stop ab ba clear
check_eq "ESP gwA -> gwB with SPI 0x$IKE_SPI_OUT (10 echo requests and replies)" "$(capture_packets ab)" 10
check_eq "ESP gwB -> gwA with SPI 0x$IKE_SPI_IN" "$(capture_packets ba)" 10
check_capture_none "ICMP in the clear on the wire" clear

# gwB now trusts the other CA only: gwA's certificate does not verify
quiet() { "$@" >/dev/null 2>&1; }
check "gwA terminates the IKE_SA" quiet ike_swan a --terminate --ike gw --timeout 10
conf b gwb gwa other || ksft_exit
ike_swan b --load-creds --clear --file "$IKE_DIR/b/swanctl.conf" >/dev/null 2>&1
check_fails "initiation with a certificate gwB does not trust fails" \
	quiet ike_swan a --initiate --child host --timeout 15
check "gwB's log: no trusted CA for gwA's certificate" \
	grep -qE "no trusted RSA public key found for 'gwa.kipsec.test'|constraint check failed|no issuer certificate found" "$(ike_log b)"
check_eq "gwA: no SA in the kernel ($IKE_IMPL_A) after the refused authentication" "$(ike_kernel_sa_count a)" 0

ksft_exit
