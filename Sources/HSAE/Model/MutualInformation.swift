/// The mutual-information proxy between the top code and what it leaves unexplained
/// (DESIGN §3), on one microbatch of b rows:
///
///     Ũ = Z2 − mean_rows(Z2)     s_j = sqrt(Σ_rows Ũ_j² + ε)     A = Ũ / s    (b × m2)
///     Ṽ = R − mean_rows(R)       t_i = sqrt(Σ_rows Ṽ_i² + ε)     B = Ṽ / t    (b × m1)
///     ρ = Aᵀ B  (m2 × m1, Pearson correlations; 0 for a constant column)
///     L = w · Σ ρ²,  w = β_mi / (m1 · m2) / n_microbatches
///
/// Backward: dρ = 2wρ; dA = B dρᵀ; dB = A dρ; through the normalisation
/// dŨ_j = (dA_j − A_j (A_j·dA_j)) / s_j; through the centring dZ2 = dŨ − mean_rows(dŨ).
final class MutualInformationTerm<T: BLASScalar> {
    static var epsilon: T { 1e-6 }
    let a: TensorBuffer<T>, bn: TensorBuffer<T>, rho: TensorBuffer<T>, da: TensorBuffer<T>, db: TensorBuffer<T>
    let rows: Int, m1: Int, m2: Int
    /// Whether `rho` holds zeros (evaluateSparseResidual accumulates in it at a few entries and zeroes them again).
    @exclusivity(unchecked) var rhoIsZero = false

    init(rows: Int, m1: Int, m2: Int) {
        self.rows = rows
        self.m1 = m1
        self.m2 = m2
        a = TensorBuffer(count: rows * m2)
        bn = TensorBuffer(count: rows * m1)
        rho = TensorBuffer(count: m2 * m1)
        da = TensorBuffer(count: rows * m2)
        db = TensorBuffer(count: rows * m1)
    }

    /// Returns L; when `dz2`/`dr` are given, adds ∂L/∂Z2 and ∂L/∂R into them.
    func evaluate(z2: View<T>, r: View<T>, weight w: T, dz2: View<T>?, dr: View<T>?) -> T {
        let A = a.view(rows: rows, cols: m2), B = bn.view(rows: rows, cols: m1)
        let sA = Self.standardise(z2, into: A)
        let sB = Self.standardise(r, into: B)
        let P = rho.view(rows: m2, cols: m1)
        rhoIsZero = false
        Kernels.gemm(A, .transposed, B, .none, P)
        let loss = w * Kernels.sumOfSquares(P.count, P.base)
        guard let dz2, let dr else { return loss }
        // dρ = 2wρ, in place.
        T.scal(P.count, 2 * w, P.base)
        let dA = da.view(rows: rows, cols: m2), dB = db.view(rows: rows, cols: m1)
        Kernels.gemm(B, .none, P, .transposed, dA)
        Kernels.gemm(A, .none, P, .none, dB)
        Self.backStandardise(dA, A, sA, into: dz2)
        Self.backStandardise(dB, B, sB, into: dr)
        return loss
    }

    /// Centres each column of x and divides it by sqrt(Σ² + ε); returns the divisors.
    /// (The per-column sums run through pointers, not array subscripts, so that the loops over a
    /// row vectorise; each column still gets its terms in row order.)
    static func standardise(_ x: View<T>, into out: View<T>) -> [T] {
        let (b, n) = (x.rows, x.cols)
        var mean = [T](repeating: 0, count: n), ss = [T](repeating: 0, count: n)
        mean.withUnsafeMutableBufferPointer { meanBuffer in
            ss.withUnsafeMutableBufferPointer { ssBuffer in
                let (mean, ss) = (meanBuffer.baseAddress!, ssBuffer.baseAddress!)
                Kernels.columnSums(x, into: mean, alpha: 1 / T(b))
                for i in 0..<b {
                    let (src, dst) = (x.row(i), out.row(i))
                    for j in 0..<n {
                        let v = src[j] - mean[j]
                        dst[j] = v
                        ss[j] += v * v
                    }
                }
            }
        }
        let s = ss.map { T.sqrt($0 + epsilon) }
        let inv = s.map { 1 / $0 }
        inv.withUnsafeBufferPointer { inv in
            for i in 0..<b {
                let dst = out.row(i)
                for j in 0..<n { dst[j] *= inv[j] }
            }
        }
        return s
    }

    /// out += centre_rows((dA − A ⊙ colsum(A ⊙ dA)) / s).
    static func backStandardise(_ dA: View<T>, _ A: View<T>, _ s: [T], into out: View<T>) {
        let (b, n) = (A.rows, A.cols)
        var proj = [T](repeating: 0, count: n)
        for i in 0..<b {
            let (ar, dr) = (A.row(i), dA.row(i))
            for j in 0..<n { proj[j] += ar[j] * dr[j] }
        }
        var mean = [T](repeating: 0, count: n)
        for i in 0..<b {
            let (ar, dr) = (A.row(i), dA.row(i))
            for j in 0..<n {
                let v = (dr[j] - ar[j] * proj[j]) / s[j]
                dr[j] = v
                mean[j] += v
            }
        }
        for j in 0..<n { mean[j] /= T(b) }
        for i in 0..<b {
            let (dr, o) = (dA.row(i), out.row(i))
            for j in 0..<n { o[j] += dr[j] - mean[j] }
        }
    }
}
