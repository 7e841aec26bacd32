"""bench/proto/common.py — shared pieces of the issue-28 prototypes (PyTorch, CPU, 1 thread).

Data: an `hsae synth` directory (dataset.json, shard-*.npy, truth/). Rows are split as `hsae train`
does by default: the last 5 % (evalFraction 0.05; 10 000 of 200 000) are the held-out evaluation
rows, never trained on. Metrics mirror `hsae eval` (docs/EVALUATION.md §7.1, §7.7):
  parent_rho  per true parent r, max over the given latents of Pearson ρ(latent activation, r's true
              magnitude (0 when off)), ρ = 0 for a constant column; mean over parents
  fvu         Σ‖x − x̂‖² / Σ‖x − x̄‖² over the evaluation rows (scale-invariant)
  edge_f1     each latent maps to its best-cos true feature (parents: g_r, geometry B: the unit mean
              of its children's directions; then children, singletons) if cos ≥ 0.5; a learned edge
              (top j → bottom i) is correct when it maps onto a true (parent, child) pair;
              precision = correct / learned, recall = true edges hit / true edges
Not a CLI; imported by the other scripts.
"""
import json, os, glob
import numpy as np
from safetensors.numpy import load_file
from safetensors import safe_open


def load_data(path):
    meta = json.load(open(os.path.join(path, "dataset.json")))
    shards = sorted(glob.glob(os.path.join(path, "shard-*[0-9].npy")))
    X = np.concatenate([np.load(s) for s in shards]).astype(np.float32)
    truth = load_file(os.path.join(path, "truth", "truth.safetensors"))
    with safe_open(os.path.join(path, "truth", "truth.safetensors"), "np") as f:
        tmeta = f.metadata()
    R, b, S = int(tmeta["roots"]), int(tmeta["children"]), int(tmeta["singletons"])
    F = R + R * b + S
    n = X.shape[0]
    # per-row truth (CSR) → dense parent magnitudes (n × R) and firing of all features for eval rows
    offs, feats, mags = [], [], []
    base = 0
    for s in sorted(glob.glob(os.path.join(path, "truth", "shard-*.safetensors"))):
        t = load_file(s)
        offs.append(t["offsets"][:-1] + base); base += t["offsets"][-1]
        feats.append(t["features"]); mags.append(t["magnitudes"])
    offs.append(np.array([base]))
    offsets = np.concatenate(offs); features = np.concatenate(feats); magnitudes = np.concatenate(mags)
    n_eval = int(round(n * 0.05))
    first = n - n_eval
    # dense truth magnitudes of the eval rows (n_eval × F)
    T = np.zeros((n_eval, F), np.float32)
    lo, hi = offsets[first], offsets[n]
    rows = np.repeat(np.arange(n_eval), np.diff(offsets[first:n + 1]))
    T[rows, features[lo:hi]] = magnitudes[lo:hi]
    geometry = tmeta["geometry"]
    cd = truth["child_directions"]; sd = truth["singleton_directions"]; cp = truth["child_parent"].astype(np.int64)
    if "parent_directions" in truth:
        pd = truth["parent_directions"]
    else:
        pd = np.stack([cd[cp == r].mean(0) for r in range(R)]); pd /= np.linalg.norm(pd, axis=1, keepdims=True)
    G = np.concatenate([pd, cd, sd]).astype(np.float32)  # F × d, true feature order
    true_l0 = json.loads(tmeta["true_l0"]) if "true_l0" in tmeta else json.loads(meta["provenance"]["true_l0"])
    return dict(X=X, first_eval=first, T=T, R=R, b=b, S=S, F=F, G=G, child_parent=cp, geometry=geometry,
                true_l0=true_l0)


def pearson_max(A, T):
    """A: n × m codes, T: n × R truth; returns per-column-of-T max over A's columns of Pearson ρ."""
    A = A.astype(np.float64); T = T.astype(np.float64)
    n = A.shape[0]
    Ac = A - A.mean(0); Tc = T - T.mean(0)
    sa = np.sqrt((Ac ** 2).sum(0)); st = np.sqrt((Tc ** 2).sum(0))
    C = Ac.T @ Tc
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = C / np.outer(sa, st)
    rho[~np.isfinite(rho)] = 0
    rho[sa == 0, :] = 0; rho[:, st == 0] = 0
    return rho.max(0)


def parent_rho(codes, data):
    return float(pearson_max(codes, data["T"][:, :data["R"]]).mean())


def fvu(X, Xhat):
    X = X.astype(np.float64); Xhat = Xhat.astype(np.float64)
    return float(((X - Xhat) ** 2).sum() / ((X - X.mean(0)) ** 2).sum())


def edge_f1(dirs_top, dirs_bottom, edges, data, thr=0.5):
    """dirs_*: latents × d (input space); edges: list of (top j, bottom i)."""
    G = data["G"] / np.linalg.norm(data["G"], axis=1, keepdims=True)
    def mapping(D):
        Dn = D / np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-12)
        c = Dn @ G.T
        best = c.argmax(1); ok = c.max(1) >= thr
        return np.where(ok, best, -1)
    mt, mb = mapping(dirs_top), mapping(dirs_bottom)
    R = data["R"]
    true_edges = {(int(data["child_parent"][c]), R + c) for c in range(len(data["child_parent"]))}
    correct, hit = 0, set()
    for j, i in edges:
        e = (int(mt[j]), int(mb[i]))
        if e in true_edges:
            correct += 1; hit.add(e)
    p = correct / len(edges) if edges else float("nan")
    r = len(hit) / len(true_edges)
    f = 2 * p * r / (p + r) if edges and p + r > 0 else 0.0
    return dict(precision=p, recall=r, f1=f, learned=len(edges))


def union_find_groups(M, ii, jj, order, cap=8):
    """Union-find over the pairs (ii[o], jj[o]) taken in `order`, a union only while the merged size ≤ cap;
    returns the groups of ≥ 2 (forest-offline.py's co-firing clusters, group-offline.py's uf-z3-excl)."""
    uf = list(range(M)); size = [1] * M
    def find(a):
        while uf[a] != a:
            uf[a] = uf[uf[a]]; a = uf[a]
        return a
    for o in order:
        a, b = find(int(ii[o])), find(int(jj[o]))
        if a != b and size[a] + size[b] <= cap:
            uf[b] = a; size[a] += size[b]
    groups = {}
    for q in range(M):
        groups.setdefault(find(q), []).append(q)
    return [v for v in groups.values() if len(v) >= 2]
