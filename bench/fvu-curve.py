#!/usr/bin/env python3
"""The training FVU curve of runs, from their metrics.jsonl: one row per run with the tokens seen,
the FVU (of the logged training batch) at every tenth of the run, and per phase its last FVU and
the change over the phase's last quarter (first vs last logged value in it) — whether the curve
has flattened.

    python3 bench/fvu-curve.py [--window W] [--tolerance T] RUN ...

Flatness criterion (a second table): the logged FVU is that of one training batch and noisy, so
per phase it compares two trailing means of W consecutive logged values (default 5) a quarter of
the phase apart: the W values ending where the phase's last quarter begins (start) and the
phase's last W values (end); W is capped at the quarter's length so the two do not overlap. The
phase is flat when the relative change |end − start| / start is below T (default 0.02, i.e. 2 %).
Exit status 0 either way; the table says which phases are flat.

The learning rate decays linearly to 0 over each phase's last 20 % of steps (Train/Schedule.swift),
and the loss drops while it decays (the noise of the steps shrinks), so the last quarter's change
mixes that drop with what is still being learned. A second column (a diagnostic, not the
criterion) gives the same trailing-mean change over the quarter of the phase that ends where the
decay begins (the first logged step after the last one at the phase's largest lr).
"""
import json
import os
import statistics
import sys


def phases_of(rows):
    out = []
    for p in sorted({r.get("phase", 1) for r in rows}):
        out.append((p, [r for r in rows if r.get("phase", 1) == p]))
    return out


def smoothed_change(part, window):
    """(start mean, end mean, relative change) across the phase's last quarter: the mean of the
    `window` logged FVUs ending where the quarter begins, and the mean of the last `window`
    (fewer when the quarter is shorter than `window`, so the two means never share a value)."""
    q = len(part) * 3 // 4          # index of the quarter's first value
    quarter = len(part) - q
    w = max(1, min(window, quarter, q))
    if q == 0:                      # a phase of one logged value: nothing to compare
        return part[0]["fvu"], part[0]["fvu"], 0.0
    start = statistics.fmean(r["fvu"] for r in part[q - w:q])
    end = statistics.fmean(r["fvu"] for r in part[-w:])
    return start, end, (end - start) / start


def before_decay_change(part, window):
    """Relative change of the trailing `window`-means over the quarter of the phase that ends
    where the lr decay begins; None when the phase has no decay in its log or too few values."""
    top = max(r["lr"] for r in part)
    last_top = max(i for i, r in enumerate(part) if r["lr"] == top)   # after the warmup
    d = last_top + 1 if last_top + 1 < len(part) else None
    q = len(part) // 4
    if d is None or q < 1 or d - q < 1:
        return None
    w = max(1, min(window, q, d - q))
    start = statistics.fmean(r["fvu"] for r in part[d - q - w:d - q])
    end = statistics.fmean(r["fvu"] for r in part[d - w:d])
    return (end - start) / start


def main():
    args = sys.argv[1:]
    window, tol = 5, 0.02
    while args and args[0].startswith("--"):
        if args[0] == "--window" and len(args) > 1:
            window = int(args[1]); args = args[2:]
        elif args[0] == "--tolerance" and len(args) > 1:
            tol = float(args[1]); args = args[2:]
        else:
            sys.exit(f"error: unknown option '{args[0]}'\n" + __doc__)
    if not args or window < 1 or not (tol > 0):
        sys.exit(__doc__)
    runs = []
    for run in args:
        path = os.path.join(run, "metrics.jsonl")
        try:
            with open(path) as f:
                rows = [json.loads(line) for line in f if line.strip()]
        except OSError as e:
            sys.exit(f"error: {path}: {e.strerror}; expected a run directory with metrics.jsonl")
        if not rows:
            sys.exit(f"error: {path}: no logged steps; expected at least one line")
        runs.append((os.path.basename(run.rstrip('/')), rows))

    print("| run | tokens | FVU at 10 %, 20 %, …, 100 % of the steps | per phase: last FVU (change over its last quarter) |")
    print("|---|---|---|---|")
    for name, rows in runs:
        n = len(rows)
        tenths = [rows[max(0, round(n * t / 10) - 1)]["fvu"] for t in range(1, 11)]
        phases = []
        for p, part in phases_of(rows):
            tail = part[len(part) * 3 // 4:] or part
            phases.append(f"{p}: {part[-1]['fvu']:.4f} ({tail[-1]['fvu'] - tail[0]['fvu']:+.4f})")
        print(f"| {name} | {rows[-1]['tokens'] / 1e6:.2f} M | " + ", ".join(f"{x:.3f}" for x in tenths)
              + " | " + "; ".join(phases) + " |")

    print()
    print(f"Flatness: per phase, the mean of the {window} logged FVUs ending where the phase's last "
          f"quarter begins vs the mean of its last {window}; flat when the relative change is below {tol:.0%}.")
    print()
    print("| run | phase | steps | last quarter: start → end (smoothed) | change | flat | diagnostic: change over the quarter before the lr decay |")
    print("|---|---|---|---|---|---|---|")
    n_flat = n_all = 0
    for name, rows in runs:
        for p, part in phases_of(rows):
            start, end, rel = smoothed_change(part, window)
            flat = abs(rel) < tol
            n_flat += flat
            n_all += 1
            pre = before_decay_change(part, window)
            print(f"| {name} | {p} | {part[-1]['step']} | {start:.4f} → {end:.4f} | {rel:+.1%} | {'yes' if flat else 'no'} | "
                  + ("—" if pre is None else f"{pre:+.1%}") + " |")
    print()
    print(f"{n_flat} of {n_all} phases flat.")


if __name__ == "__main__":
    main()
