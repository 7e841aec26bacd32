/// BLAS-backed operations on `Matrix`. Shapes are checked with preconditions that print them.
extension Matrix {
    /// C ← α·op(A)·op(B) + β·C.
    public static func gemm(_ a: Matrix, _ ta: Transpose, _ b: Matrix, _ tb: Transpose,
                            into c: inout Matrix, alpha: T = 1, beta: T = 0) {
        let (m, ka) = ta == .none ? (a.rows, a.cols) : (a.cols, a.rows)
        let (kb, n) = tb == .none ? (b.rows, b.cols) : (b.cols, b.rows)
        precondition(ka == kb && c.rows == m && c.cols == n,
                     "gemm shapes: op(A) \(m)×\(ka), op(B) \(kb)×\(n), C \(c.rows)×\(c.cols)")
        guard m > 0, n > 0 else { return }
        if ka == 0 {  // BLAS rejects k = 0 with some lda values; the product is empty.
            if beta == 0 { c.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            else { c.scale(by: beta) }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    T.gemm(ta, tb, m, n, ka, alpha, pa.baseAddress!, max(1, a.cols),
                           pb.baseAddress!, max(1, b.cols), beta, pc.baseAddress!, max(1, n))
                }
            }
        }
    }

    /// op(A)·op(B) as a new matrix.
    public static func product(_ a: Matrix, _ ta: Transpose, _ b: Matrix, _ tb: Transpose) -> Matrix {
        let m = ta == .none ? a.rows : a.cols
        let n = tb == .none ? b.cols : b.rows
        var c = Matrix(rows: m, cols: n)
        gemm(a, ta, b, tb, into: &c)
        return c
    }

    /// C ← α·A·B + β·C.
    public static func gemm(_ a: Matrix, _ b: Matrix, into c: inout Matrix, alpha: T = 1, beta: T = 0) {
        gemm(a, .none, b, .none, into: &c, alpha: alpha, beta: beta)
    }

    /// A·B as a new matrix.
    public static func product(_ a: Matrix, _ b: Matrix) -> Matrix { product(a, .none, b, .none) }

    /// self ← self + α·other (same shape).
    public mutating func add(_ other: Matrix, scaledBy alpha: T = 1) {
        precondition(rows == other.rows && cols == other.cols,
                     "add shapes: \(rows)×\(cols) vs \(other.rows)×\(other.cols)")
        guard count > 0 else { return }
        let n = count
        other.storage.withUnsafeBufferPointer { x in
            storage.withUnsafeMutableBufferPointer { y in T.axpy(n, alpha, x.baseAddress!, y.baseAddress!) }
        }
    }

    /// self ← α·self.
    public mutating func scale(by alpha: T) {
        guard count > 0 else { return }
        let n = count
        storage.withUnsafeMutableBufferPointer { T.scal(n, alpha, $0.baseAddress!) }
    }

    /// Σ_ij self_ij · other_ij (Frobenius inner product).
    public func dot(_ other: Matrix) -> T {
        precondition(rows == other.rows && cols == other.cols,
                     "dot shapes: \(rows)×\(cols) vs \(other.rows)×\(other.cols)")
        guard count > 0 else { return 0 }
        let n = count
        return storage.withUnsafeBufferPointer { x in
            other.storage.withUnsafeBufferPointer { y in T.dot(n, x.baseAddress!, 1, y.baseAddress!, 1) }
        }
    }

    /// Euclidean norm of each row.
    public func rowNorms() -> [T] {
        storage.withUnsafeBufferPointer { p in
            (0..<rows).map { cols == 0 ? 0 : T.nrm2(cols, p.baseAddress! + $0 * cols) }
        }
    }
}
