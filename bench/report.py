#!/usr/bin/env python3
"""report.py BENCH.jsonl OUTDIR: write OUTDIR/latest.json (the records) and
OUTDIR/latest.md (one row per test, size and path; splice modes as ratios
over the same run's baseline, with guest CPU use beside each value)."""
import json
import sys
from datetime import datetime, timezone

src, outdir = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open(src) if l.strip()]
json.dump(recs, open(f"{outdir}/latest.json", "w"), indent=1)

modes = ["baseline", "splice", "splice+busy"]
rows = {}
for r in recs:
    rows.setdefault((r["test"], r["path"], r["size"]), {})[r["mode"]] = r
order = {"TCP_RR": 0, "TCP_STREAM": 1, "redis_get": 2}
lines = [
    f"# tcp-splice benchmarks ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
    "",
    "One guest boot (QEMU TCG, 2 vCPUs), every cell measured in that run; netperf pinned",
    "`-T 0,1`. Absolute numbers are TCG numbers: read the ratios. CPU is the guest's busy",
    "share during the cell. Size: bytes per request/response or per send; for redis, clients.",
    "",
    "| test | path | size | unit | baseline (cpu) | splice (cpu) | ratio | splice+busy (cpu) | ratio |",
    "|---|---|---|---|---|---|---|---|---|",
]
for key in sorted(rows, key=lambda k: (order.get(k[0], 9), k[1], k[2])):
    cells = rows[key]
    base = cells.get("baseline", {}).get("value", 0)
    out = [key[0], key[1], str(key[2]), cells[next(iter(cells))]["unit"]]
    for m in modes:
        c = cells.get(m)
        if not c:
            out += ["-"] if m == "baseline" else ["-", "-"]
            continue
        out.append(f"{c['value']:,.0f} ({c['cpu_pct']:.0f}%)")
        if m != "baseline":
            out.append(f"{c['value'] / base:.2f}x" if base else "-")
    lines.append("| " + " | ".join(out) + " |")
open(f"{outdir}/latest.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
