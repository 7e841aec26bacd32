/// Which tensor groups a phase trains.
public struct Trainable: OptionSet, Codable, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let bottom = Trainable(rawValue: 1)
    public static let top = Trainable(rawValue: 2)
    public static let gate = Trainable(rawValue: 4)

    public func contains(tensor id: TensorID) -> Bool {
        id.isBottom ? contains(.bottom) : id.isTop ? contains(.top) : contains(.gate)
    }
}

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
    /// Legend: w = rowWeight; derivation in the comments, DESIGN §3 for the terms.
    @discardableResult
    public func dataTerms(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, microbatch mw: MicrobatchWeights,
                          usesTop: Bool, trainable: Trainable, grads: TensorBuffer<T>?) -> LossParts {
        let w = T(mw.rowWeight)
        let (b, d) = (ws.b, config.d)
        let wDec1 = view(.bottomWDec)
        let g = grads
        let trainsBottom = trainable.contains(.bottom) && g != nil
        var parts = LossParts()

        // L_rec = w Σ‖x̂ − x‖²;  ∂/∂X̂ = 2w(X̂ − X).
        for i in 0..<(b * d) { ws.dxhat.base[i] = ws.xhat.base[i] - ws.x.base[i] }
        parts.values[0] = Double(w * Kernels.sumOfSquares(b * d, ws.dxhat.base))
        let recOn = terms.contains(.reconstruction)
        if !recOn { parts.values[0] = 0 }
        T.scal(b * d, recOn ? 2 * w : 0, ws.dxhat.base)
        if let g, trainsBottom {
            Kernels.gemm(ws.mix, .transposed, ws.dxhat, .none, layout.view(.bottomWDec, in: g), beta: 1)
            Kernels.columnSums(ws.dxhat, into: layout.view(.bottomBDec, in: g).base)
        }
        // ∂/∂M = ∂/∂X̂ · W_dec¹ᵀ
        Kernels.gemm(ws.dxhat, .none, wDec1, .transposed, ws.dm)

        if usesTop, !config.isBaseline, let g {
            topPathBackward(ws, terms: terms, weights: weights, mw: mw, trainable: trainable, grads: g, parts: &parts)
        } else if usesTop, !config.isBaseline {
            parts = parts + topPathLosses(ws, terms: terms, weights: weights, mw: mw)
        } else {
            ws.dz1.copy(from: ws.dm)
        }

        // L1 bottom: λ1 w Σ_i z1_i ‖W_dec¹[i]‖ (relu only).
        if terms.contains(.l1Bottom), config.bottom.activation == .relu {
            let train = trainsBottom ? g : nil
            parts.values[2] = Double(decoderWeightedL1(ws.z1, decoder: .bottomWDec, lambda: T(weights.lambda1), rowWeight: w,
                                                       dz: train.map { _ in ws.dz1 }, dW: train.map { layout.view(.bottomWDec, in: $0) }))
        }
        guard let g, trainsBottom else { return parts }
        // Through act₁, the encoder, and the centring by b_dec.
        Activation.backward(ws.dz1, code: ws.z1, into: ws.dp1)
        Kernels.gemm(ws.xc, .transposed, ws.dp1, .none, layout.view(.bottomWEnc, in: g), beta: 1)
        Kernels.columnSums(ws.dp1, into: layout.view(.bottomBEnc, in: g).base)
        Kernels.gemm(ws.dp1, .none, view(.bottomWEnc), .transposed, ws.dxc)
        Kernels.columnSums(ws.dxc, into: layout.view(.bottomBDec, in: g).base, alpha: -1)
        return parts
    }

    /// Top-path and MI losses without gradients (evaluation, finite differences).
    private func topPathLosses(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, mw: MicrobatchWeights) -> LossParts {
        var parts = LossParts()
        let w = T(mw.rowWeight)
        if terms.contains(.topPath) { parts.values[1] = Double(w * T(weights.betaTop) * Kernels.sumOfSquares(ws.t.count, ws.t.base)) }
        if terms.contains(.l1Top), config.top?.activation == .relu {
            parts.values[3] = Double(decoderWeightedL1(ws.z2, decoder: .topWDec, lambda: T(weights.lambda2), rowWeight: w, dz: nil, dW: nil))
        }
        if terms.contains(.mutualInformation), config.m2 > 0 {
            let miW = T(weights.betaMI) / T(config.m1 * config.m2) * T(mw.miWeight)
            parts.values[6] = Double(miTerm(ws).evaluate(z2: ws.z2, r: ws.r, weight: miW, dz2: nil, dr: nil))
        }
        return parts
    }

    func miTerm(_ ws: Workspace<T>) -> MutualInformationTerm<T> {
        if let mi = ws.mi as? MutualInformationTerm<T> { return mi }
        let mi = MutualInformationTerm<T>(rows: ws.b, m1: config.m1, m2: config.m2)
        ws.mi = mi
        return mi
    }
}
