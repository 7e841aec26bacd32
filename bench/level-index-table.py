#!/usr/bin/env python3
"""The level index of label pairs on a harvest, HSAE against flat and Matryoshka, over seeds.

    python3 bench/level-index-table.py OUT [K ...]   # reads OUT/reports/hsae-seedS-vs-{flat,matryoshka}/report.json

A label pair (parent ⊃ child: language ⊃ genre, the fortune file; token_class ⊃ token_id) is
ordered right by a two-level code when the parent label is probed better from the upper level
and the child label from the lower one:

    HSAE        level index = acc(Z2, top code) − acc(Z1, bottom code)
    Matryoshka  level index = acc(first group, the coarse prefix) − acc(the other latents)
    flat        no levels: its accuracy (all latents) is the reference

Expected: level index ≥ 0 for the parent label, < 0 for the child label, so the pair's
separation LI(parent) − LI(child) > 0. Per K (default: all features, 1 and 5 latents) one table
with mean ± sd (sample sd, n − 1) over the seeds found. The HSAE's numbers come from the
vs-flat report (the vs-matryoshka report probes the same HSAE on the same rows: its Z1/Z2 scores
are the same fits, and are checked to agree). Reads numbers; computes only differences, means,
sds. Ends with the held-out FVU of each model from the same reports. Writes OUT/level-index.json
beside the markdown it prints.
"""
import glob
import json
import os
import re
import statistics
import sys

PAIRS = [("language", "genre"), ("token_class", "token_id")]


def cell(xs, digits=3):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    if len(xs) == 1:
        return f"{xs[0]:+.{digits}f}" if digits else str(xs[0])
    return f"{statistics.mean(xs):+.{digits}f} ± {statistics.stdev(xs):.{digits}f}"


def acc_cell(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    return f"{statistics.mean(xs):.3f}" + (f" ± {statistics.stdev(xs):.3f}" if len(xs) > 1 else "")


def label_of(probing, name):
    """The probe result of a label kind: exact name, or 'token_id (N most frequent)'."""
    for p in probing:
        if p["label"] == name or p["label"].startswith(name + " ("):
            return p
    return None


def accuracy(p, code, k):
    for s in p["scores"]:
        if s["code"] == code and s.get("k") == k:
            return s.get("accuracy")
    return None


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    ks = [None if k == "all" else int(k) for k in (sys.argv[2:] or ["all", "1", "5"])]
    seeds, recon = {}, {}
    for path in sorted(glob.glob(os.path.join(out, "reports", "hsae-seed*-vs-*", "report.json"))):
        m = re.search(r"hsae-seed(\d+)-vs-(flat|matryoshka)", path)
        with open(path) as f:
            report = json.load(f)
        seeds.setdefault(int(m.group(1)), {})[m.group(2)] = report["probing"]
        recon.setdefault(int(m.group(1)), {})[m.group(2)] = {r["name"]: r["fvu"] for r in report["reconstruction"]}
    if not seeds:
        sys.exit(f"error: no reports under {os.path.join(out, 'reports')}; expected hsae-seedS-vs-flat|matryoshka/report.json")
    rows, js = [], []
    for k in ks:
        kname = "all" if k is None else f"k={k}"
        table = [f"#### Level index, {kname} ({len(seeds)} seeds: {', '.join(map(str, sorted(seeds)))})", "",
                 "| pair | label | classes | majority | HSAE Z1 / Z2 | HSAE level index | flat (no levels) | Matryoshka rest / prefix | Matryoshka level index |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for parent, child in PAIRS:
            sep = {"hsae": [], "matryoshka": []}
            for role, name in (("parent", parent), ("child", child)):
                v = {x: [] for x in ("z1", "z2", "hli", "flat", "prefix", "rest", "mli", "maj", "classes")}
                for s, reps in sorted(seeds.items()):
                    pf = label_of(reps.get("flat", []), name)
                    pm = label_of(reps.get("matryoshka", []), name)
                    if pf:
                        z1, z2 = accuracy(pf, "Z1", k), accuracy(pf, "Z2", k)
                        v["z1"].append(z1); v["z2"].append(z2)
                        v["hli"].append(z2 - z1 if z1 is not None and z2 is not None else None)
                        v["flat"].append(accuracy(pf, "baseline", k))
                        v["classes"].append(pf["classes"])
                        v["maj"].append(next((x.get("majority_accuracy") for x in pf["scores"] if x["code"] == "Z1" and x.get("k") == k), None))
                        if pm:
                            for code in ("Z1", "Z2"):
                                a, b = accuracy(pf, code, k), accuracy(pm, code, k)
                                if a != b:
                                    sys.exit(f"seed {s}, {name}, {code} {kname}: the two reports disagree ({a} against {b})")
                    if pm:
                        pre, rest = accuracy(pm, "baseline prefix", k), accuracy(pm, "baseline rest", k)
                        v["prefix"].append(pre); v["rest"].append(rest)
                        v["mli"].append(pre - rest if pre is not None and rest is not None else None)
                sep["hsae"].append(v["hli"]); sep["matryoshka"].append(v["mli"])
                table.append(f"| {parent} ⊃ {child} | {name} ({role}) | {'/'.join(str(c) for c in sorted(set(v['classes'])))} | {acc_cell(v['maj'])} | "
                             f"{acc_cell(v['z1'])} / {acc_cell(v['z2'])} | {cell(v['hli'])} | {acc_cell(v['flat'])} | "
                             f"{acc_cell(v['rest'])} / {acc_cell(v['prefix'])} | {cell(v['mli'])} |")
                js.append(dict(k=k, pair=[parent, child], label=name, role=role, **v))
            for model in ("hsae", "matryoshka"):
                p, c = sep[model]
                diffs = [a - b for a, b in zip(p, c) if a is not None and b is not None]
                table.append(f"| {parent} ⊃ {child} | separation LI(parent) − LI(child), {model} | | | | "
                             + (f"{cell(diffs)} |  |  |  |" if model == "hsae" else f" |  |  | {cell(diffs)} |"))
                js.append(dict(k=k, pair=[parent, child], separation=model, values=diffs))
        rows += table + [""]
    # Held-out FVU (the evaluation split), from the same reports: the HSAE (full, bottom path
    # alone g ≡ 1, top path alone g ≡ 0) from the vs-flat report, each baseline from its own.
    fvu = {"HSAE": [], "HSAE skip-only (g ≡ 1)": [], "HSAE top-only (g ≡ 0)": [], "flat": [], "Matryoshka": []}
    for s, r in sorted(recon.items()):
        if "flat" in r:
            fvu["HSAE"].append(r["flat"].get("full")); fvu["HSAE skip-only (g ≡ 1)"].append(r["flat"].get("skip_only"))
            fvu["HSAE top-only (g ≡ 0)"].append(r["flat"].get("top_only")); fvu["flat"].append(r["flat"].get("baseline"))
        if "matryoshka" in r:
            fvu["Matryoshka"].append(r["matryoshka"].get("baseline"))
    rows += ["#### Held-out FVU (evaluation split; mean ± sd over the seeds)", "", "| model | FVU |", "|---|---|"]
    rows += [f"| {k} | {acc_cell(v)} |" for k, v in fvu.items()] + [""]
    js.append(dict(heldout_fvu=fvu))
    print("\n".join(rows))
    with open(os.path.join(out, "level-index.json"), "w") as f:
        json.dump(js, f, indent=1)


if __name__ == "__main__":
    main()
