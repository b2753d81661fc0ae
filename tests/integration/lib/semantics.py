#!/usr/bin/env python3
"""semantics.py --mode splice|tcp [CASE...] | --list

The socket behaviour programs rely on, one case per fresh 127.0.0.1
connection with both ends in this process's cgroup. Prints "ok CASE" or
"not ok CASE: why" per case; exits 1 if any failed.

--mode splice: every connection must be paired, and cases that move data
must move it through the rings (/proc/net/tcp_splice_pairs). --mode tcp:
no connection may be paired, so the same expectations are checked against
plain TCP: a case that fails there tests the wrong thing.
"""
import argparse
import ctypes
import fcntl
import hashlib
import os
import re
import select
import signal
import socket
import struct
import sys
import tempfile
import termios
import threading
import time

SIOCINQ = termios.FIONREAD
SIOCOUTQ = termios.TIOCOUTQ
# PID 1's view: the module's files exist in the initial netns only.
PAIRS = "/proc/1/net/tcp_splice_pairs"
COUNTERS = "/proc/1/net/tcp_splice"
HOST = "127.0.0.1"
libc = ctypes.CDLL(None, use_errno=True)


class Fail(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise Fail(why)


def ioctl_int(sock, req):
    buf = fcntl.ioctl(sock.fileno(), req, b"\0" * 4)
    return struct.unpack("i", buf)[0]


def until(pred, timeout=5.0, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def counter(name):
    try:
        with open(COUNTERS) as f:
            for line in f:
                k, v = line.split()
                if k == name:
                    return int(v)
    except OSError:
        pass
    return 0


def pattern(n, seed=0):
    """n bytes of a position-dependent pattern (detects loss and reordering)."""
    block = bytes((i * 7 + seed) & 0xFF for i in range(251))
    return (block * (n // 251 + 1))[:n]


def unspec(sock):
    """connect(AF_UNSPEC): ends the socket's association (TCP's disconnect)."""
    sa = struct.pack("H14x", socket.AF_UNSPEC)
    rc = libc.connect(sock.fileno(), sa, len(sa))
    expect(rc == 0, f"connect(AF_UNSPEC) failed (errno {ctypes.get_errno()})")


def recv_exact(sock, n, timeout=20.0):
    sock.settimeout(timeout)
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise Fail(f"EOF after {len(buf)} of {n} bytes")
        buf += chunk
    sock.settimeout(None)
    return bytes(buf)


def recv_until_eof(sock, timeout=20.0):
    sock.settimeout(timeout)
    buf = bytearray()
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
    sock.settimeout(None)
    return bytes(buf)


class Conn:
    """A connected client (c) and accepted server (s) end."""

    def __init__(self, mode, tfo_data=None, listen_opts=()):
        self.mode = mode
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for level, opt, val in listen_opts:
            lst.setsockopt(level, opt, val)
        if tfo_data is not None:
            lst.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
        lst.bind((HOST, 0))
        lst.listen(8)
        self.port = lst.getsockname()[1]
        self.c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if tfo_data is not None:
            self.c.sendto(tfo_data, socket.MSG_FASTOPEN, (HOST, self.port))
        else:
            self.c.connect((HOST, self.port))
        self.s, _ = lst.accept()
        lst.close()
        self.cport = self.c.getsockname()[1]
        self.check_paired()

    @classmethod
    def of(cls, mode, client, server):
        c = cls.__new__(cls)
        c.mode, c.c, c.s = mode, client, server
        c.port = server.getsockname()[1]
        c.cport = client.getsockname()[1]
        c.check_paired()
        return c

    def pair(self):
        """Fields of our line in the live pair list, or None."""
        try:
            with open(PAIRS) as f:
                for line in f:
                    if re.search(rf"=\S*:{self.cport}(\s|$)", line):
                        return dict(kv.split("=", 1) for kv in line.split())
        except OSError:
            pass
        return None

    def check_paired(self):
        p = self.pair()
        if self.mode == "splice":
            expect(p, f"client port {self.cport} is not in {PAIRS}")
        else:
            expect(p is None, "paired although splicing is off")

    def ring_bytes(self):
        p = self.pair()
        return int(p["bytes_ab"]) + int(p["bytes_ba"]) if p else 0

    def expect_ring(self):
        if self.mode == "splice":
            expect(self.ring_bytes() > 0, "no byte went through the rings")

    def close(self):
        for s in (self.c, self.s):
            try:
                s.close()
            except OSError:
                pass


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def fill(sock, chunk=65536, limit=64 << 20):
    """Write without blocking until EAGAIN; returns bytes written."""
    sock.setblocking(False)
    n = 0
    try:
        while n < limit:
            n += sock.send(b"x" * chunk)
    except BlockingIOError:
        pass
    sock.setblocking(True)
    expect(n < limit, f"{limit} bytes written without EAGAIN")
    return n


def drain(sock, n, chunk=65536):
    got = 0
    sock.settimeout(20)
    while got < n:
        b = sock.recv(min(chunk, n - got))
        expect(b, f"EOF after {got} of {n} bytes")
        got += len(b)
    sock.settimeout(None)


# --- readiness -----------------------------------------------------------


@case
def poll_in_out(c):
    p = select.poll()
    p.register(c.s, select.POLLIN)
    expect(not p.poll(100), "POLLIN before any data")
    q = select.poll()
    q.register(c.c, select.POLLOUT)
    expect(q.poll(1000), "no POLLOUT on a fresh connection")
    c.c.sendall(b"hello")
    ev = p.poll(2000)
    expect(ev and ev[0][1] & select.POLLIN, "no POLLIN after the peer wrote")
    expect(c.s.recv(100) == b"hello", "wrong bytes")
    expect(not p.poll(100), "POLLIN after everything was read")
    c.expect_ring()


@case
def select_rw(c):
    r, w, _ = select.select([c.s], [c.c], [], 1.0)
    expect(not r and w == [c.c], f"fresh: readable {r}, writable {w}")
    c.c.sendall(b"abc")
    r, _, _ = select.select([c.s], [], [], 2.0)
    expect(r == [c.s], "not readable after the peer wrote")
    expect(c.s.recv(10) == b"abc", "wrong bytes")
    c.expect_ring()


@case
def epoll_in_edge(c):
    ep = select.epoll()
    ep.register(c.s.fileno(), select.EPOLLIN | select.EPOLLET)
    expect(not ep.poll(0.1), "EPOLLIN before any data")
    c.c.sendall(b"a" * 10)
    expect(ep.poll(2), "no edge for the first write")
    expect(not ep.poll(0.1), "edge repeated without new data")
    c.c.sendall(b"b" * 10)
    expect(ep.poll(2), "no edge for new data while unread data waits")
    expect(recv_exact(c.s, 20) == b"a" * 10 + b"b" * 10, "wrong bytes")
    expect(not ep.poll(0.1), "edge after everything was read")
    ep.close()
    c.expect_ring()


class _Epoll:
    """An epoll set with the count of bytes written to fill the socket."""

    def __init__(self):
        self.ep = select.epoll()
        self.filled = 0

    def __getattr__(self, name):
        return getattr(self.ep, name)


def epoll_out_filled(c):
    """An edge-triggered EPOLLOUT watch on the client, written full: TCP may
    still free space as queued bytes reach the peer, so refill until no edge
    comes while the reader does not read."""
    ep = _Epoll()
    ep.register(c.c.fileno(), select.EPOLLOUT | select.EPOLLET)
    expect(ep.poll(1), "no initial EPOLLOUT")
    c.c.sendall(b"y")
    drain(c.s, 1)
    for _ in range(20):
        ep.filled += fill(c.c)
        if not ep.poll(0.3):
            return ep
    raise Fail("EPOLLOUT edges kept coming while the reader did not read")


@case
def epoll_out_edge(c):
    """The Go/nginx pattern: write until EAGAIN, wait for the EPOLLOUT edge."""
    ep = epoll_out_filled(c)
    drain(c.s, ep.filled)
    expect(ep.poll(5), "no EPOLLOUT edge after the reader drained")
    ep.close()
    c.expect_ring()


@case
def epoll_rdhup_half_close(c):
    ep = select.epoll()
    ep.register(c.s.fileno(), select.EPOLLIN | select.EPOLLRDHUP)
    data = pattern(20000)  # within the receive window: the FIN arrives
    c.c.sendall(data)
    c.c.shutdown(socket.SHUT_WR)
    ev = until(lambda: [e for _, e in ep.poll(0.1) if e & select.EPOLLRDHUP], 5)
    expect(ev, "no EPOLLRDHUP after the peer's shutdown(SHUT_WR)")
    expect(recv_until_eof(c.s) == data, "bytes before the FIN lost or reordered")
    back = pattern(5000, 3)
    c.s.sendall(back)
    c.s.close()
    expect(recv_until_eof(c.c) == back, "the half-closed end did not get the reply")
    ep.close()
    c.expect_ring()


@case
def epoll_hup_after_peer_close(c):
    ep = select.epoll()
    ep.register(c.s.fileno(), select.EPOLLIN | select.EPOLLRDHUP)
    c.c.sendall(b"z" * 100)
    expect(recv_exact(c.s, 100) == b"z" * 100, "wrong bytes")
    c.expect_ring()
    c.c.close()
    ev = until(lambda: [e for _, e in ep.poll(0.1) if e & select.EPOLLRDHUP], 5)
    expect(ev, "no EPOLLRDHUP after the peer closed")
    expect(c.s.recv(10) == b"", "no EOF after the peer closed")
    # Writing to a closed peer draws a reset: EPIPE/ECONNRESET, then EPOLLHUP.
    err = None
    for _ in range(200):
        try:
            c.s.send(b"w" * 100)
        except (BrokenPipeError, ConnectionResetError) as e:
            err = e
            break
        time.sleep(0.01)
    expect(err, "writes to a closed peer never failed")
    ev = ep.poll(1)
    expect(ev and ev[0][1] & select.EPOLLHUP, f"no EPOLLHUP after the reset ({ev})")
    ep.close()


# --- queue sizes -----------------------------------------------------------


@case
def fionread_outq(c):
    c.c.sendall(pattern(1234))
    got = until(lambda: ioctl_int(c.s, SIOCINQ) == 1234, 5)
    expect(got, f"SIOCINQ {ioctl_int(c.s, SIOCINQ)}, want 1234")
    # Bytes in the peer's queue are delivered: nothing outstanding.
    outq = until(lambda: ioctl_int(c.c, SIOCOUTQ) == 0, 5)
    expect(outq, f"SIOCOUTQ {ioctl_int(c.c, SIOCOUTQ)} with everything delivered")
    expect(recv_exact(c.s, 1234) == pattern(1234), "wrong bytes")
    expect(ioctl_int(c.s, SIOCINQ) == 0, "SIOCINQ not 0 after reading")
    c.expect_ring()


# --- receive flags ---------------------------------------------------------


@case
def msg_peek(c):
    c.c.sendall(b"hello world")
    until(lambda: ioctl_int(c.s, SIOCINQ) == 11, 5)
    expect(c.s.recv(5, socket.MSG_PEEK) == b"hello", "peek")
    expect(c.s.recv(100, socket.MSG_PEEK) == b"hello world", "second peek")
    expect(c.s.recv(100) == b"hello world", "read after peek")
    c.expect_ring()


def tfo_conn(mode):
    return Conn(mode, tfo_data=pattern(1000))


@case
def msg_peek_across_startup(c):
    """Bytes from the SYN (TCP) and after it (ring) in one peek."""
    rest = pattern(5000, 1000)
    c.c.sendall(rest)
    until(lambda: ioctl_int(c.s, SIOCINQ) == 6000, 5)
    want = pattern(1000) + rest
    s0 = counter("bytes_startup")
    got = c.s.recv(6000, socket.MSG_PEEK)
    expect(got == want, f"peek across the startup bytes returned {len(got)} of 6000")
    expect(recv_exact(c.s, 6000) == want, "read after peek")
    c.expect_ring()
    if c.mode == "splice":
        expect(counter("bytes_startup") - s0 == 1000, "the SYN's bytes did not come over TCP")


msg_peek_across_startup.make = tfo_conn


SO_PEEK_OFF = 42


@case
def peek_off_advances(c):
    """SO_PEEK_OFF: each peek continues where the last one ended (passt)."""
    c.c.sendall(b"abcdef")
    until(lambda: ioctl_int(c.s, SIOCINQ) == 6, 5)
    c.s.setsockopt(socket.SOL_SOCKET, SO_PEEK_OFF, 0)
    a = c.s.recv(3, socket.MSG_PEEK)
    b = c.s.recv(3, socket.MSG_PEEK)
    expect((a, b) == (b"abc", b"def"), f"two 3-byte peeks gave {a!r}, {b!r}")
    expect(c.s.getsockopt(socket.SOL_SOCKET, SO_PEEK_OFF) == 6, "peek offset not 6")
    expect(c.s.recv(2) == b"ab", "read after the peeks")
    expect(c.s.getsockopt(socket.SOL_SOCKET, SO_PEEK_OFF) == 4, "a read of 2 did not take "
           "2 off the peek offset")
    c.c.sendall(b"ghij")
    until(lambda: ioctl_int(c.s, SIOCINQ) == 8, 5)
    expect(c.s.recv(10, socket.MSG_PEEK) == b"ghij", "a peek past the old bytes")
    expect(recv_exact(c.s, 8) == b"cdefghij", "the stream after peeking")
    c.expect_ring()


@case
def peek_off_blocks_for_more(c):
    """A peek at an offset beyond the data waits for data there."""
    c.c.sendall(b"12345")
    until(lambda: ioctl_int(c.s, SIOCINQ) == 5, 5)
    c.s.setsockopt(socket.SOL_SOCKET, SO_PEEK_OFF, 5)
    try:
        c.s.recv(5, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        raise Fail("a non-blocking peek past the data returned")
    except BlockingIOError:
        pass
    t = threading.Thread(target=lambda: (time.sleep(0.2), c.c.sendall(b"67")))
    t.start()
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 5, 0))
    got = c.s.recv(5, socket.MSG_PEEK)
    t.join()
    expect(got == b"67", f"the blocked peek at offset 5 gave {got!r}")
    expect(recv_exact(c.s, 7) == b"1234567", "the stream after peeking")
    c.expect_ring()


@case
def peek_off_across_startup(c):
    """SO_PEEK_OFF across the startup bytes (TCP) and the ring."""
    rest = pattern(5000, 1000)
    c.c.sendall(rest)
    until(lambda: ioctl_int(c.s, SIOCINQ) == 6000, 5)
    want = pattern(1000) + rest
    c.s.setsockopt(socket.SOL_SOCKET, SO_PEEK_OFF, 0)
    parts = [c.s.recv(700, socket.MSG_PEEK) for _ in range(3)]
    got = b"".join(parts)
    expect(got == want[:len(got)] and len(got) >= 1400,
           f"three peeks of 700 returned {[len(p) for p in parts]} bytes, not the stream")
    rest_peek = c.s.recv(6000, socket.MSG_PEEK)
    expect(got + rest_peek == want, "peeking on to the end did not give the stream")
    expect(recv_exact(c.s, 6000) == want, "read after peek")
    c.expect_ring()


peek_off_across_startup.make = tfo_conn


@case
def msg_trunc_discards(c):
    """recv(NULL, n, MSG_TRUNC) discards n bytes (TCP); with MSG_PEEK it only counts."""
    c.c.sendall(b"0123456789")
    until(lambda: ioctl_int(c.s, SIOCINQ) == 10, 5)
    libc.recv.restype = ctypes.c_ssize_t
    n = libc.recv(c.s.fileno(), None, ctypes.c_size_t(3),
                  socket.MSG_TRUNC | socket.MSG_PEEK)
    expect(n == 3, f"recv(NULL, 3, MSG_TRUNC|MSG_PEEK) returned {n} "
           f"(errno {ctypes.get_errno()})")
    n = libc.recv(c.s.fileno(), None, ctypes.c_size_t(5), socket.MSG_TRUNC)
    expect(n == 5, f"recv(NULL, 5, MSG_TRUNC) returned {n} (errno {ctypes.get_errno()})")
    expect(ioctl_int(c.s, SIOCINQ) == 5, f"SIOCINQ {ioctl_int(c.s, SIOCINQ)} after "
           "discarding 5 of 10")
    expect(c.s.recv(10) == b"56789", "the bytes after the discarded ones")
    c.expect_ring()


@case
def listen_after_unspec(c):
    """A socket that left its connection with connect(AF_UNSPEC) can listen."""
    c.c.sendall(b"x")
    expect(recv_exact(c.s, 1) == b"x", "wrong bytes")
    c.expect_ring()
    unspec(c.c)
    c.c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.c.bind((HOST, 0))
    c.c.listen(4)
    cl = socket.create_connection(c.c.getsockname())
    srv, _ = c.c.accept()
    try:
        cl.sendall(b"via the new listener")
        expect(recv_exact(srv, 20) == b"via the new listener", "bytes through the new listener")
        srv.sendall(b"ok")
        expect(recv_exact(cl, 2) == b"ok", "reply through the new listener")
    finally:
        cl.close()
        srv.close()


@case
def blocked_writer_unspec(c):
    """One 64 MiB send() in progress while another thread calls
    connect(AF_UNSPEC): the send ends as on TCP (a partial count or EPIPE)
    and the old peer gets at most what was already on its way, then a reset."""
    res, got = {}, [0]

    def reader():
        c.s.settimeout(20)
        try:
            while True:
                b = c.s.recv(1 << 16)
                if not b:
                    res["peer"] = "eof"
                    break
                got[0] += len(b)
                time.sleep(0.01)  # 6.4 MB/s: the 64 MiB send outlasts the test
        except ConnectionResetError:
            res["peer"] = "reset"
        except OSError as e:
            res["peer"] = type(e).__name__

    def writer():
        try:
            res["sent"] = c.c.send(b"w" * (64 << 20))
        except OSError as e:
            res["sent"] = type(e).__name__

    rt = threading.Thread(target=reader)
    wt = threading.Thread(target=writer)
    rt.start()
    wt.start()
    time.sleep(0.5)
    at_disconnect = got[0]
    unspec(c.c)
    wt.join(10)
    expect(not wt.is_alive(), "the blocked writer never returned")
    rt.join(30)
    expect(not rt.is_alive(), "the old peer's reader never saw the end")
    after = got[0] - at_disconnect
    print(f"# blocked_writer_unspec [{c.mode}]: send -> {res.get('sent')}, peer {res.get('peer')}"
          f", {after} bytes reached the old peer after the disconnect")
    expect(res.get("sent") != 64 << 20, "the whole 64 MiB went to a disconnected socket")
    expect(after < 16 << 20, f"{after} bytes reached the old peer after the disconnect")
    expect(res.get("peer") == "reset", f"the old peer saw {res.get('peer')}, not a reset")


@case
def epoll_out_low_water(c):
    """EPOLLOUT comes back when a fair share of the space is free, not one
    byte (TCP: a third of the buffer), so writers do not spin on tiny writes."""
    ep = epoll_out_filled(c)
    drain(c.s, 1)
    ev = ep.poll(0.5)
    expect(not ev, f"EPOLLOUT after the reader freed 1 byte of {ep.filled}")
    drain(c.s, ep.filled - 1)
    expect(ep.poll(5), "no EPOLLOUT edge after the reader drained")
    ep.close()
    c.expect_ring()


@case
def notsent_lowat(c):
    """TCP_NOTSENT_LOWAT: writable only while fewer unsent (unread) bytes wait."""
    c.c.setsockopt(socket.IPPROTO_TCP, 25, 4096)  # TCP_NOTSENT_LOWAT
    c.c.sendall(b"z")
    drain(c.s, 1)
    c.c.sendall(b"q" * 32768)
    time.sleep(0.2)
    _, w, _ = select.select([], [c.c], [], 0.3)
    if c.mode == "splice":
        expect(not w, "writable with 32 KiB unread above a 4 KiB TCP_NOTSENT_LOWAT")
    drain(c.s, 32768)
    _, w, _ = select.select([], [c.c], [], 5)
    expect(w, "not writable after the reader drained")
    c.expect_ring()


@case
def msg_waitall(c):
    def writer():
        for i in range(3):
            time.sleep(0.05)
            c.c.sendall(pattern(1000, i))

    t = threading.Thread(target=writer)
    t.start()
    # Blocking (a Python timeout would make the socket non-blocking).
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 10, 0))
    got = c.s.recv(3000, socket.MSG_WAITALL)
    t.join()
    expect(got == pattern(1000, 0) + pattern(1000, 1) + pattern(1000, 2),
           f"MSG_WAITALL returned {len(got)} bytes")
    c.expect_ring()


@case
def msg_dontwait_and_nonblocking(c):
    c.c.sendall(b"1")
    expect(recv_exact(c.s, 1) == b"1", "wrong bytes")
    try:
        c.s.recv(10, socket.MSG_DONTWAIT)
        raise Fail("MSG_DONTWAIT recv on an empty socket did not fail")
    except BlockingIOError:
        pass
    c.s.setblocking(False)
    try:
        c.s.recv(10)
        raise Fail("non-blocking recv on an empty socket did not fail")
    except BlockingIOError:
        pass
    c.c.sendall(b"2")
    until(lambda: ioctl_int(c.s, SIOCINQ) == 1, 5)
    expect(c.s.recv(10) == b"2", "non-blocking recv with data")
    c.expect_ring()


@case
def so_rcvlowat(c):
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1000)
    c.c.sendall(pattern(500))
    until(lambda: ioctl_int(c.s, SIOCINQ) == 500, 5)
    r, _, _ = select.select([c.s], [], [], 0.3)
    expect(not r, "readable below SO_RCVLOWAT")
    c.s.settimeout(0.3)
    try:
        c.s.recv(4096)
        raise Fail("recv returned below SO_RCVLOWAT")
    except TimeoutError:
        pass
    c.s.settimeout(None)
    c.c.sendall(pattern(600, 500))
    r, _, _ = select.select([c.s], [], [], 3)
    expect(r, "not readable at SO_RCVLOWAT")
    expect(recv_exact(c.s, 1100) == pattern(500) + pattern(600, 500), "wrong bytes")
    c.expect_ring()


