"""bench/proto/groups-table.py — the Markdown tables of issue 28 session 3 from bench/proto/groups-final.sh's output:
per code kind (matbtk = Matryoshka BatchTopK on the 200 k-row sets, matbtk1M = on the 1 M-row sets, matbtkS = the same as
matbtk with the counts taken during training, nopool = mfh without pooling, matbtkroom = Matryoshka at budget 2) and cell, per rule: mean ± sd over the seeds
found of purity, sibling-pair precision / recall, edge F1, ρ top (first 128 latents + pooled units) and ρ all (all
latents + pooled units); the first line of each block is the code's own "any latent" and "first prefix" ρ.
  $PY bench/proto/groups-table.py [DIR=bench/proto/results-issue28/groups]
"""
import sys, os, re, json, glob
import numpy as np
d = sys.argv[1] if len(sys.argv) > 1 else "bench/proto/results-issue28/groups"
rows = {}
for f in sorted(glob.glob(os.path.join(d, "*.txt"))):
    m = re.match(r"(\w+)-s(\d)-(.+)\.txt", os.path.basename(f))
    if not m: continue
    kind, seed, cell = m.group(1), int(m.group(2)), m.group(3)
    lines = [json.loads(l) for l in open(f) if l.startswith("{")]
    if not lines: continue
    head = lines[0]
    rows.setdefault((kind, cell), {}).setdefault("(code alone)", []).append(
        dict(rho_all=head["rho_any"], rho_top=head["rho_prefix"]))
    for l in lines[1:]:
        rows[(kind, cell)].setdefault(l["rule"], []).append(l)
def ms(v):
    v = [x for x in v if x is not None and not (isinstance(x, float) and np.isnan(x))]
    if not v: return "—"
    return f"{np.mean(v):.3f}" + (f" ± {np.std(v, ddof=1):.3f}" if len(v) > 1 else "")
print("| code | cell | rule | seeds | purity | pair P / R | edge F1 | ρ top | ρ all |")
print("|---|---|---|---|---|---|---|---|---|")
for (kind, cell), rr in sorted(rows.items()):
    for rule, ls in rr.items():
        g = lambda k: [l.get(k) for l in ls]
        pr = "—" if rule == "(code alone)" or "union" in rule else f"{ms(g('pair_p'))} / {ms(g('pair_r'))}"
        print(f"| {kind} | {cell} | {rule} | {len(ls)} | {ms(g('purity')) if 'purity' in ls[0] else '—'} | {pr} | "
              f"{ms(g('edge_f1')) if 'edge_f1' in ls[0] else '—'} | {ms(g('rho_top'))} | {ms(g('rho_all'))} |")
