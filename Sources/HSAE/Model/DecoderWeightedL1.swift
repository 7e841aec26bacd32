extension HierarchicalSAE {
    /// The L1 penalty of DESIGN §3 for one layer's code Z (b × m) and its decoder W (m × n):
    ///
    ///     L = λ w Σ_rows Σ_j z_j ‖W[j]‖
    ///     ∂L/∂Z[:, j] = λ w ‖W[j]‖          ∂L/∂W[j] = λ w (Σ_rows z_j) W[j] / ‖W[j]‖
    ///
    /// Returns L; adds the gradients into `dz` and `dW` when given.
    func decoderWeightedL1(_ z: View<T>, decoder id: TensorID, lambda: T, rowWeight w: T,
                           dz: View<T>?, dW: View<T>?) -> T {
        let decoder = view(id)
        let norms = rowNorms(id)
        var colSum = [T](repeating: 0, count: z.cols)
        colSum.withUnsafeMutableBufferPointer { Kernels.columnSums(z, into: $0.baseAddress!) }
        if let dz {
            for i in 0..<z.rows {
                let row = dz.row(i)
                for j in 0..<z.cols { row[j] += lambda * w * norms[j] }
            }
        }
        if let dW {
            for j in 0..<z.cols where colSum[j] != 0 {
                T.axpy(decoder.cols, lambda * w * colSum[j] / max(norms[j], Self.normEpsilon), decoder.row(j), dW.row(j))
            }
        }
        return lambda * w * zip(colSum, norms).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
