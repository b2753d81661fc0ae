#!/usr/bin/env python3
"""forge.py: a tenant that tries to join someone else's connection.

  forge.py sniff IFACE PORT OUT        capture the first SYN and SYN-ACK of
                                       PORT on IFACE (this netns) into OUT
  forge.py server ADDR PORT OUT        TCP_DEFER_ACCEPT listener: accept one
                                       connection, write what it reads to OUT
  forge.py victim ADDR PORT LPORT DIR  connect from LPORT, then wait for
                                       DIR/go and send DIR/secret; close
  forge.py active SNIFFED              attacker, in its own user+net
                                       namespace: preset its ISN with
                                       TCP_REPAIR, answer its own SYN from a
                                       TUN device, so its socket has the
                                       victim's 4-tuple and both sequence
                                       numbers; then listen for the
                                       victim's bytes
  forge.py passive SNIFFED             attacker: replay the victim's own SYN
                                       (options and all) into its own
                                       listener through a TUN device, finish
                                       the handshake, listen for the bytes

The attacker is handed what a real one learns (addresses, ports, both
ISNs, the SYN's options as seen on the wire), which makes the test
stronger, not weaker. An attacker prints "got N bytes" and exits 0 when it
got none within its wait.
"""
import fcntl
import json
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

TCP_REPAIR, TCP_REPAIR_QUEUE, TCP_QUEUE_SEQ = 19, 20, 21
TCP_SEND_QUEUE = 2
TCP_DEFER_ACCEPT = 9
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
ETH_P_ALL = 0x0003
SYN, ACK = 0x02, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_packet(src, dst, sport, dport, seq, ack, flags, opts=b""):
    opts += b"\x01" * (-len(opts) % 4)  # NOP padding to 32 bits
    off = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags,
                      65535, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.randrange(65536),
                     0x4000, 64, socket.IPPROTO_TCP, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def parse_tcp(ip):
    """(src, dst, sport, dport, seq, ack, flags, options) of an IPv4 TCP packet."""
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_TCP:
        return None
    ihl = (ip[0] & 15) * 4
    t = ip[ihl:]
    sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", t[:14])
    return (socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]), sport, dport,
            seq, ack, flags, t[20:(off >> 4) * 4])


def splice_option(opts):
    """Our own option (kind 253, ExID 0x5453, 'TS') out of an options block, or b''."""
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        n = opts[i + 1]
        if kind == 253 and opts[i + 2:i + 4] == b"\x54\x53":
            return opts[i:i + n]
        i += n
    return b""


def sniff(iface, port, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    got = {}
    end = time.monotonic() + 60
    with open(out + ".ready", "w"):
        pass
    while len(got) < 2 and time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 1)
        if not r:
            continue
        frame = s.recv(65535)
        if frame[12:14] != b"\x08\x00":
            continue
        p = parse_tcp(frame[14:])
        if not p or port not in (p[2], p[3]):
            continue
        src, dst, sport, dport, seq, ack, flags, opts = p
        if flags & (SYN | ACK) == SYN and "syn" not in got:
            got["syn"] = dict(src=src, dst=dst, sport=sport, dport=dport, seq=seq,
                              opts=opts.hex())
        elif flags & (SYN | ACK) == SYN | ACK and "synack" not in got:
            got["synack"] = dict(seq=seq, opts=opts.hex())
    json.dump(got, open(out + ".tmp", "w"))
    os.rename(out + ".tmp", out)
    return 0 if len(got) == 2 else 1


def server(addr, port, out):
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # The child appears only when data comes: the client end waits meanwhile.
    lst.setsockopt(socket.IPPROTO_TCP, TCP_DEFER_ACCEPT, 120)
    lst.bind((addr, port))
    lst.listen(4)
    with open(out + ".ready", "w"):
        pass
    lst.settimeout(150)
    c, _ = lst.accept()
    c.settimeout(30)
    buf = bytearray()
    while True:
        b = c.recv(65536)
        if not b:
            break
        buf += b
    open(out, "wb").write(bytes(buf))
    return 0


def victim(addr, port, lport, d):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", lport))
    s.connect((addr, port))
    with open(os.path.join(d, "victim.ready"), "w"):
        pass
    end = time.monotonic() + 300
    while not os.path.exists(os.path.join(d, "go")):
        if time.monotonic() > end:
            return 1
        time.sleep(0.05)
    s.sendall(open(os.path.join(d, "secret"), "rb").read())
    s.close()
    return 0


def tun_up(local, peer):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", b"tsp-tun0", IFF_TUN | IFF_NO_PI))
    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "addr", "add", f"{local}/32", "dev", "tsp-tun0"],
                ["ip", "link", "set", "tsp-tun0", "up"],
                ["ip", "route", "add", f"{peer}/32", "dev", "tsp-tun0"]):
        subprocess.run(cmd, check=True)
    return fd


