/// The loss terms that depend on parameters only (DESIGN §3), computed once per step on
/// every rank after the gradient reduction (identically, so they are never reduced):
///
///     gate:  L = β_gate · mean_i σ(ℓ_i)                        ∂L/∂ℓ_i = β_gate/m1 · g_i(1 − g_i)
///     orth:  n_j = w_j/‖w_j‖,  C = N Nᵀ,  L = β'·Σ_{j≠k} C_jk²,  β' = β_orth/(m2(m2−1))
///            ∂L/∂N = 4β'(C − diag C) N;  ∂L/∂w_j = (dn_j − n_j (n_j·dn_j)) / ‖w_j‖
extension HierarchicalSAE {
    static var normEpsilon: T { 1e-12 }

    /// Adds the selected parameter-only terms' gradients into `grads`; returns their values
    /// as LossParts (the terms whose `math` is `.parameters`, in `LossTerm.all`'s order).
    ///
    /// `orthRows` restricts the orthogonality term to those top latents (a per-step sample,
    /// `OrthogonalitySample`); nil: all of them, DESIGN's exact term.
    public func parameterTerms(_ terms: LossTerms, weights: LossWeights, trainsGate: Bool, trainsTop: Bool,
                               grads: TensorBuffer<T>?, orthRows: [Int]? = nil) -> LossParts {
        var parts = LossParts()
        var trainable: Trainable = []
        if trainsGate { trainable.insert(.gate) }
        if trainsTop { trainable.insert(.top) }
        let context = ParameterTermContext(trainable: trainable, orthRows: orthRows)
        for term in terms.members {
            guard case .parameters(let math) = term.math else { continue }
            parts[term] = Double(math.evaluate(self, weight: weights[term], context: context, grads: grads))
        }
        return parts
    }

    /// The parameter-only terms of a training step: `trainable` the groups its phase trains; the
    /// orthogonality term's per-step sample of top latents is drawn from `seed` and `step`
    /// (OrthogonalitySample, `sample` latents; 0: all).
    public func parameterTerms(_ terms: LossTerms, weights: LossWeights, trainable: GroupSet, grads: TensorBuffer<T>?,
                               sample: Int, seed: UInt64, step: Int) -> LossParts {
        let orthRows = OrthogonalitySample.rows(latents: config.m2, sample: sample, seed: seed, step: step)
        return parameterTerms(terms, weights: weights, trainsGate: trainable.contains(.gate), trainsTop: trainable.contains(.top),
                              grads: grads, orthRows: orthRows)
    }
}

/// β_gate · mean_i g_i over the bottom latents (a fixed gate: g ≡ 0.5, no gradient).
struct GateTerm: ParameterTerm {
    @_specialize(where T == Float)
    func evaluate<T: BLASScalar>(_ model: HierarchicalSAE<T>, weight: Double, context: ParameterTermContext, grads: TensorBuffer<T>?) -> T {
        let (config, layout) = (model.config, model.layout)
        guard !config.isBaseline else { return 0 }  // no gate without a top layer
        let m1 = config.m1
        let g = layout.view(.gateLogits, in: model.params)
        var sum: T = 0
        let beta = T(weight)
        let dg = grads.map { layout.view(.gateLogits, in: $0) }
        let trainsGate = context.trainable.contains(.gate)
        for i in 0..<m1 {
            let s = config.gate == .fixed ? 0.5 : 1 / (1 + T.exp(-g[i]))
            sum += s
            if trainsGate, config.gate == .learned, let dg { dg[i] += beta / T(m1) * s * (1 - s) }
        }
        return beta * sum / T(m1)
    }
}

/// β_orth times the mean over pairs of the squared cosine between top decoder rows, over the
/// rows S of the context (all of them, or a sample): β' = β_orth/(s(s−1)).
struct OrthogonalityTerm: ParameterTerm {
    @_specialize(where T == Float)
    func evaluate<T: BLASScalar>(_ model: HierarchicalSAE<T>, weight: Double, context: ParameterTermContext, grads: TensorBuffer<T>?) -> T {
        let (m1, m2) = (model.config.m1, model.config.m2)
        let rows = context.orthRows ?? Array(0..<m2)
        guard rows.count > 1 else { return 0 }  // (m2 = 0 without a top layer)
        let s = rows.count
        let w = model.view(.topWDec)
        let n = TensorBuffer<T>(count: s * m1), c = TensorBuffer<T>(count: s * s)
        let N = n.view(rows: s, cols: m1), C = c.view(rows: s, cols: s)
        var norms = [T](repeating: 0, count: s)
        for (j, r) in rows.enumerated() {
            norms[j] = max(T.nrm2(m1, w.row(r)), HierarchicalSAE<T>.normEpsilon)
            for i in 0..<m1 { N[j, i] = w[r, i] / norms[j] }
        }
        Kernels.gemm(N, .none, N, .transposed, C)
        let betaP = T(weight) / T(s * (s - 1))
        var sum: T = 0
        for j in 0..<s { for k in 0..<s where k != j { sum += C[j, k] * C[j, k] } }
        if context.trainable.contains(.top), let grads {
            for j in 0..<s { C[j, j] = 0 }
            let dn = TensorBuffer<T>(count: s * m1)
            let dN = dn.view(rows: s, cols: m1)
            Kernels.gemm(C, .none, N, .none, dN, alpha: 4 * betaP)
            let dw = model.layout.view(.topWDec, in: grads)
            for (j, r) in rows.enumerated() {
                let proj = T.dot(m1, N.row(j), 1, dN.row(j), 1)
                for i in 0..<m1 { dw[r, i] += (dN[j, i] - N[j, i] * proj) / norms[j] }
            }
        }
        return betaP * sum
    }
}
