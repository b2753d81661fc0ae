#!/usr/bin/env python3
"""observe.py serve ADDR PORT | connect HOST PORT CONNS BYTES [--hold SECS]

A known workload for the observability suite. The server echoes every byte
back (one thread per connection). The client opens CONNS connections one
after another; on each it sends BYTES (a pattern seeded by its own port),
reads them back, checks every byte, then shuts down its side and waits for
the server's close, so both ends are closed when it returns. With --hold
the last connection stays open SECS seconds after its exchange, for a look
at a live pair. Exits 1 on any failure.
"""
import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dial import dial  # noqa: E402
from nat import serve  # noqa: E402
from semantics import pattern, recv_exact  # noqa: E402


def one(host, port, nbytes, hold):
    s = dial((host, port), timeout=30)
    me = s.getsockname()[1]
    data = pattern(nbytes, me)
    t = threading.Thread(target=lambda: s.sendall(data))
    t.start()
    got = recv_exact(s, nbytes)
    t.join()
    if hold:
        time.sleep(hold)
    s.shutdown(socket.SHUT_WR)
    rest = s.recv(1)
    s.close()
    ok = got == data and rest == b""
    print(f"{'ok' if ok else 'FAIL'} port {me}: {nbytes} bytes "
          f"{'intact' if got == data else 'differ'}", flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("serve", "connect"))
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("conns", type=int, nargs="?", default=1)
    ap.add_argument("nbytes", type=int, nargs="?", default=65536)
    ap.add_argument("--hold", type=float, default=0)
    a = ap.parse_args()
    if a.mode == "serve":
        serve(a.host, a.port)
        return 0
    ok = True
    for i in range(a.conns):
        hold = a.hold if i == a.conns - 1 else 0
        ok &= one(a.host, a.port, a.nbytes, hold)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
