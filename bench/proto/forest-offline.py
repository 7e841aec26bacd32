"""bench/proto/forest-offline.py — forest rules tried offline on a saved mfh model (train.py --save, best with
--pool 0): recompute the codes on the training rows with the saved encoders and inference threshold, count
co-firing, build a forest by each rule, and score (a) edge P/R/F1 with common.edge_f1 and (b) the parent ρ of
the pooled top Z2 = own + Σ_children z (w = 1) on the evaluation rows (no retraining: a screen, not a result).
  $PY bench/proto/forest-offline.py DATA SAVED.npz
"""
import sys, os, json
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from common import load_data, parent_rho, edge_f1, union_find_groups

data = load_data(sys.argv[1]); S = dict(np.load(sys.argv[2]))
if "W_dec" in S:  # a saved Matryoshka (train.py --model mat-btk --save): first group (128) as "top", the rest as "bottom"
    g = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    S.update(top_W_enc=S["W_enc"][:, :g], top_b_enc=S["b_enc"][:g], V=S["W_dec"][:g],
             bot_W_enc=S["W_enc"][:, g:], bot_b_enc=S["b_enc"][g:], D=S["W_dec"][g:])
c = float(S["c"]); thr = float(S["thr"]); R = data["R"]
m2 = S["V"].shape[0]; m1 = S["D"].shape[0]
def codes(X):
    xc = X * c - S["b_dec"]
    P = np.concatenate([xc @ S["top_W_enc"] + S["top_b_enc"], xc @ S["bot_W_enc"] + S["bot_b_enc"]], 1)
    Z = np.where(P > thr, P, 0).astype(np.float32)
    return Z[:, :m2], Z[:, m2:]
X = data["X"]; first = data["first_eval"]
own_e, z1_e = codes(X[first:])
# co-firing counts: the training rows of DATA, or of COUNT_DATA (env; same synth seed, more rows: same truth)
if os.environ.get("COUNT_DATA"):
    import glob
    shards = sorted(glob.glob(os.path.join(os.environ["COUNT_DATA"], "shard-*[0-9].npy")))
    Xc = np.concatenate([np.load(q) for q in shards]).astype(np.float32)
    ntr = int(round(len(Xc) * 0.95))
else:
    Xc = X; ntr = min(first, 190000)
n = ntr
Call = np.zeros((m2 + m1, m2 + m1), np.float64)
for a0 in range(0, ntr, 50000):
    o_, z_ = codes(Xc[a0:min(ntr, a0 + 50000)])
    F_ = np.concatenate([o_ > 0, z_ > 0], 1).astype(np.float32)
    Call += F_.T @ F_
nall = np.diag(Call).copy()
nt, nb = nall[:m2], nall[m2:]
Ctb = Call[:m2, m2:]; Cbb = Call[m2:, m2:]; Ctt = Call[:m2, :m2]
print(json.dumps(dict(count_rows=int(ntr), count_data=os.environ.get("COUNT_DATA", sys.argv[1]))))
G = data["G"] / np.linalg.norm(data["G"], axis=1, keepdims=True)
def mapto(D):
    cs = (D / np.linalg.norm(D, axis=1, keepdims=True)) @ G.T
    return np.where(cs.max(1) >= 0.5, cs.argmax(1), -1)
mt, mb = mapto(S["V"]), mapto(S["D"])
kind = lambda f: "none" if f < 0 else ("parent" if f < R else ("child" if f < R + len(data["child_parent"]) else "single"))
info = dict(top={k: int(sum(kind(f) == k for f in mt)) for k in ["parent", "child", "single", "none"]},
            bottom={k: int(sum(kind(f) == k for f in mb)) for k in ["parent", "child", "single", "none"]},
            top_firing_share=float(nt.sum() / (nt.sum() + nb.sum())),
            rho_own=parent_rho(own_e, data), rho_bottom=parent_rho(z1_e, data),
            rho_any=parent_rho(np.concatenate([own_e, z1_e], 1), data))
