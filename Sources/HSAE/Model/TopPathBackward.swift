extension HierarchicalSAE {
    /// The values of the terms on the top path (`LossMath.topPath`: top, mi, top_only, l1_top) into
    /// `parts`, and, when `grads` is given, the backward pass through the top layer, the gate and
    /// those terms, given ∂L/∂M in ws.dm (without `grads`, only the values: evaluation and finite
    /// differences take the same path). Leaves ∂L/∂Z1 in ws.dz1 (for the bottom layer) and adds into `grads`:
    ///
    ///     L_top = β w Σ‖T‖², T = R W_dec¹, R = Z1 − Ẑ1   dT = 2βwT,  dR = dT W_dec¹ᵀ (+ MI)
    ///     M = g Z1 + (1 − g) Ẑ1                            dZ1 = g dM + dR,  dẐ1 = (1 − g) dM − dR
    ///                                                       dg_j = Σ_rows dM_ij R_ij,  dℓ = dg ⊙ g(1 − g)
    ///     Ẑ1 = ReLU(Q), Q = Z2 W_dec² + b_dec²              dQ = dẐ1 ⊙ [Q > 0],  dW_dec² = Z2ᵀ dQ,  dZ2 = dQ W_dec²ᵀ
    ///     L1 top = λ2 w Σ z2_j ‖W_dec²[j]‖                  dZ2 += λ2 w ‖W_dec²[j]‖,  dW_dec²[j] += λ2 w Σz2_j n_j
    ///     Z2 = act₂(Z1 W_enc² + b_enc²)                     dP2 = dZ2 ⊙ [Z2 > 0],  dW_enc² = Z1ᵀ dP2,  dZ1 += dP2 W_enc²ᵀ
    ///     L_top_only = β' w Σ‖Y‖², Y = Ẑ1 W_dec¹ + b_dec − X  dY = 2β'wY,  dẐ1 += dY W_dec¹ᵀ,  dW_dec¹ += Ẑ1ᵀ dY,  db_dec += Σ_rows dY
    ///
    /// With `sparseBottom`, the products with Z1 use its sparse rows and the last term
    /// (dZ1 += dP2 W_enc²ᵀ) is returned at Z1's entries only (the caller needs no more). With a
    /// sparse top code, ∂L/∂Z2 is computed at Z2's entries only (dP2 is masked by Z2 > 0), and
    /// the MI term takes its sparse form (MutualInformationTerm.evaluateSparse).
    func topPathBackward(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, mw: MicrobatchWeights,
                         trainable: Trainable, grads: TensorBuffer<T>?, sparseBottom: Bool, parts: inout LossParts) -> [T]? {
        let w = T(mw.rowWeight)
        let (b, d, m1, m2) = (ws.b, config.d, config.m1, config.m2)
        // Without gradients nothing trains and `g` is never viewed (an empty stand-in: a view would trap).
        let g = grads ?? TensorBuffer<T>(count: 0)
        let trainsBottom = grads != nil && trainable.contains(.bottom), trainsTop = grads != nil && trainable.contains(.top)
        let wDec1 = view(.bottomWDec), wDec2 = view(.topWDec)
        let sparseTop = kernels.usesSparse(ws.code2)
        // ∂L/∂Z2 at Z2's entries (sparse top code) or dense in ws.dz2.
        var dz2 = [T](repeating: 0, count: sparseTop ? ws.code2.count : 0)

        // Top path: dT = 2β_top·wT; dR = dT W_dec¹ᵀ, held in dz1 until the mix below.
        if terms.contains(.topPath) {
            let wTop = w * T(weights[.topPath])
            parts[.topPath] = Double(wTop * Kernels.sumOfSquares(ws.t.count, ws.t.base))
            for i in 0..<(b * d) { ws.dt.base[i] = 2 * wTop * ws.t.base[i] }
            if trainsBottom { Kernels.gemm(ws.r, .transposed, ws.dt, .none, layout.view(.bottomWDec, in: g), beta: 1) }
            Kernels.gemm(ws.dt, .none, wDec1, .transposed, ws.dz1)
        } else {
            ws.dz1.zero()
        }
        if !sparseTop { ws.dz2.zero() }
        if terms.contains(.mutualInformation), m2 > 0 {
            let miW = T(weights[.mutualInformation]) / T(m1 * m2) * T(mw.miWeight)
            parts[.mutualInformation] = sparseTop
                ? Double(miTerm(ws).evaluateSparse(code: ws.code2, r: ws.r, weight: miW, dz2: &dz2, dr: ws.dz1))
                : Double(miTerm(ws).evaluate(z2: ws.z2, r: ws.r, weight: miW, dz2: ws.dz2, dr: ws.dz1))
        }

        // The mix and the gate. Without the top-only term nothing else adds into dẐ1, so the same
        // pass applies the ReLU's mask (dQ = dẐ1 ⊙ [Ẑ1 > 0]) and adds b_dec²'s gradient (Σ_rows dQ).
        let gv = ws.gate.base
        let learnsGate = grads != nil && trainable.contains(.gate) && config.gate == .learned
        let masksInMix = !terms.contains(.topOnly)
        let dBDec2 = masksInMix && trainsTop ? layout.view(.topBDec, in: g).base : nil
        var dGate = [T](repeating: 0, count: learnsGate ? m1 : 0)
        for i in 0..<b {
            let (dm, dr, dzh, r, zh) = (ws.dm.row(i), ws.dz1.row(i), ws.dzhat.row(i), ws.r.row(i), ws.zhat.row(i))
            if masksInMix {
                for j in 0..<m1 {
                    let v = (1 - gv[j]) * dm[j] - dr[j]
                    dzh[j] = zh[j] > 0 ? v : 0
                    dr[j] = gv[j] * dm[j] + dr[j]
                }
            } else {
                for j in 0..<m1 {
                    dzh[j] = (1 - gv[j]) * dm[j] - dr[j]
                    dr[j] = gv[j] * dm[j] + dr[j]
                }
            }
            if let dBDec2 { for j in 0..<m1 { dBDec2[j] += dzh[j] } }
            if learnsGate { for j in 0..<m1 { dGate[j] += dm[j] * r[j] } }
        }
        if learnsGate {
            let dl = layout.view(.gateLogits, in: g)
            for j in 0..<m1 { dl[j] += dGate[j] * gv[j] * (1 - gv[j]) }
        }

        // Top-only reconstruction (ws.dt is free once the top path is done).
        if terms.contains(.topOnly) {
            parts[.topOnly] = Double(topOnlyReconstruction(ws, .dense(ws.zhat), weight: w * T(weights[.topOnly]), into: ws.dt))
            T.scal(b * d, 2 * w * T(weights[.topOnly]), ws.dt.base)
            if trainsBottom {
                Kernels.gemm(ws.zhat, .transposed, ws.dt, .none, layout.view(.bottomWDec, in: g), beta: 1)
                Kernels.columnSums(ws.dt, into: layout.view(.bottomBDec, in: g).base)
            }
            Kernels.gemm(ws.dt, .none, wDec1, .transposed, ws.dzhat, beta: 1)
        }

        // Through Ẑ1 = ReLU(Q) and the top decoder (dQ in place of dẐ1).
        if !masksInMix { Activation.backward(ws.dzhat, code: ws.zhat, into: ws.dzhat) }
        if trainsTop {
            if sparseTop {
                SparseKernels.scatterOuter(ws.code2, values: ws.code2.value, ws.dzhat, into: layout.view(.topWDec, in: g))
            } else {
                Kernels.gemm(ws.z2, .transposed, ws.dzhat, .none, layout.view(.topWDec, in: g), beta: 1)
            }
            if !masksInMix { Kernels.columnSums(ws.dzhat, into: layout.view(.topBDec, in: g).base) }
        }
        if sparseTop {
            for (e, v) in SparseKernels.gatherDots(ws.code2, ws.dzhat, wDec2).enumerated() { dz2[e] += v }
        } else {
            Kernels.gemm(ws.dzhat, .none, wDec2, .transposed, ws.dz2, beta: 1)
        }

        if let perLatent = l1Top(ws, terms: terms, weights: weights, rowWeight: w, dW: trainsTop ? layout.view(.topWDec, in: g) : nil,
                                 parts: &parts), trainsTop {
            if sparseTop { ws.code2.addPerLatent(perLatent, into: &dz2) } else { Kernels.addRow(ws.dz2, perLatent) }
        }

        // Through act₂ (dP2 = dZ2 at Z2 > 0) and the top encoder.
        if topReadsPreActivations {
            topEncoderBackwardFromPreActivations(ws, dz2: dz2, sparseTop: sparseTop, trainsTop: trainsTop, grads: g)
            return nil
        }
        let wEnc2 = view(.topWEnc)
        if sparseTop {
            if trainsTop {
                SparseKernels.outerOfCodes(ws.code1, ws.code2, values: dz2, into: layout.view(.topWEnc, in: g))
                SparseKernels.columnSums(ws.code2, values: dz2, into: layout.view(.topBEnc, in: g).base)
            }
            guard trainsBottom else { return nil }
            if sparseBottom { return SparseKernels.rowDotsOfCodes(ws.code1, ws.code2, values: dz2, wEnc2) }
            SparseKernels.scatter(ws.code2, values: dz2, into: ws.dp2)
        } else {
            Activation.backward(ws.dz2, code: ws.z2, into: ws.dp2)
            if trainsTop {
                if sparseBottom {
                    SparseKernels.scatterOuter(ws.code1, values: ws.code1.value, ws.dp2, into: layout.view(.topWEnc, in: g))
                } else {
                    Kernels.gemm(ws.z1, .transposed, ws.dp2, .none, layout.view(.topWEnc, in: g), beta: 1)
                }
                Kernels.columnSums(ws.dp2, into: layout.view(.topBEnc, in: g).base)
            }
            guard trainsBottom else { return nil }
            if sparseBottom { return SparseKernels.gatherDots(ws.code1, ws.dp2, wEnc2) }
        }
        Kernels.gemm(ws.dp2, .none, wEnc2, .transposed, ws.dz1, beta: 1)
        return nil
    }

    /// Y = Ẑ1 W_dec¹ + b_dec − X into `y` (b × d), Ẑ1 given as `zhat` (the dense Ẑ1 of DESIGN §2, or
    /// a k-sparse Ẑ1's rows, TopDecodeK.swift); returns weight · Σ‖Y‖².
    func topOnlyReconstruction(_ ws: Workspace<T>, _ zhat: CodeOperand<T>, weight: T, into y: View<T>) -> T {
        zhat.product(view(.bottomWDec), into: y)
        Kernels.addRow(y, view(.bottomBDec).base)
        for i in 0..<y.count { y.base[i] -= ws.x.base[i] }
        return weight * Kernels.sumOfSquares(y.count, y.base)
    }
}
