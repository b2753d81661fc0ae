#!/usr/bin/env python3
"""report.py BENCH.jsonl OUTDIR: write OUTDIR/latest.json (the records) and
OUTDIR/latest.md: one row per test, size and path with the median over the
repetitions of each mode's value, and each splice mode as the median of its
per-repetition ratios over that repetition's baseline (with their range).
Guest CPU use and context switches per operation are medians too. With
matplotlib (Debian: python3-matplotlib), also OUTDIR/latest.svg: those
ratios per cell, the modes side by side, the ranges as error bars.

The peers get a second table: "sockmap" (plain TCP with an sk_msg redirect,
as a ratio over baseline like the splice modes) and "unix" (an AF_UNIX
stream socket), with each splice mode's ratio over unix ("vs unix"). Unix is
recorded on path loopback only: a netns row is set beside the loopback unix
value of the same test, size and repetition, marked "(lo)". Rows with only a
unix value have no row of their own; their value is in that column."""
import json
import statistics
import sys
from datetime import datetime, timezone

src, outdir = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open(src) if l.strip()]
json.dump(recs, open(f"{outdir}/latest.json", "w"), indent=1)

MODES = ["baseline", "splice", "splice+busy"]
PEERS = ["sockmap", "unix"]
ORDER = {"TCP_RR": 0, "TCP_STREAM": 1, "pingpong_unpinned": 2, "redis_get": 3, "conn_setup": 4}


def ops_per_s(r):
    """Operations per second: transactions, sends, or requests."""
    if r["test"] == "TCP_STREAM":
        return r["value"] * 1e6 / 8 / r["size"]
    return r["value"]


def ctxt_per_op(r):
    ops = ops_per_s(r)
    return r.get("ctxt_per_s", 0) / ops if ops else 0


rows = {}
unix = {}  # (test, size) -> {path: {rep: record}}
for r in recs:
    key = (r["test"], r["path"], r["size"])
    rows.setdefault(key, {}).setdefault(r["mode"], {})[r.get("rep", 1)] = r
    if r["mode"] == "unix":
        unix.setdefault((r["test"], r["size"]), {}).setdefault(r["path"], {})[r.get("rep", 1)] = r
# A row needs a TCP value: unix-only rows show up in the unix column only.
rows = {k: v for k, v in rows.items() if set(v) - {"unix"}}


def unix_runs(key):
    """The unix records for a row: its own path's, else, for a netns row,
    loopback's (a unix socket is the same whatever the netns). Second:
    whether borrowed."""
    paths = unix.get((key[0], key[2]), {})
    if key[1] in paths:
        return paths[key[1]], False
    if key[1] == "netns" and "loopback" in paths:
        return paths["loopback"], True
    return {}, False


def cpu_per_op(r):
    """Guest CPU time per operation in microseconds (all its CPUs)."""
    ops = ops_per_s(r)
    return r["cpu_pct"] / 100 * r.get("ncpu", 2) * 1e6 / ops if ops else 0


def summary(runs):
    """The median value (cpu, cpu per op, cs/op) of one mode's records."""
    med = statistics.median(r["value"] for r in runs.values())
    cpu = statistics.median(r["cpu_pct"] for r in runs.values())
    us = statistics.median(cpu_per_op(r) for r in runs.values())
    cs = statistics.median(ctxt_per_op(r) for r in runs.values())
    return f"{med:,.0f} ({cpu:.0f}%, {us:,.1f} µs, {cs:.1f})"


def ratios(runs, over, of=lambda r: r["value"]):
    """Per-repetition ratios of @runs over @over (the same repetition's), of
    each record's value, or of what @of gives."""
    return [of(runs[i]) / of(over[i]) for i in runs if i in over and of(over[i])]


def ratio_text(rs):
    if not rs:
        return "-"
    return f"{statistics.median(rs):.2f}x [{min(rs):.2f}-{max(rs):.2f}]"


def unit_of(cells):
    """The cell's unit; a failed run's "error" only when all failed."""
    units = [r["unit"] for runs in cells.values() for r in runs.values()]
    return next((u for u in units if u != "error"), units[0])

reps = sorted({r.get("rep", 1) for r in recs})
lines = [
    f"# tcp-splice benchmarks ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
    "",
    f"One guest boot (QEMU TCG, 2 vCPUs), {len(reps)} repetition(s) of the whole matrix, the",
    "modes (and the peers, below) measured one after the other in every cell; netperf pinned",
    "`-T 0,1`.",
    "Absolute numbers are TCG numbers: read the ratios. Values are medians over the",
    "repetitions; a ratio is the median of the per-repetition ratios over that repetition's",
    "baseline, with their range. cpu: the guest's busy share; cpu/op: guest CPU time per",
    "operation (both vCPUs); cs/op: context switches per transaction, send or request. Size: bytes per request/response or per send; for",
    "redis, clients; for conn_setup, ends already waiting in the registry (connect, accept,",
    "1 B each way and close of 2000 fresh connections meanwhile). pingpong_unpinned:",
    "tsp-pingpong's ping-pong (write, read the echo) with the server on CPU 1 and the",
    "client not pinned.",
    "",
    "| test | path | size | unit | baseline (cpu, cpu/op, cs/op) | splice (cpu, cpu/op, cs/op) | ratio [range] "
    "| splice+busy (cpu, cpu/op, cs/op) | ratio [range] |",
    "|---|---|---|---|---|---|---|---|---|",
]
plotted = {}
def order(k):
    return (ORDER.get(k[0], 9), k[1], k[2])


