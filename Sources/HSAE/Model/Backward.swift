/// How one microbatch's terms are weighted inside the global batch: data terms are means
/// over the B rows of the global batch (rowWeight = 1/B); the MI term is a mean over the
/// n microbatches (miWeight = 1/n).
public struct MicrobatchWeights: Sendable {
    public var rowWeight: Double
    public var miWeight: Double
    public init(rowWeight: Double, miWeight: Double) {
        self.rowWeight = rowWeight
        self.miWeight = miWeight
    }
}

extension HierarchicalSAE {
    /// The data terms of one microbatch after `forward`, and, when `grads` is given, their
    /// gradients with respect to the `trainable` tensors, added into `grads` (same layout).
    /// Legend: w = rowWeight; derivation in the comments, DESIGN §3 for the terms. With a
    /// sparse bottom code (KernelChoice) every product with Z1 or its gradient touches only
    /// Z1's active entries: ∂L/∂Z1 is needed only there, since P1's gradient is masked by Z1 > 0.
    @discardableResult
    public func dataTerms(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, microbatch mw: MicrobatchWeights,
                          layers: Int, trainable: Trainable, grads: TensorBuffer<T>?) -> LossParts {
        let w = T(mw.rowWeight)
        let (b, d) = (ws.b, config.d)
        let g = grads
        let trainsBottom = trainable.contains(.bottom) && g != nil
        let hasTop = layers > 1 && !config.isBaseline
        let sparse1 = kernels.usesSparse(ws.code1)
        var parts = LossParts()

        let recOn = terms.contains(.reconstruction)
        // ∂L/∂Z1: dense in ws.dz1, or (sparse bottom code under a top layer, or a Matryoshka layer) at Z1's entries only in dzActive.
        var dzActive: [T]? = nil
        if !hasTop, let groups = config.matryoshkaGroups {
            // The nested-prefix loss in place of L_rec (Matryoshka.swift); the encoder's part follows below.
            // The whole layer's residual X̂_K − X lands in ws.dxhat, for the residual terms (AuxK, DESIGN §8).
            let rec = matryoshkaReconstruction(ws, groups: groups, rowWeight: recOn ? w : 0, sparse: sparse1, grads: trainsBottom ? g : nil,
                                               residual: ws.dxhat)
            parts[.reconstruction] = Double(rec.value)
            ws.reconstructionError = Double(rec.full)
            dzActive = rec.active
            residualTerms(ws, terms: terms, weights: weights, mw: mw, grads: trainsBottom ? g : nil, parts: &parts)
        } else {
            // L_rec = w Σ‖x̂ − x‖²;  ∂/∂X̂ = 2w(X̂ − X).
            for i in 0..<(b * d) { ws.dxhat.base[i] = ws.xhat.base[i] - ws.x.base[i] }
            parts[.reconstruction] = Double(w * Kernels.sumOfSquares(b * d, ws.dxhat.base))
            residualTerms(ws, terms: terms, weights: weights, mw: mw, grads: trainsBottom ? g : nil, parts: &parts)
            if !recOn { parts[.reconstruction] = 0 }
            ws.reconstructionError = parts[.reconstruction]
            T.scal(b * d, recOn ? 2 * w : 0, ws.dxhat.base)
            if !hasTop, sparse1 {
                return layerTermsSparse(ws, terms: terms, weights: weights, rowWeight: w, grads: trainsBottom ? g : nil, parts: parts)
            }
            if hasTop, ws.sparseMix.active {
                // A sparse mix (a k-sparse Ẑ1, TopDecodeK.swift): every product over M's and R's entries.
                dzActive = sparseMixTerms(ws, terms: terms, weights: weights, mw: mw, trainable: trainable, grads: g, parts: &parts)
            } else {
                denseMixTerms(ws, terms: terms, weights: weights, mw: mw, hasTop: hasTop, trainable: trainable, grads: g,
                              sparseBottom: sparse1, dzActive: &dzActive, parts: &parts)
            }
        }

        // L1 bottom: λ1 w Σ_i z1_i ‖W_dec¹[i]‖ (activations with an adaptive L1 penalty).
        if terms.contains(.l1Bottom), config.bottom.activation.traits.penalty == .adaptiveL1 {
            let l1 = l1Bottom(ws, weights: weights, rowWeight: w, grads: trainsBottom ? g : nil)
            parts[.l1Bottom] = Double(l1.value)
            if trainsBottom {
                if dzActive != nil {
                    for e in 0..<ws.code1.count { dzActive![e] += l1.perLatent[Int(ws.code1.index[e])] }
                } else {
                    Kernels.addRow(ws.dz1, l1.perLatent)
                }
            }
        }
        guard let g, trainsBottom else { return parts }
        // Through act₁ (dP1 = dZ1 at Z1 > 0), the encoder (held transposed), and the centring by b_dec:
        // dW_enc¹ᵀ += dP1ᵀ Xc,  db_enc¹ += Σ_rows dP1,  dXc = dP1 W_enc¹ᵀ,  db_dec −= Σ_rows dXc.
        let dWEnc = layout.view(.bottomWEnc, in: g), dBEnc = layout.view(.bottomBEnc, in: g).base
        if let dp = dzActive {
            SparseKernels.scatterOuter(ws.code1, values: dp, ws.xc, into: dWEnc)
            SparseKernels.columnSums(ws.code1, values: dp, into: dBEnc)
            SparseKernels.product(ws.code1, values: dp, view(.bottomWEnc), into: ws.dxc)
        } else {
            Activation.backward(ws.dz1, code: ws.z1, into: ws.dp1)
            if hasTop, topReadsPreActivations { addTopEncoderGradient(ws, into: ws.dp1) }
            Kernels.gemm(ws.dp1, .transposed, ws.xc, .none, dWEnc, beta: 1)
            Kernels.columnSums(ws.dp1, into: dBEnc)
            Kernels.gemm(ws.dp1, .none, view(.bottomWEnc), .none, ws.dxc)
        }
        Kernels.columnSums(ws.dxc, into: layout.view(.bottomBDec, in: g).base, alpha: -1)
        return parts
    }

