extension MutualInformationTerm {
    /// The same term when Z2 is sparse (k2 of m2 active a row), at O(b·k2·m1) instead of
    /// O(b·m2·m1). With A = (Z2 − 1μᵀ)/s and B = standardised R (columns of B sum to 0, and of A):
    ///
    ///     ρ = Aᵀ B = diag(1/s) Z2ᵀ B                          (1ᵀB = 0: the centring of Z2 drops out)
    ///     dA_e = B_i · dρ_j at Z2's entries e = (i, j)        (only they pass the mask Z2 > 0)
    ///     Σ_i A_ij dA_ij = (ρ dρᵀ)_jj,  mean_i dA_ij = 0       (so backStandardise needs no pass over rows)
    ///     dB = A dρ = Z2 diag(1/s) dρ − 1 (μ/s)ᵀ dρ;   Σ_i B_ic dB_ic = (ρᵀ dρ)_cc,  mean_i dB_ic = 0
    ///
    /// Returns L; when `dr` is given, adds ∂L/∂Z2 at Z2's entries into `dz2` (count = code.count)
    /// and ∂L/∂R into `dr`. Equal to `evaluate` to float tolerance (SparseKernelTests).
    func evaluateSparse(code: SparseCode<T>, r: View<T>, weight w: T, dz2: inout [T], dr: View<T>?) -> T {
        precondition(code.rows == rows && code.latents == m2 && r.rows == rows && r.cols == m1,
                     "sparse MI: code \(code.rows)×\(code.latents), R \(r.rows)×\(r.cols), term \(rows)×\(m2)×\(m1)")
        let B = bn.view(rows: rows, cols: m1)
        let t = Self.standardise(r, into: B)
        // Column means and scales of Z2 from its entries: Σ_i (z − μ)² = Σ_entries (z − μ)² + (b − n_j) μ².
        var mean = [T](repeating: 0, count: m2), count = [Int](repeating: 0, count: m2)
        for e in 0..<code.count { mean[Int(code.index[e])] += code.value[e]; count[Int(code.index[e])] += 1 }
        for j in 0..<m2 { mean[j] /= T(rows) }
        var ss = (0..<m2).map { j in T(rows - count[j]) * mean[j] * mean[j] }
        for e in 0..<code.count {
            let j = Int(code.index[e])
            let c = code.value[e] - mean[j]
            ss[j] += c * c
        }
        let s = ss.map { T.sqrt($0 + Self.epsilon) }
        // ρ_j = (1/s_j) Σ_{e in column j} z_e B_i, latent by latent (row j of ρ written once).
        let P = rho.view(rows: m2, cols: m1)
        P.zero()
        rhoIsZero = false
        code.forEachEntryByLatent { j, e, i in T.axpy(m1, code.value[e] / s[j], B.row(i), P.row(j)) }
        let loss = w * Kernels.sumOfSquares(P.count, P.base)
        guard let dr else { return loss }
        T.scal(P.count, 2 * w, P.base)  // dρ = 2wρ, in place
        // Σ_i A_ij dA_ij = (ρ dρᵀ)_jj = Σ_c dρ_jc² / 2w; Σ_i B_ic dB_ic likewise over j.
        let inv2w = w == 0 ? 0 : 1 / (2 * w)
        var projA = [T](repeating: 0, count: m2), projB = [T](repeating: 0, count: m1)
        projB.withUnsafeMutableBufferPointer { projB in   // through a pointer, so that the loop over c vectorises
            for j in 0..<m2 {
                let row = P.row(j)
                projA[j] = T.dot(m1, row, 1, row, 1) * inv2w
                for c in 0..<m1 { projB[c] += row[c] * row[c] * inv2w }
            }
        }
        // ∂L/∂Z2 at the entries: (dA_e − A_e Σ_i A_ij dA_ij) / s_j.
        for i in 0..<rows {
            for e in code.start[i] ..< code.start[i + 1] {
                let j = Int(code.index[e])
                let dA = T.dot(m1, B.row(i), 1, P.row(j), 1)
                let a = (code.value[e] - mean[j]) / s[j]
                dz2[e] += (dA - a * projA[j]) / s[j]
            }
        }
        // dB = Z2 diag(1/s) dρ − 1 vᵀ, v = Σ_j (μ_j/s_j) dρ_j;  ∂L/∂R_ic += (dB_ic − B_ic projB_c) / t_c.
        let dB = db.view(rows: rows, cols: m1)
        var v = [T](repeating: 0, count: m1)
        for j in 0..<m2 where mean[j] != 0 { T.axpy(m1, mean[j] / s[j], P.row(j), &v) }
        v.withUnsafeBufferPointer { v in
            projB.withUnsafeBufferPointer { projB in
                t.withUnsafeBufferPointer { t in
                    for i in 0..<rows {
                        let out = dB.row(i)
                        for c in 0..<m1 { out[c] = -v[c] }
                        for e in code.start[i] ..< code.start[i + 1] {
                            let j = Int(code.index[e])
                            T.axpy(m1, code.value[e] / s[j], P.row(j), out)
                        }
                        let (bRow, dRow) = (B.row(i), dr.row(i))
                        for c in 0..<m1 { dRow[c] += (out[c] - bRow[c] * projB[c]) / t[c] }
                    }
                }
            }
        }
        return loss
    }
}