def tun_read_tcp(fd, want, timeout=10):
    """The next IPv4 TCP packet from the TUN device matching want(p)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            p = parse_tcp(os.read(fd, 65535))
            if p and want(p):
                return p
    raise SystemExit("attacker: expected packet never came out of the TUN device")


def listen_for_bytes(sock, secs):
    sock.setblocking(True)
    sock.settimeout(secs)
    got = b""
    try:
        while True:
            b = sock.recv(65536)
            if not b:
                break
            got += b
    except (TimeoutError, BlockingIOError, ConnectionError, OSError):
        pass
    print(f"attacker: got {len(got)} bytes {got[:40]!r}", flush=True)
    # Reset, so the socket goes at once (its peer is a TUN device we close).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    return 0 if not got else 3


def active(sniffed):
    """Impersonate the server end: the victim's 4-tuple, the server's ISN as
    our own (TCP_REPAIR before connect), the victim's ISN answered from TUN."""
    k = json.load(open(sniffed))
    syn, synack = k["syn"], k["synack"]
    vaddr, saddr, vport, sport = syn["src"], syn["dst"], syn["sport"], syn["dport"]
    v_isn, s_isn = syn["seq"], synack["seq"]
    fd = tun_up(saddr, vaddr)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((saddr, sport))
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, 1)
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE)
    s.setsockopt(socket.IPPROTO_TCP, TCP_QUEUE_SEQ, struct.pack("I", s_isn))
    s.setsockopt(socket.IPPROTO_TCP, TCP_REPAIR, -1)  # off, no window probe
    s.setblocking(False)
    s.connect_ex((vaddr, vport))
    p = tun_read_tcp(fd, lambda p: p[6] & SYN and p[3] == vport)
    print(f"attacker: our SYN seq {p[4]} (the server's ISN {s_isn}), "
          f"options {p[7].hex()}", flush=True)
    # Answer with the victim's ISN, and a tcp-splice option of our own making
    # (our own host id, a made-up token) in case the module trusts its shape.
    ours = splice_option(p[7])
    forged = ours[:8] + os.urandom(len(ours) - 8) if len(ours) > 8 else b""
    opts = struct.pack("!BBH", 2, 4, 1460) + forged
    os.write(fd, tcp_packet(vaddr, saddr, vport, sport, v_isn, (p[4] + 1) & 0xFFFFFFFF,
                            SYN | ACK, opts))
    tun_read_tcp(fd, lambda p: p[6] & ACK and p[3] == vport)
    print("attacker: handshake done, socket established with the victim's 4-tuple "
          "and both ISNs", flush=True)
    return listen_for_bytes(s, float(os.environ.get("TSP_ATTACK_WAIT", "20")))


def passive(sniffed):
    """Replay the victim's SYN (its options, the victim's token) into our own
    listener bound to the server's address, then finish the handshake."""
    k = json.load(open(sniffed))
    syn = k["syn"]
    vaddr, saddr, vport, sport = syn["src"], syn["dst"], syn["sport"], syn["dport"]
    v_isn = syn["seq"]
    fd = tun_up(saddr, vaddr)
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((saddr, sport))
    lst.listen(4)
    token = splice_option(bytes.fromhex(syn["opts"]))
    print(f"attacker: replaying the victim's SYN with option {token.hex()}", flush=True)
    opts = struct.pack("!BBH", 2, 4, 1460) + token
    os.write(fd, tcp_packet(vaddr, saddr, vport, sport, v_isn, 0, SYN, opts))
    p = tun_read_tcp(fd, lambda p: p[6] & (SYN | ACK) == SYN | ACK and p[3] == vport)
    print(f"attacker: our listener answered, options {p[7].hex()}", flush=True)
    os.write(fd, tcp_packet(vaddr, saddr, vport, sport, (v_isn + 1) & 0xFFFFFFFF,
                            (p[4] + 1) & 0xFFFFFFFF, ACK, b""))
    lst.settimeout(10)
    child, _ = lst.accept()
    print("attacker: our child is established with the victim's 4-tuple and token",
          flush=True)
    return listen_for_bytes(child, float(os.environ.get("TSP_ATTACK_WAIT", "20")))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "sniff":
        return sniff(args[0], int(args[1]), args[2])
    if cmd == "server":
        return server(args[0], int(args[1]), args[2])
    if cmd == "victim":
        return victim(args[0], int(args[1]), int(args[2]), args[3])
    if cmd == "active":
        return active(args[0])
    if cmd == "passive":
        return passive(args[0])
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
