#!/usr/bin/env python3
"""syslogd.py FILE: a minimal syslog receiver on /dev/log (the guest runs no
journald), appending each message as one line to FILE so tests can read
what an operator would see in the journal."""
import os
import socket
import sys

out = sys.argv[1]
path = "/dev/log"
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "ab", buffering=0) as f:
    while True:
        msg = s.recv(65536)
        f.write(msg.rstrip(b"\n\0") + b"\n")
