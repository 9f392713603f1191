# SPDX-License-Identifier: GPL-2.0
"""Privilege checks of the kipsec family for test_71_privilege.sh.

    nlpriv.py deny       every command of the uapi, do and dump: EPERM where
                         the family offers it, EOPNOTSUPP (6.1: EPERM) where
                         not; joining
                         "events": EPERM (run without CAP_NET_ADMIN over the
                         netns's user namespace)
    nlpriv.py owner      the same sweep: never EPERM, the group joins, and an
                         SA can be added, read, dumped and deleted
    nlpriv.py iso        (real root) two sibling user+network namespaces A
                         and B; A holds a socket of the initial netns
                         (inherited) and one of B (SCM_RIGHTS): every
                         request through them, and setns into them, fail

Prints "ok: ..." / "FAIL: ..." lines for the shell test to count.
"""
import array
import ctypes
import errno
import os
import socket
import struct
import sys
import traceback

from kipsec_nl import (Genl, uapi_cmds, ename, u32, be32, ip, strz, hexkey,
                      GENL_ADMIN_PERM, GENL_UNS_ADMIN_PERM, GENL_CMD_CAP_DO,
                      GENL_CMD_CAP_DUMP)

CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
ALGO = "rfc4106(gcm(aes))"
KEY = "0x0102030405060708090a0b0c0d0e0f10c0c1c2c3"
A_SA = 1


def ok(msg): print("ok: " + msg, flush=True)
def bad(msg): print("FAIL: " + msg, flush=True)


def expect(desc, got, want):
    (ok if got == want else bad)("%s: %s%s" % (
        desc, ename(got), "" if got == want else ", want " + ename(want)))


def sa_id(src, dst, spi):
    return [(2, ip(src)), (3, ip(dst)), (5, u32(50)), (4, be32(spi))]


def sa_full(src, dst, spi):
    return [(A_SA, sa_id(src, dst, spi) +
             [(8, [(1, strz(ALGO)), (2, hexkey(KEY)), (3, u32(128))])])]


def sweep(g, who, unprivileged):
    """every KIPSEC_CMD_* of the uapi, do and dump, on an empty request"""
    cmds = uapi_cmds()
    known = {n for n, _ in cmds}
    for cmd, flags in sorted(g.ops.items()):
        if cmd not in known:
            bad("%s: the family offers command %d, not in the uapi" % (who, cmd))
        if not flags & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM):
            bad("%s: command %d has no ADMIN_PERM flag (0x%x)" % (who, cmd, flags))
    for cmd, name in cmds + [(max(known) + 1, "KIPSEC_CMD_MAX + 1")]:
        flags = g.ops.get(cmd, 0)
        for dump, cap in ((False, GENL_CMD_CAP_DO), (True, GENL_CMD_CAP_DUMP)):
            _, err = g.req(cmd, dump=dump)
            desc = "%s: %s %s" % (who, name, "dump" if dump else "do")
            if not flags & cap:
                # 6.1's genetlink checks the command's permission before
                # whether it has this form (6.12 the other way round):
                # refused either way
                if unprivileged and err == errno.EPERM:
                    ok(desc + " (not offered): EPERM")
                else:
                    expect(desc + " (not offered)", err, errno.EOPNOTSUPP)
            elif unprivileged:
                expect(desc, err, errno.EPERM)
            elif err == errno.EPERM:
                bad(desc + ": EPERM")
            else:
                ok(desc + ": not refused (%s)" % ename(err))
    if unprivileged:
        expect(who + ": join the events group", g.join(), errno.EPERM)
    else:
        expect(who + ": join the events group", g.join(), 0)


def owner():
    g = Genl().resolve()
    sweep(g, "owner", False)
    spec = sa_full("10.9.0.1", "10.9.0.2", 0x7100)
    expect("owner: add an SA", g.req(1, spec)[1], 0)
    msgs, err = g.req(4, [(A_SA, sa_id("10.9.0.1", "10.9.0.2", 0x7100))])
    expect("owner: get it", err, 0)
    msgs, err = g.req(4, dump=True)
    expect("owner: dump, one SA", (err, len(msgs)), (0, 1))
    expect("owner: delete it",
           g.req(3, [(A_SA, sa_id("10.9.0.1", "10.9.0.2", 0x7100))])[1], 0)


