import HSAE
import XCTest

func randomMatrix<T: BLASScalar>(_ rows: Int, _ cols: Int, seed: UInt64, as: T.Type = T.self) -> Matrix<T> {
    var rng = SplitMix64(seed: seed)
    return Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in T(rng.nextSigned()) })
}

final class MatrixTests: XCTestCase {
    func testGemmMatchesNaiveLoopForEveryTransposeFloat64() {
        checkGemm(Double.self, tolerance: 1e-12)
    }

    func testGemmMatchesNaiveLoopForEveryTransposeFloat32() {
        checkGemm(Float.self, tolerance: 1e-5)
    }

    private func checkGemm<T: BLASScalar>(_: T.Type, tolerance: T) {
        let (m, k, n) = (13, 7, 11)
        for ta in [Transpose.none, .transposed] {
            for tb in [Transpose.none, .transposed] {
                let a: Matrix<T> = ta == .none ? randomMatrix(m, k, seed: 1) : randomMatrix(k, m, seed: 1)
                let b: Matrix<T> = tb == .none ? randomMatrix(k, n, seed: 2) : randomMatrix(n, k, seed: 2)
                var c: Matrix<T> = randomMatrix(m, n, seed: 3)
                let c0 = c
                Matrix.gemm(a, ta, b, tb, into: &c, alpha: 2, beta: 0.5)
                let naive = NaiveKernels.product(a, ta, b, tb)
                for i in 0..<m {
                    for j in 0..<n {
                        let expected = 2 * naive[i, j] + 0.5 * c0[i, j]
                        XCTAssertEqual(c[i, j], expected, accuracy: tolerance, "\(ta) \(tb) (\(i),\(j))")
                    }
                }
            }
        }
    }

    func testGemmWithEmptyInnerDimensionScalesC() {
        let a = Matrix<Double>(rows: 2, cols: 0)
        let b = Matrix<Double>(rows: 0, cols: 3)
        var c = Matrix<Double>(rows: 2, cols: 3, repeating: 4)
        Matrix.gemm(a, b, into: &c, beta: 0.5)
        XCTAssertEqual(c.storage, [Double](repeating: 2, count: 6))
    }

    func testAxpyScalDotNrm2MatchNaiveLoops() {
        let x: Matrix<Double> = randomMatrix(5, 4, seed: 9)
        var y: Matrix<Double> = randomMatrix(5, 4, seed: 10)
        let y0 = y
        y.add(x, scaledBy: -3)
        for i in 0..<20 { XCTAssertEqual(y.storage[i], y0.storage[i] - 3 * x.storage[i], accuracy: 1e-14) }
        y.scale(by: 0.25)
        for i in 0..<20 { XCTAssertEqual(y.storage[i], (y0.storage[i] - 3 * x.storage[i]) * 0.25, accuracy: 1e-14) }
        XCTAssertEqual(x.dot(y0), zip(x.storage, y0.storage).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-13)
        let norms = x.rowNorms()
        for i in 0..<5 {
            XCTAssertEqual(norms[i], x.row(i).reduce(0) { $0 + $1 * $1 }.squareRoot(), accuracy: 1e-14)
        }
    }

    func testHandComputedProduct() {
        let a = Matrix<Float>(rows: 2, cols: 2, storage: [1, 2, 3, 4])
        let b = Matrix<Float>(rows: 2, cols: 2, storage: [5, 6, 7, 8])
        XCTAssertEqual(Matrix.product(a, b).storage, [19, 22, 43, 50])
        XCTAssertEqual(Matrix.product(a, .transposed, b, .none).storage, [26, 30, 38, 44])
    }

    func testExactModeUsesOneBLASThread() {
        XCTAssertEqual(BLASRuntime.configure(ranksOnNode: 1, exact: true, cores: 8), 1)
        XCTAssertEqual(BLASRuntime.threads, 1)
        XCTAssertEqual(BLASRuntime.configure(ranksOnNode: 2, exact: false, cores: 8), 4)
        XCTAssertEqual(BLASRuntime.configure(ranksOnNode: 4, exact: false, cores: 2), 1)
        XCTAssertEqual(BLASRuntime.ranksOnNode(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "3"]), 3)
        XCTAssertEqual(BLASRuntime.ranksOnNode(environment: [:]), 1)
    }
}
