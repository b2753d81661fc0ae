#!/usr/bin/env python3
"""echo.py serve HOST PORT N | connect HOST PORT: a TCP echo server for N
connections, or a client that sends 64 KiB and checks the echo."""
import os
import socket
import sys

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
if mode == "serve":
    n = int(sys.argv[4])
    with socket.socket(fam, socket.SOCK_STREAM) as ls:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host, port))
        ls.listen(64)
        print("listening", flush=True)
        for _ in range(n):
            c, _ = ls.accept()
            with c:
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    c.sendall(b)
else:
    data = os.urandom(65536)
    for attempt in range(100):
        try:
            c = socket.create_connection((host, port), timeout=10)
            break
        except OSError:
            import time
            time.sleep(0.1)
    else:
        sys.exit("cannot connect")
    with c:
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            b = c.recv(65536)
            if not b:
                break
            got += b
    sys.exit(0 if got == data else "echo mismatch")