@case
def so_rcvlowat_above_first_buffer(c):
    """SO_RCVLOWAT above a new ring's first (4 KiB) buffer still holds: with
    that buffer full, the reader waits for what the ring can grow to."""
    c.c.sendall(b"x")  # the client's ring starts small
    recv_exact(c.s, 1)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 6000)
    c.c.sendall(pattern(4096, 1))  # fills the first buffer exactly
    until(lambda: ioctl_int(c.s, SIOCINQ) == 4096, 5)
    r, _, _ = select.select([c.s], [], [], 0.3)
    expect(not r, "readable with 4096 bytes below a 6000-byte SO_RCVLOWAT")
    c.c.sendall(pattern(2000, 2))
    r, _, _ = select.select([c.s], [], [], 3)
    expect(r, "not readable at SO_RCVLOWAT")
    expect(recv_exact(c.s, 6096) == pattern(4096, 1) + pattern(2000, 2), "wrong bytes")
    c.expect_ring()


@case
def ring_grows_under_unread_bytes(c):
    """A send that does not fit the first buffer grows the ring with bytes
    unread and peeked in it: each byte comes out once, in order."""
    c.c.sendall(pattern(3000, 1))  # fits the first buffer
    until(lambda: ioctl_int(c.s, SIOCINQ) == 3000, 5)
    expect(c.s.recv(100, socket.MSG_PEEK) == pattern(3000, 1)[:100], "peek before growing")
    expect(recv_exact(c.s, 1000) == pattern(3000, 1)[:1000], "read before growing")
    c.c.sendall(pattern(40000, 2))  # does not fit: grows under 2000 unread
    until(lambda: ioctl_int(c.s, SIOCINQ) == 42000, 5)
    want = pattern(3000, 1)[1000:] + pattern(40000, 2)
    expect(c.s.recv(3000, socket.MSG_PEEK) == want[:3000], "peek after growing")
    expect(recv_exact(c.s, 42000) == want, "bytes lost, repeated or reordered")
    # And both ways at once, the reader running meanwhile.
    data = [pattern(1500 + 977 * i, 10 + i) for i in range(24)]
    got, t = [], threading.Thread(target=lambda: got.append(recv_exact(c.c, sum(map(len, data)))))
    t.start()
    for d in data:
        c.s.sendall(d)
    t.join(30)
    expect(got and got[0] == b"".join(data), "server to client: bytes differ")
    c.expect_ring()


