"""bench/proto/train.py — issue-28 prototypes: flat top-k, Matryoshka (BatchTopK / top-k, AuxK) and the
Matryoshka-forest HSAE ("mfh"), trained in PyTorch on an `hsae synth` data set, scored with
bench/proto/common.py's metrics (which mirror `hsae eval`). One JSON line per run on stdout (and
appended to --log).

  PY=/work/proto-venv/bin/python
  $PY bench/proto/train.py --data DIR --model flat|mat-btk|mat-topk|mfh --budget 0.6 --seed 0 [mfh flags]

Budget: bottom L0 = round(budget × true directions per row), top L0 = round(budget × true parents),
total = their sum (bench/hierarchy's `times`); flat/Matryoshka/mfh all use the same total.
Training follows `hsae train`: E‖c·x‖² = d, b_dec = data mean, W_dec rows random unit, W_enc = W_decᵀ,
Adam(0.9, 0.999, 1e-8), lr 3e-3, warm-up 1 %, linear decay over the last 20 % (per phase),
global-norm clip 1, unit decoder rows after every step, batch 1024, 1000 steps (1 M tokens),
BatchTopK inference threshold = EMA(0.99) of the batches' smallest kept value, AuxK (k_aux = d/2,
α = 1/32, dead window in tokens), Matryoshka groups [128, 256, 256], loss = mean over prefixes.

mfh (the candidate; see docs/journal/issue-28-prototypes.md for the specification):
  top layer: m2 latents, own encoder reading x, own unit directions V; bottom: m1 latents, D.
  --budget-mode shared|separate   one BatchTopK over [top ∪ bottom] (top = first Matryoshka prefix)
                                  or per-layer top-k budgets (bottom k1, top k2)
  --pool 0|1                      Z2_j = own_j + Σ_{i∈children(j)} w_i z1_i (w ≥ 0 learned)
  --forest cofire|none            forest from co-firing significance (built at phase boundaries and
                                  every --forest-every steps)
  --match-l0 0|1                  a controller on the shared budget so that L0(Z1) + L0(Z2) = total
  --phases P1,P2,P3               steps; phase 2 freezes the bottom (encoder and D)
"""
import argparse, json, math, sys, time
import numpy as np
import torch
torch.set_num_threads(1)
sys.path.insert(0, __import__("os").path.dirname(__file__))
from common import load_data, parent_rho, fvu, edge_f1, pearson_max

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--model", required=True)
ap.add_argument("--budget", type=float, default=0.6)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--steps", type=int, default=1000)
ap.add_argument("--phases", default="500,250,250")
ap.add_argument("--batch", type=int, default=1024)
ap.add_argument("--lr", type=float, default=3e-3)
ap.add_argument("--lr3", type=float, default=0.3, help="phase-3 lr factor")
ap.add_argument("--m1", type=int, default=512)
ap.add_argument("--m2", type=int, default=128)
ap.add_argument("--auxk", type=float, default=1 / 32)
ap.add_argument("--dead-window", type=int, default=1_000_000)
ap.add_argument("--budget-mode", default="shared")
ap.add_argument("--pool", type=int, default=1)
ap.add_argument("--pool-full", type=int, default=0, help="pooled Z2 also in the full reconstruction")
ap.add_argument("--forest", default="cofire", help="cofire | none | oracle (diagnostic: the forest from the TRUE\n"
                "tree via best-cos mapping of the decoder rows; uses ground truth, not a model)")
ap.add_argument("--forest-every", type=int, default=125)
ap.add_argument("--zthr", type=float, default=5.0)
ap.add_argument("--cap", type=int, default=8)
ap.add_argument("--match-l0", type=int, default=1)
ap.add_argument("--gate", type=int, default=0, help="a child may fire only if its parent fires")
ap.add_argument("--orth", type=float, default=0.0, help="children's D_i pushed ⟂ their parent's V_j")
ap.add_argument("--log", default=None)
ap.add_argument("--tag", default="")
ap.add_argument("--stream-count", type=int, default=0, help="baselines: count strong co-firing of the TRAINING code from\n"
                "--count-from (fraction of the steps) on (the first 50 of those steps only estimate each latent's --strong\n"
                "quantile); saved with --save for bench/proto/group-offline.py --stream (no extra pass over the data)")
