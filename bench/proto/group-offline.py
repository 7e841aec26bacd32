"""bench/proto/group-offline.py — issue 28, session 3: label-free sibling groups, screened offline on a saved code.

Takes a trained model saved by train.py --save (a Matryoshka `mat-btk`, or an `mfh`), recomputes its code on the
training rows of DATA (all of them: 190 000 of the 200 000-row sets, 950 000 of the 1 M-row sets), counts co-firing
of all latents (M × M, exact), builds sibling groups by several label-free rules, and scores each grouping:
  purity     per group, the share of members whose decoder row maps (best cos ≥ 0.5, common.edge_f1's mapping)
             to a child of its majority root; unmapped / singleton-mapped members count as impure; mean over groups
  pair P/R   sibling pairs among child-mapped latents: precision = co-grouped pairs that are true siblings / all
             co-grouped pairs; recall = true sibling pairs co-grouped / all true sibling pairs
  edge F1    hsae eval's edge recovery with each group as a top unit (direction = unit mean of its members'
             decoder rows) and an edge to each member (common.edge_f1)
  ρ top      parent ρ of the "top layer" = the first 128 latents (Matryoshka's first prefix / mfh's own top)
             plus one pooled unit per group (the sum of its members' codes, no parameters)
  ρ all      parent ρ of all M latents plus the pooled units (the read-out applied to the whole code; ≥ "any latent")
on the evaluation rows (never counted on). Rules (label-free unless said):
  --strong Q          (all count-based rules) count a firing only when the activation is ≥ the latent's Q-quantile
                      of its non-zero activations: the code's weak firings make true siblings co-fire (median lift
                      0.23 at Q = 0, 0 at Q = 0.25 on the B-exclusive Matryoshka)
  oracle              groups = latents mapped to the children of one true root (uses the truth: the ceiling)
  uf-z3-excl          session 2's best: union-find over pairs with z < −3 and lift < 0.5 (binomial z), cap 8
  (a) excl-sum        Poisson exclusivity with a calibrated null: pair LLR L_ij = C log(ε/ρ0) + (ρ0 − ε) E,
                      E = n_i n_j / N, ρ0 = the median lift C/E over pairs with E ≥ 50 (the budget's mild
                      anti-correlation), ε = 0.02 (leak); groups grown by SUM linkage (the cross LLR of two groups is
                      the Poisson test of their total co-firing against its total expectation, so a rare latent is
                      tested against a whole group's firing, not one sibling's) while the best cross LLR ≥ τ and no
                      cross pair is clearly independent (L_ij ≥ −veto); cap 10
  (a) signed-sum      the same, with positive departures (lift > --lift-pos: LLR of C against ρ0 E, counted only when
                      ≥ --tau-pos = ln(#pairs) by default, else neutral) also counted as evidence of one group
  two-sided           excl-sum's groups and pos-sum's (positive departures only, exclusivity neutral) kept apart:
                      "forest" = groups in order of within-group LLR per member, a latent kept by the first that
                      takes it (each latent ≤ 1 parent); "union" = both sets of units (not a forest)
  nested              positive groups collapsed into OR-units first, counts redone over the units, ρ0 recalibrated
                      over them, then exclusive groups of units (sum linkage, cap 4 × --cap); a forest
  (b) profile         conditional exclusivity: cosine of two latents' rows of max(L, 0) (they are exclusive with
                      the same partners), average linkage at cos ≥ 0.3 with the same veto
  (c) decoder-cos     average linkage on decoder-row cosines ≥ 0.3 (geometry only)
  (d) ncut            a relaxed partition: normalized-cut spectral clustering of max(L_signed, 0) into as many
                      groups as signed-sum found (first --tau), k-means on the eigenvectors, groups of ≥ 2 kept
  random              control: random groups with the sizes of the two-sided forest's (or excl-sum's) groups over the same latents
--stream 1 uses the co-firing the training itself counted (train.py --stream-count 1: strong firings of the training
code over the second half of training, duplication-corrected) instead of the extra pass. One JSON line per rule on stdout.
  $PY bench/proto/group-offline.py DATA SAVED.npz [--tau 10] [--only rule,rule]
"""
import sys, os, json, argparse
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from common import load_data, parent_rho, edge_f1, union_find_groups

ap = argparse.ArgumentParser()
ap.add_argument("data"); ap.add_argument("saved")
ap.add_argument("--tau", default="10", help="one or more LLR thresholds, comma-separated (excl-sum, signed-sum)")
ap.add_argument("--veto", type=float, default=10.0)
ap.add_argument("--lift-pos", default="2", help="a positive pair needs lift C/E above this (a comma list: two-sided is\n"
                "run once per value; the first is used by signed-sum and ncut)")
