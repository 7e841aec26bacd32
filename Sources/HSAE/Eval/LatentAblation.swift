/// Streaming zero-ablation effect of every latent of a code on the reconstruction error.
///
/// Legend: r = x − x̂ (B×d residual of the full model), z (B×m) the code, e_i (m×d) the
/// latent's effective decoder direction: how x̂ moves per unit of z_i (bottom.W_dec row for a
/// bottom or baseline latent; ((1 − g) ⊙ W²[j]) · D¹ for a top latent, exact while the ReLU on
/// Ẑ1 keeps its pattern). Setting z_i = 0 moves x̂ by −z_i e_i, so
///
///     ΔSSE_i = Σ_rows ‖r + z_i e_i‖² − ‖r‖² = 2 Σ_rows z_i ⟨r, e_i⟩ + ‖e_i‖² Σ_rows z_i²
///     ΔFVU_i = ΔSSE_i / SST
///
/// State: Σ z_i ⟨r, e_i⟩ and Σ z_i² per latent; ⟨r, e_i⟩ for a batch is one gemm R·Eᵀ.
public final class LatentAblationStats: SumAccumulator {
    @exclusivity(unchecked) public var sums: [Double]  // 2m: Σ z⟨r, e⟩, then Σ z²
    public let directions: Matrix<Double>  // m×d
    let squaredNorms: [Double]  // m

    public init(directions: Matrix<Double>) {
        self.directions = directions
        squaredNorms = directions.rowNorms().map { $0 * $0 }
        sums = [Double](repeating: 0, count: 2 * directions.rows)
    }

    public var m: Int { directions.rows }

    /// Adds a batch: `residual` (B×d) = x − x̂ of the unablated model, `code` (B×m).
    public func add<T: BLASScalar>(residual: Matrix<T>, code: Matrix<T>) {
        precondition(residual.cols == directions.cols && code.cols == m && residual.rows == code.rows,
                     "ablation: residual \(residual.rows)×\(residual.cols), code \(code.rows)×\(code.cols), directions \(m)×\(directions.cols)")
        let inner = Matrix.product(BatchMath.double(residual), .none, directions, .transposed)  // B×m
        for r in 0..<code.rows {
            for i in 0..<m {
                let z = Double(code[r, i])
                guard z != 0 else { continue }
                sums[i] += z * inner[r, i]
                sums[m + i] += z * z
            }
        }
    }

    /// ΔSSE of zeroing each latent.
    public var deltaSSE: [Double] { (0..<m).map { 2 * sums[$0] + squaredNorms[$0] * sums[m + $0] } }

    /// The `count` latents whose ablation raises FVU most, largest first.
    /// - Parameter sst: Σ‖x − x̄‖² over the same rows (`ReconstructionStats.sst`).
    public func strongest(_ count: Int, sst: Double, layer: String) -> [LatentAblation] {
        guard sst > 0 else { return [] }
        let delta = deltaSSE
        return (0..<m).sorted { delta[$0] > delta[$1] || (delta[$0] == delta[$1] && $0 < $1) }
            .prefix(count).map { LatentAblation(layer: layer, latent: $0, deltaFvu: delta[$0] / sst) }
    }
}

/// ΔFVU of zeroing one latent.
public struct LatentAblation: Codable, Equatable, Sendable {
    public var layer: String
    public var latent: Int
    public var deltaFvu: Double
    public init(layer: String, latent: Int, deltaFvu: Double) { self.layer = layer; self.latent = latent; self.deltaFvu = deltaFvu }
}
