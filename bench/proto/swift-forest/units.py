# Offline: unit definitions over the two-sided forest's groups (saved by go2.py), on a Matryoshka code.
import sys, json, numpy as np
sys.path.insert(0, "/tmp/proto")
from common import load_data, parent_rho
data = load_data(sys.argv[1]); S = dict(np.load(sys.argv[2])); groups = json.load(open(sys.argv[3]))
c = float(S["c"]); bd = S["b_dec"]; D = S["W_dec"]; thr = float(S["thr"])
def code(X):
    xc = X * c - bd; P = xc @ S["W_enc"] + S["b_enc"]; Z = np.where(P > thr, P, 0).astype(np.float32); return xc, Z
first = data["first_eval"]
xtr, Ztr = code(data["X"][:60000]); Etr = xtr - Ztr @ D
xev, Zev = code(data["X"][first:]); Eev = xev - Zev @ D
def unit_dirs(mode):
    U = []
    for g in groups:
        if mode == "mean":
            u = D[g].sum(0)
        else:  # top eigenvector of (Xg + E) over rows where the group fires
            f = (Ztr[:, g] > 0).any(1)
            Y = Ztr[f][:, g] @ D[g] + (Etr[f] if mode == "eig+E" else 0)
            w, v = np.linalg.eigh(Y.T @ Y); u = v[:, -1]; u = u * np.sign(u @ D[g].sum(0))
        U.append(u / np.linalg.norm(u))
    return np.array(U)
out = {"rho_any": round(parent_rho(Zev, data), 4), "groups": len(groups)}
fire = np.stack([(Zev[:, g] > 0).any(1) for g in groups], 1)
out["sum"] = round(parent_rho(np.stack([Zev[:, g].sum(1) for g in groups], 1), data), 4)
out["indicator"] = round(parent_rho(fire.astype(np.float32), data), 4)
for mode in ["mean", "eig", "eig+E"]:
    U = unit_dirs(mode)
    Xg = np.stack([Zev[:, g] @ D[g] @ U[t] for t, g in enumerate(groups)], 1)
    out[f"proj {mode}"] = round(parent_rho(np.where(fire, np.maximum(Xg, 0), 0), data), 4)
    XE = Xg + Eev @ U.T
    out[f"proj+E {mode}"] = round(parent_rho(np.where(fire, np.maximum(XE, 0), 0), data), 4)
    out[f"all+proj+E {mode}"] = round(parent_rho(np.concatenate([Zev, np.where(fire, np.maximum(XE, 0), 0)], 1), data), 4)
print(json.dumps(out))
# top = group units (proj+E eig) + the most frequent ungrouped latents as singleton units (z_i + <E, d_i>), 128 in all
U = unit_dirs("eig")
Xg = np.stack([Zev[:, g] @ D[g] @ U[t] for t, g in enumerate(groups)], 1)
units = np.where(fire, np.maximum(Xg + Eev @ U.T, 0), 0)
grouped = np.zeros(D.shape[0], bool)
for g in groups: grouped[g] = True
freq = (Ztr > 0).mean(0); cand = [i for i in np.argsort(-freq) if not grouped[i]][:max(0, 128 - len(groups))]
Dn = D / np.linalg.norm(D, axis=1, keepdims=True)
single = np.where(Zev[:, cand] > 0, np.maximum(Zev[:, cand] + Eev @ Dn[cand].T, 0), 0)
single_raw = Zev[:, cand]
print(json.dumps({"top128 proj+E": round(parent_rho(np.concatenate([units, single], 1), data), 4),
                  "top128 raw singles": round(parent_rho(np.concatenate([units, single_raw], 1), data), 4),
                  "singles+E only": round(parent_rho(single, data), 4)}))