def libc_call(name, *args):
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        return ctypes.get_errno()
    return 0


def send_fd(sock, fd):
    sock.sendmsg([b"f"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                           array.array("i", [fd]))])


def recv_fd(sock):
    fds = array.array("i")
    _, anc, _, _ = sock.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
    fds.frombytes(anc[0][2][:fds.itemsize])
    return fds[0]


def foreign(who, g, spi):
    """requests through a socket of another netns, from A's namespaces"""
    g.seq = 1000
    own = sa_id("10.9.0.1", "10.9.0.2", spi)
    for desc, cmd, spec, dump in (
            ("SA dump", 4, [], True),
            ("SA get", 4, [(A_SA, own)], False),
            ("SA delete", 3, [(A_SA, own)], False),
            ("SA flush", 5, [], False),
            ("SA add", 1, sa_full("10.9.0.1", "10.9.0.2", 0x7fff), False),
            ("policy dump", 9, [], True),
            ("policy flush", 10, [], False),
            ("stats", 11, [], False),
            ("sock dump", 20, [], True)):
        expect("A through %s's socket: %s" % (who, desc),
               g.req(cmd, spec, dump=dump)[1], errno.EPERM)
    expect("A through %s's socket: join the events group" % who, g.join(),
           errno.EPERM)


def iso():
    g0 = Genl().resolve()	# the initial netns, real root
    fam, ops, groups = g0.fam, g0.ops, g0.groups
    ua, ub = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ua.settimeout(20)
    ub.settimeout(20)

    b = os.fork()
    if b == 0:		# sibling B
        try:
            err = libc_call("unshare", CLONE_NEWUSER | CLONE_NEWNET)
            expect("B: own user and network namespaces", err, 0)
            gb = Genl().resolve()
            expect("B: add its SA", gb.req(1, sa_full("10.9.0.1", "10.9.0.2",
                                                       0x7002))[1], 0)
            send_fd(ub, gb.s.fileno())
            ub.recv(1)	# A is done
            msgs, err = gb.req(4, dump=True)
            expect("B: its SA is still its only SA", (err, len(msgs)), (0, 1))
        except Exception:
            traceback.print_exc()
            bad("B: exception")
        finally:
            os._exit(0)
    a = os.fork()
    if a == 0:		# A
        try:
            err = libc_call("unshare", CLONE_NEWUSER | CLONE_NEWNET)
            expect("A: own user and network namespaces", err, 0)
            ga = Genl().resolve()
            expect("A: add its SA", ga.req(1, sa_full("10.9.0.1", "10.9.0.2",
                                                       0x7001))[1], 0)
            msgs, err = ga.req(4, dump=True)
            expect("A: its dump shows its SA only", (err, len(msgs)), (0, 1))
            gi = Genl(os.dup(g0.s.fileno()))
            gi.fam, gi.ops, gi.groups = fam, ops, groups
            foreign("the initial netns", gi, 0x7000)
            gb = Genl(recv_fd(ua))
            gb.fam, gb.ops, gb.groups = fam, ops, groups
            foreign("B", gb, 0x7002)
            for who, path in (("the initial netns", "/proc/1/ns/net"),
                              ("B", "/proc/%d/ns/net" % b)):
                try:	# ptrace access to the process may already fail
                    fd = os.open(path, os.O_RDONLY)
                except OSError as e:
                    ok("A: cannot open %s's netns: %s" % (who, ename(e.errno)))
                    continue
                expect("A: setns into %s" % who,
                       libc_call("setns", fd, CLONE_NEWNET), errno.EPERM)
                os.close(fd)
        except Exception:
            traceback.print_exc()
            bad("A: exception")
        finally:
            ua.send(b"x")
            os._exit(0)
    os.waitpid(a, 0)
    os.waitpid(b, 0)
    msgs, err = g0.req(4, [(A_SA, sa_id("10.9.0.1", "10.9.0.2", 0x7000))])
    expect("the initial netns's SA is still there", err, 0)
    msgs, err = g0.req(4, dump=True)
    expect("the initial netns's dump: its one SA", (err, len(msgs)), (0, 1))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "deny":
        sweep(Genl().resolve(), sys.argv[2], True)
    elif mode == "owner":
        owner()
    elif mode == "iso":
        iso()
