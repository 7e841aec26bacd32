#!/usr/bin/env python3
"""The training FVU curve of runs, from their metrics.jsonl: one row per run with the tokens seen,
the FVU (of the logged training batch) at every tenth of the run, and per phase its last FVU and
the change over the phase's last quarter (first vs last logged value in it) — whether the curve
has flattened.

    python3 bench/fvu-curve.py RUN ...
"""
import json
import os
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| run | tokens | FVU at 10 %, 20 %, …, 100 % of the steps | per phase: last FVU (change over its last quarter) |")
    print("|---|---|---|---|")
    for run in sys.argv[1:]:
        with open(os.path.join(run, "metrics.jsonl")) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        n = len(rows)
        tenths = [rows[max(0, round(n * t / 10) - 1)]["fvu"] for t in range(1, 11)]
        phases = []
        for p in sorted({r.get("phase", 1) for r in rows}):
            part = [r for r in rows if r.get("phase", 1) == p]
            tail = part[len(part) * 3 // 4:] or part
            phases.append(f"{p}: {part[-1]['fvu']:.4f} ({tail[-1]['fvu'] - tail[0]['fvu']:+.4f})")
        print(f"| {os.path.basename(run.rstrip('/'))} | {rows[-1]['tokens'] / 1e6:.2f} M | " + ", ".join(f"{x:.3f}" for x in tenths)
              + " | " + "; ".join(phases) + " |")


if __name__ == "__main__":
    main()
