# SPDX-License-Identifier: GPL-2.0
"""Key search for test_73_key_hygiene.sh.

    keyscan.py capture DEV FILE STOP   record every frame of the nlmon
        device DEV with its direction until the file STOP exists and a
        second passed without a frame
    keyscan.py search FILE CTRL KEY... kernel->user messages of the capture
        must not hold any KEY, the KEY without its last 4 bytes (the salt),
        or any 8-byte window of a KEY; they must hold CTRL, the key of a
        request the genetlink core refused and echoed (the search works)
    keyscan.py files KEY... -- PATH... the same search in every regular file
        under PATH (raw bytes, and hex either case)
    keyscan.py errors ALGO DUP BAD CTRL  raw requests carrying keys that
        the kernel refuses, sent without NETLINK_CAP_ACK (the error echoes
        the request unless the key was wiped): DUP and BAD reach kipsec's
        handler, CTRL goes in an SA_ADD dump request, which the genetlink
        core refuses (SA_ADD has no dump) before kipsec sees it

Direction: every request a user socket sends carries NLM_F_REQUEST; no
message the kernel sends does (replies, dump parts, events, errors and
acks; an error's echo of the request is inside its NLMSG_ERROR payload).
nlmon's own PACKET_USER / PACKET_KERNEL mark does not reach a packet
socket: the transmit tap rewrites it to PACKET_OUTGOING.
"""
import errno
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 3
NLM_F_REQUEST = 1


def ok(msg): print("ok: " + msg, flush=True)
def bad(msg): print("FAIL: " + msg, flush=True)


def capture(dev, path, stop):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((dev, ETH_P_ALL))
    out = open(path, "wb")
    open(path + ".ready", "w").close()
    idle = 0
    while True:
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            data, addr = s.recvfrom(1 << 20)
            out.write(struct.pack("=BI", addr[2], len(data)) + data)
            idle = 0
            continue
        idle += 1
        if os.path.exists(stop) and idle >= 5:
            break
    out.close()


def load(path):
    buf = open(path, "rb").read()
    frames = []
    while buf:
        typ, n = struct.unpack_from("=BI", buf)
        frames.append((typ, buf[5:5 + n]))
        buf = buf[5 + n:]
    return frames


def needles(key):
    """(what, bytes) to look for; windows of 8 bytes, the key, no salt"""
    out = [("key", key)]
    if len(key) > 8:
        out.append(("key without its last 4 bytes", key[:-4]))
    for i in range(0, max(1, len(key) - 7)):
        out.append(("bytes %d-%d" % (i, i + 7), key[i:i + 8]))
    return out


def search(path, ctrl, keys):
    frames = load(path)
    def request(d):
        return len(d) >= 16 and struct.unpack_from("=H", d, 6)[0] & NLM_F_REQUEST
    to_user = [d for _, d in frames if not request(d)]
    to_kernel = [d for _, d in frames if request(d)]
    print("capture: %d messages to user sockets (%d bytes), %d to the kernel"
          % (len(to_user), sum(map(len, to_user)), len(to_kernel)))
    if len(to_user) < 10 or len(to_kernel) < 10:
        bad("the capture holds too few messages")
    key = bytes.fromhex(ctrl[2:])
    if any(key in d for d in to_user):
        ok("the control key %s, echoed by the genetlink core, is found" % ctrl)
    else:
        bad("the control key %s is not found: the search is blind" % ctrl)
    # kipsec wipes a request's key in place, in the buffer nlmon's clone
    # shares: whether the capture still sees it is a race
    seen = [k for k in keys if bytes.fromhex(k[2:]) in b"".join(to_kernel)]
    print("keys still readable in captured requests: %d of %d"
          % (len(seen), len(keys)))
    for k in keys:
        key = bytes.fromhex(k[2:] if k.startswith("0x") else k)
        hits = [(w, i) for w, n in needles(key)
                for i, d in enumerate(to_user) if n in d]
        if hits:
            bad("key %s in %d kernel->user messages, e.g. %s in message %d"
                % (k, len(hits), hits[0][0], hits[0][1]))
            d = to_user[hits[0][1]]
            print("  message: " + d[:256].hex())
        else:
            ok("no kernel->user message holds key %s or 8 bytes of it" % k)


