extension HierarchicalSAE {
    /// The L1 penalty of DESIGN §3 for one layer's code Z (b × m, as sparse rows) and its
    /// decoder W (m × n):
    ///
    ///     L = λ w Σ_rows Σ_j z_j ‖W[j]‖
    ///     ∂L/∂Z[:, j] = λ w ‖W[j]‖          ∂L/∂W[j] = λ w (Σ_rows z_j) W[j] / ‖W[j]‖
    ///
    /// Returns L and ∂L/∂Z[:, j] per latent (the same for every row; the caller adds it where
    /// it keeps ∂L/∂Z); adds ∂L/∂W into `dW` when given.
    func decoderWeightedL1(code: SparseCode<T>, decoder id: TensorID, lambda: T, rowWeight w: T,
                           dW: View<T>?) -> (value: T, perLatent: [T]) {
        let decoder = view(id)
        let norms = rowNorms(id)
        var colSum = [T](repeating: 0, count: code.latents)
        colSum.withUnsafeMutableBufferPointer { SparseKernels.columnSums(code, values: code.value, into: $0.baseAddress!) }
        if let dW {
            for j in 0..<code.latents where colSum[j] != 0 {
                T.axpy(decoder.cols, lambda * w * colSum[j] / max(norms[j], Self.normEpsilon), decoder.row(j), dW.row(j))
            }
        }
        let value = lambda * w * zip(colSum, norms).reduce(0) { $0 + $1.0 * $1.1 }
        return (value, norms.map { lambda * w * $0 })
    }

    /// The top layer's L1 term, λ2 w Σ z2_j ‖W_dec²[j]‖ (`decoderWeightedL1` over Z2 and W_dec²), where
    /// the top activation takes the adaptive penalty and `terms` has it: its value into `parts`,
    /// ∂L/∂W_dec² into `dW` when given; returns ∂L/∂Z2 per latent, or nil where the term is off. The
    /// dense, sparse and sparse-mix backward passes all take it from here.
    func l1Top(_ ws: Workspace<T>, terms: LossTerms, weights: LossWeights, rowWeight w: T, dW: View<T>?,
               parts: inout LossParts) -> [T]? {
        guard terms.contains(.l1Top), config.top?.activation.traits.penalty == .adaptiveL1 else { return nil }
        let l1 = decoderWeightedL1(code: ws.code2, decoder: .topWDec, lambda: T(weights[.l1Top]), rowWeight: w, dW: dW)
        parts[.l1Top] = Double(l1.value)
        return l1.perLatent
    }
}

extension SparseCode {
    /// values[e] += perLatent[latent of entry e], for every entry (a per-latent gradient, such as an
    /// L1 term's, added where the code keeps ∂L/∂Z at its entries).
    func addPerLatent(_ perLatent: [T], into values: inout [T]) {
        for e in 0..<count { values[e] += perLatent[Int(index[e])] }
    }
}
