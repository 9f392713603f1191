#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 30
#
# ICVs are compared in constant time (a source check of kmod/, no VM state):
#
#  - no memcmp, bcmp, strcmp, strncmp (or __builtin_ variant) in kmod/*.c
#    takes an argument naming an ICV, digest, hash, MAC or tag: such a
#    comparison returns at the first differing byte and leaks how much of a
#    forged ICV is right;
#  - AH compares the ICV it computed with the packet's by crypto_memneq();
#  - ESP never compares an ICV itself: crypto_aead_decrypt() checks the tag
#    (gcm, rfc4543, chacha20poly1305, authenc and authencesn all use
#    crypto_memneq()), and kipsec counts its -EBADMSG as an authentication
#    failure.
#
# Runs on the host as well: bash selftests/test_74_icv_const_time.sh
. "$(dirname "$0")/lib.sh"

KMOD=$KIPSEC_SELFTESTS/../kmod
[ -f "$KMOD/ah.c" ] || skip "no kipsec sources at $KMOD"
require_cmds python3

out=$(python3 - "$KMOD" <<'EOF'
import glob, os, re, sys

CMP = re.compile(r"\b(?:__builtin_)?(memcmp|bcmp|strn?cmp|strncasecmp|crypto_memneq)\s*\(")
SECRET = re.compile(r"icv|digest|hash|mac\b|hmac|tag|auth", re.I)

def calls(text):
    """(function, arguments, line) of every comparison call"""
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)),
                  text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    for m in CMP.finditer(text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield m.group(1), text[m.end():i - 1], text.count("\n", 0, m.start()) + 1

kmod = sys.argv[1]
memneq_icv = []
nfiles = bad = 0
for path in sorted(glob.glob(os.path.join(kmod, "*.c"))):
    nfiles += 1
    name = os.path.basename(path)
    for fn, args, line in calls(open(path).read()):
        where = "%s:%d %s(%s)" % (name, line, fn, " ".join(args.split()))
        if fn == "crypto_memneq":
            if re.search(r"icv", args, re.I):
                memneq_icv.append((name, where))
        elif SECRET.search(args):
            print("FAIL: variable-time comparison of a secret-derived buffer: " + where)
            bad += 1
if not bad:
    print("ok: %d files of kmod/ checked: no memcmp/strcmp family call on an ICV, digest, hash, MAC or tag"
          % nfiles)

if any(n == "ah.c" for n, _ in memneq_icv):
    print("ok: AH compares ICVs with crypto_memneq: " +
          "; ".join(w for n, w in memneq_icv if n == "ah.c"))
else:
    print("FAIL: ah.c has no crypto_memneq() on an ICV")

esp = open(os.path.join(kmod, "esp.c")).read()
if "crypto_aead_decrypt(" in esp and re.search(r"err\s*==\s*-EBADMSG", esp):
    print("ok: ESP leaves the ICV check to crypto_aead_decrypt() and counts -EBADMSG")
else:
    print("FAIL: esp.c: no crypto_aead_decrypt() with an -EBADMSG branch")
EOF
)
relay_checks <<<"$out"

ksft_exit
