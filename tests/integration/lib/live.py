#!/usr/bin/env python3
"""live.py serve HOST PORT | connect HOST PORT GOFILE: one echo connection
that carries 64 KiB (checked) at once, then waits until GOFILE exists and
carries 1 MiB more (checked): a connection that lives across whatever the
test does in between (a package upgrade). The client prints "before ok",
then "after ok"; any mismatch or error exits non-zero."""
import os
import socket
import sys
import time

from dial import dial

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


def exchange(s, n):
    # In steps of 16 KiB, each read back before the next is sent: an echo
    # of a message larger than the kernel's buffering (one ring when
    # spliced) would otherwise block both writers.
    step = 16384
    for off in range(0, n, step):
        data = os.urandom(min(step, n - off))
        s.sendall(data)
        got = bytearray()
        while len(got) < len(data):
            b = s.recv(len(data) - len(got))
            if not b:
                raise SystemExit("connection closed after %d of %d bytes" % (off + len(got), n))
            got += b
        if bytes(got) != data:
            raise SystemExit("echoed bytes differ at offset %d" % off)


if mode == "serve":
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(1)
    s, _ = ls.accept()
    while True:
        b = s.recv(65536)
        if not b:
            break
        s.sendall(b)
else:
    go = sys.argv[4]
    c = dial((host, port))
    exchange(c, 65536)
    print("before ok", flush=True)
    while not os.path.exists(go):
        time.sleep(0.1)
    exchange(c, 1 << 20)
    print("after ok", flush=True)
