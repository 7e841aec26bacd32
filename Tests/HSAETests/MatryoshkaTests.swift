import HSAE
import XCTest

/// The Matryoshka baseline's nested-prefix loss (Matryoshka.swift): its value against a naive
/// loop over prefixes, its gradient against float64 central finite differences (dense and sparse
/// forms, every activation), the two forms against each other, and the default groups.
final class MatryoshkaTests: XCTestCase {
    let (d, m, b) = (5, 9, 7)
    let groups = [2, 3, 4]

    func makeModel(_ act: ActivationKind, groups: [Int]?, kernels: KernelChoice) -> HierarchicalSAE<Double> {
        let config = ModelConfig(d: d, bottom: LayerSpec(latents: m, activation: act, target: .l0(4)), top: nil, matryoshkaGroups: groups)
        let model = HierarchicalSAE<Double>(config: config)
        model.kernels = kernels
        var rng = SplitMix64(seed: 3)
        for i in 0..<model.params.count { model.params[i] = 0.6 * rng.nextSigned() }
        let bEnc = model.view(.bottomBEnc)
        for j in 0..<bEnc.count { bEnc[j] = abs(bEnc[j]) * 0.5 }  // codes not all zero
        return model
    }

    func batch() -> [Double] {
        var rng = SplitMix64(seed: 4)
        return (0..<(b * d)).map { _ in 1.5 * rng.nextSigned() }
    }

    func loss(_ model: HierarchicalSAE<Double>, _ ws: Workspace<Double>, _ x: [Double], terms: LossTerms = [.reconstruction],
              grads: TensorBuffer<Double>?) -> Double {
        for i in 0..<x.count { ws.x.base[i] = x[i] }
        model.forward(ws, ForwardOptions(layers: 1))
        let weights = LossWeights([.l1Bottom: 0.3])
        return model.dataTerms(ws, terms: terms, weights: weights, microbatch: MicrobatchWeights(rowWeight: 1 / Double(b), miWeight: 1),
                               layers: 1, trainable: [.bottom], grads: grads).total
    }

    /// Relative error of the analytic gradient per tensor against central differences.
    func checkGradient(_ act: ActivationKind, kernels: KernelChoice, terms: LossTerms = [.reconstruction],
                       file: StaticString = #filePath, line: UInt = #line) {
        let model = makeModel(act, groups: groups, kernels: kernels)
        let ws = Workspace<Double>(config: model.config, rows: b)
        let x = batch()
        let grads = TensorBuffer<Double>(count: model.layout.count)
        let value = loss(model, ws, x, terms: terms, grads: grads)
        XCTAssertTrue(value.isFinite && value > 0, "loss \(value)", file: file, line: line)
        checkBottomGradients(model, grads, tolerance: 1e-5, label: "\(act) \(kernels): ", file: file, line: line) {
            loss(model, ws, x, terms: terms, grads: nil)
        }
    }

    func testGradientDenseTopK() { checkGradient(.topk, kernels: .dense) }
    func testGradientSparseTopK() { checkGradient(.topk, kernels: .sparse) }
    func testGradientDenseBatchTopK() { checkGradient(.batchtopk, kernels: .dense) }
    func testGradientSparseBatchTopK() { checkGradient(.batchtopk, kernels: .sparse) }
    func testGradientReluWithL1() {
        checkGradient(.relu, kernels: .dense, terms: [.reconstruction, .l1Bottom])
        checkGradient(.relu, kernels: .sparse, terms: [.reconstruction, .l1Bottom])
    }

    /// Σ_rows ‖X̂ − x‖² with X̂ = b_dec + Σ_{i < latents} z_i W_dec[i], from the code in ws (a loop).
    func prefixError(_ model: HierarchicalSAE<Double>, _ ws: Workspace<Double>, _ x: [Double], latents: Int) -> Double {
        let wDec = model.view(.bottomWDec), bDec = model.view(.bottomBDec)
        var sum = 0.0
        for r in 0..<b {
            for c in 0..<d {
                var xhat = bDec[c]
                for i in 0..<latents { xhat += ws.z1[r, i] * wDec[i, c] }
                sum += (xhat - x[r * d + c]) * (xhat - x[r * d + c])
            }
        }
        return sum
    }

