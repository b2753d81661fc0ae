#!/usr/bin/env python3
"""attacks.py --mode splice|tcp [CASE...] | --list

Teardown orders and repair mode against a waiting or paired end: each case
on fresh 127.0.0.1 connections with both ends in this process's cgroup,
run on plain TCP (--mode tcp) and spliced (--mode splice). Prints "ok CASE"
or "not ok CASE: why"; exits 1 if any failed.

An end that is closing or disconnecting must leave the registry first: it
never pairs afterwards, and nothing it leaves behind stalls the other end.
"""
import ctypes
import errno
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from semantics import (Conn, Fail, counter, expect, pattern, recv_exact,  # noqa: E402
                       recv_until_eof, run_cases, unspec)

TCP_REPAIR, TCP_REPAIR_QUEUE = 19, 20
TCP_DEFER_ACCEPT = 9
HOST = "127.0.0.1"
libc = ctypes.CDLL(None, use_errno=True)
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def listener(defer=False):
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if defer:
        lst.setsockopt(socket.IPPROTO_TCP, TCP_DEFER_ACCEPT, 60)
    lst.bind((HOST, 0))
    lst.listen(64)
    return lst


def paired(mode, client_port):
    """Is the client port in the live pair list (only ever in splice mode)?"""
    c = Conn.__new__(Conn)
    c.mode, c.cport = mode, client_port
    return c.pair() is not None


def write_until_error(sock, secs=5.0, chunk=4096):
    """Bytes written before a write fails; Fail if none fails within secs."""
    sock.setblocking(False)
    n, end = 0, time.monotonic() + secs
    while time.monotonic() < end:
        try:
            n += sock.send(b"w" * chunk)
        except BlockingIOError:
            time.sleep(0.005)
            continue
        except (BrokenPipeError, ConnectionResetError):
            return n
        time.sleep(0.001)
    raise Fail(f"writes kept succeeding for {secs} s ({n} bytes) after the peer closed")


@case
def close_at_once_deferred(mode):
    """A client that connects and closes at once, against TCP_DEFER_ACCEPT:
    the server's child appears with the FIN, when the client end is already
    closed. It must not pair with it, and the server's writes fail as on TCP."""
    lst = listener(defer=True)
    p0 = counter("pairs_total")
    c = socket.create_connection(lst.getsockname())
    port = c.getsockname()[1]
    c.close()
    lst.settimeout(10)
    s, _ = lst.accept()
    try:
        expect(recv_until_eof(s, 5) == b"", "bytes from a client that sent none")
        expect(not paired(mode, port), "the server's child paired with a closed end")
        n = write_until_error(s)
        print(f"# close_at_once_deferred [{mode}]: {n} bytes written before the error")
        expect(counter("pairs_total") == p0, "a pair was made with a closed end")
    finally:
        s.close()
        lst.close()


@case
def close_during_startup(mode):
    """Connect, send startup bytes, close at once, 100 times: the server gets
    every byte then EOF, and its writes fail, each within seconds."""
    lst = listener(defer=True)
    lst.settimeout(10)
    try:
        for i in range(100):
            c = socket.create_connection(lst.getsockname())
            c.sendall(pattern(100, i))
            c.close()
            s, _ = lst.accept()
            try:
                got = recv_until_eof(s, 5)
                expect(got == pattern(100, i), f"round {i}: got {len(got)} of 100 bytes")
                write_until_error(s)
            finally:
                s.close()
    finally:
        lst.close()


@case
def close_racing_passive(mode):
    """Connect and close at once, 300 times, while the server end is being
    set up: whatever the order, the server sees EOF and its writes fail."""
    lst = listener()
    lst.settimeout(10)
    try:
        for i in range(300):
            c = socket.create_connection(lst.getsockname())
            if i % 3 == 0:
                time.sleep(0.0005 * (i % 7))
            c.close()
            s, _ = lst.accept()
            try:
                expect(recv_until_eof(s, 5) == b"", f"round {i}: bytes from nowhere")
                write_until_error(s)
            finally:
                s.close()
    finally:
        lst.close()


