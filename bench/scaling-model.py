#!/usr/bin/env python3
"""Projected step time and efficiency for W ranks from measured constants (docs/SCALING.md).

    T(W) = C·B/W + 2(W−1)·α + 2(W−1)/W · P·β          E(W) = T(1) / (W·T(W))

C per token and phase is measured at d = 768, m1 = 16384, m2 = 4096 (`hsae bench`); for another
shape it is scaled by the encoder's d·m1 (the phase-1 cost is the encoder GEMM; phases 2–3 add
GEMMs of the same b·m1·d size), which is a projection, not a measurement. P = 8 bytes × trainable
parameters (exact mode), 4 in fast mode.

    bench/scaling-model.py --alpha 2e-6 --beta 1.1e-10 --c 4.4e-4 2.3e-3 2.6e-3 [--batch 4096] [--fast]
"""
import argparse

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--alpha", type=float, required=True, help="allreduce latency, s")
p.add_argument("--beta", type=float, required=True, help="allreduce cost per byte, s")
p.add_argument("--c", type=float, nargs=3, required=True, metavar=("C1", "C2", "C3"),
               help="one-core seconds per token of phases 1, 2, 3 at d=768, m1=16384, m2=4096")
p.add_argument("--batch", type=int, default=4096)
p.add_argument("--fast", action="store_true", help="float32 reduction (4 bytes a parameter)")
p.add_argument("--label", default="")
a = p.parse_args()

shapes = [(768, 16384, 4096), (4096, 65536, 16384)]
ref = 768 * 16384
width = 4 if a.fast else 8
print(f"{a.label}α = {a.alpha * 1e6:.1f} µs, β = {a.beta * 1e9:.3f} ns/byte, B = {a.batch}, "
      f"{'fast (float32)' if a.fast else 'exact (int64)'} reduction")
print(f"{'d':>5} {'m1':>6} {'m2':>6} {'phase':>5} {'P (MB)':>9} {'T(1) s':>8}" + "".join(f" {'E(' + str(w) + ')':>8}" for w in (2, 8, 64, 512))
      + f" {'W*':>7}")
for d, m1, m2 in shapes:
    bottom = 2 * d * m1 + m1 + d
    top = 2 * m1 * m2 + m2 + 2 * m1
    params = [bottom, top, bottom + top]
    for phase, c in zip((1, 2, 3), a.c):
        C = c * d * m1 / ref
        P = width * params[phase - 1]
        t1 = C * a.batch
        def T(w):
            return C * a.batch / w + (2 * (w - 1) * a.alpha + 2 * (w - 1) / w * P * a.beta if w > 1 else 0)
        eff = [t1 / (w * T(w)) for w in (2, 8, 64, 512)]
        wstar = C * a.batch / (2 * P * a.beta)
        print(f"{d:>5} {m1:>6} {m2:>6} {phase:>5} {P / 1e6:>9.0f} {t1:>8.2f}" + "".join(f" {e:>8.2f}" for e in eff) + f" {wstar:>7.1f}")
