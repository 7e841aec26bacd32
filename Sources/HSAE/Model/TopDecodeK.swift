/// A k-sparse top reconstruction (`--top-decode-k`, ModelConfig.topDecodeK; an HSAE variant,
/// docs/DECISIONS.md "A k-sparse top reconstruction"). DESIGN §2's Ẑ1 = ReLU(Q) is dense (~80 %
/// of its entries positive in trained models), which makes M = g Z1 + (1 − g) Ẑ1 and R = Z1 − Ẑ1
/// dense and leaves four b·m1·d GEMMs in phases 2 and 3. With the option:
///
///     Q = Z2 W_dec² + b_dec²      Ẑ1 = ReLU(TopK_kz(Q))     (the kz largest of each row of Q, ties lower index first)
///
/// and the gradient passes straight through on the kept entries, as the bottom layer's top-k:
/// dQ = dẐ1 ⊙ [Ẑ1 > 0] — the mask the dense path already applies (in the mix's backward pass, or
/// `Activation.backward` with the top-only term), so it needs nothing new. With sparse codes (KernelChoice), M and R have at most k1 + kz entries a row and
/// every product of the mix runs over them (`SparseMix`, `sparseMixTerms`).
extension HierarchicalSAE {
    /// Forward, after the top code: Ẑ1 = ReLU(TopK_kz(Z2 W_dec² + b_dec²)) into ws.zhat (Q is
    /// formed in ws.zhat and selected in place) and ws.codeHat; then, when the kernels are
    /// sparse, M and R as sparse rows (ws.sparseMix) with X̂ and T. Returns false when the
    /// caller is to form the dense M, R, X̂ and T itself.
    func topReconstructionSparse(_ ws: Workspace<T>, k kz: Int, gate source: GateSource) -> Bool {
        operand(ws.z2, ws.code2).product(view(.topWDec), into: ws.zhat)
        Activation.apply(.topk, ws.zhat, bias: view(.topBDec).base, into: ws.zhat, code: ws.codeHat, k: kz, scratch: &ws.scratch)
        ws.zhatPositive = ws.codeHat.count   // the code holds exactly Ẑ1's positive entries
        gateValues(source, into: ws.gate)
        guard !topReadsPreActivations, kernels.usesSparse(ws.code1), kernels.usesSparse(ws.code2), kernels.usesSparse(ws.codeHat) else {
            return false
        }
        let mix = ws.sparseMix
        mix.build(code1: ws.code1, codeHat: ws.codeHat, gate: ws.gate.base)
        SparseKernels.decodeMix(mix, view(.bottomWDec), bias: view(.bottomBDec).base, xhat: ws.xhat, t: ws.t)
        return true
    }

