/// BLAS-backed operations on `Matrix`. A Matrix is the owning, copy-on-write form of a `View`:
/// its products go through the one gemm (`Kernels.gemm`, View+BLAS.swift) on views of its storage.
extension Matrix {
    /// C ← α·op(A)·op(B) + β·C (`Kernels.gemm`: shapes checked there, k = 0 handled there).
    public static func gemm(_ a: Matrix, _ ta: Transpose, _ b: Matrix, _ tb: Transpose,
                            into c: inout Matrix, alpha: T = 1, beta: T = 0) {
        a.withView { va in
            b.withView { vb in
                c.withMutableView { vc in Kernels.gemm(va, ta, vb, tb, vc, alpha: alpha, beta: beta) }
            }
        }
    }

    /// The storage as a View for the duration of `body` (read only: `body` must not write).
    func withView<R>(_ body: (View<T>) -> R) -> R {
        storage.withUnsafeBufferPointer { p in Self.view(p.baseAddress.map { UnsafeMutablePointer(mutating: $0) }, rows, cols, body) }
    }

    /// The storage as a writable View for the duration of `body`.
    mutating func withMutableView<R>(_ body: (View<T>) -> R) -> R {
        let (rows, cols) = (rows, cols)
        return storage.withUnsafeMutableBufferPointer { p in Self.view(p.baseAddress, rows, cols, body) }
    }

    /// An empty array may have no storage; an empty View still needs a base (never read).
    private static func view<R>(_ base: UnsafeMutablePointer<T>?, _ rows: Int, _ cols: Int, _ body: (View<T>) -> R) -> R {
        if let base { return body(View(base: base, rows: rows, cols: cols)) }
        var placeholder: T = 0
        return withUnsafeMutablePointer(to: &placeholder) { body(View(base: $0, rows: rows, cols: cols)) }
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