ap.add_argument("--tau-pos", type=float, default=-1, help="a positive pair counts only at LLR ≥ this (default ln(#pairs):\n"
                "~M²/2 pairs are tested, so weaker positive departures are mostly chance)")
ap.add_argument("--eps", type=float, default=0.02)
ap.add_argument("--cap", type=int, default=10)
ap.add_argument("--count-rows", type=int, default=0, help="count on only the first N training rows (0: all)")
ap.add_argument("--only", default="")
ap.add_argument("--strong", type=float, default=0.0, help="count a firing only when the activation is at least this\n"
                "quantile of the latent's non-zero activations (on the first 50 000 training rows): drops weak, spurious\n"
                "firings that make siblings co-fire in the code although they never co-fire in the data")
ap.add_argument("--top", type=int, default=128)
ap.add_argument("--row-top", type=int, default=0, help="count only each row's N largest activations (after --strong):\n"
                "at a loose budget about half of a row's firings are not features of the row")
ap.add_argument("--strata", type=int, default=0, help="expected co-firing conditional on the row's activity: rows\n"
                "stratified by their number of strong firings (capped at this), E = Σ_s n_i^s n_j^s / N_s (0: E = n_i n_j / N)")
ap.add_argument("--stream", type=int, default=0, help="use the counts the training accumulated (train.py --stream-count 1)\n"
                "instead of a pass over the training rows; T tokens drawn with replacement from U unique rows hold\n"
                "U(1 − e^(−T/U)) distinct rows, so counts and N are divided by the duplication T / distinct")
args = ap.parse_args()

data = load_data(args.data); S = dict(np.load(args.saved))
if "W_dec" in S:
    W_enc, b_enc, W_dec = S["W_enc"], S["b_enc"], S["W_dec"]
else:  # mfh: [own top | bottom]
    W_enc = np.concatenate([S["top_W_enc"], S["bot_W_enc"]], 1); b_enc = np.concatenate([S["top_b_enc"], S["bot_b_enc"]])
    W_dec = np.concatenate([S["V"], S["D"]])
c = float(S["c"]); thr = float(S["thr"]); b_dec = S["b_dec"]; R = data["R"]
M = W_dec.shape[0]
X = data["X"]; first = data["first_eval"]
ntr = first if args.count_rows == 0 else min(first, args.count_rows)


def codes(Xr):
    P = (Xr * c - b_dec) @ W_enc + b_enc
    return np.where(P > thr, P, 0).astype(np.float32)


Ze = codes(X[first:])
qv = np.full(M, 1e-30, np.float32)
if args.strong > 0:
    Z0 = codes(X[:min(ntr, 50000)])
    qv = np.array([np.quantile(Z0[Z0[:, i] > 0, i], args.strong) if (Z0[:, i] > 0).sum() >= 10 else 1e-30
                   for i in range(M)], np.float32)
C = np.zeros((M, M), np.float64)
Sn = np.zeros((max(args.strata, 0) + 1, M)); SN = np.zeros(max(args.strata, 0) + 1)
def strong_firing(Xr):
    Z_ = codes(Xr); F_ = Z_ >= qv
    if args.row_top > 0:
        kth = -np.partition(-Z_, args.row_top - 1, axis=1)[:, args.row_top - 1:args.row_top]
        F_ &= Z_ >= np.maximum(kth, 1e-30)
    return F_.astype(np.float32)


for a0 in range(0, 0 if args.stream else ntr, 50000):
    F_ = strong_firing(X[a0:min(ntr, a0 + 50000)])
    C += F_.T @ F_
    if args.strata > 0:
        st_ = np.minimum(F_.sum(1).astype(int), args.strata)
        for q in range(args.strata + 1):
            Sn[q] += F_[st_ == q].sum(0); SN[q] += (st_ == q).sum()
N = float(ntr)
if args.stream:
    T_, U_ = float(S["stream_T"]), float(S["stream_unique"])
    dup = T_ / (U_ * (1 - np.exp(-T_ / U_)))
    C = S["stream_C"].astype(np.float64) / dup; N = T_ / dup; ntr = int(round(N))
n = np.diag(C).copy()
E = np.outer(n, n) / N
if args.strata > 0 and not args.stream:
    E = sum(np.outer(Sn[q], Sn[q]) / SN[q] for q in range(args.strata + 1) if SN[q] > 0)