    /// The value is the mean over prefixes of Σ_rows ‖X̂_k − x‖² / b, each X̂_k computed directly.
    func testValueAgainstNaivePrefixes() {
        for kernels in [KernelChoice.dense, .sparse] {
            let model = makeModel(.batchtopk, groups: groups, kernels: kernels)
            let ws = Workspace<Double>(config: model.config, rows: b)
            let x = batch()
            let value = loss(model, ws, x, grads: nil)
            var bounds = [0]
            for g in groups { bounds.append(bounds.last! + g) }
            let expected = (1...groups.count).reduce(0.0) { $0 + prefixError(model, ws, x, latents: bounds[$1]) } / Double(b * groups.count)
            XCTAssertEqual(value, expected, accuracy: 1e-12 * expected, "\(kernels)")
            // Not the flat loss (which is the last prefix's term alone).
            let flat = loss(makeModel(.batchtopk, groups: nil, kernels: kernels), ws, x, grads: nil)
            XCTAssertGreaterThan(abs(value - flat), 1e-3 * flat)
        }
    }

    /// The reconstruction error the trainer logs as FVU (Workspace.reconstructionError) is the
    /// whole layer's, w·Σ‖X̂ − x‖² with X̂ from every latent, not the nested loss: by hand from the
    /// code and the decoder, and equal to what the flat layer's loss is on the same code.
    func testLoggedReconstructionErrorIsTheFullReconstructions() {
        for kernels in [KernelChoice.dense, .sparse] {
            let model = makeModel(.topk, groups: groups, kernels: kernels)
            let ws = Workspace<Double>(config: model.config, rows: b)
            let x = batch()
            let nested = loss(model, ws, x, grads: nil)
            let logged = ws.reconstructionError
            let expected = prefixError(model, ws, x, latents: m) / Double(b)
            XCTAssertEqual(logged, expected, accuracy: 1e-12 * expected, "\(kernels)")
            XCTAssertGreaterThan(abs(nested - expected), 1e-3 * expected, "\(kernels): the nested loss is another number")
            let flat = loss(makeModel(.topk, groups: nil, kernels: kernels), ws, x, grads: nil)
            XCTAssertEqual(logged, flat, accuracy: 1e-12 * flat, "\(kernels): the flat layer's loss is its error")
        }
    }

    /// One group is the flat layer: same value, same gradient.
    func testOneGroupIsTheFlatLayer() {
        let x = batch()
        var results: [(Double, [Double])] = []
        for groups in [[m], nil] as [[Int]?] {
            let model = makeModel(.topk, groups: groups, kernels: .dense)
            let ws = Workspace<Double>(config: model.config, rows: b)
            let grads = TensorBuffer<Double>(count: model.layout.count)
            let value = loss(model, ws, x, grads: grads)
            results.append((value, (0..<grads.count).map { grads[$0] }))
        }
        XCTAssertEqual(results[0].0, results[1].0, accuracy: 1e-12)
        for (a, c) in zip(results[0].1, results[1].1) { XCTAssertEqual(a, c, accuracy: 1e-10) }
    }

    /// The sparse and dense forms are the same function with the same gradient.
    func testSparseEqualsDense() {
        let x = batch()
        var results: [(Double, [Double])] = []
        for kernels in [KernelChoice.dense, .sparse] {
            let model = makeModel(.batchtopk, groups: groups, kernels: kernels)
            let ws = Workspace<Double>(config: model.config, rows: b)
            let grads = TensorBuffer<Double>(count: model.layout.count)
            let value = loss(model, ws, x, grads: grads)
            results.append((value, (0..<grads.count).map { grads[$0] }))
        }
        XCTAssertEqual(results[0].0, results[1].0, accuracy: 1e-12)
        for (a, c) in zip(results[0].1, results[1].1) { XCTAssertEqual(a, c, accuracy: 1e-10) }
    }

