import Dist

/// The BLAS part of `hsae selftest`: each kernel against a naive loop on every rank, with
/// the verdict agreed across ranks (a rank with a broken BLAS fails the check everywhere).
public enum KernelSelfTest {
    public static func run(comm: Communicator) throws -> [SelfTest.Check] {
        var rng = SplitMix64(seed: 7)
        let a = Matrix<Double>(rows: 37, cols: 19, storage: (0..<(37 * 19)).map { _ in rng.nextSigned() })
        let b = Matrix<Double>(rows: 23, cols: 19, storage: (0..<(23 * 19)).map { _ in rng.nextSigned() })
        let gemm = Matrix.product(a, .none, b, .transposed)
        let naive = NaiveKernels.product(a, .none, b, .transposed)
        let gemmOK = maxAbsDifference(gemm.storage, naive.storage) < 1e-12
        var x = a
        x.add(a, scaledBy: -0.5)
        let axpyOK = maxAbsDifference(x.storage, a.storage.map { $0 * 0.5 }) < 1e-15
        let dotOK = abs(a.dot(a) - a.storage.reduce(0) { $0 + $1 * $1 }) < 1e-10
        var checks: [SelfTest.Check] = []
        for (name, ok) in [("gemm (A·Bᵀ) vs naive loop", gemmOK), ("axpy/scal vs naive loop", axpyOK),
                           ("dot vs naive loop", dotOK)] {
            let all = try comm.allreduce(Int32(ok ? 1 : 0), op: .min) == 1
            checks.append(SelfTest.Check(name: name, passed: all))
        }
        return checks
    }

    static func maxAbsDifference(_ x: [Double], _ y: [Double]) -> Double {
        zip(x, y).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}

/// Reference implementations for tests and the selftest: plain loops, no BLAS.
public enum NaiveKernels {
    public static func product<T: BLASScalar>(_ a: Matrix<T>, _ ta: Transpose, _ b: Matrix<T>, _ tb: Transpose) -> Matrix<T> {
        let at = ta == .none ? a : a.transposed()
        let bt = tb == .none ? b : b.transposed()
        precondition(at.cols == bt.rows, "naive product shapes \(at.rows)×\(at.cols) · \(bt.rows)×\(bt.cols)")
        var c = Matrix<T>(rows: at.rows, cols: bt.cols)
        for i in 0..<at.rows {
            for j in 0..<bt.cols {
                var s: T = 0
                for k in 0..<at.cols { s += at[i, k] * bt[k, j] }
                c[i, j] = s
            }
        }
        return c
    }
}
