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

/// What one `dataTerms` call computes: the terms and their weights, the microbatch's place in the
/// global batch, the layers the phase runs, and, with `grads`, the groups whose gradients are wanted.
public struct DataTermRequest<T: BLASScalar> {
    /// The terms to compute (`LossTerms.active`: the kernels test membership, never a weight).
    public var terms: LossTerms
    public var weights: LossWeights
    public var microbatch: MicrobatchWeights
    /// Layers 0 ..< layers ran in the forward pass (ForwardOptions.layers).
    public var layers: Int
    public var trainable: Trainable
    /// Gradients are added here (the model's layout); nil: values only.
    public var grads: TensorBuffer<T>?

    /// Whether the bottom layer's gradients are wanted.
    var trainsBottom: Bool { trainable.contains(.bottom) && grads != nil }
    /// `grads` where the bottom layer trains, else nil: what the bottom layer's terms add into.
    var bottomGrads: TensorBuffer<T>? { trainsBottom ? grads : nil }
    /// w: each row's weight in the global batch's mean.
    var rowWeight: T { T(microbatch.rowWeight) }
}

extension HierarchicalSAE {
    /// The data terms of one microbatch after `forward`, and, when `grads` is given, their
    /// gradients with respect to the `trainable` tensors, added into `grads` (same layout): the
    /// model type's (`SAEArchitecture.dataTerms`). Legend: w = rowWeight; derivation in the
    /// comments, DESIGN §3 for the terms. With a sparse bottom code (KernelChoice) every product
    /// with Z1 or its gradient touches only Z1's active entries: ∂L/∂Z1 is needed only there,
    /// since P1's gradient is masked by Z1 > 0.
    @discardableResult
    public func dataTerms(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, microbatch mw: MicrobatchWeights,
                          layers: Int, trainable: Trainable, grads: TensorBuffer<T>?) -> LossParts {
        architecture.dataTerms(self, ws, DataTermRequest(terms: terms.active(weights), weights: weights, microbatch: mw, layers: layers,
                                                         trainable: trainable, grads: grads))
    }

    /// L_rec = w Σ‖x̂ − x‖² and the terms on the residual (AuxK), then ∂/∂X̂ = 2w(X̂ − X) in ws.dxhat.
    func reconstructionTerm(_ ws: Workspace<T>, _ r: DataTermRequest<T>, parts: inout LossParts) {
        let (w, n, recOn) = (r.rowWeight, ws.b * config.d, r.terms.contains(.reconstruction))
        for i in 0..<n { ws.dxhat.base[i] = ws.xhat.base[i] - ws.x.base[i] }
        parts[.reconstruction] = Double(w * Kernels.sumOfSquares(n, ws.dxhat.base))
        residualTerms(ws, terms: r.terms, weights: r.weights, mw: r.microbatch, grads: r.bottomGrads, parts: &parts)
        if !recOn { parts[.reconstruction] = 0 }
        ws.reconstructionError = parts[.reconstruction]
        T.scal(n, recOn ? 2 * w : 0, ws.dxhat.base)
    }

    /// A single layer's data terms (flat; the HSAE's phase 1): X̂ = Z1 W_dec¹ + b_dec.
    func singleLayerDataTerms(_ ws: Workspace<T>, _ r: DataTermRequest<T>) -> LossParts {
        var parts = LossParts()
        reconstructionTerm(ws, r, parts: &parts)
        if kernels.usesSparse(ws.code1) {
            return layerTermsSparse(ws, terms: r.terms, weights: r.weights, rowWeight: r.rowWeight, grads: r.bottomGrads,
                                    parts: parts)
        }
        // dW_dec¹ += Z1ᵀ dX̂,  db_dec += Σ_rows dX̂,  ∂/∂Z1 = dX̂ W_dec¹ᵀ.
        if let g = r.grads, r.trainsBottom {
            Kernels.gemm(ws.z1, .transposed, ws.dxhat, .none, layout.view(.bottomWDec, in: g), beta: 1)
            Kernels.columnSums(ws.dxhat, into: layout.view(.bottomBDec, in: g).base)
            Kernels.gemm(ws.dxhat, .none, view(.bottomWDec), .transposed, ws.dz1)
        }
        return bottomLayerTerms(ws, r, dzActive: nil, parts: parts)
    }

    /// A Matryoshka layer's data terms: the nested-prefix loss in place of L_rec (Matryoshka.swift).
    /// The whole layer's residual X̂_K − X lands in ws.dxhat, for the residual terms (AuxK, DESIGN §8).
    func matryoshkaDataTerms(_ ws: Workspace<T>, _ r: DataTermRequest<T>, groups: [Int]) -> LossParts {
        var parts = LossParts()
        let rec = matryoshkaReconstruction(ws, groups: groups, rowWeight: r.terms.contains(.reconstruction) ? r.rowWeight : 0,
                                           sparse: kernels.usesSparse(ws.code1), grads: r.bottomGrads, residual: ws.dxhat)
        parts[.reconstruction] = Double(rec.value)
        ws.reconstructionError = Double(rec.full)
        residualTerms(ws, terms: r.terms, weights: r.weights, mw: r.microbatch, grads: r.bottomGrads, parts: &parts)
        return bottomLayerTerms(ws, r, dzActive: rec.active, parts: parts)
    }

