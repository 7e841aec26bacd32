#!/usr/bin/env python3
"""One row per cell group over several bench/hierarchy output directories: parent detection and FVU
of flat, Matryoshka and the HSAE variants, mean ± sd over seeds, with the verdict of the better HSAE
variant against each comparator (beats / ties / loses at 2 sd, as bench/hierarchy-table.py).

    python3 bench/hierarchy-summary.py [--models "flat matryoshka hsae hsae-toponly"] OUT[=NOTE] ...

NOTE labels the rows of that directory (e.g. the run length). Reads the same reports as
bench/hierarchy-table.py (its `load`) and writes nothing.
"""
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location("table", os.path.join(os.path.dirname(__file__), "hierarchy-table.py"))
table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(table)
mean, sd = table.mean, table.sd


def ms(xs):
    return f"{mean(xs):.3f} ± {sd(xs):.3f}" if len(xs) > 1 else f"{xs[0]:.3f}"


def main():
    args = sys.argv[1:]
    models = ["flat", "matryoshka", "hsae", "hsae-toponly"]
    if args[:1] == ["--models"]:
        models, args = args[1].split(), args[2:]
    if not args:
        sys.exit(__doc__)
    variants = [m for m in models if m.startswith("hsae")]
    print("| cell group | run | seeds | parent ρ: " + " / ".join(models) + " | HSAE bottom ρ | FVU: " + " / ".join(models)
          + " | best HSAE variant vs flat | vs Matryoshka |")
    print("|" + "---|" * 8)
    for arg in args:
        out, _, note = arg.partition("=")
        for (dataset, regime), got in sorted(table.load(out).items()):
            if not all(m in got for m in models):
                continue
            val = {m: [got[m][s] for s in sorted(got[m])] for m in models}
            seeds = min(len(v) for v in val.values())
            best = max(variants, key=lambda v: mean([r["top"] for r in val[v]]))
            top = [r["top"] for r in val[best]]
            verdicts = []
            for base in ("flat", "matryoshka"):
                other = [r["top"] for r in val[base]]
                spread = max(sd(top), sd(other))
                diff = mean(top) - mean(other)
                if spread != spread:  # one seed: no sd
                    verdicts.append(f"{best}: Δρ {diff:+.3f} (one seed)")
                    continue
                word = "beats" if diff > 2 * spread else ("loses" if diff < -2 * spread else "ties")
                verdicts.append(f"{best}: {word} (Δρ {diff:+.3f} = {diff / spread:+.1f} sd)")
            regime_name = {"0.6": "tight 0.6 ×", "2": "room 2 ×"}.get(regime, regime)
            print(f"| {dataset}, {regime_name} | {note} | {seeds} | " + " / ".join(ms([r["top"] for r in val[m]]) for m in models)
                  + f" | {ms([r['bottom'] for r in val['hsae']])} | " + " / ".join(ms([r["fvu"] for r in val[m]]) for m in models)
                  + " | " + " | ".join(verdicts) + " |")


if __name__ == "__main__":
    main()