@case
def both_write_then_read(c):
    """Both ends write 48 KiB before either reads (as TCP's buffers take):
    a ring that starts small grows, so neither sender waits for the other."""
    c.c.sendall(b"a")  # both rings start small
    c.s.sendall(b"b")
    expect(recv_exact(c.s, 1) == b"a" and recv_exact(c.c, 1) == b"b", "first bytes")
    done = []

    def send(sock, seed):
        sock.sendall(pattern(49152, seed))
        done.append(seed)

    ts = [threading.Thread(target=send, args=(s, i), daemon=True)
          for i, s in enumerate((c.c, c.s))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(10)
    expect(len(done) == 2, f"{2 - len(done)} sender(s) still blocked with 48 KiB unread")
    expect(recv_exact(c.s, 49152) == pattern(49152, 0), "client to server differs")
    expect(recv_exact(c.c, 49152) == pattern(49152, 1), "server to client differs")
    c.expect_ring()


@case
def so_rcvtimeo(c):
    c.c.sendall(b"x")
    recv_exact(c.s, 1)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 200000))
    t0 = time.monotonic()
    try:
        c.s.recv(10)
        raise Fail("recv without data returned")
    except BlockingIOError:
        pass
    expect(time.monotonic() - t0 >= 0.15, "SO_RCVTIMEO expired early")
    c.expect_ring()


