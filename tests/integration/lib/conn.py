#!/usr/bin/env python3
"""conn.py HOST PORT: open one TCP connection to HOST:PORT from a listener in
this same process (so both ends live in the caller's cgroup), exchange a
few bytes both ways, close. Exit 0 when the bytes came back intact."""
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
with socket.socket(fam, socket.SOCK_STREAM) as ls:
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(1)
    with socket.create_connection((host, port), timeout=10) as c:
        s, _ = ls.accept()
        with s:
            c.sendall(b"ping")
            assert s.recv(4) == b"ping"
            s.sendall(b"pong")
            assert c.recv(4) == b"pong"
