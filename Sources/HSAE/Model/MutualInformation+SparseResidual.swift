extension MutualInformationTerm {
    /// The term when R is sparse too (a sparse mix, TopDecodeK.swift): Z2's entries are its code's,
    /// R's the mix's. With a_j = 1/s_j, c_c = 1/t_c (t_c from R's column statistics over its
    /// entries, as evaluateSparse does for Z2), S_j = Σ_i Z2_ij, μ_c = mean_i R_ic, and
    /// C = Z2ᵀ R — a sum over pairs of entries in the same row, non-zero at few (j, c):
    ///
    ///     ρ_jc = a_j c_c (C_jc − S_j μ_c)              (evaluateSparse's ρ = diag(a) Z2ᵀ B, B = (R − 1μᵀ) diag(c))
    ///     L = w Σ ρ² = w [Σ_{C≠0} a_j² c_c² C (C − 2 S_j μ_c) + (Σ_j a_j² S_j²)(Σ_c c_c² μ_c²)]
    ///
    /// and likewise for what evaluateSparse's backward sums over ρ's rows and columns (dρ = 2wρ):
    ///
    ///     projA_j = Σ_c dρ_jc²/2w,  projB_c = Σ_j dρ_jc²/2w
    ///     κ_j = Σ_c μ_c c_c dρ_jc     (B_i · dρ_j = Σ_{c: R_ic ≠ 0} R_ic c_c dρ_jc − κ_j)
    ///     v_c = Σ_j μ²_j a_j dρ_jc    (μ²: Z2's column means; dB_ic = Σ_{j: Z2_ij ≠ 0} Z2_ij a_j dρ_jc − v_c)
    ///
    /// — everything from C's non-zeros and the rank-one part, in O(b·k2·(k1 + kz) + m1 + m2)
    /// instead of O(b·k2·m1 + m1·m2). C is accumulated in the ρ buffer at its pairs only, read
    /// back, and those entries zeroed again. ∂L/∂R is returned at the mix's entries only (all the
    /// caller needs: ∂L/∂Z1 at Z1's entries, ∂L/∂Ẑ1 at Ẑ1's). Returns L; with `gradients`, adds
    /// ∂L/∂Z2 at Z2's entries into dz2 and ∂L/∂R at the mix's entries into dr. Equal to `evaluate`
    /// to float tolerance (SparseMixTests).
    func evaluateSparseResidual(code: SparseCode<T>, mix: SparseMix<T>, weight w: T, gradients: Bool, dz2: inout [T], dr: inout [T]) -> T {
        let rcode = mix.code
        precondition(code.rows == rows && code.latents == m2 && rcode.rows == rows && rcode.latents == m1
                     && dz2.count == code.count && dr.count == rcode.count,
                     "sparse-residual MI: code \(code.rows)×\(code.latents), R \(rcode.rows)×\(rcode.latents), term \(rows)×\(m2)×\(m1)")
        let b = T(rows)
        // Column statistics: R's (μ, c = 1/t) and Z2's (mean, a = 1/s; S = b·mean), from their entries.
        let (mu, cInv) = columnStatistics(index: rcode.index, value: mix.r, columns: m1)
        let (mean2, aInv) = columnStatistics(index: code.index, value: code.value, columns: m2)
        let S = (0..<m2).map { mean2[$0] * b }

        // C = Z2ᵀ R at its pairs, in the ρ buffer (zero outside them), then read out in first-visit order.
        let P = rho.base
        if !rhoIsZero { rho.view(rows: m2, cols: m1).zero(); rhoIsZero = true }
        var pairs: [Int] = []
        pairs.reserveCapacity(code.count * max(1, rcode.count / max(1, rows)))
        // Top latent by top latent (Z2's columns), so that the pairs of one latent j touch one row of ρ (m1 values, in cache).
        code.forEachEntryByLatent { j, e2, i in
            let z = code.value[e2]
            for u in rcode.start[i] ..< rcode.start[i + 1] where mix.r[u] != 0 {
                let off = j * m1 + Int(rcode.index[u])
                P[off] += z * mix.r[u]
                pairs.append(off)
            }
        }
        var nzOff: [Int] = [], nzC: [T] = []
        for off in pairs where P[off] != 0 {
            nzOff.append(off)
            nzC.append(P[off])
            P[off] = 0
        }
        // The rank-one part's sums, then the sparse part's per row j and column c of ρ — in Double: the
        // sparse part and the rank-one part nearly cancel in a row or column that the pairs cover.
        let (muD, cD, aD, SD, mean2D) = (mu.map(Double.init), cInv.map(Double.init), aInv.map(Double.init), S.map(Double.init), mean2.map(Double.init))
        var K = 0.0, sA = 0.0, G = 0.0
        for c in 0..<m1 { K += cD[c] * cD[c] * muD[c] * muD[c] }
        for j in 0..<m2 {
            sA += aD[j] * aD[j] * SD[j] * SD[j]
            G += mean2D[j] * aD[j] * aD[j] * SD[j]
        }
        var rowSq = [Double](repeating: 0, count: m2), colSq = [Double](repeating: 0, count: m1)
        var rowMu = [Double](repeating: 0, count: m2), colMean = [Double](repeating: 0, count: m1)
        var sparseSq = 0.0
        for (q, off) in nzOff.enumerated() {
            let (j, c) = off.quotientAndRemainder(dividingBy: m1)
            let C = Double(nzC[q])
            let t = C * (C - 2 * SD[j] * muD[c])
            let (a2, c2) = (aD[j] * aD[j], cD[c] * cD[c])
            sparseSq += a2 * c2 * t
            rowSq[j] += c2 * t
            colSq[c] += a2 * t
            rowMu[j] += muD[c] * c2 * C
            colMean[c] += mean2D[j] * a2 * C
        }
        let loss = w * T(sparseSq + sA * K)
        guard gradients else { return loss }

        let w2 = 2 * Double(w)
        let projA = (0..<m2).map { j in w2 * aD[j] * aD[j] * (rowSq[j] + SD[j] * SD[j] * K) }
        let projB = (0..<m1).map { c in w2 * cD[c] * cD[c] * (colSq[c] + muD[c] * muD[c] * sA) }
        let kappa = (0..<m2).map { j in w2 * aD[j] * (rowMu[j] - SD[j] * K) }
        let v = (0..<m1).map { c in w2 * cD[c] * (colMean[c] - muD[c] * G) }
        for (q, off) in nzOff.enumerated() { P[off] = nzC[q] }
        @inline(__always) func dRho(_ j: Int, _ c: Int) -> Double { w2 * aD[j] * cD[c] * (Double(P[j * m1 + c]) - SD[j] * muD[c]) }
        // ∂L/∂Z2 at Z2's entries and Σ_{j: Z2_ij ≠ 0} Z2_ij a_j dρ_jc at R's, again latent by latent.
        var dBSum = [Double](repeating: 0, count: rcode.count)
        code.forEachEntryByLatent { j, e2, i in
            let za = Double(code.value[e2]) * aD[j]
            var dA = -kappa[j]
            for u in rcode.start[i] ..< rcode.start[i + 1] {
                let c = Int(rcode.index[u])
                let d = dRho(j, c)
                if mix.r[u] != 0 { dA += Double(mix.r[u]) * cD[c] * d }
                dBSum[u] += za * d
            }
            let a = (Double(code.value[e2]) - mean2D[j]) * aD[j]
            dz2[e2] += T((dA - a * projA[j]) * aD[j])
        }
        for u in 0..<rcode.count {
            let c = Int(rcode.index[u])
            let bic = (Double(mix.r[u]) - muD[c]) * cD[c]
            dr[u] += T((dBSum[u] - v[c] - bic * projB[c]) * cD[c])
        }
        for off in nzOff { P[off] = 0 }
        return loss
    }

    /// Each column's mean over the `rows` rows and 1/sqrt(Σ (x − mean)² + ε), for a sparse matrix given by
    /// its entries (column index and value; the other entries are 0): Σ over the entries plus (rows − n) mean².
    private func columnStatistics(index: [Int32], value: [T], columns: Int) -> (mean: [T], inverseScale: [T]) {
        var mean = [T](repeating: 0, count: columns), n = [Int](repeating: 0, count: columns)
        for e in 0..<index.count { mean[Int(index[e])] += value[e]; n[Int(index[e])] += 1 }
        for c in 0..<columns { mean[c] /= T(rows) }
        var ss = (0..<columns).map { c in T(rows - n[c]) * mean[c] * mean[c] }
        for e in 0..<index.count {
            let c = Int(index[e])
            let v = value[e] - mean[c]
            ss[c] += v * v
        }
        return (mean, ss.map { 1 / T.sqrt($0 + Self.epsilon) })
    }
}
