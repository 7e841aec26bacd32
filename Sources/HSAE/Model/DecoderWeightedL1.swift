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
}