with np.errstate(divide="ignore", invalid="ignore"):
    lift = np.where(E > 0, C / np.maximum(E, 1e-12), 1.0)
big = (E >= 50) & ~np.eye(M, dtype=bool)
rho0 = float(np.median(lift[big])) if big.any() else 1.0
eps = args.eps
L_ex = C * np.log(eps / rho0) + (rho0 - eps) * E                         # > 0: evidence of exclusivity
with np.errstate(divide="ignore", invalid="ignore"):
    L_pos = np.where(C > 0, C * np.log(np.maximum(C, 1e-12) / np.maximum(rho0 * E, 1e-12)) - C + rho0 * E, 0)
tau_pos = args.tau_pos if args.tau_pos >= 0 else float(np.log(M * (M - 1) / 2))
L_pos = np.where(L_pos >= tau_pos, L_pos, 0.0)
lifts = [float(v) for v in args.lift_pos.split(",")]
L_sig = np.where(lift > lifts[0], L_pos, L_ex)
for Lm in (L_ex, L_pos, L_sig):
    np.fill_diagonal(Lm, 0)

# truth mapping of each latent (for scoring only)
G = data["G"] / np.linalg.norm(data["G"], axis=1, keepdims=True)
cs = (W_dec / np.linalg.norm(W_dec, axis=1, keepdims=True)) @ G.T
mp = np.where(cs.max(1) >= 0.5, cs.argmax(1), -1)
cp = data["child_parent"]; nch = len(cp)
root = np.array([int(cp[f - R]) if R <= f < R + nch else -1 for f in mp])     # root of a child-mapped latent
print(json.dumps(dict(data=args.data, saved=args.saved, count_rows=int(ntr), strong=args.strong, stream=args.stream, strata=args.strata, row_top=args.row_top, rho0=round(rho0, 4), eps=eps,
                      tau=args.tau, tau_pos=round(tau_pos, 2), lift_pos=args.lift_pos, veto=args.veto, child_mapped=int((root >= 0).sum()),
                      rho_any=round(parent_rho(Ze, data), 4), rho_prefix=round(parent_rho(Ze[:, :args.top], data), 4))),
      flush=True)