@case
def so_sndtimeo_full(c):
    """A blocked sender times out with EAGAIN (or a partial count)."""
    c.c.sendall(b"x")
    recv_exact(c.s, 1)
    c.c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 0, 300000))
    sent, err = 0, None
    for _ in range(2000):
        try:
            sent += c.c.send(b"s" * 65536)
        except BlockingIOError as e:
            err = e
            break
    expect(err, f"no EAGAIN after {sent} bytes to a reader that never reads")
    drain(c.s, sent)
    c.expect_ring()


@case
def blocked_send_completes(c):
    """A full ring backpressures: the sender sleeps until the reader reads."""
    data = pattern(32 << 20)
    done = threading.Event()

    def writer():
        c.c.sendall(data)
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(0.5)
    expect(not done.is_set(), "32 MiB fit without the reader reading")
    if c.mode == "splice":
        p = c.pair()
        expect(p and int(p["fill_ab"]) + int(p["fill_ba"]) == int(p["size"]),
               f"the ring is not full while the sender waits ({p})")
    got = recv_exact(c.s, len(data), 60)
    t.join(10)
    expect(done.is_set(), "the sender did not finish")
    expect(got == data, "bytes lost or reordered")
    c.expect_ring()


# --- vectors and batches ----------------------------------------------------


