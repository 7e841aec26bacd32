/// The Matryoshka baseline's nested-prefix reconstruction loss (Bussmann et al., ICML 2025;
/// DESIGN §8). The single layer's latents are cut into groups G_1 … G_K (sizes in
/// `ModelConfig.matryoshkaGroups`); prefix k is G_1 ∪ … ∪ G_k, and each prefix reconstructs x
/// on its own. The loss is the mean over the K prefixes (dictionary_learning's default uniform
/// group weights; SAELens sums them, which only rescales the gradient under Adam):
///
///     X̂_k = Σ_{j ≤ k} Z_{G_j} W_dec[G_j] + b_dec          E_k = X̂_k − X
///     L   = (w / K) Σ_k ‖E_k‖²                              (w = 1/B, as L_rec)
///
/// Backward: with dE_k = (2w/K) E_k and the suffix sums S_j = Σ_{k ≥ j} dE_k (a latent of group j
/// is in every prefix k ≥ j),
///
///     ∂L/∂Z_{G_j} = S_j W_dec[G_j]ᵀ     ∂L/∂W_dec[G_j] = Z_{G_j}ᵀ S_j     ∂L/∂b_dec (decoder side) = Σ_rows S_1
///
/// and the encoder's part follows as for the flat layer. Inference (X̂ = X̂_K) is the flat layer's,
/// so evaluation and export need nothing new. Two forms: over the sparse code's entries (the
/// sparse kernels' form) and with strided GEMMs over each group's columns (dense); both are
/// gradient-checked. Legend: b rows, d input width, m latents, K groups.
extension HierarchicalSAE {
    /// Value of the nested-prefix loss after `forward` (and `full`, w‖E_K‖²: the whole layer's
    /// reconstruction error, the last prefix's term before the mean), with ∂L/∂W_dec¹ and ∂L/∂b_dec (decoder
    /// side) added into `grads` when given. ∂L/∂Z1 is returned at Z1's entries (sparse form,
    /// `active`) or written into `ws.dz1` (dense form, `active == nil`). `residual`, when given (b × d),
    /// receives E_K = X̂ − X, the whole layer's residual, for the residual terms (AuxK).
    func matryoshkaReconstruction(_ ws: Workspace<T>, groups: [Int], rowWeight w: T, sparse: Bool,
                                  grads g: TensorBuffer<T>?, residual: View<T>? = nil) -> (value: T, full: T, active: [T]?) {
        let (b, d, m, K) = (ws.b, config.d, config.m1, groups.count)
        precondition(groups.reduce(0, +) == m, "Matryoshka groups \(groups) do not add up to the layer's \(m) latents")
        let wDec = view(.bottomWDec)
        let e = TensorBuffer<T>(count: K * b * d)  // K × (b × d): E_k, then S_k in place
        let starts = groups.reduce(into: [0]) { $0.append($0.last! + $1) }
        // The group of each latent (sparse form).
        var groupOf = [Int]()
        if sparse {
            groupOf = [Int](repeating: 0, count: m)
            for j in 0..<K { for i in starts[j] ..< starts[j + 1] { groupOf[i] = j } }
        }
        // Each group's contribution Z_{G_j} W_dec[G_j] into slot j.
        if sparse {
            let code = ws.code1
            for r in 0..<b {
                for q in code.start[r] ..< code.start[r + 1] {
                    let i = Int(code.index[q])
                    T.axpy(d, code.value[q], wDec.row(i), e.base + (groupOf[i] * b + r) * d)
                }
            }
        } else {
            for j in 0..<K where groups[j] > 0 {
                T.gemm(.none, .none, b, d, groups[j], 1, ws.z1.base + starts[j], m, wDec.row(starts[j]), d, 0, e.base + j * b * d, d)
            }
        }
        // E_k = −Xc + Σ_{j ≤ k} contribution_j  (Xc = X − b_dec), as running sums.
        for i in 0..<(b * d) { e.base[i] -= ws.xc.base[i] }
        for k in 1..<max(K, 1) {
            let (prev, cur) = (e.base + (k - 1) * b * d, e.base + k * b * d)
            for i in 0..<(b * d) { cur[i] += prev[i] }
        }
        var value: T = 0, last: T = 0
        for k in 0..<K {
            last = Kernels.sumOfSquares(b * d, e.base + k * b * d)
            value += last
        }
        value *= w / T(K)
        let full = w * last
        if let residual { residual.base.update(from: e.base + (K - 1) * b * d, count: b * d) }   // E_K = X̂ − X
        guard g != nil else { return (value, full, nil) }
        // S_j = (2w/K) Σ_{k ≥ j} E_k, suffix sums in place.
        T.scal(K * b * d, 2 * w / T(K), e.base)
        for k in stride(from: K - 2, through: 0, by: -1) {
            let (next, cur) = (e.base + (k + 1) * b * d, e.base + k * b * d)
            for i in 0..<(b * d) { cur[i] += next[i] }
        }
        let s = { (j: Int) in e.view(offset: j * b * d, rows: b, cols: d) }
        if let g { Kernels.columnSums(s(0), into: layout.view(.bottomBDec, in: g).base) }
        let dW = g.map { layout.view(.bottomWDec, in: $0) }
        if sparse {
            let code = ws.code1
            var active = [T](repeating: 0, count: code.count)
            for r in 0..<b {
                for q in code.start[r] ..< code.start[r + 1] {
                    let i = Int(code.index[q])
                    let sRow = s(groupOf[i]).row(r)
                    active[q] = T.dot(d, sRow, 1, wDec.row(i), 1)
                    if let dW { T.axpy(d, code.value[q], sRow, dW.row(i)) }
                }
            }
            return (value, full, active)
        }
        for j in 0..<K where groups[j] > 0 {
            let sj = s(j).base
            T.gemm(.none, .transposed, b, groups[j], d, 1, sj, d, wDec.row(starts[j]), d, 0, ws.dz1.base + starts[j], m)
            if let dW {
                T.gemm(.transposed, .none, groups[j], d, b, 1, ws.z1.base + starts[j], m, sj, d, 1, dW.row(starts[j]), d)
            }
        }
        return (value, full, nil)
    }
}

/// Matryoshka group sizes (DESIGN §8).
public enum MatryoshkaGroups {
    /// The default cut of `total` latents: the first group has `first` latents (the HSAE top
    /// layer's m2), each next group twice the previous one, the last group whatever remains
    /// (merged into the one before when it would be smaller than half of it).
    ///
    ///     total 640, first 128 → [128, 256, 256];  total 2560, first 512 → [512, 1024, 1024]
    public static func `default`(total: Int, first: Int) -> [Int] {
        precondition(total > 0 && first > 0, "Matryoshka groups of \(total) latents, first \(first)")
        guard first < total else { return [total] }
        var groups = [first]
        var used = first
        while used < total {
            let next = min(2 * groups.last!, total - used)
            groups.append(next)
            used += next
        }
        if groups.count > 2, groups.last! * 2 < groups[groups.count - 2] {
            let last = groups.removeLast()
            groups[groups.count - 1] += last
        }
        return groups
    }

    /// The prefix ends of `groups` (each group's end but the last's): [128, 256, 256] → [128, 384].
    public static func boundaries(_ groups: [Int]) -> [Int] {
        var ends: [Int] = [], sum = 0
        for size in groups.dropLast() { sum += size; ends.append(sum) }
        return ends
    }
}
