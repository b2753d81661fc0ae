#!/usr/bin/env python3
"""obs_check.py WHAT ARGS...: checks of the observability suite, each
printing what it compared and exiting 1 when it does not hold.

  ps ATTACHMENT EXPR...        `tcp-splice-ctl ps --json`: the attachment's
                               fields and counters satisfy each EXPR
                               (k=v, k<=N, k>N, a+b<=N)
  sockets NETNS LPORT RPORT    the socket LPORT->RPORT in NETNS is paired in
                               `tcp-splice-ctl sockets` and `ss -tie` shows
                               the same inode with the tcp_splice ULP
  pair-bytes NS_C NS_S CPORT   the client end (local CPORT, in NS_C) and the
                               server end (in NS_S) of one pair: each
                               received through its ring what the other sent
  explain "ARGS" LPORT GATE [ATTACHMENT]
                               `tcp-splice-ctl explain ARGS --json` says GATE
                               (and ATTACHMENT) for the end on local LPORT
  explain-any "ARGS" GATE      ... for some end
  metrics-cmd PATTERN...       `tcp-splice-ctl metrics` has a line matching
                               each PATTERN (* matches anything)
"""
import json
import re
import shlex
import subprocess
import sys


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def ctl_json(*args):
    return json.loads(run(["tcp-splice-ctl", *args, "--json"]))


def value(fields, expr):
    return sum(int(fields[k]) for k in expr.split("+"))


def check_ps(name, exprs):
    views = ctl_json("ps")
    v = next((x for x in views if x["attachment"] == name), None)
    if v is None:
        sys.exit(f"no attachment {name} in ps: {[x['attachment'] for x in views]}")
    fields = dict(v)
    fields.update(v.get("counters") or {})
    bad = []
    for e in exprs:
        m = re.fullmatch(r"([\w+]+)(<=|>|=)(.*)", e)
        k, op, want = m.groups()
        if op == "=":
            got = fields.get(k)
            ok = str(got) == want
        else:
            got = value(fields, k)
            ok = got <= int(want) if op == "<=" else got > int(want)
        print(f"{name}: {k} = {got} ({e}): {'ok' if ok else 'NO'}")
        if not ok:
            bad.append(e)
    if bad:
        print(json.dumps(v, indent=1))
        sys.exit(1)


def socket_of(ns, lport, rport=None):
    socks = ctl_json("sockets", "--netns", ns, "--port", str(lport))
    for s in socks:
        if s["local_port"] == lport and (rport is None or s["remote_port"] == rport):
            return s
    sys.exit(f"no socket local port {lport} in {ns}: {json.dumps(socks)}")


def check_sockets(ns, lport, rport):
    s = socket_of(ns, lport, rport)
    nsname = ns.rsplit("/", 1)[-1]
    ss = run(["ip", "netns", "exec", nsname, "ss", "-tieHn", "state", "established",
              f"( sport = :{lport} and dport = :{rport} )"])
    print(f"tcp-splice-ctl sockets: {json.dumps(s)}")
    print(f"ss -tie: {ss.strip()}")
    ino = re.search(r"\bino:(\d+)", ss)
    why = []
    if s.get("splice") != "paired":
        why.append(f"state {s.get('splice')}, not paired")
    if s.get("ulp") != "tcp_splice":
        why.append("no tcp_splice ULP in sockets")
    if "tcp-ulp-tcp_splice" not in ss:
        why.append("ss shows no tcp-ulp-tcp_splice")
    if not ino or int(ino.group(1)) != s["inode"]:
        why.append("inodes differ")
    if not s.get("ring"):
        why.append("no ring size")
    if why:
        sys.exit("; ".join(why))


def check_pair_bytes(ns_c, ns_s, cport):
    c = socket_of(ns_c, cport)
    s = socket_of(ns_s, c["remote_port"], cport)
    print(f"client: side {c['side']} active {c['active']} tx {c['tx']} rx {c['rx']}")
    print(f"server: side {s['side']} active {s['active']} tx {s['tx']} rx {s['rx']}")
    if (c["tx"], c["rx"]) != (s["rx"], s["tx"]) or c["side"] == s["side"] or \
            (c["active"], s["active"]) != (1, 0) or c["tx"] <= 0:
        sys.exit("the two ends do not mirror each other")


def check_explain(args, lport, gate, att=None):
    ex = ctl_json("explain", *shlex.split(args))
    print(json.dumps(ex, indent=1))
    for e in ex:
        if lport is None or e["local_port"] == lport:
            if e["gate"] == gate and (att is None or e["attachment"] == att):
                return
            if lport is not None:
                sys.exit(f"port {lport}: gate {e['gate']} (attachment {e['attachment']}), "
                         f"want {gate} ({att})")
    sys.exit(f"no end with gate {gate}")


def check_metrics(patterns):
    text = run(["tcp-splice-ctl", "metrics"])
    lines = text.splitlines()
    bad = []
    for p in patterns:
        rx = re.compile(".*".join(re.escape(x) for x in p.split("*")))
        hit = next((l for l in lines if rx.fullmatch(l)), None)
        print(f"{p}: {hit or 'NOT FOUND'}")
        if not hit:
            bad.append(p)
    if bad:
        print(text)
        sys.exit(1)


def main():
    what, args = sys.argv[1], sys.argv[2:]
    if what == "ps":
        check_ps(args[0], args[1:])
    elif what == "sockets":
        check_sockets(args[0], int(args[1]), int(args[2]))
    elif what == "pair-bytes":
        check_pair_bytes(args[0], args[1], int(args[2]))
    elif what == "explain":
        check_explain(args[0], int(args[1]), args[2], args[3] if len(args) > 3 else None)
    elif what == "explain-any":
        check_explain(args[0], None, args[1])
    elif what == "metrics-cmd":
        check_metrics(args)
    else:
        sys.exit(f"unknown check {what}")


if __name__ == "__main__":
    main()