@case
def readv_writev(c):
    n = c.c.sendmsg([b"a" * 10, b"b" * 20, b"c" * 30])
    expect(n == 60, f"writev sent {n}")
    until(lambda: ioctl_int(c.s, SIOCINQ) == 60, 5)
    b1, b2 = bytearray(15), bytearray(45)
    n, _, _, _ = c.s.recvmsg_into([b1, b2])
    expect(n == 60, f"readv got {n}")
    expect(bytes(b1 + b2) == b"a" * 10 + b"b" * 20 + b"c" * 30, "wrong bytes")
    c.expect_ring()


class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class MsgHdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(IOVec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class MMsgHdr(ctypes.Structure):
    _fields_ = [("hdr", MsgHdr), ("len", ctypes.c_uint)]


def mmsg(bufs):
    vecs = [IOVec(ctypes.cast(b, ctypes.c_void_p), ctypes.sizeof(b)) for b in bufs]
    arr = (MMsgHdr * len(bufs))()
    for i, v in enumerate(vecs):
        arr[i].hdr.iov = ctypes.pointer(v)
        arr[i].hdr.iovlen = 1
    return arr, vecs


@case
def sendmmsg_recvmmsg(c):
    out = [ctypes.create_string_buffer(bytes([65 + i]) * 100, 100) for i in range(3)]
    arr, keep = mmsg(out)
    n = libc.sendmmsg(c.c.fileno(), arr, 3, 0)
    expect(n == 3, f"sendmmsg sent {n} messages (errno {ctypes.get_errno()})")
    until(lambda: ioctl_int(c.s, SIOCINQ) == 300, 5)
    inb = [ctypes.create_string_buffer(100) for _ in range(3)]
    arr2, keep2 = mmsg(inb)
    n = libc.recvmmsg(c.s.fileno(), arr2, 3, socket.MSG_DONTWAIT, None)
    expect(n == 3, f"recvmmsg got {n} messages (errno {ctypes.get_errno()})")
    got = [arr2[i].len for i in range(3)]
    expect(got == [100, 100, 100], f"recvmmsg lengths {got}")
    expect([b.raw for b in inb] == [b.raw for b in out], "wrong bytes")
    c.expect_ring()


@case
def msg_zerocopy(c):
    """Each MSG_ZEROCOPY send gets its completion on the error queue."""
    c.c.setsockopt(socket.SOL_SOCKET, 60, 1)  # SO_ZEROCOPY
    for i in range(3):
        n = c.c.send(pattern(10000, i), 0x4000000)  # MSG_ZEROCOPY
        expect(n == 10000, f"send {i} returned {n}")
        expect(recv_exact(c.s, 10000) == pattern(10000, i), "wrong bytes")
    done = set()
    p = select.poll()
    p.register(c.c, select.POLLERR)
    end = time.monotonic() + 5
    while len(done) < 3 and time.monotonic() < end:
        p.poll(100)
        try:
            _, anc, _, _ = c.c.recvmsg(1, 1024, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
        for level, typ, data in anc:
            _, origin, _, _, _, lo, hi = struct.unpack("IBBBBII", data[:16])
            expect(origin == 5, f"error queue origin {origin}, want zerocopy (5)")
            done.update(range(lo, hi + 1))
    expect(done == {0, 1, 2}, f"completions for sends {sorted(done)}, want 0..2")
    c.expect_ring()


# --- sendfile and splice ----------------------------------------------------


@case
def sendfile_into(c):
    data = os.urandom(1 << 20)
    with tempfile.TemporaryFile() as f:
        f.write(data)
        f.flush()
        got = []
        t = threading.Thread(target=lambda: got.append(recv_exact(c.s, len(data), 60)))
        t.start()
        off = 0
        while off < len(data):
            n = os.sendfile(c.c.fileno(), f.fileno(), off, len(data) - off)
            expect(n > 0, f"sendfile returned {n} at {off}")
            off += n
        t.join(60)
    expect(got and hashlib.sha256(got[0]).digest() == hashlib.sha256(data).digest(),
           "bytes sent with sendfile(2) differ")
    c.expect_ring()


@case
def splice_to_pipe(c):
    data = pattern(256 << 10, 9)
    t = threading.Thread(target=lambda: c.c.sendall(data))
    t.start()
    r, w = os.pipe()
    out = bytearray()
    while len(out) < len(data):
        n = os.splice(c.s.fileno(), w, 65536)
        expect(n > 0, f"splice(2) returned {n} after {len(out)} bytes")
        while n:
            b = os.read(r, n)
            out += b
            n -= len(b)
    t.join()
    os.close(r)
    os.close(w)
    expect(bytes(out) == data, "bytes spliced into the pipe differ")
    c.c.close()
    r, w = os.pipe()
    expect(os.splice(c.s.fileno(), w, 65536) == 0, "splice(2) at EOF did not return 0")
    os.close(r)
    os.close(w)
    c.expect_ring()


# --- teardown ---------------------------------------------------------------


def expect_reset(sock):
    sock.settimeout(5)
    try:
        while sock.recv(65536):
            pass
        raise Fail("EOF instead of a reset")
    except ConnectionResetError:
        pass


@case
def close_unread_resets(c):
    c.c.sendall(pattern(1000))
    until(lambda: ioctl_int(c.s, SIOCINQ) == 1000, 5)
    c.expect_ring()
    c.s.close()
    expect_reset(c.c)


@case
def linger_zero_resets(c):
    c.c.sendall(b"q" * 10)
    recv_exact(c.s, 10)
    c.expect_ring()
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.s.close()
    expect_reset(c.c)


@case
def close_drains_before_fin(c):
    data = pattern(200000, 5)

    def writer():
        c.c.sendall(data[:100000])
        c.c.sendall(data[100000:])
        c.c.close()

    t = threading.Thread(target=writer)
    t.start()
    expect(recv_until_eof(c.s) == data, "bytes written before close lost")
    t.join()


def in_child(fn):
    pid = os.fork()
    if pid == 0:
        try:
            fn()
        finally:
            os._exit(0)
    return pid


@case
def kill_blocked_recv(c):
    c.c.sendall(b"x")
    recv_exact(c.s, 1)
    c.expect_ring()
    pid = in_child(lambda: c.s.recv(10))
    c.s.close()  # the blocked child holds the only reference now
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)
    _, st = os.waitpid(pid, 0)
    expect(os.WIFSIGNALED(st), "the blocked reader was not killed")
    expect(recv_until_eof(c.c) == b"", "no EOF after the reader died")


@case
def kill_blocked_send(c):
    def child():
        c.c.sendall(b"k" * (64 << 20))

    pid = in_child(child)
    c.c.close()
    time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    _, st = os.waitpid(pid, 0)
    expect(os.WIFSIGNALED(st), "the blocked sender was not killed")
    got = recv_until_eof(c.s, 30)
    expect(got and got == b"k" * len(got), f"{len(got)} bytes, not all 'k'")
    c.expect_ring()


# --- options ----------------------------------------------------------------


@case
def options_and_keepalive(c):
    tcp = socket.IPPROTO_TCP
    for s in (c.c, c.s):
        s.setsockopt(tcp, socket.TCP_NODELAY, 1)
        s.setsockopt(tcp, socket.TCP_CORK, 1)
        s.setsockopt(tcp, socket.TCP_CORK, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(tcp, socket.TCP_KEEPIDLE, 1)
        s.setsockopt(tcp, socket.TCP_KEEPINTVL, 1)
        s.setsockopt(tcp, socket.TCP_KEEPCNT, 2)
        expect(s.getsockopt(tcp, socket.TCP_NODELAY) == 1, "TCP_NODELAY not kept")
        expect(s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1, "SO_KEEPALIVE")
    c.c.sendall(b"ping")
    expect(recv_exact(c.s, 4) == b"ping", "wrong bytes")
    # Idle past keepidle + keepcnt * keepintvl: probes must be answered.
    time.sleep(4.5)
    c.s.sendall(b"pong")
    expect(recv_exact(c.c, 4) == b"pong", "the connection died while idle")
    c.expect_ring()


@case
def cork_msg_more(c):
    tcp = socket.IPPROTO_TCP
    c.c.setsockopt(tcp, socket.TCP_CORK, 1)
    c.c.sendall(b"a" * 100)
    c.c.send(b"b" * 100, socket.MSG_MORE)
    c.c.setsockopt(tcp, socket.TCP_CORK, 0)
    expect(recv_exact(c.s, 200) == b"a" * 100 + b"b" * 100, "wrong bytes")
    c.expect_ring()


@case
def shared_socket_threads(c):
    """Three threads write one socket and three read its peer at once, with
    random sizes, MSG_WAITALL and MSG_PEEK mixed in: every byte arrives
    exactly once (each writer's byte value counted at the far end)."""
    per_writer, nwriters = 3 << 20, 3
    got = [[0] * 256 for _ in range(3)]
    errors = []
    lock = threading.Lock()
    left = [per_writer * nwriters]

    def writer(i):
        import random
        rnd = random.Random(i)
        sent = 0
        try:
            while sent < per_writer:
                n = min(per_writer - sent, rnd.choice((1, 7, 100, 1500, 9000, 70000)))
                c.c.sendall(bytes([i + 1]) * n)
                sent += n
        except OSError as e:
            errors.append(f"writer {i}: {e}")

    def reader(i):
        import random
        rnd = random.Random(100 + i)
        c.s.settimeout(30)
        try:
            while True:
                with lock:
                    if left[0] <= 0:
                        return
                if i == 2 and rnd.random() < 0.2:
                    c.s.recv(rnd.choice((1, 64, 4096)), socket.MSG_PEEK | socket.MSG_DONTWAIT)
                    continue
                flags = socket.MSG_WAITALL if rnd.random() < 0.3 else 0
                try:
                    b = c.s.recv(rnd.choice((1, 13, 512, 4096, 65536)),
                                 flags | (socket.MSG_DONTWAIT if i == 1 else 0))
                except BlockingIOError:
                    continue
                if not b:
                    with lock:
                        expect(left[0] <= 0, f"EOF with {left[0]} bytes to come")
                    return
                for v in set(b):
                    got[i][v] += b.count(v)
                with lock:
                    left[0] -= len(b)
        except BlockingIOError:
            pass
        except (OSError, Fail) as e:
            errors.append(f"reader {i}: {e}")

    ws = [threading.Thread(target=writer, args=(i,)) for i in range(nwriters)]
    rs = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for t in ws + rs:
        t.start()
    for t in ws:
        t.join(60)
    # Readers blocked past the last byte: their timeout (or this) ends them.
    until(lambda: left[0] <= 0, timeout=60)
    c.c.shutdown(socket.SHUT_WR)
    for t in rs:
        t.join(60)
    expect(not errors, "; ".join(errors))
    expect(not any(t.is_alive() for t in ws + rs), "a thread never finished")
    for v in range(1, nwriters + 1):
        n = sum(g[v] for g in got)
        expect(n == per_writer, f"writer {v - 1}: {n} of {per_writer} bytes arrived")
    expect(sum(map(sum, got)) == per_writer * nwriters, "bytes no writer sent arrived")
    c.expect_ring()


EPIOCSPARAMS = 0x40088A01  # _IOW(0x8A, 0x01, struct epoll_params)
SO_INCOMING_NAPI_ID = 56


@case
def epoll_busy_poll(c):
    """An epoll instance that busy-polls (EPIOCSPARAMS, as net.core.busy_poll
    does for all) serves a request/response loop; a spliced socket carries a
    NAPI ID of the module's, on which epoll can busy-poll."""
    ep = select.epoll()
    try:
        # busy_poll_usecs 100, budget 8, prefer_busy_poll 0.
        fcntl.ioctl(ep.fileno(), EPIOCSPARAMS, struct.pack("IHBB", 100, 8, 0, 0))
        ep.register(c.s.fileno(), select.EPOLLIN)
        for i in range(300):
            c.c.sendall(struct.pack("I", i))
            expect(ep.poll(5), f"no EPOLLIN for request {i}")
            expect(recv_exact(c.s, 4) == struct.pack("I", i), "wrong bytes")
            c.s.sendall(struct.pack("I", i + 1))
            expect(recv_exact(c.c, 4) == struct.pack("I", i + 1), "wrong reply")
    finally:
        ep.close()
    napi = struct.unpack("I", c.s.getsockopt(socket.SOL_SOCKET, SO_INCOMING_NAPI_ID, 4))[0]
    if c.mode == "splice":
        # MIN_NAPI_ID is NR_CPUS + 1: IDs below are CPU numbers, not NAPIs.
        expect(napi > os.cpu_count(), f"SO_INCOMING_NAPI_ID {napi}: no NAPI ID")
    c.expect_ring()


def recv_blocking(sock, n, bufsize=65536):
    """n bytes by blocking recv_into() calls of bufsize (Python's own
    timeouts would make the socket non-blocking: the kernel never waits)."""
    sock.settimeout(None)
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        r = sock.recv_into(view[got:], min(bufsize, n - got))
        if not r:
            raise Fail(f"EOF after {got} of {n} bytes")
        got += r
    return bytes(buf)


@case
def large_blocking_reads(c):
    """Large messages to a reader blocked in recv() with a large buffer (the
    writer may fill it directly, in one copy), byte-exact; a writer whose
    pages are not yet in memory (they fault); a reader whose wait times out
    with its buffer offered, then gets the next bytes intact."""
    import mmap
    msgs = [pattern(65536 + i * 4099, seed=i) for i in range(40)]
    failed = []
    direct0 = counter("bytes_direct") if c.mode == "splice" else 0

    def writer(items, delay):
        try:
            for m in items:
                time.sleep(delay)  # the reader is waiting by now
                c.c.sendall(m)
        except OSError as e:
            failed.append(str(e))

    t = threading.Thread(target=writer, args=(msgs, 0.003))
    t.start()
    for i, m in enumerate(msgs):
        expect(recv_blocking(c.s, len(m)) == m, f"message {i} differs")
    t.join(30)
    # Fresh anonymous memory: the writer's first touch of every page faults.
    fresh = mmap.mmap(-1, 1 << 20)
    t = threading.Thread(target=writer, args=([fresh], 0.05))
    t.start()
    expect(recv_blocking(c.s, 1 << 20, 1 << 20) == bytes(1 << 20), "faulting writer: wrong bytes")
    t.join(30)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 200000))
    try:
        c.s.recv(1 << 17)
        raise Fail("recv without data returned")
    except BlockingIOError:
        pass
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 0))
    last = pattern(200000, seed=99)
    t = threading.Thread(target=writer, args=([last], 0.05))
    t.start()
    expect(recv_blocking(c.s, len(last), 1 << 17) == last, "after the timeout: wrong bytes")
    t.join(30)
    expect(not failed, "; ".join(failed))
    c.expect_ring()
    if c.mode == "splice":
        expect(counter("bytes_direct") > direct0, "no byte was copied straight to the reader")