    /// `topPathBackward` and the mix's part of `dataTerms` for a sparse mix (ws.sparseMix.active),
    /// given dX̂ = ∂L/∂X̂ in ws.dxhat: the same equations (TopPathBackward.swift) over the mix's
    /// entries. ∂L/∂M and ∂L/∂R are needed only there: ∂L/∂Z1 at Z1's entries (the bottom code's
    /// mask), ∂L/∂Ẑ1 at Ẑ1's (the top-k's), the gate's Σ_rows dM ⊙ R where R ≠ 0. The top decoder's
    /// products pair Z2's entries with the mix's (b·k2·(k1 + kz)). Returns ∂L/∂Z1 at Z1's entries
    /// (the top encoder's part included) when the phase trains the bottom layer, else nil.
    func sparseMixTerms(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, mw: MicrobatchWeights,
                        trainable: Trainable, grads: TensorBuffer<T>?, parts: inout LossParts) -> [T]? {
        let w = T(mw.rowWeight)
        let (b, d, m1, m2) = (ws.b, config.d, config.m1, config.m2)
        let g = grads ?? TensorBuffer<T>(count: 0)
        let trainsBottom = grads != nil && trainable.contains(.bottom), trainsTop = grads != nil && trainable.contains(.top)
        let mix = ws.sparseMix, code = ws.sparseMix.code
        let wDec1 = view(.bottomWDec)
        let dWDec1 = trainsBottom ? layout.view(.bottomWDec, in: g) : nil
        if trainsBottom { Kernels.columnSums(ws.dxhat, into: layout.view(.bottomBDec, in: g).base) }

        // Top path: T = R W_dec¹, dT = 2β_top·wT (in ws.dt).
        var dtGiven = false
        if terms.contains(.topPath) {
            let wTop = w * T(weights[.topPath])
            parts[.topPath] = Double(wTop * Kernels.sumOfSquares(ws.t.count, ws.t.base))
            for i in 0..<(b * d) { ws.dt.base[i] = 2 * wTop * ws.t.base[i] }
            dtGiven = true
        }
        // dM, dR (from T), and the weight gradient Mᵀ dX̂ + Rᵀ dT: one pass over W_dec¹'s rows.
        var (dm, dr) = SparseKernels.mixBackward(mix, wDec1, dxhat: ws.dxhat, dt: dtGiven ? ws.dt : nil, dW: dWDec1)
        var dz2 = [T](repeating: 0, count: ws.code2.count)
        if terms.contains(.mutualInformation), m2 > 0 {
            let miW = T(weights[.mutualInformation]) / T(m1 * m2) * T(mw.miWeight)
            parts[.mutualInformation] = Double(miTerm(ws).evaluateSparseResidual(code: ws.code2, mix: mix, weight: miW,
                                                                                 gradients: grads != nil, dz2: &dz2, dr: &dr))
        }
        if grads == nil {
            if terms.contains(.topOnly) {
                parts[.topOnly] = Double(topOnlyReconstruction(ws, .sparse(ws.codeHat), weight: w * T(weights[.topOnly]), into: ws.dt))
            }
            _ = l1Top(ws, terms: terms, weights: weights, rowWeight: w, dW: nil, parts: &parts)
            return nil
        }

        // The mix and the gate: dẐ1 = (1 − g) dM − dR,  dZ1 = g dM + dR,  dg_j = Σ dM R.
        let gv = ws.gate.base
        let learnsGate = trainable.contains(.gate) && config.gate == .learned
        var dGate = [T](repeating: 0, count: learnsGate ? m1 : 0)
        var dzhat = [T](repeating: 0, count: code.count)
        for e in 0..<code.count {
            let j = Int(code.index[e])
            dzhat[e] = (1 - gv[j]) * dm[e] - dr[e]
            dr[e] = gv[j] * dm[e] + dr[e]
            if learnsGate { dGate[j] += dm[e] * mix.r[e] }
        }
        if learnsGate {
            let dl = layout.view(.gateLogits, in: g)
            for j in 0..<m1 { dl[j] += dGate[j] * gv[j] * (1 - gv[j]) }
        }

        // Top-only reconstruction Y = Ẑ1 W_dec¹ + b_dec − X (in ws.dt, free once T is done).
        if terms.contains(.topOnly) {
            parts[.topOnly] = Double(topOnlyReconstruction(ws, .sparse(ws.codeHat), weight: w * T(weights[.topOnly]), into: ws.dt))
            T.scal(b * d, 2 * w * T(weights[.topOnly]), ws.dt.base)
            if trainsBottom { Kernels.columnSums(ws.dt, into: layout.view(.bottomBDec, in: g).base) }
            let dy = SparseKernels.mixTopOnlyBackward(mix, wDec1, dy: ws.dt, dW: dWDec1)
            for e in 0..<code.count { dzhat[e] += dy[e] }
        }

        // Through Ẑ1 = ReLU(TopK(Q)) (dQ = dẐ1 where Ẑ1 > 0) and the top decoder, pairing Z2's entries with the mix's.
        for e in 0..<code.count where !(mix.zhat[e] > 0) { dzhat[e] = 0 }
        if trainsTop {
            SparseKernels.outerOfCodes(ws.code2, code, values: dzhat, into: layout.view(.topWDec, in: g))
            SparseKernels.columnSums(code, values: dzhat, into: layout.view(.topBDec, in: g).base)
        }
        for (e, v) in SparseKernels.rowDotsOfCodes(ws.code2, code, values: dzhat, view(.topWDec)).enumerated() { dz2[e] += v }
        if let perLatent = l1Top(ws, terms: terms, weights: weights, rowWeight: w, dW: trainsTop ? layout.view(.topWDec, in: g) : nil,
                                 parts: &parts), trainsTop {
            ws.code2.addPerLatent(perLatent, into: &dz2)
        }
        // Through act₂ and the top encoder (Z2 sparse, Z1 sparse).
        if trainsTop {
            SparseKernels.outerOfCodes(ws.code1, ws.code2, values: dz2, into: layout.view(.topWEnc, in: g))
            SparseKernels.columnSums(ws.code2, values: dz2, into: layout.view(.topBEnc, in: g).base)
        }
        guard trainsBottom else { return nil }
        var dz1 = SparseKernels.rowDotsOfCodes(ws.code1, ws.code2, values: dz2, view(.topWEnc))
        for e in 0..<code.count where mix.bottomEntry[e] >= 0 { dz1[Int(mix.bottomEntry[e])] += dr[e] }
        return dz1
    }
}

