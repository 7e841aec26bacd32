# The Swift forest model's top code recomputed in numpy (forest.parent, forest.directions) and the Python rule's groups on the same code.
import sys, json, numpy as np
sys.path.insert(0, "/tmp/proto")
from common import load_data, parent_rho
from safetensors import safe_open
data = load_data(sys.argv[1]); f = safe_open(sys.argv[2], "np"); m = f.metadata(); t = {k: f.get_tensor(k) for k in f.keys()}
c = float(m["input_scale"]); thr = float(m["bottom_threshold"])
X = data["X"][data["first_eval"]:] * c; bd = t["bottom.b_dec"]; D = t["bottom.W_dec"]
P = (X - bd) @ t["bottom.W_enc"] + t["bottom.b_enc"]; Z = np.where(P > thr, P, 0)
E = X - (Z @ D + bd)
par = t["forest.parent"].astype(int); U = t["forest.directions"]
nu = par.max() + 1
units = []
for k in range(nu):
    g = np.nonzero(par == k)[0]
    fire = (Z[:, g] > 0).any(1)
    s = Z[:, g] @ D[g] @ U[k] + E @ U[k]
    units.append(np.where(fire, np.maximum(s, 0), 0))
A = np.stack(units, 1)
sizes = np.bincount(par[par >= 0])
out = dict(units=int(nu), grouped=int((sizes >= 2).sum()), rho_swift_units=round(parent_rho(A, data), 4), rho_groups_only=round(parent_rho(A[:, sizes >= 2], data), 4))
if len(sys.argv) > 3:
    pg = json.load(open(sys.argv[3]))
    sw = [sorted(np.nonzero(par == k)[0].tolist()) for k in range(nu) if sizes[k] >= 2]
    out["python_groups"] = len(pg); out["same_groups"] = len(set(map(tuple, sw)) & set(tuple(sorted(g)) for g in pg))
print(json.dumps(out))
