import HSAE
import XCTest

/// Top-k selection (TopK.threshold + Activation.apply's keep rule): a row keeps exactly its k
/// largest values of p + c, ties at the threshold broken by index (lower first), then ReLU; batch
/// top-k keeps k·b over the microbatch with ties in row-major order. Checked against sorting:
/// the reference keeps the first k of the indices ordered by (value descending, index ascending).
/// Every test runs under each body of the vector kernels this CPU has (VectorKernels).
final class TopKSelectionTests: XCTestCase {
    /// The reference selection of one list of values: the kept positions, in index order.
    func reference(_ v: [Float], keep k: Int) -> [Int] {
        let order = v.indices.sorted { v[$0] != v[$1] ? v[$0] > v[$1] : $0 < $1 }
        return order.prefix(k).filter { v[$0] > 0 }.sorted()
    }

    /// Runs an activation on rows × cols values `p` with bias `c`; returns the code (dense z and,
    /// per row, the kept positions).
    func run(_ kind: ActivationKind, _ p: [Float], rows: Int, cols: Int, bias c: [Float], k: Int) -> (z: [Float], kept: [[Int]]) {
        let pBuffer = TensorBuffer(p), zBuffer = TensorBuffer<Float>(count: p.count)
        let code = SparseCode<Float>(latents: cols)
        var scratch = TopKScratch<Float>()
        c.withUnsafeBufferPointer { bias in
            _ = Activation.apply(kind, pBuffer.view(rows: rows, cols: cols), bias: bias.baseAddress!, into: zBuffer.view(rows: rows, cols: cols),
                                 code: code, k: k, scratch: &scratch)
        }
        let kept = (0..<rows).map { i in code.index[code.start[i] ..< code.start[i + 1]].map(Int.init) }
        return (zBuffer.array, kept)
    }

    func testTiesAtTheThresholdAreKeptLowestIndexFirst() {
        underEveryVectorBody { _ in
            // v = p + c = [3, 2, 1, 2, 2, 0.5]: k = 3 keeps 3 and the first two 2s (indices 1, 3), not index 4.
            let p: [Float] = [2, 1, 0, 1, 1, -0.5], c = [Float](repeating: 1, count: 6)
            let v = zip(p, c).map { $0 + $1 }
            let out = run(.topk, p, rows: 1, cols: 6, bias: c, k: 3)
            XCTAssertEqual(out.kept[0], [0, 1, 3])
            XCTAssertEqual(out.kept[0], reference(v, keep: 3))
            XCTAssertEqual(out.z, v.indices.map { [0, 1, 3].contains($0) ? v[$0] : 0 }, "kept entries are p + c, the rest 0")
            let tau = v.withUnsafeBufferPointer { b -> (value: Float, ties: Int) in
                var scratch = TopKScratch<Float>()
                return TopK.threshold(b.baseAddress!, count: v.count, keep: 3, scratch: &scratch)
            }
            XCTAssertEqual(tau.value, 2, "τ is the 3rd largest")
            XCTAssertEqual(tau.ties, 2, "two of the kept equal τ (one value is above it)")
        }
    }

    /// Many ties (values from a set of five), with negative values: every row keeps exactly
    /// min(k, #positive among its k largest) — exactly k when those are positive — and the same
    /// positions as sorting.
    func testKeepsExactlyKAndTheSortedSelectionUnderHeavyTies() {
        underEveryVectorBody { _ in
            var rng = SplitMix64(seed: 11)
            let (rows, cols) = (40, 33)
            for k in [1, 4, 16, cols - 1] {
                let p = (0..<rows * cols).map { _ in Float(Int(rng.next() % 5)) - 1 }   // −1 … 3
                let c = (0..<cols).map { _ in Float(Int(rng.next() % 3)) * 0.5 }       // 0, 0.5, 1
                let out = run(.topk, p, rows: rows, cols: cols, bias: c, k: k)
                for i in 0..<rows {
                    let v = (0..<cols).map { p[i * cols + $0] + c[$0] }
                    let expected = reference(v, keep: k)
                    XCTAssertEqual(out.kept[i], expected, "k \(k), row \(i)")
                    if v.sorted(by: >)[k - 1] > 0 { XCTAssertEqual(out.kept[i].count, k, "k \(k), row \(i): all k largest positive") }
                }
            }
        }
    }

