@testable import HSAE
import XCTest

/// Every sparse kernel against the dense GEMM it replaces, the top-k threshold against a sort,
/// and whole forward/backward passes through sparse and dense kernels against each other.
final class SparseKernelTests: XCTestCase {
    /// Buffers behind the views a test uses: a view does not keep its buffer alive.
    var retained: [AnyObject] = []

    /// A b × m code with about `perRow` active entries a row (some rows empty), dense and sparse.
    func randomCode(b: Int, m: Int, perRow: Int, seed: UInt64) -> (TensorBuffer<Double>, View<Double>, SparseCode<Double>) {
        var rng = SplitMix64(seed: seed)
        let buffer = TensorBuffer<Double>(count: b * m)
        let z = buffer.view(rows: b, cols: m)
        for i in 0..<b where i % 5 != 3 {
            for _ in 0..<perRow { z[i, Int(rng.next() % UInt64(m))] = abs(rng.nextSigned()) + 0.1 }
        }
        let code = SparseCode<Double>(latents: m)
        code.build(from: z)
        retained.append(buffer)
        return (buffer, z, code)
    }

    func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64) -> (TensorBuffer<Double>, View<Double>) {
        var rng = SplitMix64(seed: seed)
        let buffer = TensorBuffer<Double>((0..<(rows * cols)).map { _ in rng.nextSigned() })
        retained.append(buffer)
        return (buffer, buffer.view(rows: rows, cols: cols))
    }

    func assertClose(_ a: View<Double>, _ b: View<Double>, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count)
        let diff = zip(a.array, b.array).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(diff, 1e-12, what, file: file, line: line)
    }

    let (b, m, n) = (13, 40, 9)

    func testProductEqualsDenseGEMM() {
        let (_, z, code) = randomCode(b: b, m: m, perRow: 4, seed: 1)
        let (_, w) = randomMatrix(m, n, seed: 2)
        let (_, out) = randomMatrix(b, n, seed: 3), (_, ref) = randomMatrix(b, n, seed: 3)
        SparseKernels.product(code, values: code.value, w, into: out, beta: 0.5)
        Kernels.gemm(z, .none, w, .none, ref, beta: 0.5)
        assertClose(out, ref, "Z W")
    }

    /// A code as a product's operand (CodeOperand): its sparse rows and its dense matrix give the same Z W.
    func testCodeOperandFormsAgree() {
        let (_, z, code) = randomCode(b: b, m: m, perRow: 4, seed: 11)
        let (_, w) = randomMatrix(m, n, seed: 12)
        let (_, out) = randomMatrix(b, n, seed: 13), (_, ref) = randomMatrix(b, n, seed: 14)
        CodeOperand.sparse(code).product(w, into: out)
        CodeOperand.dense(z).product(w, into: ref)
        assertClose(out, ref, "Z W, sparse against dense operand")
    }

    func testScatterOuterEqualsDenseGEMM() {
        let (_, z, code) = randomCode(b: b, m: m, perRow: 4, seed: 4)
        let (_, y) = randomMatrix(b, n, seed: 5)
        let (_, dw) = randomMatrix(m, n, seed: 6), (_, ref) = randomMatrix(m, n, seed: 6)
        SparseKernels.scatterOuter(code, values: code.value, y, into: dw)
        Kernels.gemm(z, .transposed, y, .none, ref, beta: 1)
        assertClose(dw, ref, "dW += Zᵀ Y")
    }

    func testGatherDotsEqualDenseGEMMAtEntries() {
        let (_, z, code) = randomCode(b: b, m: m, perRow: 4, seed: 7)
        let (_, y) = randomMatrix(b, n, seed: 8)
        let (_, w) = randomMatrix(m, n, seed: 9)
        let (_, ref) = randomMatrix(b, m, seed: 10)
        Kernels.gemm(y, .none, w, .transposed, ref)
        let dots = SparseKernels.gatherDots(code, y, w)
        for (a, r) in zip(dots, SparseKernels.gather(code, ref)) { XCTAssertEqual(a, r, accuracy: 1e-12, "gather") }
        var e = 0
        for i in 0..<b {
            for j in 0..<m where z[i, j] > 0 {
                XCTAssertEqual(dots[e], ref[i, j], accuracy: 1e-12, "entry (\(i), \(j))")
                e += 1
            }
        }
        XCTAssertEqual(e, code.count)
        var sums = [Double](repeating: 0, count: m), refSums = [Double](repeating: 0, count: m)
        sums.withUnsafeMutableBufferPointer { SparseKernels.columnSums(code, values: code.value, into: $0.baseAddress!) }
        refSums.withUnsafeMutableBufferPointer { Kernels.columnSums(z, into: $0.baseAddress!) }
        XCTAssertEqual(sums, refSums)
    }

    /// τ and the tie count against sorting, on rows with many ties, for k from 1 to n.
    func testTopKThresholdEqualsSort() {
        var rng = SplitMix64(seed: 10)
        var scratch = TopKScratch<Double>()
        for n in [1, 7, 64, 1000, 16384] {
            let x = (0..<n).map { _ in Double(Int(rng.next() % 50)) - 20 }  // heavy ties
            for k in Set([1, 2, 3, n / 2, max(1, n - 1), n, n + 3, 64].filter { $0 >= 1 }) {
                let t = x.withUnsafeBufferPointer { TopK.threshold($0.baseAddress!, count: n, keep: k, scratch: &scratch) }
                if k >= n { XCTAssertEqual(t.value, -.infinity); continue }
                let sorted = x.sorted(by: >)
                XCTAssertEqual(t.value, sorted[k - 1], "n \(n) k \(k)")
                XCTAssertEqual(t.ties, k - x.filter { $0 > sorted[k - 1] }.count, "n \(n) k \(k)")
            }
        }
    }

    /// The threshold over x + bias (Float, as training runs), per row and over a whole batch (as
    /// batch-top-k asks), against sorting: widths that leave a tail after the 16-wide blocks,
    /// heavy ties, and keeps that end the fill inside a row or across rows.
    func testTopKThresholdWithBiasOverRowsEqualsSort() {
        var rng = SplitMix64(seed: 12)
        var scratch = TopKScratch<Float>()
        for (rows, cols) in [(1, 15), (1, 16), (3, 37), (5, 512), (4, 1000)] {
            let x = (0..<(rows * cols)).map { _ in Float(Int(rng.next() % 40)) / 4 - 3 }
            let c = (0..<cols).map { _ in Float(Int(rng.next() % 8)) / 8 }
            let all = (0..<(rows * cols)).map { x[$0] + c[$0 % cols] }
            for k in Set([1, 2, 5, 16, 17, cols - 1, cols, cols + 1, rows * cols / 3].filter { $0 >= 1 && $0 < rows * cols }) {
                let t = x.withUnsafeBufferPointer { xp in c.withUnsafeBufferPointer { cp in
                    TopK.threshold(xp.baseAddress!, rows: rows, cols: cols, bias: cp.baseAddress!, keep: k, scratch: &scratch) } }
                let sorted = all.sorted(by: >)
                XCTAssertEqual(t.value, sorted[k - 1], "\(rows)×\(cols) k \(k)")
                XCTAssertEqual(t.ties, k - all.filter { $0 > sorted[k - 1] }.count, "\(rows)×\(cols) k \(k)")
            }
        }
    }

    /// topk keeps exactly k per row (ties by lower index), the dense code and the sparse rows agree.
    func testTopKActivationKeepsExactlyK() {
        let (b, m, k) = (6, 5000, 17)
        var rng = SplitMix64(seed: 11)
        let p = TensorBuffer<Float>((0..<(b * m)).map { _ in Float(Int(rng.next() % 200)) / 10 + 1 })  // positive, tied
        let bias = [Float](repeating: 0, count: m)
        let zBuffer = TensorBuffer<Float>(count: b * m)
        retained += [p, zBuffer]
        let z = zBuffer.view(rows: b, cols: m)
        let code = SparseCode<Float>(latents: m)
        var scratch = TopKScratch<Float>()
        Activation.apply(.topk, p.view(rows: b, cols: m), bias: bias, into: z, code: code, k: k, scratch: &scratch)
        for i in 0..<b {
            let row = Array(UnsafeBufferPointer(start: p.base + i * m, count: m))
            let expected = row.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
                .prefix(k).map(\.offset).sorted()
            XCTAssertEqual((code.start[i] ..< code.start[i + 1]).map { Int(code.index[$0]) }, expected, "row \(i)")
            XCTAssertEqual((0..<m).filter { z[i, $0] > 0 }, expected, "row \(i) dense")
        }
    }

    /// One microbatch's losses and gradients through dense and sparse kernels, for every
    /// activation, with and without the top layer (Float, as training runs).
    func testSparseAndDensePassesAgree() {
        for (act, usesTop) in [(ActivationKind.topk, false), (.batchtopk, false), (.relu, false), (.topk, true), (.relu, true)] {
            let config = ModelConfig(d: 24, bottom: LayerSpec(latents: 200, activation: act, target: .l0(6)),
                                     top: LayerSpec(latents: 40, activation: act, target: .l0(4)), gate: .learned)
            var results: [(LossParts, [Float], [Float])] = []
            for kernels in [KernelChoice.dense, .sparse] {
                let model = HierarchicalSAE<Float>(config: config)
                model.kernels = kernels
                var rng = SplitMix64(seed: 12)
                model.initialise(seed: 13, mean: (0..<24).map { _ in Float(rng.nextSigned()) * 0.1 })
                if act == .relu { let be = model.view(.bottomBEnc); for j in 0..<be.count { be[j] = -0.25 } }
                let ws = Workspace<Float>(config: config, rows: 32)
                for i in 0..<ws.x.count { ws.x.base[i] = Float(rng.nextSigned()) }
                model.forward(ws, ForwardOptions(layers: usesTop ? 2 : 1))
                let grads = TensorBuffer<Float>(count: model.layout.count)
                let parts = model.dataTerms(ws, terms: .all, weights: LossWeights(), microbatch: MicrobatchWeights(rowWeight: 1 / 32, miWeight: 1),
                                            layers: usesTop ? 2 : 1, trainable: [.bottom, .top, .gate], grads: grads)
                results.append((parts, ws.xhat.array, grads.array))
            }
            let label = "\(act) usesTop \(usesTop)"
            for (a, b) in zip(results[0].0.values, results[1].0.values) { XCTAssertEqual(a, b, accuracy: 1e-5 * (1 + abs(a)), label) }
            XCTAssertLessThan(zip(results[0].1, results[1].1).map { abs($0 - $1) }.max()!, 1e-5, label)
            let scale = results[0].2.map(abs).max()!
            XCTAssertGreaterThan(scale, 0, label)
            XCTAssertLessThan(zip(results[0].2, results[1].2).map { abs($0 - $1) }.max()! / scale, 1e-5, label)
        }
    }
}
