#!/usr/bin/env python3
"""The hierarchy benchmark's table (bench/hierarchy) from its `hsae eval` reports.

    python3 bench/hierarchy-table.py OUT        # reads OUT/reports/D/REGIME/V-seedS-vs-{flat,matryoshka}/report.json

Per data set and L0 regime, one row per model with mean ± sd (sample sd, n − 1) over the seeds
found: FVU, L0 (bottom + top for an HSAE), MCC, edge F1 (HSAE), mean absorption gap, parent
detection (per true parent the best Pearson ρ of one latent; HSAE: top layer and bottom layer),
and for an HSAE how many of the parents its best top latent detects better than any latent of the
flat and of the Matryoshka SAE of the same seed ("wins"). Then, per HSAE variant, the margin of
its mean top ρ over flat's and Matryoshka's in units of the larger sd, and its FVU against
flat's. Writes OUT/hierarchy.json beside the markdown it prints. Reads numbers; computes only
means, sds and counts.
"""
import glob
import json
import os
import re
import statistics
import sys


def mean(xs):
    return sum(xs) / len(xs)


def sd(xs):
    return statistics.stdev(xs) if len(xs) > 1 else float("nan")


def cell(xs, digits=3):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    if len(xs) == 1:
        return f"{xs[0]:.{digits}f}"
    return f"{mean(xs):.{digits}f} ± {sd(xs):.{digits}f}"


def load(out):
    """{(dataset, regime): {model: {seed: numbers}}}"""
    table = {}
    for path in sorted(glob.glob(os.path.join(out, "reports", "*", "*", "*", "report.json"))):
        parts = path.split(os.sep)
        dataset, regime, name = parts[-4], parts[-3], parts[-2]
        m = re.fullmatch(r"(.+)-seed(\d+)-(vs-flat|vs-matryoshka|alone)", name)
        if not m:
            continue
        variant, seed, against = m.group(1), int(m.group(2)), m.group(3)
        with open(path) as f:
            r = json.load(f)
        rec = {x["name"]: x["fvu"] for x in r["reconstruction"]}
        l0 = {x["name"]: x["mean_l0"] for x in r["sparsity"]}
        gt = r["ground_truth"]
        det = gt["parent_detection"]
        scores = {x["model"]: x for x in gt["models"]}
        models = table.setdefault((dataset, regime), {})
        h = scores["hsae"]
        row = models.setdefault(variant, {}).setdefault(seed, {})
        row.update(fvu=rec["full"], l0=l0["bottom"] + l0["top"], mcc=h["mcc"], edge=h["edge_recovery"]["f1"],
                   gap=h["mean_absorption_gap"], top=mean([d["top"] for d in det]), bottom=mean([d["bottom"] for d in det]),
                   parents=len(det))
        if against == "alone":
            continue
        base = against[3:]
        row["wins_" + base] = sum(1 for d in det if d["top"] > d["baseline"])
        b = next(v for k, v in scores.items() if k != "hsae")
        models.setdefault(base, {})[seed] = dict(fvu=rec["baseline"], l0=l0["baseline"], mcc=b["mcc"], edge=None,
                                                 gap=b["mean_absorption_gap"], top=mean([d["baseline"] for d in det]),
                                                 bottom=None, parents=len(det))
    return table


ORDER = ["flat", "matryoshka", "hsae", "hsae-toponly", "hsae-densetop", "hsae-pre", "hsae-pre-toponly"]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    table = load(out)
    summary = {}
    for (dataset, regime), models in sorted(table.items()):
        print(f"### {dataset}, bottom budget {regime} × the true directions per row\n")
        print("| model | seeds | FVU | L0 | MCC | edge F1 | absorption gap | parent ρ (top / best latent) | parent ρ bottom "
              "| top wins vs flat | top wins vs Matryoshka |")
        print("|" + "---|" * 11)
        names = sorted(models, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
        for name in names:
            seeds = models[name]
            rows = [seeds[s] for s in sorted(seeds)]
            col = lambda k, digits=3: cell([r.get(k) for r in rows], digits)
            n = rows[0]["parents"]
            wins = lambda k: cell([r[k] for r in rows if k in r], 1) + f" of {n}" if any(k in r for r in rows) else "—"
            print(f"| {name} | {len(rows)} | {col('fvu')} | {col('l0', 1)} | {col('mcc')} | {col('edge')} | {col('gap')} "
                  f"| {col('top')} | {col('bottom')} | {wins('wins_flat')} | {wins('wins_matryoshka')} |")
            summary.setdefault(f"{dataset} {regime}", {})[name] = {k: [r.get(k) for r in rows] for k in rows[0]} | {
                "seeds": sorted(seeds), **{k: [r.get(k) for r in rows] for k in ("wins_flat", "wins_matryoshka")}}
        print()
        for name in names:
            if not name.startswith("hsae"):
                continue
            top = [r["top"] for r in models[name].values()]
            lines = []
            for base in ("flat", "matryoshka"):
                if base not in models:
                    continue
                other = [r["top"] for r in models[base].values()]
                spread = max(sd(top), sd(other)) if len(top) > 1 and len(other) > 1 else float("nan")
                diff = mean(top) - mean(other)
                verdict = "beats" if diff > 2 * spread else ("loses to" if diff < -2 * spread else "ties with")
                lines.append(f"{verdict} {base} (Δρ {diff:+.3f} = {diff / spread:+.1f} sd)" if spread == spread
                             else f"Δρ vs {base} {diff:+.3f} (one seed)")
            if "flat" in models:
                fvu, flat = mean([r["fvu"] for r in models[name].values()]), mean([r["fvu"] for r in models["flat"].values()])
                lines.append(f"FVU {fvu / flat - 1:+.0%} against flat's")
            print(f"- {name}: " + "; ".join(lines))
        print()
    with open(os.path.join(out, "hierarchy.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