ap.add_argument("--count-from", type=float, default=0.5)
ap.add_argument("--strong", type=float, default=0.15)
ap.add_argument("--save", default=None, help="write the trained tensors (and eval codes' firing) to this .npz")
args = ap.parse_args()
t0 = time.time()
torch.manual_seed(args.seed); np.random.seed(args.seed)
data = load_data(args.data)
X = data["X"]; first = data["first_eval"]
d = X.shape[1]
tl = data["true_l0"]
k1 = max(1, round(args.budget * tl["directions"])); k2 = max(1, round(args.budget * tl["parents"]))
K = k1 + k2
m1, m2 = args.m1, args.m2
M = m1 + m2
Xtr = torch.from_numpy(X[:first]); Xev = torch.from_numpy(X[first:])
idx = torch.randint(0, first, (4096,), generator=torch.Generator().manual_seed(args.seed))
c = math.sqrt(d / float((Xtr[idx] ** 2).sum(1).mean()))
mean = (Xtr[idx] * c).mean(0)
B = args.batch


def mgroups(total, first):
    """MatryoshkaGroups.default: first, then doubling, the last merged when under half the one before."""
    g = [first]; used = first
    while used < total:
        nx = min(2 * g[-1], total - used); g.append(nx); used += nx
    if len(g) > 2 and g[-1] * 2 < g[-2]:
        last = g.pop(); g[-1] += last
    return g


def unit(w):
    return w / w.norm(dim=1, keepdim=True).clamp_min(1e-12)


def make_layer(m):
    Wd = unit(torch.randn(m, d))
    return dict(W_enc=Wd.t().clone().requires_grad_(), b_enc=torch.zeros(m, requires_grad=True),
                W_dec=Wd.clone().requires_grad_())


def batchtopk(P, k, thr=None):
    """Keep the B·k largest positive entries of the batch (training) or those above thr (inference)."""
    if thr is not None:
        return torch.where(P > thr, P, torch.zeros_like(P)), None
    flat = P.flatten()
    kk = min(int(round(k * P.shape[0])), flat.numel())
    vals, ids = flat.topk(kk)
    keep = torch.zeros_like(flat, dtype=torch.bool); keep[ids] = True
    keep = keep.view_as(P) & (P > 0)
    Z = torch.where(keep, P, torch.zeros_like(P))
    kept = P[keep]
    return Z, (float(kept.detach().min()) if kept.numel() else 0.0)


def topk(P, k):
    v, i = P.topk(k, dim=1)
    Z = torch.zeros_like(P).scatter(1, i, v.clamp_min(0))
    return Z


class Sched:
    def __init__(self, steps, lr):
        self.steps, self.lr = steps, lr
    def __call__(self, s):
        w = max(1, int(0.01 * self.steps)); dcy = int(0.2 * self.steps)
        f = min(1.0, (s + 1) / w)
        if s >= self.steps - dcy:
            f = min(f, (self.steps - s) / dcy)
        return self.lr * f