# where do the children's firings live? (mapped latents' firing share)
cf_top = sum(nt[j] for j in range(m2) if kind(mt[j]) == "child"); cf_bot = sum(nb[i] for i in range(m1) if kind(mb[i]) == "child")
info["child_firings_in_top"] = float(cf_top / max(cf_top + cf_bot, 1))
print(json.dumps(info))

def score(name, parent_b, parent_t=None):
    """parent_b: m1 ints (top slot or -1); parent_t: m2 ints (top slot or -1; top latents pooled into another)."""
    Z2 = own_e.copy()
    for i in np.nonzero(parent_b >= 0)[0]:
        Z2[:, parent_b[i]] += z1_e[:, i]
    edges = [(int(parent_b[i]), int(i)) for i in range(m1) if parent_b[i] >= 0]
    ef = edge_f1(S["V"], S["D"], edges, data) if edges else dict(f1=0, precision=float("nan"), recall=0)
    if parent_t is not None:
        for k in np.nonzero(parent_t >= 0)[0]:
            Z2[:, parent_t[k]] += own_e[:, k]
    print(json.dumps(dict(rule=name, rho=round(parent_rho(Z2, data), 4), edges=len(edges),
                          tt_edges=int((parent_t >= 0).sum()) if parent_t is not None else 0,
                          f1=round(ef["f1"], 3), p=round(ef["precision"], 3), r=round(ef["recall"], 3))))

# oracle (truth) for reference
cp = data["child_parent"]
def root_of(f):
    return -1 if f < 0 else (f if f < R else (int(cp[f - R]) if f < R + len(cp) else -1))
slot = {}
ct = (S["V"] / np.linalg.norm(S["V"], axis=1, keepdims=True)) @ G[:R].T
for cval, j, r in sorted(((ct[j, r], j, r) for j in range(m2) for r in range(R)), reverse=True):
    if cval < 0.5: break
    if r in slot or j in slot.values(): continue
    slot[r] = j
pb = np.array([slot.get(root_of(f), -1) if root_of(f) >= 0 else -1 for f in mb])
score("oracle-bottom (slots with cos>=0.5 only)", pb)
ptt = np.array([slot.get(root_of(f), -1) if (root_of(f) >= 0 and kind(f) == "child") else -1 for f in mt])
score("oracle-bottom+top-children", pb, ptt)

# containment: child i under the top j maximising P(j | i), if P(j|i) >= a and n_j >= b * n_i
with np.errstate(divide="ignore", invalid="ignore"):
    Pji = Ctb / np.maximum(nb[None, :], 1)
for a in [0.3, 0.5, 0.7]:
    for bfac in [1.0, 1.5, 2.0]:
        ok = (nt[:, None] >= bfac * nb[None, :]) & (Pji >= a)
        sc = np.where(ok, Pji, -1)
        j = sc.argmax(0); pbr = np.where(sc.max(0) >= 0, j, -1)
        score(f"containment a={a} b={bfac}", pbr)

# ---- forests over ALL latents (top own + bottom), pooled into parent units -------------------------------
# units: for a cluster whose parent has a top latent (A: cos >= 0.5 slot), that latent's own code + members';
# otherwise an extra pooled-only unit (no parameters: the sum of its members' codes). Reported: ρ over
# [own with pooling ∪ pooled-only units] and the number of pooled-only units.
Zall_e = np.concatenate([own_e, z1_e], 1)
mall = np.concatenate([mt, mb])
def score_clusters(name, clusters, slot_of=None):
    Z2 = own_e.copy(); extra = []
    for k, cl in enumerate(clusters):
        s_ = Zall_e[:, cl].sum(1)
        j = slot_of[k] if slot_of is not None else -1
        if j >= 0:
            Z2[:, j] += s_ - (own_e[:, j] if j in cl else 0)
        else:
            extra.append(s_)
    U = np.concatenate([Z2] + ([np.stack(extra, 1)] if extra else []), 1)
    # cluster purity: members mapped to children of one root
    roots = [[root_of(int(mall[q])) for q in cl] for cl in clusters]
    pure = np.mean([max(np.bincount([r for r in rr if r >= 0] or [0]).max() / len(rr), 0) for rr in roots]) if clusters else 0
    print(json.dumps(dict(rule=name, rho=round(parent_rho(U, data), 4), clusters=len(clusters), pooled_only=len(extra),
                          mean_size=round(float(np.mean([len(c_) for c_ in clusters])) if clusters else 0, 2),
                          purity=round(float(pure), 3))))