/// M = g Z1 + (1 − g) Ẑ1 and R = Z1 − Ẑ1 as sparse rows over the union of Z1's and Ẑ1's entries
/// (increasing latent index a row): the code's values are M; `r`, `zhat` and `bottomEntry` (the
/// entry of Z1's code at the same position, or −1) run parallel to them.
public final class SparseMix<T: BLASScalar> {
    public let code: SparseCode<T>
    @exclusivity(unchecked) public private(set) var r: [T] = []
    @exclusivity(unchecked) public private(set) var zhat: [T] = []
    @exclusivity(unchecked) public private(set) var bottomEntry: [Int32] = []
    /// Whether the last forward pass built it (and left the dense M, R, T unwritten).
    @exclusivity(unchecked) public internal(set) var active = false

    init(latents: Int) { code = SparseCode(latents: latents) }

    /// The union of the two codes' rows, M = g z1 + (1 − g) ẑ1 and R = z1 − ẑ1 (the same expressions
    /// as the dense path, with 0 where a code has no entry).
    func build(code1: SparseCode<T>, codeHat: SparseCode<T>, gate g: UnsafePointer<T>) {
        precondition(code1.rows == codeHat.rows && code1.latents == code.latents && codeHat.latents == code.latents,
                     "sparse mix: codes \(code1.rows)×\(code1.latents) and \(codeHat.rows)×\(codeHat.latents), mix of \(code.latents)")
        let rows = code1.rows
        code.reset(reservingPerRow: 0, rows: rows)
        r.removeAll(keepingCapacity: true)
        zhat.removeAll(keepingCapacity: true)
        bottomEntry.removeAll(keepingCapacity: true)
        let n = code1.count + codeHat.count
        r.reserveCapacity(n)
        zhat.reserveCapacity(n)
        bottomEntry.reserveCapacity(n)
        for i in 0..<rows {
            var (a, aEnd) = (code1.start[i], code1.start[i + 1])
            var (h, hEnd) = (codeHat.start[i], codeHat.start[i + 1])
            while a < aEnd || h < hEnd {
                let ja = a < aEnd ? Int(code1.index[a]) : Int.max, jh = h < hEnd ? Int(codeHat.index[h]) : Int.max
                let j = min(ja, jh)
                var (z1, zh): (T, T) = (0, 0)
                if ja == j { z1 = code1.value[a]; bottomEntry.append(Int32(truncatingIfNeeded: a)); a += 1 } else { bottomEntry.append(-1) }
                if jh == j { zh = codeHat.value[h]; h += 1 }
                code.append(j, g[j] * z1 + (1 - g[j]) * zh)
                r.append(z1 - zh)
                zhat.append(zh)
            }
            code.endRow()
        }
        active = true
    }
}

