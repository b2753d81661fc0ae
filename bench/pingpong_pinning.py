#!/usr/bin/env python3
"""The markdown table of a bench/pingpong-pinning.sh run: per pinning and size,
the median op rates, the median of the per-repetition splice/TCP ratios with
their range, and the medians of the --stats counts of both ends.
Usage: pingpong_pinning.py OUTPUT"""
import re
import statistics
import sys

PINNINGS = {
    "srv1": "server on CPU 1, client free",
    "cli1": "client on CPU 1, server free",
    "free": "both free",
}
CLIENT, SERVER = 0, 1


def load(path):
    """{(orient, size): {rep: {mode: (client fields, server fields)}}}"""
    cells = {}
    for line in open(path):
        if not line.startswith("PP "):
            continue
        head, client, server = (part.strip() for part in line.split("|"))
        h = dict(re.findall(r"(\w+)=(\S+)", head))
        ends = tuple(dict(re.findall(r"(\w+)=([\d.]+)", end)) for end in (client, server))
        if "ops" not in ends[CLIENT] or "ops" not in ends[SERVER]:
            sys.exit(f"a run without both ends' counts: {line.strip()}")
        cell = cells.setdefault((h["orient"], h["size"]), {})
        cell.setdefault(h["rep"], {})[h["mode"]] = ends
    return cells


def median_of(reps, mode, end, field, per_op=False):
    values = []
    for rep in reps.values():
        fields = rep[mode][end]
        if field in fields:
            values.append(float(fields[field]) / (float(fields["ops"]) if per_op else 1))
    return statistics.median(values) if values else float("nan")


def affine(reps, orient, mode):
    """Affine wake-ups per op of the end(s) the scheduler may move."""
    free = [end for end, pinned in ((CLIENT, "cli1"), (SERVER, "srv1")) if orient != pinned]
    return ", ".join("%.2f" % median_of(reps, mode, end, "affine_wakeups", True) for end in free)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cells = load(sys.argv[1])
    print(
        "| pinning | size | TCP op/s | splice op/s | splice / TCP [range] "
        "| receive calls per op (client, server) "
        "| sleeps per op (client, server), TCP / splice "
        "| affine wake-ups per op of the free end (both free: client, server), TCP / splice |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for orient, name in PINNINGS.items():
        for size in ("1", "1024"):
            reps = {
                r: modes
                for r, modes in cells.get((orient, size), {}).items()
                if "baseline" in modes and "splice" in modes
            }
            if not reps:
                continue
            rate = {
                mode: [float(m[mode][CLIENT]["ops_per_s"]) for m in reps.values()]
                for mode in ("baseline", "splice")
            }
            ratios = sorted(s / b for s, b in zip(rate["splice"], rate["baseline"]))
            sleeps = [
                median_of(reps, mode, end, "vcsw_per_op")
                for mode in ("baseline", "splice")
                for end in (CLIENT, SERVER)
            ]
            print(
                "| %s | %s | {:,} | {:,} | %.2fx [%.2f-%.2f] | %.2f, %.2f | %.2f, %.2f / %.2f, %.2f | %s / %s |".format(
                    round(statistics.median(rate["baseline"])),
                    round(statistics.median(rate["splice"])),
                )
                % (
                    name,
                    "1 B" if size == "1" else "1 KiB",
                    statistics.median(ratios),
                    ratios[0],
                    ratios[-1],
                    median_of(reps, "splice", CLIENT, "recvs_per_op"),
                    median_of(reps, "splice", SERVER, "recvs_per_op"),
                    *sleeps,
                    affine(reps, orient, "baseline"),
                    affine(reps, orient, "splice"),
                )
            )


if __name__ == "__main__":
    main()
