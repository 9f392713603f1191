# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink for the kipsec selftests (kipsec_raw in lib.sh,
test_71, test_73).

No library beyond Python's: the family is resolved with CTRL_CMD_GETFAMILY,
requests are built from (TYPE, VALUE) lists as kipsec_raw in lib.sh builds
them, and the command numbers are read from uapi/linux/kipsec.h itself so
that a command added there is covered without editing the tests.
"""
import errno
import os
import re
import socket
import struct

NETLINK_GENERIC, GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_OPS, CTRL_ATTR_MCAST_GROUPS = 6, 7
CTRL_ATTR_OP_ID, CTRL_ATTR_OP_FLAGS = 1, 2
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
GENL_ADMIN_PERM, GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP = 0x1, 0x2, 0x4
GENL_UNS_ADMIN_PERM = 0x10
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 270, 1
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11

UAPI = os.environ.get("KIPSEC_UAPI") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "uapi", "linux",
    "kipsec.h")


def u32(n): return struct.pack("=I", n)
def u64(n): return struct.pack("=Q", n)
def be32(n): return struct.pack(">I", n)
def be16(n): return struct.pack(">H", n)
def ip(a): return socket.inet_pton(socket.AF_INET, a)
def ip6(a): return socket.inet_pton(socket.AF_INET6, a)
def strz(s): return s.encode() + b"\0"
def hexkey(s): return bytes.fromhex(s[2:] if s.startswith("0x") else s)


def attrs(spec):
    out = b""
    for typ, val in spec:
        if isinstance(val, list):
            body, typ = attrs(val), typ | 0x8000	# NLA_F_NESTED
        else:
            body = val
        a = struct.pack("=HH", 4 + len(body), typ) + body
        out += a + b"\0" * (-len(a) % 4)
    return out


def parse_attrs(buf):
    """{type: [payload, ...]} of one level of attributes"""
    res = {}
    while len(buf) >= 4:
        alen, typ = struct.unpack_from("=HH", buf)
        if alen < 4:
            break
        res.setdefault(typ & 0x3fff, []).append(buf[4:alen])
        buf = buf[(alen + 3) & ~3:]
    return res


def uapi_cmds(path=UAPI):
    """[(number, name)] of the KIPSEC_CMD_* enum, UNSPEC and MAX left out"""
    text = open(path).read()
    m = re.search(r"enum\s*\{([^}]*KIPSEC_CMD_UNSPEC[^}]*)\}", text, re.S)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    names = [w.strip() for w in body.split(",") if w.strip()]
    cmds = []
    for i, name in enumerate(names):
        if name.startswith("__KIPSEC_CMD_MAX"):
            break
        assert "=" not in name, "explicit values in the command enum: " + name
        if i:
            cmds.append((i, name))
    return cmds


NLMSGERR_ATTR_MSG = 1
NLM_F_ACK_TLVS = 0x200


class Genl:
    def __init__(self, fileno=None, cap_ack=False):
        if fileno is None:
            self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                   NETLINK_GENERIC)
        else:
            self.s = socket.socket(fileno=fileno)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        if cap_ack:
            self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.cap_ack = cap_ack
        self.seq = 0
        self.fam = None
        self.ext_msg = ""	# the extack message of the last error

    def raw(self, ntype, flags, cmd, body, version=1):
        """send one request; ([(type, flags, payload)], errno): every
        message up to the ack or NLMSG_DONE"""
        self.seq += 1
        hdr = struct.pack("=BBH", cmd, version, 0)
        msg = struct.pack("=IHHII", 16 + 4 + len(body), ntype,
                          flags | NLM_F_REQUEST | NLM_F_ACK, self.seq, 0)
        self.s.send(msg + hdr + body)
        got = []
        while True:
            data = self.s.recv(1 << 20)
            while len(data) >= 16:
                mlen, mtype, mflags, seq, _ = struct.unpack_from("=IHHII",
                                                                 data)
                payload = data[16:mlen]
                data = data[(mlen + 3) & ~3:]
                if seq != self.seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", payload)[0]
                    self.ext_msg = ""
                    if mflags & NLM_F_ACK_TLVS:
                        # after the request's header, or all of it
                        skip = 16 if self.cap_ack or not err else \
                            struct.unpack_from("=I", payload, 4)[0]
                        ext = parse_attrs(payload[4 + ((skip + 3) & ~3):])
                        self.ext_msg = ext.get(NLMSGERR_ATTR_MSG, [b""])[0] \
                            .rstrip(b"\0").decode()
                    return got, err
                if mtype == NLMSG_DONE:
                    return got, 0
                got.append((mtype, mflags, payload))

    def resolve(self, name="kipsec"):
        msgs, err = self.raw(GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY,
                             attrs([(CTRL_ATTR_FAMILY_NAME, strz(name))]))
        if err:
            raise OSError(err, "resolving the %s family" % name)
        a = parse_attrs(msgs[0][2][4:])
        self.fam = struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID][0][:2])[0]
        self.ops = {}
        for op in parse_attrs(a.get(CTRL_ATTR_OPS, [b""])[0]).values():
            o = parse_attrs(op[0])
            self.ops[struct.unpack("=I", o[CTRL_ATTR_OP_ID][0])[0]] = \
                struct.unpack("=I", o[CTRL_ATTR_OP_FLAGS][0])[0]
        self.groups = {}
        for g in parse_attrs(a.get(CTRL_ATTR_MCAST_GROUPS, [b""])[0]).values():
            g = parse_attrs(g[0])
            self.groups[g[CTRL_ATTR_MCAST_GRP_NAME][0].rstrip(b"\0").decode()] = \
                struct.unpack("=I", g[CTRL_ATTR_MCAST_GRP_ID][0])[0]
        return self

    def req(self, cmd, spec=(), dump=False):
        return self.raw(self.fam, NLM_F_DUMP if dump else 0, cmd, attrs(spec))

    def join(self, group="events"):
        """0, or the errno of NETLINK_ADD_MEMBERSHIP"""
        try:
            self.s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                              self.groups[group])
            return 0
        except OSError as e:
            return e.errno


def ename(e):
    return errno.errorcode.get(e, str(e)) if e else "0"