@case
def so_busy_poll(c):
    c.s.setsockopt(socket.SOL_SOCKET, 46, 50)  # SO_BUSY_POLL, microseconds
    for i in range(200):
        c.c.sendall(struct.pack("I", i))
        expect(recv_exact(c.s, 4) == struct.pack("I", i), "wrong bytes")
    c.expect_ring()


@case
def so_busy_poll_large_answers(c):
    """A busy-polling reader awaiting large answers (request, then 64 KiB
    back) gets each byte-exact; spliced, it offers its buffer while it polls
    and waits, so answers land straight in it (bytes_direct grows)."""
    c.c.setsockopt(socket.SOL_SOCKET, 46, 50)  # SO_BUSY_POLL, microseconds
    direct0 = counter("bytes_direct") if c.mode == "splice" else 0
    failed = []

    def server():
        try:
            for i in range(60):
                expect(recv_exact(c.s, 4) == struct.pack("I", i), f"request {i}")
                c.s.sendall(pattern(65536, i))
        except (OSError, Fail) as e:
            failed.append(str(e))

    t = threading.Thread(target=server)
    t.start()
    for i in range(60):
        c.c.sendall(struct.pack("I", i))
        expect(recv_blocking(c.c, 65536) == pattern(65536, i), f"answer {i} differs")
    t.join(30)
    expect(not failed, f"server: {failed}")
    if c.mode == "splice":
        expect(counter("bytes_direct") > direct0, "no answer went straight into the buffer")
    c.expect_ring()


