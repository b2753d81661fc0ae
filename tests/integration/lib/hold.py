#!/usr/bin/env python3
"""hold.py serve HOST PORT SECS | connect HOST PORT BIND_PORT SECS: one
connection that exchanges "ping"/"pong" (checked) and then stays open for
SECS seconds, so another test can run while it is live."""
import socket
import sys
import time

from dial import dial

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
if mode == "serve":
    secs = float(sys.argv[4])
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(4)
    s, _ = ls.accept()
    assert s.recv(4) == b"ping"
    s.sendall(b"pong")
    time.sleep(secs)
else:
    bind_port, secs = int(sys.argv[4]), float(sys.argv[5])

    def new_socket():
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("", bind_port))
        return c

    c = dial((host, port), new_socket)
    c.sendall(b"ping")
    assert c.recv(4) == b"pong"
    time.sleep(secs)