@case
def disconnect_while_waiting(mode):
    """connect(AF_UNSPEC) on an end still waiting for its peer: it leaves the
    registry; connected anew, it is plain TCP and its stream intact."""
    l1, l2 = listener(defer=True), listener()
    c = socket.create_connection(l1.getsockname())
    time.sleep(0.1)
    unspec(c)
    c.connect(l2.getsockname())
    l2.settimeout(10)
    s, _ = l2.accept()
    try:
        data = pattern(300000, 6)
        t = threading.Thread(target=lambda: c.sendall(data))
        t.start()
        expect(recv_exact(s, len(data)) == data, "bytes on the new connection differ")
        t.join()
        s.sendall(b"back")
        expect(recv_exact(c, 4) == b"back", "reply on the new connection")
        expect(not paired(mode, c.getsockname()[1]), "a disconnected end was spliced again")
    finally:
        for x in (c, s, l1, l2):
            x.close()


@case
def disconnect_racing_reader(mode):
    """A reader blocked on a paired end while another thread disconnects it,
    200 times: the reader returns, the peer sees the reset, nothing stalls."""
    for i in range(200):
        cn = Conn(mode)
        try:
            cn.c.sendall(b"x")
            expect(recv_exact(cn.s, 1) == b"x", "wrong bytes")
            cn.s.sendall(b"y")
            expect(recv_exact(cn.c, 1) == b"y", "wrong bytes")
            done = threading.Event()

            def reader():
                try:
                    cn.c.recv(10)
                except OSError:
                    pass
                done.set()

            t = threading.Thread(target=reader)
            t.start()
            time.sleep(0.001 * (i % 5))
            unspec(cn.c)
            expect(done.wait(5), f"round {i}: the blocked reader never returned")
            t.join()
            cn.s.settimeout(5)
            try:
                while cn.s.recv(65536):
                    pass
            except ConnectionResetError:
                pass
            write_until_error(cn.s)
        finally:
            cn.close()


@case
def disconnect_racing_streaming_reader(mode):
    """A reader draining a ring its peer keeps full while another thread
    disconnects it (connect(AF_UNSPEC)), 100 times: the lockless reader reads
    on past the disconnect and must survive it; it returns, and the peer's
    writes fail."""
    for i in range(100):
        cn = Conn(mode)
        stop, done = threading.Event(), threading.Event()

        def writer():
            cn.s.settimeout(5)
            try:
                while not stop.is_set():
                    cn.s.sendall(b"z" * 65536)
            except OSError:
                pass

        def reader():
            cn.c.settimeout(5)
            try:
                while cn.c.recv(1 << 20):
                    pass
            except OSError:
                pass
            done.set()

        w, r = threading.Thread(target=writer), threading.Thread(target=reader)
        try:
            w.start()
            r.start()
            time.sleep(0.002 + 0.001 * (i % 8))
            unspec(cn.c)
            expect(done.wait(10), f"round {i}: the reader never returned")
            stop.set()
            w.join(10)
            expect(not w.is_alive(), f"round {i}: the writer never returned")
        finally:
            stop.set()
            cn.close()
            r.join(10)


@case
def shutdown_racing_sender(mode):
    """shutdown(SHUT_WR) while another thread sends, 100 times: every byte a
    send() reported sent arrives before the EOF, none after it (the FIN
    follows the sends it raced, as TCP's lock makes it)."""
    for i in range(100):
        cn = Conn(mode)
        sent, got, late = [0], [0], [b""]

        def sender():
            try:
                while True:
                    sent[0] += cn.c.send(b"s" * 65536)
            except OSError:
                pass

        def receiver():
            try:
                got[0] = len(recv_until_eof(cn.s, 10))
                time.sleep(0.05)
                cn.s.setblocking(False)
                late[0] = cn.s.recv(1 << 20)
            except OSError:
                pass

        w, r = threading.Thread(target=sender), threading.Thread(target=receiver)
        try:
            w.start()
            r.start()
            time.sleep(0.002 + 0.001 * (i % 8))
            cn.c.shutdown(socket.SHUT_WR)
            w.join(10)
            r.join(15)
            expect(not w.is_alive() and not r.is_alive(), f"round {i}: a thread never returned")
            expect(not late[0], f"round {i}: {len(late[0])} bytes after the EOF")
            expect(got[0] == sent[0],
                   f"round {i}: {sent[0]} bytes reported sent, {got[0]} before the EOF")
        finally:
            cn.close()


