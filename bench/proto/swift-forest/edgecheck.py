# Independent check of `hsae eval`'s edge recovery for a forest run: predicted edges = unit t -> each child in
# forest.parent; each latent (bottom W_dec rows, then the top's decoder rows) maps to its best true feature by cos
# when cos >= 0.5; precision = mapped-onto-a-true-edge / predicted, recall = true edges hit / true edges.
# usage: python edgecheck.py DATA RUN/model.safetensors REPORT.json
import sys, json, numpy as np
sys.path.insert(0, "/tmp/proto")
from common import load_data
from safetensors import safe_open
data = load_data(sys.argv[1]); f = safe_open(sys.argv[2], "np"); t = {k: f.get_tensor(k) for k in f.keys()}
D = np.concatenate([t["bottom.W_dec"], t["top.W_dec"]]).astype(np.float64); M = t["bottom.W_dec"].shape[0]
G = data["G"].astype(np.float64)
cos = (G / np.linalg.norm(G, axis=1, keepdims=True)) @ (D / np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-300)).T
match = np.where(cos.max(0) >= 0.5, cos.argmax(0), -1)
R = data["R"]; truth = {(int(p), R + c) for c, p in enumerate(data["child_parent"])}
par = t["forest.parent"].astype(int)
pred = [(M + p, i) for i, p in enumerate(par) if p >= 0]
hits = [(match[a], match[b]) for a, b in pred if match[a] >= 0 and match[b] >= 0 and (match[a], match[b]) in truth]
p, r = len(hits) / len(pred), len(set(hits)) / len(truth)
print(json.dumps(dict(predicted=len(pred), precision=p, recall=r, f1=2 * p * r / (p + r) if p + r > 0 else 0,
                      hsae_eval=json.load(open(sys.argv[3]))["ground_truth"]["models"][0]["edge_recovery"])))
