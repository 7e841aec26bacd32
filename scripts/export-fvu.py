#!/usr/bin/env python3
"""export-fvu.py — FVU of an `hsae export` through SAELens, with and without the top decoder's ReLU.

    python scripts/export-fvu.py EXPORT DATA FIRST_ROW

Rows FIRST_ROW.. of the data set DATA (.npy shards listed in dataset.json; e.g. the evaluation
split `hsae eval` reports) through hsae_sae_lens: full, skip-only and top-only FVU by the recipe,
and what a stock SAELens top layer (no ReLU on its decoder) would give. Prints one JSON line.
"""
import sys, json, glob, numpy as np, torch
exp, data, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, exp); import hsae_sae_lens
m = json.load(open(data + "/dataset.json"))
x = np.concatenate([np.load(data + "/" + s["file"]) for s in m["shards"]]).astype(np.float32)[start:]
x = torch.from_numpy(x)
h = hsae_sae_lens.load(exp)
def fvu(xh): return float(((x - xh) ** 2).sum() / ((x - x.mean(0)) ** 2).sum())
with torch.no_grad():
    z1 = h.bottom.encode(x); z2 = h.top.encode(z1)
    q = z2 @ h.top.W_dec + h.top.b_dec
    stock_top_only = h.bottom.decode(q)          # no ReLU: what a stock SAELens top layer gives
    g = torch.sigmoid(h.gate_logits)
    stock_full = h.bottom.decode(g * z1 + (1 - g) * q)
    print(json.dumps({"rows": int(x.shape[0]), "full": fvu(h.reconstruct(x)), "skip_only": fvu(h.reconstruct(x, gate=1.0)),
        "top_only": fvu(h.reconstruct(x, gate=0.0)), "top_only_without_relu": fvu(stock_top_only),
        "full_without_relu": fvu(stock_full), "negative_fraction_without_relu": float((q < 0).float().mean())}))