    /// AuxK acts under the nested-prefix loss (DESIGN §8): on the whole layer's residual X̂_K − X, held
    /// constant. With dead latents, the loss with the term is the loss without it plus `auxKTerm` on that
    /// residual (value and every gradient), dense and sparse kernels alike; the term's own gradient is
    /// checked against finite differences in AuxKTests.
    func testAuxKActsOnTheWholeLayersResidual() {
        let dead: [Int32] = [0, 2, 5, 6, 8]
        let mw = MicrobatchWeights(rowWeight: 1 / Double(b), miWeight: 0.5)
        let weights = LossWeights([.auxK: 0.25])
        var totals: [[Double]] = []
        for kernels in [KernelChoice.dense, .sparse] {
            let model = makeModel(.topk, groups: groups, kernels: kernels)
            let ws = Workspace<Double>(config: model.config, rows: b)
            let x = batch()
            func run(_ terms: LossTerms, _ grads: TensorBuffer<Double>?) -> LossParts {
                for i in 0..<x.count { ws.x.base[i] = x[i] }
                ws.deadLatents = dead
                model.forward(ws, ForwardOptions(layers: 1))
                return model.dataTerms(ws, terms: terms, weights: weights, microbatch: mw, layers: 1, trainable: [.bottom], grads: grads)
            }
            let (with, without, alone) = (TensorBuffer<Double>(count: model.layout.count), TensorBuffer<Double>(count: model.layout.count),
                                          TensorBuffer<Double>(count: model.layout.count))
            let on = run([.reconstruction, .auxK], with)
            let off = run([.reconstruction], without)
            _ = run([.reconstruction], nil)
            let residual = (0..<x.count).map { ws.xhat.base[$0] - x[$0] }   // X̂ − X from every latent
            let expected = model.auxKTerm(ws, error: residual, weight: 0.25 * 0.5, grads: alone)
            XCTAssertGreaterThan(expected, 1e-3, "\(kernels): the case must revive some dead latent")
            XCTAssertEqual(on[.auxK], expected, accuracy: 1e-12 * expected, "\(kernels)")
            XCTAssertEqual(on.total - on[.auxK], off.total, accuracy: 1e-12 * off.total, "\(kernels)")
            var moved = 0
            for i in 0..<with.count {
                XCTAssertEqual(with[i] - without[i], alone[i], accuracy: 1e-12, "\(kernels), parameter \(i)")
                if alone[i] != 0 { moved += 1 }
            }
            XCTAssertGreaterThan(moved, 0, "\(kernels): the term moves some parameter")
            totals.append([on.total] + (0..<with.count).map { with[$0] })
            let zero = model.dataTerms(ws, terms: [.reconstruction, .auxK], weights: LossWeights([.auxK: 0]), microbatch: mw,
                                       layers: 1, trainable: [.bottom], grads: nil)
            XCTAssertEqual(zero[.auxK], 0, "\(kernels): weight 0 is off")
        }
        for (a, c) in zip(totals[0], totals[1]) { XCTAssertEqual(a, c, accuracy: 1e-10, "dense against sparse") }
    }

    func testDefaultGroups() {
        XCTAssertEqual(MatryoshkaGroups.default(total: 640, first: 128), [128, 256, 256])
        XCTAssertEqual(MatryoshkaGroups.default(total: 2560, first: 512), [512, 1024, 1024])
        XCTAssertEqual(MatryoshkaGroups.default(total: 80, first: 16), [16, 32, 32])
        XCTAssertEqual(MatryoshkaGroups.default(total: 100, first: 10), [10, 20, 40, 30])
        XCTAssertEqual(MatryoshkaGroups.default(total: 75, first: 10), [10, 20, 45])  // a last 5 joins the group before
        XCTAssertEqual(MatryoshkaGroups.default(total: 10, first: 10), [10])
    }

    func testConfigValidation() {
        let bad = ModelConfig(d: 4, bottom: LayerSpec(latents: 10, activation: .batchtopk, target: .l0(2)), top: nil, matryoshkaGroups: [4, 5])
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("adding up to the layer's 10 latents"), "\($0)") }
        var c = TrainConfig()
        c.matryoshkaGroups = [1]
        XCTAssertThrowsError(try c.validate(trainingRows: nil, ranks: 1)) { XCTAssertTrue("\($0)".contains("--baseline matryoshka"), "\($0)") }
    }
}