@case
def repair_on_paired(mode):
    """TCP_REPAIR (checkpoint/restore) on a spliced end is refused with EBUSY
    (its queues are partly in the ring); the connection keeps working."""
    cn = Conn(mode)
    try:
        cn.c.sendall(b"before")
        expect(recv_exact(cn.s, 6) == b"before", "wrong bytes")
        cn.expect_ring()
        try:
            cn.c.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
            refused = None
        except OSError as e:
            refused = e.errno
        if mode == "splice":
            expect(refused == errno.EBUSY, f"TCP_REPAIR on a paired socket: errno {refused}, "
                   "want EBUSY")
        else:
            expect(refused is None, f"TCP_REPAIR on plain TCP failed: errno {refused}")
            cn.c.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, -1)
        data = pattern(200000, 8)
        t = threading.Thread(target=lambda: cn.c.sendall(data))
        t.start()
        expect(recv_exact(cn.s, len(data)) == data, "stream after the repair attempt")
        t.join()
        cn.s.sendall(b"after")
        expect(recv_exact(cn.c, 5) == b"after", "reply after the repair attempt")
    finally:
        cn.close()


@case
def repair_on_waiting(mode):
    """TCP_REPAIR on an end still waiting for its peer is allowed: it leaves
    the registry for good and the connection goes on as plain TCP."""
    lst = listener(defer=True)
    c = socket.create_connection(lst.getsockname())
    try:
        time.sleep(0.1)
        c.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
        c.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, 1)  # TCP_RECV_QUEUE
        try:
            got = c.recv(100, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            got = b""
        expect(got == b"", f"repair-mode peek of an empty receive queue gave {got!r}")
        # TCP_REPAIR_OFF_NO_WP: no window probe (which would end a deferred
        # handshake on plain TCP too).
        c.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, -1)
        p0 = counter("pairs_total")
        c.sendall(b"hello")
        lst.settimeout(10)
        s, _ = lst.accept()
        try:
            expect(recv_exact(s, 5) == b"hello", "wrong bytes")
            s.sendall(b"world")
            expect(recv_exact(c, 5) == b"world", "wrong bytes")
            expect(counter("pairs_total") == p0, "an end that was in repair mode paired")
        finally:
            s.close()
    finally:
        c.close()
        lst.close()


def bpf_fixed_length_prog(n):
    """A socket filter program returning @n: KCM's message parser (fixed size)."""
    insns = struct.pack("<BBhi", 0xB7, 0, 0, n) + struct.pack("<BBhi", 0x95, 0, 0, 0)
    lic = ctypes.create_string_buffer(b"GPL")
    buf = ctypes.create_string_buffer(insns)
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("<IIQQ", attr, 0, 1, 2, ctypes.addressof(buf), ctypes.addressof(lic))
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(321, 5, attr, 128)  # bpf(BPF_PROG_LOAD)
    expect(fd >= 0, f"BPF_PROG_LOAD failed (errno {ctypes.get_errno()})")
    return fd


@case
def kcm_reads_through_read_sock(mode):
    """An in-kernel reader of a user's socket (KCM, via strparser and the
    socket's read_sock) gets the ring's bytes as TCP's, in order."""
    cn = Conn(mode)
    prog = bpf_fixed_length_prog(16)
    kcm = socket.socket(41, socket.SOCK_DGRAM, 0)  # AF_KCM, KCMPROTO_CONNECTED
    try:
        cn.c.sendall(b"before the mux.\n")
        expect(recv_exact(cn.s, 16) == b"before the mux.\n", "wrong bytes")
        import fcntl
        fcntl.ioctl(kcm.fileno(), 0x89E0, struct.pack("ii", cn.s.fileno(), prog))
        msgs = [b"%015d\n" % i for i in range(40)]
        t = threading.Thread(target=lambda: [cn.c.sendall(m) for m in msgs])
        t.start()
        kcm.settimeout(10)
        got = [kcm.recv(64) for _ in msgs]
        t.join()
        expect(got == msgs, f"KCM got {got[:3]}..., not the 40 messages in order")
        cn.expect_ring()
    finally:
        kcm.close()
        os.close(prog)
        cn.close()


def main():
    run_cases(CASES, lambda name, fn, mode: fn(mode), description=__doc__)


if __name__ == "__main__":
    main()