@case
def reconnect_after_unspec(c):
    """connect(AF_UNSPEC) ends the association; the socket connects anew."""
    c.c.sendall(b"first")
    expect(recv_exact(c.s, 5) == b"first", "wrong bytes")
    c.expect_ring()
    unspec(c.c)
    expect_reset(c.s)
    lst = socket.socket()
    lst.bind((HOST, 0))
    lst.listen(1)
    c.c.connect(lst.getsockname())
    s2, _ = lst.accept()
    lst.close()
    try:
        data = pattern(300000, 2)
        t = threading.Thread(target=lambda: c.c.sendall(data))
        t.start()
        expect(recv_exact(s2, len(data)) == data, "bytes on the new connection differ")
        t.join()
        s2.sendall(b"back")
        expect(recv_exact(c.c, 4) == b"back", "reply on the new connection")
    finally:
        s2.close()


@case
def cork_before_pairing(c):
    """Bytes corked before the server end pairs still precede ring bytes.

    Needs the suite's netns: a netfilter rule drops the handshake's first
    pure ACK to TSP_CORK_PORT, so the server end pairs a second later, when
    its SYN-ACK is retransmitted; the route's rto_min of 10 s keeps the
    client's corked bytes held (not probed out) until the ring engages.
    """
    rest = pattern(100000, 4)
    s0 = counter("bytes_startup")

    def writer():
        c.c.sendall(rest)
        c.c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(0.5)  # the writer engages its ring (and pushes) first
    t0 = time.monotonic()
    got = recv_exact(c.s, 100 + len(rest))
    waited = time.monotonic() - t0
    t.join(10)
    # Held bytes left to TCP would come only with its probe, after rto_min.
    expect(waited < 5, f"the reader waited {waited:.1f} s for the corked bytes")
    expect(got == pattern(100) + rest, "bytes lost or reordered")
    c.expect_ring()
    if c.mode == "splice":
        expect(counter("bytes_startup") - s0 == 100, "the corked bytes did not come over TCP")


