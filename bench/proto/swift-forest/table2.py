import json, glob, statistics as st, sys, re
RUNS = __import__("os").environ.get("RUNS", "runs2")
def rep(p):
    r = json.load(open(p)); pd = r['ground_truth']['parent_detection']
    m = lambda k: sum(x[k] for x in pd) / len(pd)
    fv = {x['name']: x['fvu'] for x in r['reconstruction']}
    return m('top'), m('baseline'), fv
regimes = sys.argv[1:] or ["0.6"]
print("| cell | forest top | Matryoshka BatchTopK | Matryoshka top-k | Δ vs stronger (sd) | FVU forest full / stronger Mat | units: groups + singles |")
print("|---|---|---|---|---|---|---|")
for g in regimes:
  for D in ["A-exclusive", "A-independent", "B-exclusive", "B-independent"]:
    T, B, K, FV, MV, U = [], [], [], [], [], []
    for s in sorted(glob.glob(f"/tmp/f28/{RUNS}/{D}/{g}/s*")):
        try: t, b, fv = rep(f"{s}/vs-mat/report.json"); _, k, fk = rep(f"{s}/vs-topk/report.json")
        except Exception: continue
        T.append(t); B.append(b); K.append(k); FV.append(fv['full']); MV.append(fv['baseline'] if b >= k else fk['baseline'])
        m = re.search(r"forest fit: (\d+) groups \((\d+) kept as units, (\d+) children\), (\d+) units of one", open(f"{s}/forest.log").read())
        U.append(f"{m.group(2)}+{m.group(4)}" if m else "?")
    if not T: continue
    ms = lambda v: f"{st.mean(v):.3f} ± {st.stdev(v):.3f}" if len(v) > 1 else f"{v[0]:.3f}"
    strong = B if st.mean(B) >= st.mean(K) else K
    d = [t - m for t, m in zip(T, strong)]; sd = max(st.stdev(T), st.stdev(strong)) if len(T) > 1 else float('nan')
    print(f"| {D}, {'tight' if g == '0.6' else 'room'} {g} × | {ms(T)} | {ms(B)} | {ms(K)} | {st.mean(d):+.3f} ({st.mean(d)/sd:+.1f} sd) | {ms(FV)} / {ms(MV)} | {', '.join(U)} |")