extension SparseKernels {
    /// X̂ = M W + bias and T = R W from a sparse mix, latent by latent (each row of W read once).
    public static func decodeMix<T>(_ mix: SparseMix<T>, _ w: View<T>, bias: UnsafePointer<T>, xhat: View<T>, t: View<T>) {
        let code = mix.code
        precondition(w.rows == code.latents && xhat.rows == code.rows && t.rows == code.rows && xhat.cols == w.cols && t.cols == w.cols,
                     "decode mix: code \(code.rows)×\(code.latents), W \(w.rows)×\(w.cols), X̂ \(xhat.rows)×\(xhat.cols), T \(t.rows)×\(t.cols)")
        let n = w.cols
        for i in 0..<xhat.rows { xhat.row(i).update(from: bias, count: n) }
        t.zero()
        code.forEachEntryByLatent { j, e, i in
            let wj = w.row(j)
            T.axpy(n, code.value[e], wj, xhat.row(i))
            if mix.r[e] != 0 { T.axpy(n, mix.r[e], wj, t.row(i)) }
        }
    }

    /// The mix's backward products with W (m × n), latent by latent:
    ///
    ///     dM_e = dX̂_i · W[j]     dR_e = dT_i · W[j] (0 without dT)     dW[j] += M_e dX̂_i + R_e dT_i
    public static func mixBackward<T>(_ mix: SparseMix<T>, _ w: View<T>, dxhat: View<T>, dt: View<T>?, dW: View<T>?) -> (dm: [T], dr: [T]) {
        let code = mix.code
        precondition(w.rows == code.latents && dxhat.rows == code.rows && dxhat.cols == w.cols && (dt.map { $0.rows == code.rows && $0.cols == w.cols } ?? true)
                     && (dW.map { $0.rows == w.rows && $0.cols == w.cols } ?? true),
                     "mix backward: code \(code.rows)×\(code.latents), W \(w.rows)×\(w.cols), dX̂ \(dxhat.rows)×\(dxhat.cols)")
        let n = w.cols
        var dm = [T](repeating: 0, count: code.count), dr = [T](repeating: 0, count: code.count)
        code.forEachEntryByLatent { j, e, i in
            let wj = w.row(j), gj = dW?.row(j)
            let dx = dxhat.row(i)
            dm[e] = T.dot(n, dx, 1, wj, 1)
            if let gj { T.axpy(n, code.value[e], dx, gj) }
            if let dt {
                let dti = dt.row(i)
                dr[e] = T.dot(n, dti, 1, wj, 1)
                if let gj, mix.r[e] != 0 { T.axpy(n, mix.r[e], dti, gj) }
            }
        }
        return (dm, dr)
    }

    /// The top-only term's products at Ẑ1's entries of the mix: returns dY_i · W[j] there (0
    /// elsewhere) and adds Ẑ1_e dY_i into dW[j], latent by latent.
    public static func mixTopOnlyBackward<T>(_ mix: SparseMix<T>, _ w: View<T>, dy: View<T>, dW: View<T>?) -> [T] {
        let code = mix.code
        precondition(w.rows == code.latents && dy.rows == code.rows && dy.cols == w.cols,
                     "mix top-only backward: code \(code.rows)×\(code.latents), W \(w.rows)×\(w.cols), dY \(dy.rows)×\(dy.cols)")
        let n = w.cols
        var out = [T](repeating: 0, count: code.count)
        code.forEachEntryByLatent { j, e, i in
            guard mix.zhat[e] > 0 else { return }
            let dyi = dy.row(i)
            out[e] = T.dot(n, dyi, 1, w.row(j), 1)
            if let gj = dW?.row(j) { T.axpy(n, mix.zhat[e], dyi, gj) }
        }
        return out
    }
}