def score(name, groups, extra=None):
    groups = [list(g) for g in groups if len(g) >= 2]
    units = np.stack([Ze[:, g].sum(1) for g in groups], 1) if groups else np.zeros((len(Ze), 0), np.float32)
    pur = []
    for g in groups:
        rr = root[g]; ok = rr[rr >= 0]
        pur.append(np.bincount(ok).max() / len(g) if len(ok) else 0.0)
    lab = np.full(M, -1); 
    for k, g in enumerate(groups): lab[g] = k
    ch = np.nonzero(root >= 0)[0]
    same_true = root[ch][:, None] == root[ch][None, :]
    same_grp = (lab[ch][:, None] == lab[ch][None, :]) & (lab[ch][:, None] >= 0)
    iu = np.triu_indices(len(ch), 1)
    st, sg = same_true[iu], same_grp[iu]
    # pair precision over all co-grouped pairs (any latent), recall over true sibling pairs among child-mapped
    allpairs = sum(len(g) * (len(g) - 1) // 2 for g in groups)
    pp = float((st & sg).sum() / allpairs) if allpairs else float("nan")
    pr = float((st & sg).sum() / max(st.sum(), 1))
    dirs = np.stack([W_dec[g].sum(0) for g in groups]) if groups else np.zeros((0, W_dec.shape[1]))
    edges = [(k, i) for k, g in enumerate(groups) for i in g]
    ef = edge_f1(dirs, W_dec, edges, data) if edges else dict(f1=0.0, precision=float("nan"), recall=0.0)
    out = dict(rule=name, groups=len(groups), mean_size=round(float(np.mean([len(g) for g in groups])), 2) if groups else 0,
               members=int(sum(len(g) for g in groups)), purity=round(float(np.mean(pur)), 3) if pur else 0,
               pair_p=round(pp, 3), pair_r=round(pr, 3), edge_f1=round(ef["f1"], 3), edge_p=round(ef["precision"], 3),
               edge_r=round(ef["recall"], 3),
               rho_top=round(parent_rho(np.concatenate([Ze[:, :args.top], units], 1), data), 4),
               rho_all=round(parent_rho(np.concatenate([Ze, units], 1), data), 4),
               rho_units=round(parent_rho(units, data), 4) if groups else 0)
    if extra: out.update(extra)
    print(json.dumps(out), flush=True)
    return groups


def linkage(Wpair, mode, tau, veto_mat=None, veto=None, cap=None, active=None):
    """Greedy agglomerative clustering. Wpair: M × M pair scores. mode 'sum': cross score = Σ W (the group-level
    Poisson test for LLRs); 'avg': mean W. Merge the best pair of groups while its cross score ≥ tau, no cross
    pair has veto_mat < −veto, and the merged size ≤ cap."""
    cap = cap or args.cap
    idx = np.nonzero(active)[0] if active is not None else np.arange(M)
    K = len(idx)
    Wsum = Wpair[np.ix_(idx, idx)].astype(np.float64).copy()
    Vmin = veto_mat[np.ix_(idx, idx)].astype(np.float64).copy() if veto_mat is not None else np.zeros((K, K))
    size = np.ones(K); alive = np.ones(K, bool); members = [[int(i)] for i in idx]
    np.fill_diagonal(Wsum, -np.inf)
    while True:
        sc = Wsum if mode == "sum" else Wsum / np.outer(size, size)
        ok = alive[:, None] & alive[None, :] & (np.add.outer(size, size) <= cap)
        if veto is not None:
            ok &= Vmin >= -veto
        sc = np.where(ok, sc, -np.inf)
        a, b = np.unravel_index(np.argmax(sc), sc.shape)
        if not np.isfinite(sc[a, b]) or sc[a, b] < tau:
            break
        Wsum[a, :] += Wsum[b, :]; Wsum[:, a] += Wsum[:, b]; Wsum[a, a] = -np.inf
        Vmin[a, :] = np.minimum(Vmin[a, :], Vmin[b, :]); Vmin[:, a] = Vmin[a, :]
        size[a] += size[b]; alive[b] = False; members[a] += members[b]
        Wsum[b, :] = -np.inf; Wsum[:, b] = -np.inf
    return [members[k] for k in range(K) if alive[k] and size[k] >= 2]


only = set(args.only.split(",")) if args.only else None
want = lambda r: only is None or r in only
active = n >= 5

# oracle
if want("oracle"):
    score("oracle", [list(np.nonzero(root == r)[0]) for r in range(R) if (root == r).sum() >= 2])
# session 2's best label-free rule (binomial z, union-find)
if want("uf-z3-excl"):
    pa = n / N
    z = (C - E) / np.sqrt(E * np.outer(1 - pa, 1 - pa) + 1e-6)
    sig = np.triu((z < -3) & (lift < 0.5), 1)
    ii, jj = np.nonzero(sig); order = np.argsort(z[ii, jj])
    score("uf-z3-excl", union_find_groups(M, ii, jj, order, 8))
groups_sig = None
taus = [float(t) for t in args.tau.split(",")]
best_ex = None; best_two = None
if want("excl-sum"):
    for t in taus:
        g_ = score(f"excl-sum tau={t:g}", linkage(L_ex, "sum", t, L_ex, args.veto, active=active))
        if t == taus[0]: best_ex = g_
if want("signed-sum") or want("ncut"):
    for t in taus:
        g_ = score(f"signed-sum tau={t:g}", linkage(L_sig, "sum", t, L_sig, args.veto, active=active))
        if t == taus[0]: groups_sig = g_
if want("profile"):
    A = np.maximum(L_ex, 0); A = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
    cosA = A @ A.T
    score("profile", linkage(cosA, "avg", 0.3, L_sig, args.veto, active=active & (np.abs(A).sum(1) > 0)))
if want("decoder-cos"):
    Wn = W_dec / np.linalg.norm(W_dec, axis=1, keepdims=True)
    score("decoder-cos", linkage(Wn @ Wn.T, "avg", 0.3, active=active))
if want("ncut") and groups_sig:
    k = len(groups_sig)
    idx = np.nonzero(active)[0]
    A = np.maximum(L_sig[np.ix_(idx, idx)], 0); A = np.minimum(A, 50.0)
    dg = A.sum(1) + 1e-9
    Lsym = A / np.sqrt(np.outer(dg, dg))
    w, v = np.linalg.eigh(Lsym)
    Y = v[:, -k:]; Y = Y / np.maximum(np.linalg.norm(Y, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(0)
    cen = Y[rng.choice(len(Y), k, replace=False)]
    for _ in range(50):
        asg = ((Y[:, None, :] - cen[None]) ** 2).sum(2).argmin(1)
        for q in range(k):
            if (asg == q).any(): cen[q] = Y[asg == q].mean(0)
    score("ncut", [list(idx[asg == q]) for q in range(k) if (asg == q).sum() >= 2])
# (a) both directions without mixing them in one group: exclusive groups (excl-sum) and positive groups (pos-sum:
# only lift > 2 counts as evidence, exclusivity is neutral, independence vetoes); then either the union of both
# sets of units (a latent may feed two units: not a forest) or a forest: groups taken in order of their
# within-group LLR per member, each latent kept by the first group that takes it, groups left with < 2 dropped
if want("two-sided"):
  for lp in lifts:
    L_po = np.where(lift > lp, L_pos, np.minimum(L_ex, 0)); np.fill_diagonal(L_po, 0)
    lx = "" if len(lifts) == 1 else f" lift>{lp:g}"
    for t in taus:
        ge = linkage(L_ex, "sum", t, L_ex, args.veto, active=active)
        gp = linkage(L_po, "sum", t, L_po, args.veto, active=active)
        score(f"pos-sum tau={t:g}{lx}", gp)
        ev = [(L_ex[np.ix_(g, g)].sum() / 2 / len(g), g) for g in ge] + [(L_po[np.ix_(g, g)].sum() / 2 / len(g), g) for g in gp]
        ev.sort(key=lambda e: -e[0]); taken = np.zeros(M, bool); forest = []
        for _, g in ev:
            g2 = [i for i in g if not taken[i]]
            if len(g2) >= 2:
                forest.append(g2); taken[g2] = True
        sc_ = score(f"two-sided forest tau={t:g}{lx}", forest)
        if t == taus[0] and lp == lifts[0]: best_two = forest
        # union (not a forest): score by hand
        units = np.stack([Ze[:, g].sum(1) for g in ge + gp], 1)
        print(json.dumps(dict(rule=f"two-sided union tau={t:g}{lx}", groups=len(ge) + len(gp),
                              rho_top=round(parent_rho(np.concatenate([Ze[:, :args.top], units], 1), data), 4),
                              rho_all=round(parent_rho(np.concatenate([Ze, units], 1), data), 4))), flush=True)
# (a) nested: collapse the positive groups (latents that co-fire: in B-independent siblings, at a loose budget the
# several latents that carry one child) into units firing as the OR of their members, recount, recalibrate ρ0 over
# the units, and grow exclusive groups of units; the positive groups not taken stay groups of their own
if want("nested") and not args.stream:
    L_p1 = np.where(lift > lifts[0], L_pos, np.minimum(L_ex, 0)); np.fill_diagonal(L_p1, 0)
    gp = linkage(L_p1, "sum", taus[0], L_p1, args.veto, active=active)
    inpos = np.zeros(M, bool)
    for g in gp: inpos[g] = True
    U = gp + [[i] for i in range(M) if not inpos[i]]
    A_ = np.zeros((M, len(U)), np.float32)
    for k, g in enumerate(U): A_[g, k] = 1
    Cu = np.zeros((len(U), len(U)))
    for a0 in range(0, ntr, 50000):
        Fu = ((strong_firing(X[a0:min(ntr, a0 + 50000)]) @ A_) > 0).astype(np.float32)
        Cu += Fu.T @ Fu
    nu = np.diag(Cu).copy(); Eu = np.outer(nu, nu) / N
    with np.errstate(divide="ignore", invalid="ignore"):
        lu = np.where(Eu > 0, Cu / np.maximum(Eu, 1e-12), 1.0)
    bu = (Eu >= 50) & ~np.eye(len(U), dtype=bool)
    r0u = float(np.median(lu[bu])) if bu.any() else 1.0
    Lu = Cu * np.log(eps / r0u) + (r0u - eps) * Eu; np.fill_diagonal(Lu, 0)
    gu = linkage(Lu, "sum", taus[0], Lu, args.veto, cap=4 * args.cap, active=nu >= 5)
    used = np.zeros(len(U), bool); final = []
    for g in gu:
        final.append([i for k in g for i in U[k]]); used[g] = True
    final += [U[k] for k in range(len(gp)) if not used[k]]
    score("nested", final, dict(rho0_units=round(r0u, 4), positive_groups=len(gp)))
ctrl = best_two if want("two-sided") else (best_ex or groups_sig)
if want("random") and ctrl:
    rng = np.random.default_rng(0)
    perm = rng.permutation(np.concatenate(ctrl)); k0 = 0; rc = []
    for g in ctrl:
        rc.append(list(perm[k0:k0 + len(g)])); k0 += len(g)
    score("random", rc)
