#!/usr/bin/env python3
"""Markdown tables for docs/RESULTS.md ("Evaluation") from `hsae eval` reports (report.json, schema 1).

    python3 bench/report-tables.py NAME=REPORT_DIR [NAME=REPORT_DIR ...]

Prints three tables, one row (or two: HSAE and baseline) per report:
  1. ground truth (DESIGN §7.7): FVU (skip-only, top-only), L0, MMCS parents / leaves, MCC,
     uniqueness, edge F1, level assignment, parent detection ρ (top / bottom / baseline),
     mean absorption gap;
  2. per parent: how often the best top latent beats the best bottom and the best baseline latent;
  3. the level index acc(Z2) − acc(Z1) at k = 1 and 2 for the binary labels (parent_r, child_r),
     with accuracy and macro-F1 at k = 1 and the majority-class accuracy.
Only reads what the report holds; computes nothing but means, counts and rounding.
"""
import json
import os
import sys


def fmt(v, digits=3):
    return "—" if v is None else f"{v:.{digits}f}"


def load(arg):
    name, _, path = arg.partition("=")
    if not path:
        name, path = os.path.basename(arg.rstrip("/")), arg
    with open(os.path.join(path, "report.json")) as f:
        return name, json.load(f)


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def ground_truth(reports):
    print("| data set | model | FVU | L0 | MMCS parents | MMCS leaves | MCC | uniqueness | edge F1 "
          "| parents at top / leaves at bottom | parent ρ: top / bottom / baseline | mean absorption gap |")
    print("|" + "---|" * 12)
    for name, r in reports:
        rec = {x["name"]: x["fvu"] for x in r["reconstruction"]}
        l0 = {x["name"]: x["mean_l0"] for x in r["sparsity"]}
        gt = r["ground_truth"]
        det = gt["parent_detection"]
        top, bottom, base = (mean(d.get(k) for d in det) for k in ("top", "bottom", "baseline"))
        for m in gt["models"]:
            if m["model"] == "hsae":
                fvu = f"{fmt(rec['full'])} (skip {fmt(rec['skip_only'])}, top {fmt(rec['top_only'])})"
                la = m["level_assignment"]
                cells = [name, "HSAE", fvu, f"{l0['bottom'] + l0['top']:.0f}", fmt(m["mmcs_parents"]), fmt(m["mmcs_leaves"]),
                         fmt(m["mcc"]), fmt(m["uniqueness"]), fmt(m["edge_recovery"]["f1"]),
                         f"{fmt(la['parents'])} / {fmt(la['leaves'])}", f"**{fmt(top)}** / {fmt(bottom)}",
                         fmt(m["mean_absorption_gap"])]
            else:
                cells = ["", "baseline", fmt(rec.get("baseline")), f"{l0['baseline']:.0f}", fmt(m["mmcs_parents"]),
                         fmt(m["mmcs_leaves"]), fmt(m["mcc"]), fmt(m["uniqueness"]), "—", "—", fmt(base),
                         fmt(m["mean_absorption_gap"])]
            print("| " + " | ".join(cells) + " |")


def per_parent(reports):
    print("| data set | top > bottom | top > baseline | best top ρ, min … max |")
    print("|---|---|---|---|")
    for name, r in reports:
        det = r["ground_truth"]["parent_detection"]
        wins_b = sum(1 for d in det if d["top"] > d["bottom"])
        wins_base = sum(1 for d in det if d.get("baseline") is not None and d["top"] > d["baseline"])
        tops = [d["top"] for d in det]
        print(f"| {name} | {wins_b} of {len(det)} | {wins_base} of {len(det)} | {min(tops):.3f} … {max(tops):.3f} |")


def probing(reports):
    print("| data set | label | level index k = 1 | k = 2 | acc Z1 / Z2, k = 1 | macro-F1 Z1 / Z2, k = 1 | majority |")
    print("|---|---|---|---|---|---|---|")
    for name, r in reports:
        for p in r["probing"]:
            if p["classes"] != 2:
                continue
            li = {x.get("k"): x["value"] for x in p["level_index"]}
            s = {(x["code"], x.get("k")): x for x in p["scores"]}
            z1, z2 = s[("Z1", 1)], s[("Z2", 1)]
            print(f"| {name} | {p['label']} | {li[1]:+.3f} | {li[2]:+.3f} | {z1['accuracy']:.3f} / {z2['accuracy']:.3f} "
                  f"| {z1['macro_f1']:.3f} / {z2['macro_f1']:.3f} | {z1['majority_accuracy']:.3f} |")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    reports = [load(a) for a in sys.argv[1:]]
    ground_truth(reports)
    print()
    per_parent(reports)
    print()
    probing(reports)


if __name__ == "__main__":
    main()
