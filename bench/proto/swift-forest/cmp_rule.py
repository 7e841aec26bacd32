import sys, numpy as np, json
sys.path.insert(0, "/tmp/diag")
from ref import forest
from safetensors import safe_open
M = 640; C = np.fromfile(sys.argv[1], np.float64).reshape(M, M); N = float(sys.argv[3])
f, info = forest(C, N)
t = safe_open(sys.argv[2], "np"); par = t.get_tensor("forest.parent").astype(int)
sizes = np.bincount(par[par >= 0]); sw = [tuple(np.nonzero(par == k)[0].tolist()) for k in range(len(sizes)) if sizes[k] >= 2]
pg = set(tuple(sorted(g)) for g in f)
print(json.dumps(dict(python=len(f), swift=len(sw), same=len(pg & set(sw)), rho0=info["rho0"])))