    /// Batch top-k: k·b over the whole microbatch, ties in row-major order.
    func testBatchTopKKeepsKTimesRowsWithRowMajorTies() {
        underEveryVectorBody { _ in
            var rng = SplitMix64(seed: 5)
            let (rows, cols, k) = (6, 10, 3)
            let p = (0..<rows * cols).map { _ in Float(Int(rng.next() % 4)) + 1 }  // 1 … 4, all positive: heavy ties
            let c = [Float](repeating: 0, count: cols)
            let out = run(.batchtopk, p, rows: rows, cols: cols, bias: c, k: k)
            let flat = reference(p, keep: k * rows)
            XCTAssertEqual(out.kept.enumerated().flatMap { i, row in row.map { i * cols + $0 } }, flat)
            XCTAssertEqual(out.kept.reduce(0) { $0 + $1.count }, k * rows)
        }
    }

    /// τ and ties from `TopK.threshold` against sorting, where the prefilter runs (n ≥ 8k) and where
    /// it does not, on continuous values, on heavy ties and on values that are all equal (L = τ,
    /// every value a candidate), with and without a bias, one row and several (batch top-k).
    func testThresholdEqualsSortingWithAndWithoutThePrefilter() {
        underEveryVectorBody { _ in
            var rng = SplitMix64(seed: 23)
            func uniform() -> Float { rng.uniformFloat() }
            for (rows, cols, keep) in [(1, 640, 21), (1, 640, 64), (1, 16384, 64), (1, 100, 13), (1, 100, 12), (8, 640, 168), (3, 50, 7)] {
                for kind in ["continuous", "ties", "constant"] {
                    let n = rows * cols
                    let x: [Float] = (0..<n).map { _ in kind == "continuous" ? uniform() : kind == "ties" ? Float(Int(rng.next() % 6)) - 2 : 1.5 }
                    let c: [Float] = (0..<cols).map { _ in kind == "continuous" ? uniform() : kind == "ties" ? Float(Int(rng.next() % 2)) : 0 }
                    for withBias in [false, true] {
                        let v = (0..<n).map { withBias ? x[$0] + c[$0 % cols] : x[$0] }
                        let tau = v.sorted(by: >)[keep - 1]
                        let expected = (tau, keep - v.filter { $0 > tau }.count)
                        var scratch = TopKScratch<Float>()
                        let got = x.withUnsafeBufferPointer { xb in
                            c.withUnsafeBufferPointer { cb in
                                TopK.threshold(xb.baseAddress!, rows: rows, cols: cols, bias: withBias ? cb.baseAddress! : nil, keep: keep, scratch: &scratch)
                            }
                        }
                        let label = "\(rows)×\(cols), k \(keep), \(kind), bias \(withBias), prefilter \(n >= TopK.prefilterRatio * keep)"
                        XCTAssertEqual(got.value, expected.0, label)
                        XCTAssertEqual(got.ties, expected.1, label)
                    }
                }
            }
        }
    }

    /// A row holding a NaN takes the heap path (the prefilter's comparisons would drop it): the
    /// answer is the heap's alone, which is what selection gave before the prefilter.
    func testARowWithANaNGivesTheHeapsAnswer() {
        underEveryVectorBody { _ in
            for position in [3, 300] {
                var values = (0..<640).map { Float($0 % 97) }
                values[position] = .nan
                var (a, b) = (TopKScratch<Float>(), TopKScratch<Float>())
                let got = values.withUnsafeBufferPointer { TopK.threshold($0.baseAddress!, count: 640, keep: 21, scratch: &a) }
                let heap = values.withUnsafeBufferPointer { TopK.heapSelect($0.baseAddress!, rows: 1, cols: 640, bias: nil, keep: 21, scratch: &b) }
                XCTAssertEqual(got.value, heap.value, "NaN at \(position)")
                XCTAssertEqual(got.ties, heap.ties, "NaN at \(position)")
            }
        }
    }
}