keys = sorted(rows, key=order)
for key in keys:
    cells = rows[key]
    base = cells.get("baseline", {})
    out = [key[0], key[1], str(key[2]), unit_of(cells)]
    for m in MODES:
        runs = cells.get(m)
        if not runs:
            out += ["-"] if m == "baseline" else ["-", "-"]
            continue
        out.append(summary(runs))
        if m == "baseline":
            continue
        rs = ratios(runs, base)
        if rs:
            plotted.setdefault(key, {})[m] = rs
        out.append(ratio_text(rs))
    lines.append("| " + " | ".join(out) + " |")

# The peers: the rows that have a sockmap or unix value.
peer_keys = [k for k in keys if "sockmap" in rows[k] or unix_runs(k)[0]]
if peer_keys:
    lines += [
        "",
        "## Peers",
        "",
        "sockmap: plain TCP with tsp-sockmap's sk_msg redirect (bpf/sockmap_peer.bpf.c, what",
        "service meshes use between local sockets), its ratio over baseline as above. unix: an",
        "AF_UNIX stream socket (tsp-pingpong, pinned as netperf), the floor of a local byte",
        "stream; a netns row's unix value is loopback's, marked (lo). vs unix: each splice mode's",
        "median of per-repetition ratios over unix, with their range.",
        "",
        "| test | path | size | unit | sockmap (cpu, cpu/op, cs/op) | ratio [range] | unix (cpu, cpu/op, cs/op) "
        "| splice vs unix | splice+busy vs unix |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in peer_keys:
        cells = rows[key]
        out = [key[0], key[1], str(key[2]), unit_of(cells)]
        sm = cells.get("sockmap")
        if sm:
            rs = ratios(sm, cells.get("baseline", {}))
            if rs:
                plotted.setdefault(key, {})["sockmap"] = rs
            out += [summary(sm), ratio_text(rs)]
        else:
            out += ["-", "-"]
        ux, borrowed = unix_runs(key)
        out.append(summary(ux) + (" (lo)" if borrowed else "") if ux else "-")
        for m in ("splice", "splice+busy"):
            out.append(ratio_text(ratios(cells[m], ux)) if ux and m in cells else "-")
        lines.append("| " + " | ".join(out) + " |")

def cpu_ratios(runs, over):
    """Per-repetition ratios of CPU per operation, @runs' measured ones over @over's."""
    return ratios({i: r for i, r in runs.items() if cpu_per_op(r)}, over, cpu_per_op)


# The hook alone: conn_setup with the program attached but splicing nothing.
hook_keys = [k for k in keys if "attached" in rows[k]]
if hook_keys:
    lines += [
        "",
        "## The hook alone",
        "",
        "attached: the sock_ops program on the bench cgroup with a policy that enables no port",
        "of the cell (every callback runs, nothing is spliced): what the program costs a",
        "connection it does not splice, and the floor under splice's cost per connection.",
        "cpu/op over baseline: the median of per-repetition ratios of CPU per operation, range",
        "in brackets.",
        "",
        "| test | path | size | unit | attached (cpu, cpu/op, cs/op) | ratio [range] "
        "| attached cpu/op over baseline | splice cpu/op over baseline |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in hook_keys:
        cells = rows[key]
        base = cells.get("baseline", {})
        out = [key[0], key[1], str(key[2]), unit_of(cells)]
        out += [summary(cells["attached"]), ratio_text(ratios(cells["attached"], base))]
        for m in ("attached", "splice"):
            out.append(ratio_text(cpu_ratios(cells[m], base)) if m in cells else "-")
        lines.append("| " + " | ".join(out) + " |")
open(f"{outdir}/latest.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))


def plot(path):
    """Horizontal bars, one group per cell, on a log scale around 1x (TCP)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    cells = sorted(plotted, key=order)
    # Only the modes some cell has: the bars of a group share 0.76 of a row.
    colors = {"splice": "#1f77b4", "splice+busy": "#ff7f0e", "sockmap": "#2ca02c"}
    modes = [m for m in colors if any(m in plotted[k] for k in cells)]
    if not modes:
        return
    fig, ax = plt.subplots(figsize=(9, 0.21 * len(modes) * len(cells) + 1.6))
    height = 0.76 / len(modes)
    for j, m in enumerate(modes):
        color = colors[m]
        ys, med, lo, hi = [], [], [], []
        for i, key in enumerate(cells):
            r = plotted[key].get(m)
            if not r:
                continue
            mid = statistics.median(r)
            ys.append(i + (j - (len(modes) - 1) / 2) * height)
            med.append(mid)
            lo.append(mid - min(r))
            hi.append(max(r) - mid)
        ax.barh(ys, med, height, xerr=[lo, hi], color=color, label=m, capsize=2,
                error_kw={"elinewidth": 0.8})
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlim(left=0.5)
    ticks = [0.5, 1, 2, 5, 10, 20, 50, 100]
    ax.set_xticks([t for t in ticks if t <= ax.get_xlim()[1]])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yticks(range(len(cells)))
    ax.set_yticklabels([f"{t} {p} {s}" for t, p, s in cells], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("throughput relative to plain TCP (median of per-repetition ratios, "
                  "bars: range)")
    ax.set_title(f"tcp-splice (and the sockmap peer) vs TCP, one guest boot, "
                 f"{len(reps)} repetitions")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})


try:
    plot(f"{outdir}/latest.svg")
except ImportError:
    print("no latest.svg: matplotlib is not installed (apt install python3-matplotlib)",
          file=sys.stderr)
