import CKernels
import COpenBLAS
import Foundation

/// Whether a matrix operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// A floating-point type with OpenBLAS kernels. Model code is written once, generic over
/// this protocol: Float for training, Double for the finite-difference gradient checks.
/// All matrices are row-major; leading dimensions are row strides.
public protocol BLASScalar: BinaryFloatingPoint, Codable, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// C ← α·op(A)·op(B) + β·C, with op(A) m×k, op(B) k×n, C m×n. (cblas_?gemm)
    static func gemm(_ ta: Transpose, _ tb: Transpose, _ m: Int, _ n: Int, _ k: Int,
                     _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int,
                     _ b: UnsafePointer<Self>, _ ldb: Int,
                     _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    /// y ← α·x + y over n elements. (cblas_?axpy)
    static func axpy(_ n: Int, _ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>)
    /// x ← α·x over n elements. (cblas_?scal)
    static func scal(_ n: Int, _ alpha: Self, _ x: UnsafeMutablePointer<Self>)
    /// Σ x_i·y_i over n elements with strides. (cblas_?dot)
    static func dot(_ n: Int, _ x: UnsafePointer<Self>, _ incx: Int, _ y: UnsafePointer<Self>, _ incy: Int) -> Self
    /// ‖x‖₂ over n elements. (cblas_?nrm2)
    static func nrm2(_ n: Int, _ x: UnsafePointer<Self>) -> Self

    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self

    /// One row of a top-k or threshold selection in a vector kernel (hsae_keep_row_f32: Float);
    /// nil where there is none (Double), and the caller runs its own loop.
    static func keepRowKernel(_ p: UnsafePointer<Self>, bias c: UnsafePointer<Self>?, count m: Int, tau: Self, ties: inout Int,
                              into z: UnsafeMutablePointer<Self>, index: UnsafeMutablePointer<Int32>,
                              value: UnsafeMutablePointer<Self>) -> Int?
    /// The top-k prefilter over one row in a vector kernel (hsae_prefilter_row_f32: Float): the
    /// candidates' count, or −1 for a row with a NaN; nil where there is no kernel (Double).
    static func prefilterRowKernel(_ x: UnsafePointer<Self>, bias c: UnsafePointer<Self>?, count n: Int, keep: Int,
                                   into candidates: UnsafeMutablePointer<Self>) -> Int?
    /// The keep-th largest of a[0..<n] and its ties by counting (hsae_select_f32: Float, with the
    /// AVX-512 bodies); nil otherwise, and the caller runs its heap.
    static func selectKernel(_ a: UnsafePointer<Self>, count n: Int, keep: Int) -> (value: Self, ties: Int)?
}

@inline(__always) private func i32(_ v: Int, _ what: String) -> Int32 {
    guard let r = Int32(exactly: v) else { preconditionFailure("\(what) = \(v) exceeds BLAS's 32-bit int") }
    return r
}

extension Float: BLASScalar {
    public static func gemm(_ ta: Transpose, _ tb: Transpose, _ m: Int, _ n: Int, _ k: Int,
                            _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                            _ b: UnsafePointer<Float>, _ ldb: Int,
                            _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, ta.cblas, tb.cblas, i32(m, "m"), i32(n, "n"), i32(k, "k"),
                    alpha, a, i32(lda, "lda"), b, i32(ldb, "ldb"), beta, c, i32(ldc, "ldc"))
    }
    /// With the AVX-512 vector kernels, an inlined FMA loop (hsae_axpy_f32: the floats of OpenBLAS's
    /// FMA kernels, without the call's overhead that dominated the sparse kernels' d-float rows);
    /// otherwise OpenBLAS.
    public static func axpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        if hsae_isa_active() == VectorKernels.avx512.rawValue { hsae_axpy_f32(n, alpha, x, y) } else { cblas_saxpy(i32(n, "n"), alpha, x, 1, y, 1) }
    }
    public static func scal(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        cblas_sscal(i32(n, "n"), alpha, x, 1)
    }
    public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ incx: Int, _ y: UnsafePointer<Float>, _ incy: Int) -> Float {
        cblas_sdot(i32(n, "n"), x, i32(incx, "incx"), y, i32(incy, "incy"))
    }
    public static func nrm2(_ n: Int, _ x: UnsafePointer<Float>) -> Float {
        cblas_snrm2(i32(n, "n"), x, 1)
    }
    public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    public static func log(_ x: Float) -> Float { Foundation.log(x) }
    public static func sqrt(_ x: Float) -> Float { x.squareRoot() }

    public static func keepRowKernel(_ p: UnsafePointer<Float>, bias c: UnsafePointer<Float>?, count m: Int, tau: Float, ties: inout Int,
                                     into z: UnsafeMutablePointer<Float>, index: UnsafeMutablePointer<Int32>,
                                     value: UnsafeMutablePointer<Float>) -> Int? {
        Int(hsae_keep_row_f32(p, c, m, tau, &ties, z, index, value))
    }
    public static func prefilterRowKernel(_ x: UnsafePointer<Float>, bias c: UnsafePointer<Float>?, count n: Int, keep: Int,
                                          into candidates: UnsafeMutablePointer<Float>) -> Int? {
        Int(hsae_prefilter_row_f32(x, c, n, keep, candidates))
    }
    public static func selectKernel(_ a: UnsafePointer<Float>, count n: Int, keep: Int) -> (value: Float, ties: Int)? {
        guard hsae_isa_active() == VectorKernels.avx512.rawValue else { return nil }
        var ties = 0
        let tau = hsae_select_f32(a, n, keep, &ties)
        return (tau, ties)
    }
}

extension Double: BLASScalar {
    public static func gemm(_ ta: Transpose, _ tb: Transpose, _ m: Int, _ n: Int, _ k: Int,
                            _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
                            _ b: UnsafePointer<Double>, _ ldb: Int,
                            _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        cblas_dgemm(CblasRowMajor, ta.cblas, tb.cblas, i32(m, "m"), i32(n, "n"), i32(k, "k"),
                    alpha, a, i32(lda, "lda"), b, i32(ldb, "ldb"), beta, c, i32(ldc, "ldc"))
    }
    public static func axpy(_ n: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(i32(n, "n"), alpha, x, 1, y, 1)
    }
    public static func scal(_ n: Int, _ alpha: Double, _ x: UnsafeMutablePointer<Double>) {
        cblas_dscal(i32(n, "n"), alpha, x, 1)
    }
    public static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ incx: Int, _ y: UnsafePointer<Double>, _ incy: Int) -> Double {
        cblas_ddot(i32(n, "n"), x, i32(incx, "incx"), y, i32(incy, "incy"))
    }
    public static func nrm2(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
        cblas_dnrm2(i32(n, "n"), x, 1)
    }
    public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    public static func log(_ x: Double) -> Double { Foundation.log(x) }
    public static func sqrt(_ x: Double) -> Double { x.squareRoot() }

    public static func keepRowKernel(_ p: UnsafePointer<Double>, bias c: UnsafePointer<Double>?, count m: Int, tau: Double,
                                     ties: inout Int, into z: UnsafeMutablePointer<Double>, index: UnsafeMutablePointer<Int32>,
                                     value: UnsafeMutablePointer<Double>) -> Int? { nil }
    public static func prefilterRowKernel(_ x: UnsafePointer<Double>, bias c: UnsafePointer<Double>?, count n: Int, keep: Int,
                                          into candidates: UnsafeMutablePointer<Double>) -> Int? { nil }
    public static func selectKernel(_ a: UnsafePointer<Double>, count n: Int, keep: Int) -> (value: Double, ties: Int)? { nil }
}
