# On the Swift forest run's bottom code: the auto.py read-out (principal dir, share 0.5, groups + frequent singles) with (a) the Swift forest's groups, (b) another groups.json.
import sys, json, numpy as np
sys.path.insert(0, "/tmp/proto")
from common import load_data, parent_rho
from safetensors import safe_open
data = load_data(sys.argv[1]); f = safe_open(sys.argv[2], "np"); m = f.metadata(); t = {k: f.get_tensor(k) for k in f.keys()}
c = float(m["input_scale"]); thr = float(m["bottom_threshold"]); bd = t["bottom.b_dec"]; D = t["bottom.W_dec"]
def code(X):
    xc = X * c - bd; P = xc @ t["bottom.W_enc"] + t["bottom.b_enc"]; return xc, np.where(P > thr, P, 0).astype(np.float32)
xtr, Ztr = code(data["X"][:60000]); xev, Zev = code(data["X"][data["first_eval"]:]); Eev = xev - Zev @ D
par = t["forest.parent"].astype(int); sizes = np.bincount(par[par >= 0])
sw = [np.nonzero(par == k)[0].tolist() for k in range(par.max() + 1) if sizes[k] >= 2]
def readout(groups, share=0.5, nunits=128):
    U = []
    for g in groups:
        Y = Ztr[:, g] @ D[g]; w, v = np.linalg.eigh(Y.T @ Y)
        u = v[:, -1] * np.sign(v[:, -1] @ D[g].sum(0)) if w[-1] / max(w.sum(), 1e-12) >= share else D[g].sum(0)
        U.append(u / np.linalg.norm(u))
    U = np.array(U); fire = np.stack([(Zev[:, g] > 0).any(1) for g in groups], 1)
    Xg = np.stack([Zev[:, g] @ D[g] @ U[k] for k, g in enumerate(groups)], 1)
    units = np.where(fire, np.maximum(Xg + Eev @ U.T, 0), 0)
    grouped = np.zeros(D.shape[0], bool)
    for g in groups: grouped[g] = True
    freq = (Ztr > 0).mean(0); cand = [i for i in np.argsort(-freq) if not grouped[i]][:max(0, nunits - len(groups))]
    Dn = D / np.linalg.norm(D, axis=1, keepdims=True)
    single = np.where(Zev[:, cand] > 0, np.maximum(Zev[:, cand] + Eev @ Dn[cand].T, 0), 0)
    return round(parent_rho(units, data), 4), round(parent_rho(np.concatenate([units, single], 1), data), 4)
out = dict(swift=readout(sw))
for p in sys.argv[3:]: out[p.split("/")[-1]] = readout(json.load(open(p)))
print(json.dumps(out))