def corked_conn(mode):
    port = int(os.environ.get("TSP_CORK_PORT", "0"))
    expect(port, "TSP_CORK_PORT not set")
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((HOST, port))
    lst.listen(1)
    cl = socket.socket()
    cl.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    cl.connect((HOST, port))
    cl.sendall(pattern(100))
    lst.settimeout(10)
    srv, _ = lst.accept()
    lst.close()
    srv.settimeout(None)
    return Conn.of(mode, cl, srv)


cork_before_pairing.make = corked_conn


def _case_timeout(signum, frame):
    raise Fail(f"no result after {CASE_SECS} s (hung?)")


CASE_SECS = int(os.environ.get("TSP_CASE_TIMEOUT", "150"))


def run_cases(cases, run_one, default=None, description=None):
    """The command line of a case file: --mode splice|tcp, --list, CASE...
    run_one(name, fn, mode) runs one case; each prints "ok NAME" or
    "not ok NAME: why" and has TSP_CASE_TIMEOUT seconds. Exits 1 if any
    failed."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--mode", choices=("splice", "tcp"), default="tcp")
    ap.add_argument("--list", action="store_true", help="print the default cases")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    names = a.cases or default or list(cases)
    if a.list:
        print("\n".join(names))
        return
    failed = 0
    for name in names:
        fn = cases.get(name)
        if fn is None:
            print(f"not ok {name}: no such case")
            failed += 1
            continue
        signal.signal(signal.SIGALRM, _case_timeout)
        signal.alarm(CASE_SECS)
        try:
            run_one(name, fn, a.mode)
            print(f"ok {name}", flush=True)
        except (Fail, OSError, ValueError) as e:
            print(f"not ok {name}: {type(e).__name__}: {e}", flush=True)
            failed += 1
        finally:
            signal.alarm(0)
    sys.exit(1 if failed else 0)


def _run_conn_case(name, fn, mode):
    c = getattr(fn, "make", Conn)(mode)
    try:
        fn(c)
    finally:
        c.close()


def main():
    run_cases(CASES, _run_conn_case, [n for n in CASES if n != "cork_before_pairing"])


if __name__ == "__main__":
    main()
