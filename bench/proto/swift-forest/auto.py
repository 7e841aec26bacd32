# offline: direction by the group's energy share: principal when λ1 / trace(DᵀCD) ≥ SHARE, else the unit mean; groups + singles
import sys, json, numpy as np, os
sys.path.insert(0, "/tmp/proto")
from common import load_data, parent_rho
data = load_data(sys.argv[1]); S = dict(np.load(sys.argv[2])); groups = json.load(open(sys.argv[3]))
c = float(S["c"]); bd = S["b_dec"]; D = S["W_dec"]; thr = float(S["thr"])
def code(X):
    xc = X * c - bd; P = xc @ S["W_enc"] + S["b_enc"]; return xc, np.where(P > thr, P, 0).astype(np.float32)
xtr, Ztr = code(data["X"][:60000]); xev, Zev = code(data["X"][data["first_eval"]:]); Eev = xev - Zev @ D
out = {}
for share in [0.0, 0.3, 0.5, 0.7, 1.01]:
    U = []
    for g in groups:
        Y = Ztr[:, g] @ D[g]; w, v = np.linalg.eigh(Y.T @ Y)
        if w[-1] / max(w.sum(), 1e-12) >= share:
            u = v[:, -1] * np.sign(v[:, -1] @ D[g].sum(0))
        else:
            u = D[g].sum(0)
        U.append(u / np.linalg.norm(u))
    U = np.array(U); fire = np.stack([(Zev[:, g] > 0).any(1) for g in groups], 1)
    Xg = np.stack([Zev[:, g] @ D[g] @ U[t] for t, g in enumerate(groups)], 1)
    units = np.where(fire, np.maximum(Xg + Eev @ U.T, 0), 0)
    grouped = np.zeros(D.shape[0], bool)
    for g in groups: grouped[g] = True
    freq = (Ztr > 0).mean(0); cand = [i for i in np.argsort(-freq) if not grouped[i]][:max(0, 128 - len(groups))]
    Dn = D / np.linalg.norm(D, axis=1, keepdims=True)
    single = np.where(Zev[:, cand] > 0, np.maximum(Zev[:, cand] + Eev @ Dn[cand].T, 0), 0)
    out[f"share{share}"] = round(parent_rho(np.concatenate([units, single], 1), data), 4)
print(json.dumps(out))
