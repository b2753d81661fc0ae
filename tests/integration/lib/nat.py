#!/usr/bin/env python3
"""nat.py serve ADDR PORT | connect HOST PORT CONNS BYTES [--hold SECS] [--expect-nat]
                                                          [--expect-tcp]

Connections through address translation (a Service's ClusterIP, a published
port). The server echoes every byte back. The client opens CONNS
connections one after another, sends BYTES (a pattern seeded by its own
port) and reads them back, checking every byte, then looks its connection
up in the module's pair list: it must be paired (or, with --expect-tcp,
not), its bytes must have gone through the rings, and with --expect-nat
the pair must say nat=1. With --hold the last connection stays open that
long after the first half of its bytes (rules can change meanwhile), then
finishes. Prints one line per connection; exits 1 on any failure.
"""
import argparse
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from semantics import pattern, recv_exact  # noqa: E402

PAIRS = "/proc/1/net/tcp_splice_pairs"


def echo(conn):
    try:
        while True:
            b = conn.recv(1 << 16)
            if not b:
                break
            conn.sendall(b)
    except OSError:
        pass
    conn.close()


def serve(addr, port):
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((addr, port))
    lst.listen(64)
    while True:
        c, _ = lst.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def pair_of(port):
    try:
        for line in open(PAIRS):
            if re.search(rf"\ba=\S*:{port}\s", line) or re.search(rf"\bb=\S*:{port}\s", line):
                return dict(kv.split("=", 1) for kv in line.split())
    except OSError:
        pass
    return None


def one(host, port, nbytes, hold, expect_nat, expect_tcp):
    s = socket.create_connection((host, port), timeout=30)
    me = s.getsockname()[1]
    data = pattern(nbytes, me)
    half = nbytes // 2
    t = threading.Thread(target=lambda: s.sendall(data[:half]))
    t.start()
    got = recv_exact(s, half)
    t.join()
    p = pair_of(me)
    if hold:
        print(f"holding port {me} for {hold} s", flush=True)
        time.sleep(hold)
    t = threading.Thread(target=lambda: s.sendall(data[half:]))
    t.start()
    got += recv_exact(s, nbytes - half)
    t.join()
    p = pair_of(me) or p
    s.close()
    why = []
    if got != data:
        why.append("bytes differ")
    if expect_tcp:
        if p:
            why.append("paired, but should have stayed TCP")
    elif not p:
        why.append("not paired")
    else:
        if int(p["bytes_ab"]) + int(p["bytes_ba"]) == 0:
            why.append("no byte through the rings")
        if expect_nat and p.get("nat") != "1":
            why.append("pair not marked nat=1")
    print(f"{'ok' if not why else 'FAIL'} port {me}: {'; '.join(why) or 'intact'}"
          f"{' pair: ' + ' '.join(f'{k}={v}' for k, v in p.items()) if p else ''}", flush=True)
    return not why


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("serve", "connect"))
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("conns", type=int, nargs="?", default=1)
    ap.add_argument("nbytes", type=int, nargs="?", default=65536)
    ap.add_argument("--hold", type=float, default=0)
    ap.add_argument("--expect-nat", action="store_true")
    ap.add_argument("--expect-tcp", action="store_true")
    a = ap.parse_args()
    if a.mode == "serve":
        serve(a.host, a.port)
        return 0
    ok = True
    for i in range(a.conns):
        hold = a.hold if i == a.conns - 1 else 0
        ok &= one(a.host, a.port, a.nbytes, hold, a.expect_nat, a.expect_tcp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
