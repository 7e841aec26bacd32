/// One-pass Pearson correlation between the columns of two codes, without storing codes.
///
/// Legend: n rows, A (n×p) and B (n×q) seen batch by batch (e.g. A = Z2, B = Z1).
///
///     state: n, Σa (p), Σb (q), Σa² (p), Σb² (q), ΣaᵀB (p×q, one gemm per batch)
///     cov(a_j, b_i) = Σa_j b_i / n − (Σa_j / n)(Σb_i / n)
///     ρ(a_j, b_i)   = (n Σa_j b_i − Σa_j Σb_i) / √((n Σa_j² − (Σa_j)²)(n Σb_i² − (Σb_i)²))
///
/// ρ is 0 where either column is constant. Fed with 0/1 firing indicators (`Firing.indicators`)
/// the same state is a co-occurrence table: Σa = firing counts, ΣaᵀB = joint firing counts,
/// from which `CorrelationAccumulator+Firing` derives conditional probabilities and mutual
/// information. Products are formed in Double so that small correlations of sparse codes
/// survive the subtraction.
public final class CorrelationAccumulator: SumAccumulator {
    @exclusivity(unchecked) public var sums: [Double]  // 1 + 2p + 2q + p·q: see `offsets`
    public let p: Int
    public let q: Int

    var sumA: Int { 1 }
    var sumB: Int { 1 + p }
    var squaresA: Int { 1 + p + q }
    var squaresB: Int { 1 + 2 * p + q }
    var cross: Int { 1 + 2 * p + 2 * q }

    public init(p: Int, q: Int) {
        self.p = p
        self.q = q
        sums = [Double](repeating: 0, count: 1 + 2 * p + 2 * q + p * q)
    }

    /// Adds a batch: rows of `a` (B×p) and `b` (B×q) are the same tokens.
    public func add<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>) {
        precondition(a.rows == b.rows && a.cols == p && b.cols == q,
                     "correlation: A \(a.rows)×\(a.cols), B \(b.rows)×\(b.cols), expected B×\(p) and B×\(q)")
        let ad = BatchMath.double(a), bd = BatchMath.double(b)
        sums[0] += Double(a.rows)
        BatchMath.accumulate(BatchMath.columnSums(ad), into: &sums, at: sumA)
        BatchMath.accumulate(BatchMath.columnSums(bd), into: &sums, at: sumB)
        BatchMath.accumulate(Self.columnSquares(ad), into: &sums, at: squaresA)
        BatchMath.accumulate(Self.columnSquares(bd), into: &sums, at: squaresB)
        let product = Matrix.product(ad, .transposed, bd, .none)  // p×q
        BatchMath.accumulate(product.storage, into: &sums, at: cross)
    }

    static func columnSquares(_ a: Matrix<Double>) -> [Double] {
        var out = [Double](repeating: 0, count: a.cols)
        for r in 0..<a.rows { for j in 0..<a.cols { let v = a.storage[r * a.cols + j]; out[j] += v * v } }
        return out
    }

    public var rows: Double { sums[0] }
    /// Σ over rows of each column of A (firing counts for indicators).
    public var columnSumsA: [Double] { Array(sums[sumA ..< sumA + p]) }
    public var columnSumsB: [Double] { Array(sums[sumB ..< sumB + q]) }
    /// Σ_rows a_j b_i, p×q (joint firing counts for indicators).
    public var crossSums: Matrix<Double> { Matrix(rows: p, cols: q, storage: Array(sums[cross ..< cross + p * q])) }

    /// ρ(a_j, b_i) for every pair, p×q; 0 where a column is constant.
    public func pearson() -> Matrix<Double> {
        let n = rows
        var r = Matrix<Double>(rows: p, cols: q)
        guard n > 0 else { return r }
        let spreadA = (0..<p).map { j in n * sums[squaresA + j] - sums[sumA + j] * sums[sumA + j] }
        let spreadB = (0..<q).map { i in n * sums[squaresB + i] - sums[sumB + i] * sums[sumB + i] }
        for j in 0..<p where spreadA[j] > 0 {
            for i in 0..<q where spreadB[i] > 0 {
                let covariance = n * sums[cross + j * q + i] - sums[sumA + j] * sums[sumB + i]
                r[j, i] = max(-1, min(1, covariance / (spreadA[j] * spreadB[i]).squareRoot()))
            }
        }
        return r
    }
}

/// Firing indicators of a code.
public enum Firing {
    /// 1 where z > 0, else 0 (same shape).
    public static func indicators<T: BLASScalar>(_ code: Matrix<T>) -> Matrix<Double> {
        Matrix(rows: code.rows, cols: code.cols, storage: code.storage.map { $0 > 0 ? 1 : 0 })
    }
}
