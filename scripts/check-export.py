#!/usr/bin/env python3
"""check-export.py — load an `hsae export` directory with SAELens and compare it with hsae's forward.

    python scripts/check-export.py EXPORT REFS [--model-name NAME --hook-name NAME --hook-layer L] [--tol 1e-5]

REFS is a directory of .npy files written from hsae's own forward pass on the same rows:
x (raw rows), z1 (bottom code), xhat_bottom (bottom layer alone, raw units), and for an HSAE
z2 (top code), zhat1 (the top layer's reconstruction of z1, after its ReLU), xhat (the full
gated reconstruction, raw units). Each is checked against SAELens (the SAEs loaded with
SAE.load_from_disk; the full reconstruction with the recipe in hsae_sae_lens.reconstruct) as
max|a - b| / max(1, max|b|) <= tol. Also checks that sae_lens_version and the hsae_* metadata
survive the load. Prints one JSON line of errors; exits 1 naming every failed check.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("refs")
    ap.add_argument("--model-name")
    ap.add_argument("--hook-name")
    ap.add_argument("--hook-layer", type=int)
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()
    sys.path.insert(0, a.export)
    import hsae_sae_lens  # noqa: E402  (registers the hsae_top_* architectures)
    from sae_lens import SAE, __version__ as saelens_version

    ref = {n[:-4]: np.load(os.path.join(a.refs, n)) for n in os.listdir(a.refs) if n.endswith(".npy")}
    x = torch.from_numpy(ref["x"])
    hsae = hsae_sae_lens.load(a.export)
    failures, errors, stats = [], {}, {}

    def compare(name, got):
        want = ref[name]
        got = got.detach().numpy()
        if got.shape != want.shape:
            failures.append(f"{name}: shape {got.shape}, hsae {want.shape}")
            return
        err = float(np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want)))))
        errors[name] = err
        if not err <= a.tol:
            failures.append(f"{name}: max |SAELens - hsae| / max(1, max|hsae|) = {err:.3g} > {a.tol}")

    with torch.no_grad():
        z1 = hsae.bottom.encode(x)
        compare("z1", z1)
        compare("xhat_bottom", hsae.bottom.decode(z1))
        compare("xhat_bottom", hsae.bottom(x))  # SAELens's own forward
        if hsae.top is not None:
            z2 = hsae.top.encode(torch.from_numpy(ref["z1"]))
            compare("z2", z2)
            compare("zhat1", hsae.top.decode(z2))
            compare("xhat", hsae.reconstruct(x))
            # How much the ReLU matters here: the fraction of the top decoder's outputs it clips.
            stats["negative_pre_relu_fraction"] = float(((z2 @ hsae.top.W_dec + hsae.top.b_dec) < 0).float().mean())
            stats["negative_zhat1_fraction"] = float((hsae.top.decode(z2) < 0).float().mean())

    layers = [("bottom", hsae.bottom)] + ([("top", hsae.top)] if hsae.top is not None else [])
    for name, sae in layers:
        md = sae.cfg.metadata
        if not md.sae_lens_version:
            failures.append(f"{name}: no sae_lens_version after load_from_disk")
        if "hsae_layer" not in md or md["hsae_layer"] != name:
            failures.append(f"{name}: metadata hsae_layer is {md['hsae_layer']!r} after load_from_disk, expected {name!r}")
        if "hsae_version" not in md:
            failures.append(f"{name}: metadata hsae_version missing after load_from_disk")
        with open(os.path.join(a.export, name, "cfg.json")) as f:
            written = json.load(f)
        if md.sae_lens_version != written["metadata"]["sae_lens_version"]:
            failures.append(f"{name}: sae_lens_version {md.sae_lens_version!r} after load, cfg.json has "
                            f"{written['metadata']['sae_lens_version']!r} (SAELens treated it as a pre-6.0 config)")
        for key, want in (("model_name", a.model_name), ("hook_name", a.hook_name), ("hook_layer", a.hook_layer)):
            if want is not None and md[key] != want:
                failures.append(f"{name}: metadata {key} is {md[key]!r}, expected {want!r}")
        if name == "top" and not type(sae).__name__.startswith("HSAETop"):
            failures.append(f"top: loaded as {type(sae).__name__}, expected an HSAETop* class")
    print(json.dumps({"sae_lens": saelens_version, "rows": int(x.shape[0]),
                      "architectures": {n: s.cfg.architecture() for n, s in layers},
                      "metadata_sae_lens_version": {n: s.cfg.metadata.sae_lens_version for n, s in layers},
                      "errors": errors, "stats": stats}))
    for f in failures:
        print("FAIL " + f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