    /// The HSAE's data terms (DESIGN §3), both layers run: X̂ = M W_dec¹ + b_dec with the dense or
    /// the sparse mix, the top path's terms; the bottom layer's alone when only it ran (phase 1).
    func hierarchicalDataTerms(_ ws: Workspace<T>, _ r: DataTermRequest<T>) -> LossParts {
        guard r.layers > 1 else { return singleLayerDataTerms(ws, r) }
        var parts = LossParts()
        reconstructionTerm(ws, r, parts: &parts)
        var dzActive: [T]? = nil
        if ws.sparseMix.active {
            // A sparse mix (a k-sparse Ẑ1, TopDecodeK.swift): every product over M's and R's entries.
            dzActive = sparseMixTerms(ws, terms: r.terms, weights: r.weights, mw: r.microbatch, trainable: r.trainable, grads: r.grads,
                                      parts: &parts)
        } else {
            denseMixTerms(ws, r, dzActive: &dzActive, parts: &parts)
        }
        return bottomLayerTerms(ws, r, dzActive: dzActive, topReadsPre: topReadsPreActivations, parts: parts)
    }

    /// The bottom layer's L1 term and, when it trains, the backward pass through act₁ and its
    /// encoder, given ∂L/∂Z1 (dense in ws.dz1, or at Z1's entries in `dzActive`):
    /// dW_enc¹ᵀ += dP1ᵀ Xc,  db_enc¹ += Σ_rows dP1,  dXc = dP1 W_enc¹ᵀ,  db_dec −= Σ_rows dXc
    /// (dP1 = dZ1 at Z1 > 0; with `topReadsPre`, + dP2 W_enc²ᵀ, TopInput.swift).
    func bottomLayerTerms(_ ws: Workspace<T>, _ r: DataTermRequest<T>, dzActive: [T]?, topReadsPre: Bool = false,
                          parts: LossParts) -> LossParts {
        var (parts, dzActive) = (parts, dzActive)
        let trainsBottom = r.trainsBottom
        // L1 bottom: λ1 w Σ_i z1_i ‖W_dec¹[i]‖ (activations with an adaptive L1 penalty).
        if r.terms.contains(.l1Bottom), config.bottom.activation.traits.penalty == .adaptiveL1 {
            let l1 = l1Bottom(ws, weights: r.weights, rowWeight: r.rowWeight, grads: r.bottomGrads)
            parts[.l1Bottom] = Double(l1.value)
            if trainsBottom {
                if dzActive != nil {
                    ws.code1.addPerLatent(l1.perLatent, into: &dzActive!)
                } else {
                    Kernels.addRow(ws.dz1, l1.perLatent)
                }
            }
        }
        guard let g = r.grads, trainsBottom else { return parts }
        let dWEnc = layout.view(.bottomWEnc, in: g), dBEnc = layout.view(.bottomBEnc, in: g).base
        if let dp = dzActive {
            SparseKernels.scatterOuter(ws.code1, values: dp, ws.xc, into: dWEnc)
            SparseKernels.columnSums(ws.code1, values: dp, into: dBEnc)
            SparseKernels.product(ws.code1, values: dp, view(.bottomWEnc), into: ws.dxc)
        } else {
            Activation.backward(ws.dz1, code: ws.z1, into: ws.dp1)
            if topReadsPre { addTopEncoderGradient(ws, into: ws.dp1) }
            Kernels.gemm(ws.dp1, .transposed, ws.xc, .none, dWEnc, beta: 1)
            Kernels.columnSums(ws.dp1, into: dBEnc)
            Kernels.gemm(ws.dp1, .none, view(.bottomWEnc), .none, ws.dxc)
        }
        Kernels.columnSums(ws.dxc, into: layout.view(.bottomBDec, in: g).base, alpha: -1)
        return parts
    }

    /// Terms on the residual X̂ − X in `ws.dxhat`, held constant (AuxK), before dX̂ is scaled.
    func residualTerms(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, mw: MicrobatchWeights,
                               grads g: TensorBuffer<T>?, parts: inout LossParts) {
        for term in terms.members {
            guard case .residual(let math) = term.math else { continue }
            parts[term] = Double(math.evaluate(self, ws, residual: ws.dxhat.base, weight: weights[term], microbatch: mw, grads: g))
        }
    }

    /// The HSAE's `dataTerms` after dX̂ with a dense mix (DESIGN §2's Ẑ1, or a k-sparse Ẑ1 on dense
    /// kernels): X̂ = M W_dec¹ + b_dec: dW_dec¹ += Mᵀ dX̂,  ∂/∂M = dX̂ W_dec¹ᵀ; then the top path
    /// (TopPathBackward.swift).
    private func denseMixTerms(_ ws: Workspace<T>, _ r: DataTermRequest<T>, dzActive: inout [T]?, parts: inout LossParts) {
        let trainsBottom = r.trainsBottom
        if let g = r.grads, trainsBottom {
            Kernels.gemm(ws.mix, .transposed, ws.dxhat, .none, layout.view(.bottomWDec, in: g), beta: 1)
            Kernels.columnSums(ws.dxhat, into: layout.view(.bottomBDec, in: g).base)
        }
        Kernels.gemm(ws.dxhat, .none, view(.bottomWDec), .transposed, ws.dm)
        let fromTopEncoder = topPathBackward(ws, terms: r.terms, weights: r.weights, mw: r.microbatch, trainable: r.trainable, grads: r.grads,
                                             sparseBottom: kernels.usesSparse(ws.code1), parts: &parts)
        if let fromTopEncoder, trainsBottom {
            // dZ1 = (the mix's and top path's part, dense) + dP2 W_enc²ᵀ, at Z1's entries only.
            dzActive = zip(SparseKernels.gather(ws.code1, ws.dz1), fromTopEncoder).map { $0 + $1 }
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
