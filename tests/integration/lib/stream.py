#!/usr/bin/env python3
"""stream.py [--serve|--connect] [--tfo] [--bind-port P] HOST PORT PAIRS BYTES [ROUNDS]

Stream integrity: PAIRS connections at once, BYTES each way on every one,
random write and read sizes (1 B .. 256 KiB), both directions at the same
time, the client writing before the server accepts (with --tfo the first
bytes ride in the SYN, before either end pairs). Every byte is checked
against its expected stream (seeded by the client's port); each side ends
with shutdown(SHUT_WR) and expects EOF after exactly BYTES. ROUNDS bursts
of PAIRS connections, opened and closed together. Default: both ends in
this process; --serve / --connect run one side (for two namespaces).
Exit 0 when every byte arrived intact and in order."""
import argparse
import random
import socket
import sys
import threading

from dial import dial

ap = argparse.ArgumentParser()
ap.add_argument("--serve", action="store_true")
ap.add_argument("--connect", action="store_true")
ap.add_argument("--tfo", action="store_true")
ap.add_argument("--bind-port", type=int, default=0)
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("pairs", type=int)
ap.add_argument("nbytes", type=int)
ap.add_argument("rounds", type=int, nargs="?", default=1)
a = ap.parse_args()
fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
BLOCK = random.Random(7).randbytes(1 << 20)
MAX = 256 << 10
errors = []


def expected(seed, off, n):
    out = bytearray()
    pos = (seed * 7919 + off) % len(BLOCK)
    while n:
        k = min(n, len(BLOCK) - pos)
        out += BLOCK[pos:pos + k]
        n -= k
        pos = 0
    return bytes(out)


def size(rng):
    return rng.choice((1, rng.randint(1, 64), rng.randint(1, 4096), rng.randint(1, MAX)))


def writer(sock, seed, off=0):
    rng = random.Random(seed)
    try:
        while off < a.nbytes:
            n = min(size(rng), a.nbytes - off)
            sock.sendall(expected(seed, off, n))
            off += n
        sock.shutdown(socket.SHUT_WR)
    except OSError as e:
        errors.append(f"writer {seed}: {e}")


def reader(sock, seed):
    rng = random.Random(seed + 1000)
    off = 0
    try:
        while True:
            b = sock.recv(size(rng))
            if not b:
                break
            if b != expected(seed, off, len(b)):
                errors.append(f"reader {seed}: corrupt or reordered bytes at offset {off}")
                return
            off += len(b)
        if off != a.nbytes:
            errors.append(f"reader {seed}: EOF after {off} of {a.nbytes} bytes")
    except OSError as e:
        errors.append(f"reader {seed}: {e}")


def start(*threads):
    for t in threads:
        t.start()
    return list(threads)


def serve_conn(s):
    port = s.getpeername()[1]
    s.settimeout(300)
    ts = start(threading.Thread(target=reader, args=(s, port * 2)),
               threading.Thread(target=writer, args=(s, port * 2 + 1)))
    for t in ts:
        t.join()
    s.close()


def server(ls, total):
    ts = []
    for _ in range(total):
        s, _ = ls.accept()
        ts += start(threading.Thread(target=serve_conn, args=(s,)))
    for t in ts:
        t.join()


def new_socket(i):
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(("", a.bind_port + i if a.bind_port else 0))
    return c


def connect_one(i):
    first = 0
    if a.tfo:
        c = new_socket(i)
        port = c.getsockname()[1]
        first = min(1000, a.nbytes)
        c.sendto(expected(port * 2, 0, first), socket.MSG_FASTOPEN, (a.host, a.port))
    else:
        c = dial((a.host, a.port), lambda: new_socket(i))
        port = c.getsockname()[1]
    c.settimeout(300)
    return c, port, first


def client_round():
    ts, socks = [], []
    for i in range(a.pairs):
        c, port, first = connect_one(i)
        socks.append(c)
        ts += start(threading.Thread(target=writer, args=(c, port * 2, first)),
                    threading.Thread(target=reader, args=(c, port * 2 + 1)))
    for t in ts:
        t.join()
    for c in socks:
        c.close()


def listener():
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.tfo:
        ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 1024)
    ls.bind((a.host, a.port))
    ls.listen(a.pairs + 16)
    return ls


total = a.pairs * a.rounds
if a.serve:
    server(listener(), total)
elif a.connect:
    for _ in range(a.rounds):
        client_round()
else:
    ls = listener()
    srv = start(threading.Thread(target=server, args=(ls, total)))
    for _ in range(a.rounds):
        client_round()
        if errors:
            break
    if not errors:
        srv[0].join()
for e in errors[:20]:
    print(e)
print(f"{a.pairs} pairs x {a.rounds} rounds x {a.nbytes} B each way: "
      f"{'OK' if not errors else str(len(errors)) + ' errors'}")
sys.exit(1 if errors else 0)
