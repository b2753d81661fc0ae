#!/usr/bin/env python3
"""spin.py PORT (busy|idle|off)

The adaptive spin of blocking ring readers, as sock_diag shows it
(tcp-splice-ctl sockets --json: spin_ns, wake_ns). Needs a tsp-pingpong
server at 127.0.0.1:PORT, in a cgroup where the port is spliced.
  busy: tsp-pingpong's 1-byte ping-pong (both ends block in recv): the
        server's end measures its wake-ups and spins (spin_ns > 0).
  idle: a client that sends a byte every 50 ms: the server's reader waits
        far longer than any wake-up, so it stops spinning (spin_ns == 0)
        but has measured its wake-ups (wake_ns > 0).
  off:  the same ping-pong with spin_max_us=0: no end spins or measures.
Prints what it saw; exit 0 when it is what the mode expects."""
import json
import socket
import struct
import subprocess
import sys
import time

port, mode = int(sys.argv[1]), sys.argv[2]


def server_ends():
    """The server's paired ends (local port PORT), from sock_diag."""
    out = subprocess.run(["tcp-splice-ctl", "sockets", "--port", str(port), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return [s for s in json.loads(out)
            if s.get("local_port") == port and s.get("splice") == "paired"]


def sample_pingpong(secs=4):
    """Run a ping-pong and sample the server's ends while it runs."""
    client = subprocess.Popen(["tsp-pingpong", "client", "--tcp", f"127.0.0.1:{port}",
                               "--mode", "rr", "--size", "1", "--secs", str(secs)],
                              stdout=subprocess.PIPE, text=True)
    seen = []
    for _ in range(4):
        time.sleep(secs / 5)
        seen += server_ends()
    out = client.communicate()[0].strip()
    print(out.splitlines()[-1] if out else "tsp-pingpong: no output")
    if client.returncode != 0:
        sys.exit(f"tsp-pingpong client failed ({client.returncode})")
    return seen


def sample_idle():
    """A client that sends a byte every 50 ms and reads the echo."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"TSPR" + struct.pack(">I", 1))  # tsp-pingpong's rr header
    for i in range(30):
        time.sleep(0.05)
        s.sendall(bytes([i]))
        if s.recv(1) != bytes([i]):
            sys.exit("idle: the echo differs")
    seen = server_ends()
    s.close()
    return seen


if mode in ("busy", "off"):
    seen = sample_pingpong()
elif mode == "idle":
    seen = sample_idle()
else:
    sys.exit(f"unknown mode {mode}")
for s in seen:
    print(f"server end :{s['remote_port']}: spin_ns={s['spin_ns']} wake_ns={s['wake_ns']}")
if not seen:
    sys.exit("no paired server end seen")
spin = max(s["spin_ns"] for s in seen)
wake = max(s["wake_ns"] for s in seen)
ok = {"busy": spin > 0 and wake > 0,
      "idle": seen[-1]["spin_ns"] == 0 and seen[-1]["wake_ns"] > 0,
      "off": spin == 0 and wake == 0}[mode]
sys.exit(0 if ok else f"{mode}: not what it should be (spin_ns {spin}, wake_ns {wake})")
