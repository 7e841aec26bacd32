/// A probe's feature matrix kept as its non-zeros (rows in order), with the standardisation
/// X̃ = (X − 1μᵀ) D⁻¹ (D = diag σ) applied through the algebra instead of to the entries.
///
/// An SAE code is sparse (the demo's Z1 + Z2: about 21 of 640 entries a row are non-zero), but its
/// standardised matrix is dense, so the dense objective multiplies n·p·K terms where n·nnz·K carry
/// everything:
///
///     X̃ W + 1bᵀ = X (D⁻¹W) + 1 (b − (D⁻¹W)ᵀμ)ᵀ
///     X̃ᵀ R      = D⁻¹ (Xᵀ R − μ (1ᵀR))
///
/// Both are exact identities; the sums are taken in another order than the dense gemms', so the
/// values agree with the dense path to rounding (EvalProbeTests checks both against each other and
/// the gradient against finite differences).
struct SparseFeatures {
    let rows: Int, cols: Int
    /// Row i's entries are `column[start[i] ..< start[i + 1]]`, `value[…]`.
    let start: [Int]
    let column: [Int]
    let value: [Double]
    let mean: [Double]
    let scale: [Double]

    /// The sparse form pays where a wide code is mostly zeros: below this density, and from this
    /// many columns on (narrow fits — the k-sparse probes — keep the dense gemms).
    static let maxDensity = 0.1
    static let minColumns = 64

    /// Whether `x` is better multiplied through its non-zeros.
    static func pays(_ x: Matrix<Double>) -> Bool {
        guard x.cols >= minColumns, x.count > 0 else { return false }
        let nonZeros = x.storage.reduce(0) { $1 != 0 ? $0 + 1 : $0 }
        return Double(nonZeros) <= maxDensity * Double(x.count)
    }

    init(_ x: Matrix<Double>, mean: [Double], scale: [Double]) {
        precondition(mean.count == x.cols && scale.count == x.cols, "sparse features: \(x.cols) columns, \(mean.count) means")
        var start = [0], column: [Int] = [], value: [Double] = []
        for i in 0..<x.rows {
            for j in 0..<x.cols where x[i, j] != 0 {
                column.append(j)
                value.append(x[i, j])
            }
            start.append(column.count)
        }
        (rows, cols, self.start, self.column, self.value, self.mean, self.scale) = (x.rows, x.cols, start, column, value, mean, scale)
    }

    /// X̃W + 1bᵀ (n×K) for W p×K.
    func logits(_ w: Matrix<Double>, _ b: [Double]) -> Matrix<Double> {
        let K = w.cols
        precondition(w.rows == cols && b.count == K, "sparse logits: W \(w.rows)×\(K) for \(cols) features, \(b.count) biases")
        var scaled = w  // D⁻¹W
        var offset = b  // b − (D⁻¹W)ᵀμ
        for j in 0..<cols {
            let s = 1 / scale[j], m = mean[j]
            for k in 0..<K {
                scaled.storage[j * K + k] *= s
                offset[k] -= m * scaled.storage[j * K + k]
            }
        }
        var out = Matrix<Double>(rows: rows, cols: K)
        scaled.storage.withUnsafeBufferPointer { ws in
            out.storage.withUnsafeMutableBufferPointer { o in
                for i in 0..<rows {
                    let row = o.baseAddress! + i * K
                    for k in 0..<K { row[k] = offset[k] }
                    for e in start[i] ..< start[i + 1] {
                        let v = value[e], source = ws.baseAddress! + column[e] * K
                        for k in 0..<K { row[k] += v * source[k] }
                    }
                }
            }
        }
        return out
    }

    /// alpha · X̃ᵀR + beta · W (p×K), given R (n×K) and its column sums 1ᵀR.
    func transposedProduct(_ r: Matrix<Double>, columnSums: [Double], alpha: Double, beta: Double, plus w: Matrix<Double>) -> Matrix<Double> {
        let K = r.cols
        precondition(r.rows == rows && w.rows == cols && w.cols == K && columnSums.count == K,
                     "sparse product: R \(r.rows)×\(K), W \(w.rows)×\(w.cols) for \(rows)×\(cols) features")
        var sums = Matrix<Double>(rows: cols, cols: K)  // XᵀR
        r.storage.withUnsafeBufferPointer { rs in
            sums.storage.withUnsafeMutableBufferPointer { s in
                for i in 0..<rows {
                    let source = rs.baseAddress! + i * K
                    for e in start[i] ..< start[i + 1] {
                        let v = value[e], target = s.baseAddress! + column[e] * K
                        for k in 0..<K { target[k] += v * source[k] }
                    }
                }
            }
        }
        for j in 0..<cols {
            let s = alpha / scale[j], m = mean[j]
            for k in 0..<K {
                let index = j * K + k
                sums.storage[index] = s * (sums.storage[index] - m * columnSums[k]) + beta * w.storage[index]
            }
        }
        return sums
    }
}
