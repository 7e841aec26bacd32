import sys, numpy as np
from safetensors import safe_open
f = safe_open(sys.argv[1], "np"); m = f.metadata()
t = {k: f.get_tensor(k) for k in f.keys()}
out = dict(W_enc=t["bottom.W_enc"], b_enc=t["bottom.b_enc"], W_dec=t["bottom.W_dec"], b_dec=t["bottom.b_dec"],
           c=np.float64(m["input_scale"]), thr=np.float64(m.get("bottom_threshold", "0")))
if "forest.parent" in t: out["parent"] = t["forest.parent"]; out["w"] = t["top.W_enc"]
np.savez(sys.argv[2], **out)