    /// Terms on the residual X̂ − X in `ws.dxhat`, held constant (AuxK), before dX̂ is scaled.
    private func residualTerms(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, mw: MicrobatchWeights,
                               grads g: TensorBuffer<T>?, parts: inout LossParts) {
        for term in terms.members {
            guard case .residual(let math) = term.math else { continue }
            parts[term] = Double(math.evaluate(self, ws, residual: ws.dxhat.base, weight: weights[term], microbatch: mw, grads: g))
        }
    }

    /// `dataTerms` after dX̂ with a dense mix (DESIGN §2's Ẑ1, or a k-sparse Ẑ1 on dense kernels), or
    /// without the top layer: X̂ = M W_dec¹ + b_dec (M = Z1 without the top layer):
    /// dW_dec¹ += Mᵀ dX̂,  ∂/∂M = dX̂ W_dec¹ᵀ; then the top path (TopPathBackward.swift).
    private func denseMixTerms(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, mw: MicrobatchWeights, hasTop: Bool,
                               trainable: Trainable, grads g: TensorBuffer<T>?, sparseBottom sparse1: Bool, dzActive: inout [T]?,
                               parts: inout LossParts) {
        let trainsBottom = trainable.contains(.bottom) && g != nil
        let wDec1 = view(.bottomWDec)
        if let g, trainsBottom {
            Kernels.gemm(hasTop ? ws.mix : ws.z1, .transposed, ws.dxhat, .none, layout.view(.bottomWDec, in: g), beta: 1)
            Kernels.columnSums(ws.dxhat, into: layout.view(.bottomBDec, in: g).base)
        }
        if hasTop {
            Kernels.gemm(ws.dxhat, .none, wDec1, .transposed, ws.dm)
            let fromTopEncoder = topPathBackward(ws, terms: terms, weights: weights, mw: mw, trainable: trainable, grads: g,
                                                 sparseBottom: sparse1, parts: &parts)
            if let fromTopEncoder, trainsBottom {
                // dZ1 = (the mix's and top path's part, dense) + dP2 W_enc²ᵀ, at Z1's entries only.
                dzActive = zip(SparseKernels.gather(ws.code1, ws.dz1), fromTopEncoder).map { $0 + $1 }
            }
        } else if trainsBottom {
            Kernels.gemm(ws.dxhat, .none, wDec1, .transposed, ws.dz1)
        }
    }

    /// The bottom layer's L1 term (value, ∂L/∂z per latent; ∂L/∂W_dec¹ added when training).
    private func l1Bottom(_ ws: Workspace<T>, weights: LossWeights, rowWeight w: T, grads: TensorBuffer<T>?) -> (value: T, perLatent: [T]) {
        decoderWeightedL1(code: ws.code1, decoder: .bottomWDec, lambda: T(weights[.l1Bottom]), rowWeight: w,
                          dW: grads.map { layout.view(.bottomWDec, in: $0) })
    }

    /// The rest of `dataTerms` for a layer alone (phase 1, baseline) with a sparse code, once dX̂
    /// is known: one latent-ordered pass (SparseKernels.layerBackward) for every gradient.
    private func layerTermsSparse(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, rowWeight w: T,
                                  grads g: TensorBuffer<T>?, parts: LossParts) -> LossParts {
        var parts = parts
        var penalty: [T]? = nil
        if terms.contains(.l1Bottom), config.bottom.activation.traits.penalty == .adaptiveL1 {
            let l1 = l1Bottom(ws, weights: weights, rowWeight: w, grads: g)
            parts[.l1Bottom] = Double(l1.value)
            penalty = l1.perLatent
        }
        guard let g else { return parts }
        let dBDec = layout.view(.bottomBDec, in: g).base
        Kernels.columnSums(ws.dxhat, into: dBDec)
        let dxcSum = SparseKernels.layerBackward(ws.code1, dxhat: ws.dxhat, xc: ws.xc, wDec: view(.bottomWDec), wEncT: view(.bottomWEnc),
                                                 l1: penalty, dWDec: layout.view(.bottomWDec, in: g), dWEncT: layout.view(.bottomWEnc, in: g),
                                                 dBEnc: layout.view(.bottomBEnc, in: g).base)
        for j in 0..<config.d { dBDec[j] -= dxcSum[j] }
        return parts
    }

    func miTerm(_ ws: Workspace<T>) -> MutualInformationTerm<T> {
        if let mi = ws.mi as? MutualInformationTerm<T> { return mi }
        let mi = MutualInformationTerm<T>(rows: ws.b, m1: config.m1, m2: config.m2)
        ws.mi = mi
        return mi
    }
}
