#!/usr/bin/env python3
"""report.py BENCH.jsonl OUTDIR: write OUTDIR/latest.json (the records) and
OUTDIR/latest.md: one row per test, size and path with the median over the
repetitions of each mode's value, and each splice mode as the median of its
per-repetition ratios over that repetition's baseline (with their range).
Guest CPU use and context switches per operation are medians too. With
matplotlib (Debian: python3-matplotlib), also OUTDIR/latest.svg: those
ratios per cell, the modes side by side, the ranges as error bars."""
import json
import statistics
import sys
from datetime import datetime, timezone

src, outdir = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open(src) if l.strip()]
json.dump(recs, open(f"{outdir}/latest.json", "w"), indent=1)

MODES = ["baseline", "splice", "splice+busy"]
ORDER = {"TCP_RR": 0, "TCP_STREAM": 1, "redis_get": 2, "conn_setup": 3}


def ops_per_s(r):
    """Operations per second: transactions, sends, or requests."""
    if r["test"] == "TCP_STREAM":
        return r["value"] * 1e6 / 8 / r["size"]
    return r["value"]


def ctxt_per_op(r):
    ops = ops_per_s(r)
    return r.get("ctxt_per_s", 0) / ops if ops else 0


rows = {}
for r in recs:
    key = (r["test"], r["path"], r["size"])
    rows.setdefault(key, {}).setdefault(r["mode"], {})[r.get("rep", 1)] = r

reps = sorted({r.get("rep", 1) for r in recs})
lines = [
    f"# tcp-splice benchmarks ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
    "",
    f"One guest boot (QEMU TCG, 2 vCPUs), {len(reps)} repetition(s) of the whole matrix, the",
    "three modes measured one after the other in every cell; netperf pinned `-T 0,1`.",
    "Absolute numbers are TCG numbers: read the ratios. Values are medians over the",
    "repetitions; a ratio is the median of the per-repetition ratios over that repetition's",
    "baseline, with their range. cpu: the guest's busy share; cs/op: context switches per",
    "transaction, send or request. Size: bytes per request/response or per send; for",
    "redis, clients; for conn_setup, ends already waiting in the registry (connect, accept,",
    "1 B each way and close of 2000 fresh connections meanwhile).",
    "",
    "| test | path | size | unit | baseline (cpu, cs/op) | splice (cpu, cs/op) | ratio [range] "
    "| splice+busy (cpu, cs/op) | ratio [range] |",
    "|---|---|---|---|---|---|---|---|---|",
]
plotted = {}
for key in sorted(rows, key=lambda k: (ORDER.get(k[0], 9), k[1], k[2])):
    cells = rows[key]
    base = cells.get("baseline", {})
    unit = next(iter(next(iter(cells.values())).values()))["unit"]
    out = [key[0], key[1], str(key[2]), unit]
    for m in MODES:
        runs = cells.get(m)
        if not runs:
            out += ["-"] if m == "baseline" else ["-", "-"]
            continue
        med = statistics.median(r["value"] for r in runs.values())
        cpu = statistics.median(r["cpu_pct"] for r in runs.values())
        cs = statistics.median(ctxt_per_op(r) for r in runs.values())
        out.append(f"{med:,.0f} ({cpu:.0f}%, {cs:.1f})")
        if m == "baseline":
            continue
        ratios = [runs[i]["value"] / base[i]["value"] for i in runs
                  if i in base and base[i]["value"]]
        if ratios:
            plotted.setdefault(key, {})[m] = ratios
            out.append(f"{statistics.median(ratios):.2f}x "
                       f"[{min(ratios):.2f}-{max(ratios):.2f}]")
        else:
            out.append("-")
    lines.append("| " + " | ".join(out) + " |")
open(f"{outdir}/latest.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))


def plot(path):
    """Horizontal bars, one group per cell, on a log scale around 1x (TCP)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    cells = list(plotted)
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(cells) + 1.6))
    height = 0.38
    for j, (m, color) in enumerate([("splice", "#1f77b4"), ("splice+busy", "#ff7f0e")]):
        ys, med, lo, hi = [], [], [], []
        for i, key in enumerate(cells):
            r = plotted[key].get(m)
            if not r:
                continue
            mid = statistics.median(r)
            ys.append(i + (j - 0.5) * height)
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
    ax.set_title(f"tcp-splice vs TCP, one guest boot, {len(reps)} repetitions")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})


try:
    plot(f"{outdir}/latest.svg")
except ImportError:
    print("no latest.svg: matplotlib is not installed (apt install python3-matplotlib)",
          file=sys.stderr)