def aux_loss(Pdead_all, dead_mask, Wdec, err):
    """AuxK: the k_aux largest pre-activations of dead latents (sign kept) reconstruct the residual."""
    nd = int(dead_mask.sum())
    if nd == 0 or args.auxk == 0:
        return torch.zeros(())
    kaux = max(1, d // 2); k = min(kaux, nd)
    Pd = Pdead_all[:, dead_mask]
    v, i = Pd.topk(k, dim=1)
    Za = torch.zeros_like(Pd).scatter(1, i, v)
    Ehat = Za @ Wdec[dead_mask]
    E = (-err).detach()
    return args.auxk * min(nd / kaux, 1.0) * ((Ehat - E) ** 2).sum() / (E ** 2).sum().clamp_min(1e-12)


def batches(steps, seed):
    g = torch.Generator().manual_seed(1000 + seed)
    for s in range(steps):
        yield s, Xtr[torch.randint(0, first, (B,), generator=g)] * c


def result(extra):
    r = dict(model=args.model, tag=args.tag, data=args.data, budget=args.budget, seed=args.seed, k1=k1, k2=k2,
             K=K, secs=round(time.time() - t0, 1), **extra)
    line = json.dumps(r)
    print(line, flush=True)
    if args.log:
        open(args.log, "a").write(line + "\n")


# ------------------------------------------------------------------------------------------------
# Baselines: flat top-k and Matryoshka (BatchTopK or top-k) with AuxK
# ------------------------------------------------------------------------------------------------
if args.model in ("flat", "mat-btk", "mat-topk"):
    L = make_layer(M)
    b_dec = mean.clone().requires_grad_()
    params = [L["W_enc"], L["b_enc"], L["W_dec"], b_dec]
    opt = torch.optim.Adam(params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    sched = Sched(args.steps, args.lr)
    groups = mgroups(M, m2) if args.model.startswith("mat") else [M]
    ends = np.cumsum(groups)
    btk = args.model == "mat-btk"
    thr = 0.0
    since = torch.zeros(M)
    window = max(1, args.dead_window // B)
    s0 = int(args.count_from * args.steps); sC = torch.zeros(M, M); sT = 0; svals = []; sq = None
    for s, x in batches(args.steps, args.seed):
        for gp in opt.param_groups: gp["lr"] = sched(s)
        xc = x - b_dec
        P = xc @ L["W_enc"] + L["b_enc"]
        if btk:
            Z, t = batchtopk(P, K); thr = t if thr == 0 else 0.99 * thr + 0.01 * t
        else:
            Z = topk(P, K)
        loss = 0
        for e in ends:
            xh = Z[:, :e] @ L["W_dec"][:e] + b_dec
            loss = loss + ((xh - x) ** 2).sum(1).mean()
        loss = loss / len(ends)
        fired = (Z > 0).any(0)
        if args.stream_count and s >= s0:
            with torch.no_grad():
                Zd = Z.detach()
                if s < s0 + 50:
                    svals.append(Zd)
                else:
                    if sq is None:
                        A_ = torch.cat(svals); sq = torch.full((M,), 1e-30)
                        for i in range(M):
                            v_ = A_[:, i][A_[:, i] > 0]
                            if v_.numel() >= 10: sq[i] = torch.quantile(v_, args.strong)
                        svals = None
                    Fs = ((Zd >= sq) & (Zd > 0)).float(); sC += Fs.t() @ Fs; sT += Fs.shape[0]
        since = torch.where(fired, torch.zeros_like(since), since + 1)
        dead = since >= window
        loss = loss + aux_loss(P, dead, L["W_dec"], xh - x)
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            L["W_dec"].copy_(unit(L["W_dec"]))
    with torch.no_grad():
        xe = Xev * c
        P = (xe - b_dec) @ L["W_enc"] + L["b_enc"]
        Z = batchtopk(P, K, thr)[0] if btk else topk(P, K)
        xh = Z @ L["W_dec"] + b_dec
        Zn = Z.numpy()
        out = dict(parent_rho=parent_rho(Zn, data), parent_rho_prefix=parent_rho(Zn[:, :m2], data),
                   fvu=fvu(xe.numpy(), xh.numpy()), l0=float((Z > 0).sum(1).float().mean()),
                   dead=float(((Z > 0).sum(0) == 0).float().mean()))
    if args.save:
        np.savez_compressed(args.save, W_enc=L["W_enc"].detach().numpy(), b_enc=L["b_enc"].detach().numpy(),
                            W_dec=L["W_dec"].detach().numpy(), b_dec=b_dec.detach().numpy(), thr=thr, c=c, Z=Zn,
                            **(dict(stream_C=sC.numpy(), stream_T=sT, stream_unique=first) if args.stream_count else {}))
    result(out)
    sys.exit(0)

# ------------------------------------------------------------------------------------------------
# mfh: Matryoshka-forest HSAE
# ------------------------------------------------------------------------------------------------
P1, P2, P3 = [int(v) for v in args.phases.split(",")]
top = make_layer(m2); bot = make_layer(m1)
b_dec = mean.clone().requires_grad_()
w_pool = torch.ones(m1, requires_grad=True)
parent = torch.full((m1,), -1, dtype=torch.long)
bottom_params = [bot["W_enc"], bot["b_enc"], bot["W_dec"], b_dec]
top_params = [top["W_enc"], top["b_enc"], top["W_dec"], w_pool]
allp = bottom_params + top_params
opt = torch.optim.Adam(allp, lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
ksel = float(K)
thr = 0.0
thr_t = thr_b = 0.0
since = torch.zeros(M)
window = max(1, args.dead_window // B)
stats = dict(n=0, Cbb=torch.zeros(m1, m1), Ctb=torch.zeros(m2, m1), nb=torch.zeros(m1), nt=torch.zeros(m2))


def pool_matrix():
    Pm = torch.zeros(m1, m2)
    has = parent >= 0
    if has.any():
        Pm[torch.nonzero(has).squeeze(1), parent[has]] = 1.0
    return Pm


def forward(x, training):
    global thr, thr_t, thr_b
    xc = x - b_dec
    Pt = xc @ top["W_enc"] + top["b_enc"]
    Pb = xc @ bot["W_enc"] + bot["b_enc"]
    if args.budget_mode == "shared":
        P = torch.cat([Pt, Pb], 1)
        if training:
            Z, t = batchtopk(P, ksel); thr = t if thr == 0 else 0.99 * thr + 0.01 * t
        else:
            Z, _ = batchtopk(P, ksel, thr)
        own, Z1 = Z[:, :m2], Z[:, m2:]
    else:
        f = ksel / K
        if training:
            own, t = batchtopk(Pt, k2 * f); thr_t = t if thr_t == 0 else 0.99 * thr_t + 0.01 * t
            Z1, t = batchtopk(Pb, k1 * f); thr_b = t if thr_b == 0 else 0.99 * thr_b + 0.01 * t
        else:
            own, _ = batchtopk(Pt, 0, thr_t); Z1, _ = batchtopk(Pb, 0, thr_b)
        P = torch.cat([Pt, Pb], 1)
    if args.gate and (parent >= 0).any():
        # a child fires only where its parent's own latent or another child fired: gate on own
        pg = torch.where(parent >= 0, parent, torch.zeros_like(parent))
        ok = (own[:, pg] > 0) | (parent < 0)
        Z1 = Z1 * ok
    pooled = Z1 @ (pool_matrix() * w_pool.clamp_min(0)[:, None]) if args.pool else torch.zeros_like(own)
    Z2 = own + pooled
    return P, own, Z1, Z2


def losses(x, own, Z1, Z2):
    V, D = top["W_dec"], bot["W_dec"]
    xt = (Z2 if args.pool else own) @ V + b_dec
    base = (Z2 if args.pool_full else own) @ V + b_dec
    xm = base + Z1[:, :256] @ D[:256]
    xf = base + Z1 @ D
    l = (((xt - x) ** 2).sum(1).mean() + ((xm - x) ** 2).sum(1).mean() + ((xf - x) ** 2).sum(1).mean()) / 3
    if args.orth > 0 and (parent >= 0).any():
        has = parent >= 0
        l = l + args.orth * ((D[has] * V[parent[has]]).sum(1) ** 2).mean()
    return l, xf


def build_forest():
    """Union-find over significant co-firing pairs of bottom latents (|z| > zthr and lift < 0.5 or > 1.5,
    size ≤ cap), then clusters and orphans are hung under top latents by the top's own co-firing."""
    global parent
    n = stats["n"]
    if n == 0:
        return
    pb = stats["nb"] / n; pt = stats["nt"] / n
    E = torch.outer(stats["nb"], stats["nb"]) / n
    var = E * torch.outer(1 - pb, 1 - pb) + 1e-6
    z = (stats["Cbb"] - E) / var.sqrt()
    lift = stats["Cbb"] / E.clamp_min(1e-9)
    sig = (z.abs() > args.zthr) & ((lift < 0.5) | (lift > 1.5)) & (E > 0)
    sig.fill_diagonal_(False)
    sig = torch.triu(sig, 1)
    ii, jj = torch.nonzero(sig, as_tuple=True)
    order = torch.argsort(-z[ii, jj].abs())
    uf = list(range(m1)); size = [1] * m1
    def find(a):
        while uf[a] != a:
            uf[a] = uf[uf[a]]; a = uf[a]
        return a
    for o in order.tolist():
        a, b_ = find(int(ii[o])), find(int(jj[o]))
        if a != b_ and size[a] + size[b_] <= args.cap:
            uf[b_] = a; size[a] += size[b_]
    clusters = {}
    for i in range(m1):
        clusters.setdefault(find(i), []).append(i)
    clusters = [c_ for c_ in clusters.values() if len(c_) >= 2]
    Et = torch.outer(stats["nt"], stats["nb"]) / n
    zt = (stats["Ctb"] - Et) / (Et * torch.outer(1 - pt, 1 - pb) + 1e-6).sqrt()
    liftt = stats["Ctb"] / Et.clamp_min(1e-9)
    zt = torch.where((zt > args.zthr) & (liftt > 1.5), zt, torch.zeros_like(zt))
    prev = parent.clone()
    newp = torch.full((m1,), -1, dtype=torch.long)
    used = set()
    clusters.sort(key=lambda c_: -float(stats["nb"][c_].sum()))
    fresh = []
    for cl in clusters[:m2]:
        sc = zt[:, cl].sum(1).clone()
        for j in range(m2):
            sc[j] += 1e4 * int((prev[cl] == j).sum())
        for j in used:
            sc[j] = -1
        j = int(sc.argmax())
        if sc[j] <= 0:
            # a slot whose own latent fires least
            cand = [q for q in torch.argsort(stats["nt"]).tolist() if q not in used]
            j = cand[0]; fresh.append((j, cl))
        used.add(j); newp[cl] = j
    # orphans: under the top latent they co-fire with most significantly
    for i in range(m1):
        if newp[i] < 0:
            j = int(zt[:, i].argmax())
            if zt[j, i] > 0 and int((newp == j).sum()) < args.cap:
                newp[i] = j
    with torch.no_grad():
        for j, cl in fresh:
            v = unit(bot["W_dec"][cl].sum(0, keepdim=True))[0]
            top["W_dec"][j] = v; top["W_enc"][:, j] = v * 0.1; top["b_enc"][j] = 0
        w_pool[(newp != prev) & (newp >= 0)] = 1.0
    parent = newp


oracle_slot = {}


def build_forest_oracle():
    """Diagnostic upper bound on the forest (uses the ground truth): each bottom latent maps to its best-cos
    true feature (cos >= 0.5); one that maps to child c of root r (or, geometry A, to r itself) hangs under
    r's top slot. Slots (once, then sticky): greedy one-to-one by cos(V_j, g_r), g_r = the true parent
    direction (B: unit mean of its children); a parent whose best free slot has cos < 0.5 gets the free slot
    whose own latent fires least, re-initialised to the unit sum of its mapped bottom latents' D."""
    global parent
    R = data["R"]
    G = torch.from_numpy(data["G"] / np.linalg.norm(data["G"], axis=1, keepdims=True)).float()
    with torch.no_grad():
        cb = unit(bot["W_dec"]) @ G.t()
        best = cb.argmax(1); okb = cb.max(1).values >= 0.5
        cp = torch.from_numpy(data["child_parent"])
        root = torch.full((m1,), -1, dtype=torch.long)
        for i in range(m1):
            f = int(best[i])
            if not okb[i]:
                continue
            if f < R:
                root[i] = f
            elif f < R + len(cp):
                root[i] = int(cp[f - R])
        if not oracle_slot:
            ct = unit(top["W_dec"]) @ G[:R].t()
            pairs = sorted(((float(ct[j, r]), j, r) for j in range(m2) for r in range(R)), reverse=True)
            used = set()
            for cval, j, r in pairs:
                if cval < 0.5:
                    break
                if r in oracle_slot or j in used:
                    continue
                oracle_slot[r] = j; used.add(j)
            free = [q for q in torch.argsort(stats["nt"]).tolist() if q not in used]
            for r in range(R):
                if r in oracle_slot or not bool((root == r).any()) or not free:
                    continue
                j = free.pop(0); oracle_slot[r] = j
                v = unit(bot["W_dec"][root == r].sum(0, keepdim=True))[0]
                top["W_dec"][j] = v; top["W_enc"][:, j] = v * 0.1; top["b_enc"][j] = 0
        newp = torch.full((m1,), -1, dtype=torch.long)
        for i in range(m1):
            r = int(root[i])
            if r >= 0 and r in oracle_slot:
                newp[i] = oracle_slot[r]
        w_pool[(newp != parent) & (newp >= 0)] = 1.0
    parent = newp


def accumulate(own, Z1):
    Fb = (Z1 > 0).float(); Ft = (own > 0).float()
    stats["Cbb"] += Fb.t() @ Fb; stats["Ctb"] += Ft.t() @ Fb
    stats["nb"] += Fb.sum(0); stats["nt"] += Ft.sum(0); stats["n"] += Fb.shape[0]


phase_of = lambda s: 1 if s < P1 else (2 if s < P1 + P2 else 3)
total = P1 + P2 + P3
for s, x in batches(total, args.seed):
    ph = phase_of(s)
    if s == P1 or s == P1 + P2 or (ph >= 2 and (s - P1) % args.forest_every == 0 and s > P1):
        if args.forest == "cofire":
            build_forest()
        elif args.forest == "oracle":
            build_forest_oracle()
    if s == P1 + P2 and args.forest == "cofire":
        pass
    if ph == 1:
        sl = s; sch = Sched(P1, args.lr)
    elif ph == 2:
        sl = s - P1; sch = Sched(P2, args.lr)
    else:
        sl = s - P1 - P2; sch = Sched(P3, args.lr * args.lr3)
    for gp in opt.param_groups: gp["lr"] = sch(sl)
    P, own, Z1, Z2 = forward(x, True)
    loss, xf = losses(x, own, Z1, Z2)
    fired = torch.cat([(own > 0).any(0), (Z1 > 0).any(0)])
    since = torch.where(fired, torch.zeros_like(since), since + 1)
    dead = since >= window
    Wcat = torch.cat([top["W_dec"], bot["W_dec"]])
    loss = loss + aux_loss(P, dead, Wcat, xf - x)
    opt.zero_grad(); loss.backward()
    if ph == 2:
        for p in bottom_params:
            p.grad = None
    if ph == 1:
        w_pool.grad = None
    torch.nn.utils.clip_grad_norm_(allp, 1.0)
    opt.step()
    with torch.no_grad():
        top["W_dec"].copy_(unit(top["W_dec"])); bot["W_dec"].copy_(unit(bot["W_dec"]))
        w_pool.clamp_(min=0)
        if s >= P1 // 2:
            accumulate(own, Z1)
        if ph == 1 and s == P1 - 1:
            pass
        if args.match_l0:
            tot = float((Z1 > 0).sum(1).float().mean() + (Z2 > 0).sum(1).float().mean())
            ksel = float(min(K, max(1.0, ksel * (K / max(tot, 1e-3)) ** 0.3)))

with torch.no_grad():
    xe = Xev * c
    P, own, Z1, Z2 = forward(xe, False)
    _, xf = losses(xe, own, Z1, Z2)
    Z2n, Z1n, ownn = Z2.numpy(), Z1.numpy(), own.numpy()
    edges = [(int(parent[i]), i) for i in range(m1) if parent[i] >= 0]
    ef = edge_f1(top["W_dec"].numpy(), bot["W_dec"].numpy(), edges, data)
    Pm = pool_matrix() * w_pool.clamp_min(0)[:, None]
    out = dict(parent_rho=parent_rho(Z2n, data), parent_rho_own=parent_rho(ownn, data),
               parent_rho_pooled=parent_rho((Z1 @ Pm).numpy(), data), parent_rho_bottom=parent_rho(Z1n, data),
               fvu=fvu(xe.numpy(), xf.numpy()),
               fvu_top=fvu(xe.numpy(), ((Z2 if args.pool else own) @ top["W_dec"] + b_dec).numpy()),
               l0_top=float((Z2 > 0).sum(1).float().mean()), l0_bottom=float((Z1 > 0).sum(1).float().mean()),
               l0_own=float((own > 0).sum(1).float().mean()), ksel=ksel,
               edge_f1=ef["f1"], edge_p=ef["precision"], edge_r=ef["recall"], edges=len(edges),
               parents_used=int(len(set(parent[parent >= 0].tolist()))),
               budget_mode=args.budget_mode, pool=args.pool, forest=args.forest, match_l0=args.match_l0,
               gate=args.gate, orth=args.orth, phases=args.phases)
if args.save:
    np.savez_compressed(args.save, **{k: v.detach().numpy() for k, v in [("top_W_enc", top["W_enc"]), ("top_b_enc", top["b_enc"]),
                        ("V", top["W_dec"]), ("bot_W_enc", bot["W_enc"]), ("bot_b_enc", bot["b_enc"]), ("D", bot["W_dec"]),
                        ("b_dec", b_dec), ("w_pool", w_pool)]}, parent=parent.numpy(), thr=thr, c=c, Z2=Z2n, Z1=Z1n, own=ownn)
result(out)
