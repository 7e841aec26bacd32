/// BLAS-backed and vectorised kernels on `View`s, the model's hot path.
/// Legend: b rows (tokens), n columns; shapes in the preconditions' messages.
public enum Kernels {
    /// C ← α·op(A)·op(B) + β·C.
    public static func gemm<T>(_ a: View<T>, _ ta: Transpose, _ b: View<T>, _ tb: Transpose, _ c: View<T>,
                               alpha: T = 1, beta: T = 0) {
        let (m, ka) = ta == .none ? (a.rows, a.cols) : (a.cols, a.rows)
        let (kb, n) = tb == .none ? (b.rows, b.cols) : (b.cols, b.rows)
        precondition(ka == kb && c.rows == m && c.cols == n,
                     "gemm shapes: op(A) \(m)×\(ka), op(B) \(kb)×\(n), C \(c.rows)×\(c.cols)")
        guard m > 0, n > 0 else { return }
        guard ka > 0 else {
            if beta == 0 { c.zero() } else { T.scal(c.count, beta, c.base) }
            return
        }
        T.gemm(ta, tb, m, n, ka, alpha, a.base, max(1, a.cols), b.base, max(1, b.cols), beta, c.base, max(1, c.cols))
    }

    /// Adds the row vector v (length n) to every row of x (b × n).
    public static func addRow<T>(_ x: View<T>, _ v: UnsafePointer<T>, scale: T = 1) {
        for i in 0..<x.rows {
            let r = x.row(i)
            for j in 0..<x.cols { r[j] += scale * v[j] }
        }
    }

    /// out[j] (+)= α·Σ_i x[i, j]: column sums (bias gradients).
    public static func columnSums<T>(_ x: View<T>, into out: UnsafeMutablePointer<T>, alpha: T = 1, accumulate: Bool = true) {
        if !accumulate { out.update(repeating: 0, count: x.cols) }
        for i in 0..<x.rows {
            let r = x.row(i)
            for j in 0..<x.cols { out[j] += alpha * r[j] }
        }
    }

    /// y ← y + α·x over n elements.
    public static func axpy<T: BLASScalar>(_ n: Int, _ alpha: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>) {
        guard n > 0 else { return }
        T.axpy(n, alpha, x, y)
    }

    /// Σ x_i² over n elements.
    public static func sumOfSquares<T: BLASScalar>(_ n: Int, _ x: UnsafePointer<T>) -> T {
        guard n > 0 else { return 0 }
        return T.dot(n, x, 1, x, 1)
    }

    /// The number of entries of x[0..<n] above 0, 16 lanes at a time for Float: a branch per entry
    /// mispredicted on a dense ReLU output and was three fifths of the pass that forms Ẑ1 (`perf`).
    public static func countPositive<T: BLASScalar>(_ n: Int, _ x: UnsafePointer<T>) -> Int {
        var count = 0, j = 0
        if T.self == Float.self {
            let raw = UnsafeRawPointer(x)
            var lanes = SIMD16<Int32>()
            while j + 16 <= n {
                let v = raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
                lanes &+= SIMD16<Int32>().replacing(with: 1, where: v .> SIMD16<Float>())
                j += 16
            }
            count = Int(lanes.wrappedSum())
        }
        while j < n {
            count &+= x[j] > 0 ? 1 : 0
            j += 1
        }
        return count
    }
}