# oracle clusters over all latents
cl_or = {}
for q, f in enumerate(mall):
    r = root_of(int(f))
    if r >= 0 and (f >= R):  # children only
        cl_or.setdefault(r, []).append(q)
keys = sorted(cl_or)
score_clusters("oracle-all-latents (pooled units)", [cl_or[r] for r in keys],
               [slot.get(r, -1) for r in keys])
# exclusivity / co-firing significance clustering over all latents (training-row counts)
E = np.outer(nall, nall) / n
pa = nall / n
z = (Call - E) / np.sqrt(E * np.outer(1 - pa, 1 - pa) + 1e-6)
lift = Call / np.maximum(E, 1e-9)
for zthr, mode in [(5, "both"), (5, "excl"), (3, "excl"), (5, "pos")]:
    if mode == "both": sig = (np.abs(z) > zthr) & ((lift < 0.5) | (lift > 1.5))
    elif mode == "excl": sig = (z < -zthr) & (lift < 0.5)
    else: sig = (z > zthr) & (lift > 1.5)
    np.fill_diagonal(sig, False); sig = np.triu(sig, 1)
    ii, jj = np.nonzero(sig); order = np.argsort(-np.abs(z[ii, jj]))
    cls = union_find_groups(len(nall), ii, jj, order, 8)
    score_clusters(f"cofire-all z>{zthr} {mode} (union-find, cap 8)", cls)
    if mode == "pos":  # control: random clusters of the same sizes over the same latents
        rng = np.random.default_rng(0); perm = rng.permutation(np.concatenate(cls)); k0 = 0; rc = []
        for cl in cls:
            rc.append(list(perm[k0:k0 + len(cl)])); k0 += len(cl)
        score_clusters("  control: random clusters, same sizes", rc)

# ---- level re-assignment (A): a latent that "contains" others (P(j fires | i fires) >= 0.7, n_j >= 2 n_i, for
# >= 2 latents i) is parent-like; swap the most parent-like bottom latents into the top in place of the least
# parent-like top latents (the top stays 128 latents). ρ of the swapped top layer. ---------------------------
with np.errstate(divide="ignore", invalid="ignore"):
    Pall = Call / np.maximum(nall[None, :], 1)     # Pall[j, i] = P(j | i)
cont = ((Pall >= 0.7) & (nall[:, None] >= 2 * nall[None, :])).sum(1)
for need in [2, 3]:
    bot_c = [(int(cont[m2 + i]), i) for i in range(m1) if cont[m2 + i] >= need]
    top_c = sorted((int(cont[j]), j) for j in range(m2))
    bot_c.sort(reverse=True)
    top_set = list(range(m2)); swaps = 0
    for (cb_, i), (ct_, j) in zip(bot_c, top_c):
        if cb_ <= ct_: break
        top_set[top_set.index(j)] = m2 + i; swaps += 1
    Zt = Zall_e[:, top_set]
    print(json.dumps(dict(rule=f"swap parent-like bottom→top (contains >= {need})", swaps=swaps,
                          rho=round(parent_rho(Zt, data), 4),
                          swapped_in_parents=int(sum(kind(int(mall[q])) == "parent" for q in top_set if q >= m2)),
                          swapped_in=int(sum(1 for q in top_set if q >= m2)))))