def files(keys, paths):
    pats = []
    for k in keys:
        key = bytes.fromhex(k[2:] if k.startswith("0x") else k)
        for w, n in needles(key):
            pats += [(k, w, n), (k, w + " (hex)", n.hex().encode()),
                     (k, w + " (HEX)", n.hex().upper().encode())]
    nfiles, hits = 0, []
    for top in paths:
        for root, dirs, names in os.walk(top):
            for name in names:
                p = os.path.join(root, name)
                try:
                    if not os.path.isfile(p) or os.path.islink(p):
                        continue
                    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
                    data = os.read(fd, 1 << 20)
                    os.close(fd)
                except OSError:
                    continue
                nfiles += 1
                hits += [(p, k, w) for k, w, n in pats if n in data]
    if nfiles == 0:
        bad("read no file under %s" % " ".join(paths))
    elif hits:
        for p, k, w in hits[:10]:
            bad("%s holds key %s (%s)" % (p, k, w))
    else:
        ok("%d files under %s hold no key byte window" % (nfiles, " ".join(paths)))


def errors(algo, key_dup, key_bad, key_ctrl):
    """SA_ADD requests with keys that the kernel refuses (handler errors)"""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from kipsec_nl import (Genl, u32, be32, ip, strz, hexkey, ename, attrs,
                           NLM_F_DUMP)

    def expect(desc, got, want):
        (ok if got == want else bad)("%s: %s" % (desc, ename(got)))
    g = Genl().resolve()	# no NETLINK_CAP_ACK: errors echo the request
    sa = [(2, ip("10.0.0.1")), (3, ip("10.0.0.2")), (5, u32(50))]

    def aead(key, icv=128, name=algo):
        return (8, [(1, strz(name)), (2, hexkey(key)), (3, u32(icv))])
    for desc, spec in (
            ("duplicate SA", sa + [(4, be32(0x1001)), aead(key_dup)]),
            ("ICV of 100 bits", sa + [(4, be32(0x1999)), aead(key_bad, 100)]),
            ("unknown algorithm",
             sa + [(4, be32(0x1999)), aead(key_bad, 128, "gcm(aes)")]),
            ("key of 24 bytes", sa + [(4, be32(0x1999)),
                                      aead(key_bad + "01020304")]),
            ("SPI 0", sa + [(4, be32(0)), aead(key_bad)]),
            ("unknown attribute in the SA",
             sa + [(4, be32(0x1999)), aead(key_bad), (200, u32(1))]),
            ("replay window 4097",
             sa + [(4, be32(0x1999)), aead(key_bad), (11, u32(4097))])):
        _, err = g.req(1, [(1, spec)])
        if err:
            ok("refused %s: %s" % (desc, ename(err)))
        else:
            bad("%s was accepted" % desc)
    for desc, spec in (
            ("update of a valid SA", sa + [(4, be32(0x1001)), aead(key_dup)]),):
        _, err = g.req(2, [(1, spec)])
        (ok if err else bad)("refused %s: %s" % (desc, ename(err)))
    _, err = g.raw(g.fam, NLM_F_DUMP, 1,
                   attrs([(1, sa + [(4, be32(0x1999)), aead(key_ctrl)])]))
    expect("the control request, an SA_ADD dump", err, errno.EOPNOTSUPP)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "capture":
        capture(*sys.argv[2:5])
    elif mode == "search":
        search(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif mode == "files":
        i = sys.argv.index("--")
        files(sys.argv[2:i], sys.argv[i + 1:])
    elif mode == "errors":
        errors(*sys.argv[2:6])
