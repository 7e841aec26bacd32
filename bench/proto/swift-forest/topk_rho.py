# parent ρ (best latent) and edge-free scores of a top-k Matryoshka model, from its safetensors
import sys, json, numpy as np
sys.path.insert(0, "/tmp/proto")
from common import load_data, parent_rho
from safetensors import safe_open
data = load_data(sys.argv[1]); f = safe_open(sys.argv[2], "np"); m = f.metadata(); t = {k: f.get_tensor(k) for k in f.keys()}
k = int(json.loads(m["model_config"])["bottom"]["target"]["l0"])
X = data["X"][data["first_eval"]:] * float(m["input_scale"])
P = (X - t["bottom.b_dec"]) @ t["bottom.W_enc"] + t["bottom.b_enc"]
idx = np.argpartition(-P, k - 1, axis=1)[:, :k]
Z = np.zeros_like(P); np.put_along_axis(Z, idx, np.maximum(np.take_along_axis(P, idx, 1), 0), 1)
print(json.dumps(dict(rho_any=round(parent_rho(Z, data), 4))))
