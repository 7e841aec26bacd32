"""bench/proto/validate.py — the metric check: recompute parent ρ (any single latent of the baseline) and
FVU of a Swift baseline (`hsae train --baseline …`, model.safetensors read with numpy) with
bench/proto/common.py, and print them beside `hsae eval`'s report.json (baseline column).

  $PY bench/proto/validate.py DATA RUN REPORT_DIR
"""
import json, sys, os
import numpy as np
from safetensors.numpy import load_file
from safetensors import safe_open
sys.path.insert(0, os.path.dirname(__file__))
from common import load_data, parent_rho, fvu, pearson_max

data_dir, run, rep = sys.argv[1:4]
data = load_data(data_dir)
path = os.path.join(run, "model.safetensors")
t = load_file(path)
with safe_open(path, "np") as f:
    meta = f.metadata()
c = float(meta["input_scale"]); thr = float(meta["bottom_threshold"]); act = meta["bottom_activation"]
X = data["X"][data["first_eval"]:].astype(np.float64) * c
P = (X - t["bottom.b_dec"]) @ t["bottom.W_enc"] + t["bottom.b_enc"]
if act == "batchtopk":
    Z = np.where(P > max(thr, 0), P, 0)
else:
    k = json.loads(meta["model_config"])["bottom"]["target"]["l0"]
    kth = -np.sort(-P, 1)[:, k - 1:k]
    Z = np.where((P >= kth) & (P > 0), P, 0)
Xh = Z @ t["bottom.W_dec"] + t["bottom.b_dec"]
rho = pearson_max(Z, data["T"][:, :data["R"]])
r = json.load(open(os.path.join(rep, "report.json")))
swift = [p.get("baseline") for p in r["ground_truth"]["parent_detection"]]
sw_fvu = [x["fvu"] for x in r["reconstruction"] if x["name"] == "baseline"][0]
print(json.dumps(dict(python_parent_rho=float(rho.mean()), swift_parent_rho=float(np.mean(swift)),
                      max_abs_diff_per_parent=float(np.max(np.abs(rho - np.array(swift)))),
                      python_fvu=fvu(X, Xh), swift_fvu=sw_fvu, l0=float((Z > 0).sum(1).mean()),
                      eval_rows=int(X.shape[0]), report_rows=r["rows"])))

# Edge recovery check (common.edge_f1 against hsae eval's HSAE column), on the stub HSAE that
# swift-matryoshka.sh trains beside the baseline: learned edges j → i where W²[j, i] > 0 and
# W²[j, i] ≥ 0.25 × max_i W²[j, i]; top directions u = W² W_dec¹.
stub = os.path.join(os.path.dirname(run.rstrip("/")), "hsae-stub", "model.safetensors")
if os.path.exists(stub):
    from common import edge_f1
    h = load_file(stub)
    W2, D1 = h["top.W_dec"].astype(np.float64), h["bottom.W_dec"].astype(np.float64)
    thr_e = float(r["hierarchy"].get("edge_threshold", 0.25)) if isinstance(r.get("hierarchy"), dict) else 0.25
    mx = W2.max(1, keepdims=True)
    E = np.argwhere((W2 > 0) & (W2 >= thr_e * mx))
    ef = edge_f1(W2 @ D1, D1, [(int(j), int(i)) for j, i in E], data)
    sw = [m_ for m_ in r["ground_truth"]["models"] if m_["model"] == "hsae"][0]["edge_recovery"]
    print(json.dumps(dict(python_edge=ef, swift_edge=sw, edge_threshold=thr_e)))
