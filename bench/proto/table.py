"""bench/proto/table.py — tabulate /work/p28/results.jsonl (train.py's JSON lines): per cell and model(+tag),
mean ± sd over seeds of parent ρ (top layer: mfh Z2; Matryoshka/flat: any latent), FVU, edge F1, L0 and
wall time, as a Markdown table on stdout.   $PY bench/proto/table.py [RESULTS=/work/p28/results.jsonl]"""
import json, sys, collections
import numpy as np
path = sys.argv[1] if len(sys.argv) > 1 else "/work/p28/results.jsonl"
rows = collections.defaultdict(list)
for l in open(path):
    l = l.strip()
    if not l.startswith("{") or '"model"' not in l:
        continue
    r = json.loads(l)
    tag = r.get("tag", "").replace("-saved", "").replace("saved", "")  # --save reruns: same model, same seed
    name = r["model"] + (f" [{tag}]" if tag else "")
    key = (r["data"].rstrip("/").split("/")[-1], name)
    if any(q["seed"] == r["seed"] for q in rows[key]):
        continue  # a rerun of a seed already counted (the scripts are deterministic: identical numbers)
    rows[key].append(r)
def ms(v, nd=3):
    v = [x for x in v if x is not None and x == x]
    if not v: return "—"
    if len(v) == 1: return f"{v[0]:.{nd}f}"
    return f"{np.mean(v):.{nd}f} ± {np.std(v, ddof=1):.{nd}f}"
print("| cell | model | seeds | parent ρ | FVU | edge F1 | L0 (top + bottom) | secs |")
print("|---|---|---|---|---|---|---|---|")
order = ["A-exclusive", "A-independent", "B-exclusive", "B-independent"]
for (cell, name) in sorted(rows, key=lambda k: (order.index(k[0]) if k[0] in order else 9, k[1])):
    rs = rows[(cell, name)]
    seeds = ",".join(str(r["seed"]) for r in rs)
    if "l0" in rs[0]:
        l0 = ms([r["l0"] for r in rs], 2)
    else:
        l0 = ms([r["l0_top"] + r["l0_bottom"] for r in rs], 2) + f" ({ms([r['l0_top'] for r in rs], 2)} + {ms([r['l0_bottom'] for r in rs], 2)})"
    print(f"| {cell} | {name} | {seeds} | {ms([r['parent_rho'] for r in rs])} | {ms([r['fvu'] for r in rs])} | "
          f"{ms([r.get('edge_f1') for r in rs])} | {l0} | {ms([r['secs'] for r in rs], 0)} |")
