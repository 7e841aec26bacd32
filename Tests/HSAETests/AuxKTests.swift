import HSAE
import XCTest

/// The AuxK dead-latent term (AuxK.swift): its value against a naive loop, its gradient against
/// float64 central finite differences (the residual held constant, as the term defines it), and
/// the dense and sparse kernel paths of the full loss against each other.
final class AuxKTests: XCTestCase {
    let (d, m1, b) = (6, 10, 7)   // k_aux = d/2 = 3

    func makeModel(_ act: ActivationKind, kernels: KernelChoice = .dense, seed: UInt64 = 5) -> HierarchicalSAE<Double> {
        let config = ModelConfig(d: d, bottom: LayerSpec(latents: m1, activation: act, target: .l0(2)),
                                 top: LayerSpec(latents: 3, activation: act, target: .l0(1)))
        let model = HierarchicalSAE<Double>(config: config)
        model.kernels = kernels
        var rng = SplitMix64(seed: seed)
        for i in 0..<model.params.count { model.params[i] = 0.6 * rng.nextSigned() }
        let bEnc = model.view(.bottomBEnc)
        for j in 0..<bEnc.count { bEnc[j] = abs(bEnc[j]) * 0.5 }
        for id in [TensorID.topBEnc, .topBDec, .topWDec] { let v = model.view(id); for j in 0..<v.count { v[j] = abs(v[j]) } }
        return model
    }

    func batch(seed: UInt64 = 6) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<(b * d)).map { _ in 1.5 * rng.nextSigned() }
    }

    /// Forward on x with `dead` captured; returns X̂ − X.
    func forward(_ model: HierarchicalSAE<Double>, _ ws: Workspace<Double>, _ x: [Double], dead: [Int32], usesTop: Bool = false) -> [Double] {
        for i in 0..<x.count { ws.x.base[i] = x[i] }
        ws.deadLatents = dead
        model.forward(ws, ForwardOptions(layers: usesTop ? 2 : 1))
        return (0..<x.count).map { ws.xhat.base[$0] - x[$0] }
    }

    /// L_aux by the definition, one row and one latent at a time.
    func naive(_ model: HierarchicalSAE<Double>, _ x: [Double], error: [Double], dead: [Int], weight: Double) -> Double {
        let wEnc = model.fileValues(.bottomWEnc)   // d × m1
        let (bEnc, bDec, wDec) = (model.view(.bottomBEnc), model.view(.bottomBDec), model.view(.bottomWDec))
        let kNominal = d / 2, k = min(kNominal, dead.count)
        var num = 0.0, energy = 0.0
        for i in 0..<b {
            var pre: [(Double, Int)] = []
            for j in dead {
                var p = bEnc[j]
                for c in 0..<d { p += (x[i * d + c] - bDec[c]) * wEnc[c * m1 + j] }
                pre.append((p, j))
            }
            let kept = pre.sorted { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.prefix(k)   // sign kept, no ReLU
            for c in 0..<d {
                var ehat = 0.0
                for (a, j) in kept { ehat += a * wDec[j, c] }
                let e = -error[i * d + c]
                num += (ehat - e) * (ehat - e)
                energy += e * e
            }
        }
        return weight * min(Double(dead.count) / Double(kNominal), 1) * num / energy
    }

    func testValueAgainstANaiveLoop() {
        for act in [ActivationKind.topk, .batchtopk] {
            for dead in [[1, 3, 4, 7, 8], [2, 9]] {   // more and fewer dead latents than k_aux
                let model = makeModel(act)
                let ws = Workspace<Double>(config: model.config, rows: b)
                let x = batch()
                let error = forward(model, ws, x, dead: dead.map(Int32.init))
                let value = model.auxKTerm(ws, error: error, weight: 0.7, grads: nil)
                let expected = naive(model, x, error: error, dead: dead, weight: 0.7)
                XCTAssertGreaterThan(expected, 0, "\(act) \(dead): the case must select some dead latent")
                XCTAssertEqual(value, expected, accuracy: 1e-12 * expected, "\(act), dead \(dead)")
            }
        }
    }

    /// A latent is dead because its pre-activations are all negative; the term must still reach it
    /// (the first version ReLU'd the selection and left such latents without gradient: in the demo's
    /// baseline the dead fraction rose to 2.5 % with the term on).
    func testReachesLatentsWhosePreActivationsAreAllNegative() {
        let model = makeModel(.topk)
        let dead: [Int32] = [1, 4, 8]
        let bEnc = model.view(.bottomBEnc)
        for j in dead { bEnc[Int(j)] = -50 }
        let ws = Workspace<Double>(config: model.config, rows: b)
        let error = forward(model, ws, batch(), dead: dead)
        XCTAssertTrue(ws.code1.index.allSatisfy { !dead.contains($0) }, "the case needs latents that never fire")
        let grads = TensorBuffer<Double>(count: model.layout.count)
        XCTAssertGreaterThan(model.auxKTerm(ws, error: error, weight: 1, grads: grads), 0)
        let dWDec = model.layout.view(.bottomWDec, in: grads)
        for j in dead { XCTAssertGreaterThan((0..<d).map { abs(dWDec[Int(j), $0]) }.max()!, 0, "dead latent \(j) gets no gradient") }
    }

    func testNoDeadLatentsNoTerm() {
        let model = makeModel(.topk)
        let ws = Workspace<Double>(config: model.config, rows: b)
        let error = forward(model, ws, batch(), dead: [])
        let grads = TensorBuffer<Double>(count: model.layout.count)
        XCTAssertEqual(model.auxKTerm(ws, error: error, weight: 1, grads: grads), 0)
        XCTAssertTrue((0..<grads.count).allSatisfy { grads[$0] == 0 })
    }

    func testGradientAgainstFiniteDifferences() {
        let model = makeModel(.topk)
        let ws = Workspace<Double>(config: model.config, rows: b)
        let x = batch()
        let dead: [Int32] = [1, 3, 4, 7, 8]
        let error = forward(model, ws, x, dead: dead)   // the residual, held constant
        let grads = TensorBuffer<Double>(count: model.layout.count)
        let value = model.auxKTerm(ws, error: error, weight: 0.7, grads: grads)
        XCTAssertGreaterThan(value, 0)
        func loss() -> Double {
            _ = forward(model, ws, x, dead: dead)
            return model.auxKTerm(ws, error: error, weight: 0.7, grads: nil)
        }
        checkBottomGradients(model, grads, loss)
        // Only dead latents' decoder rows and encoder biases move (live ones get nothing from this term).
        let (dWDec, dBEnc) = (model.layout.view(.bottomWDec, in: grads), model.layout.view(.bottomBEnc, in: grads))
        for j in 0..<m1 where !dead.contains(Int32(j)) {
            XCTAssertEqual(dBEnc[j], 0, "live latent \(j)")
            for c in 0..<d { XCTAssertEqual(dWDec[j, c], 0, "live latent \(j)") }
        }
    }

    /// The whole loss with AuxK (phase 1 and phase 3 shapes) is the same through the dense and the
    /// sparse kernels, and the term is switched by its weight and by the term set.
    func testDenseAndSparseKernelsAgreeAndTheWeightSwitchesIt() {
        for usesTop in [false, true] {
            var results: [(Double, [Double])] = []
            for kernels in [KernelChoice.dense, .sparse] {
                let model = makeModel(.topk, kernels: kernels)
                let ws = Workspace<Double>(config: model.config, rows: b)
                _ = forward(model, ws, batch(), dead: [0, 3, 4, 7, 9], usesTop: usesTop)
                let grads = TensorBuffer<Double>(count: model.layout.count)
                let mw = MicrobatchWeights(rowWeight: 1 / Double(b), miWeight: 0.5)
                let trainable: Trainable = usesTop ? [.bottom, .top, .gate] : [.bottom]
                let parts = model.dataTerms(ws, terms: [.reconstruction, .auxK], weights: LossWeights([.auxK: 0.25]), microbatch: mw,
                                            layers: usesTop ? 2 : 1, trainable: trainable, grads: grads)
                XCTAssertGreaterThan(parts[.auxK], 0)
                results.append((parts.total, (0..<grads.count).map { grads[$0] }))
                let off = model.dataTerms(ws, terms: [.reconstruction], weights: LossWeights([.auxK: 0.25]), microbatch: mw,
                                          layers: usesTop ? 2 : 1, trainable: trainable, grads: nil)
                let zero = model.dataTerms(ws, terms: [.reconstruction, .auxK], weights: LossWeights([.auxK: 0]), microbatch: mw,
                                           layers: usesTop ? 2 : 1, trainable: trainable, grads: nil)
                XCTAssertEqual(off[.auxK], 0)
                XCTAssertEqual(zero.total, off.total)
                XCTAssertEqual(parts.total - parts[.auxK], off.total, accuracy: 1e-12)
            }
            XCTAssertEqual(results[0].0, results[1].0, accuracy: 1e-12)
            for i in 0..<results[0].1.count { XCTAssertEqual(results[0].1[i], results[1].1[i], accuracy: 1e-10, "usesTop \(usesTop), parameter \(i)") }
        }
    }

    /// Configurations written before the term existed decode without it; new ones default to 1/32.
    func testOldConfigurationsDecodeWithoutTheTerm() throws {
        let json = #"{"lambda1":1,"lambda2":1,"betaGate":0.01,"betaOrth":1,"betaMI":1}"#
        XCTAssertEqual(try JSONDecoder().decode(LossWeights.self, from: Data(json.utf8))[.auxK], 0)
        XCTAssertEqual(LossWeights()[.auxK], 1.0 / 32)
        let round = try JSONDecoder().decode(LossWeights.self, from: JSONEncoder().encode(LossWeights([.auxK: 0.5])))
        XCTAssertEqual(round[.auxK], 0.5)
    }

    /// Ghost grads (relu bottom layers, the same term's other branch).
    func testGhostGradsGradientAgainstFiniteDifferences() {
        let model = makeModel(.relu)
        let ws = Workspace<Double>(config: model.config, rows: b)
        let x = batch()
        let dead: [Int32] = [0, 2, 5, 6]
        let error = forward(model, ws, x, dead: dead)
        let grads = TensorBuffer<Double>(count: model.layout.count)
        let value = model.auxKTerm(ws, error: error, weight: 0.7, grads: grads)
        XCTAssertGreaterThan(value, 0)
        // The row scale s_i = ‖E_i‖/(2‖Ê_i‖) is held constant in the gradient (as the term defines it):
        // the value against a naive loop, the gradient against finite differences of
        // L(θ) = c Σ‖s_i Ê_i(θ) − E_i‖² with s frozen at its current values.
        func ehatRows() -> [[Double]] {
            let wEnc = model.fileValues(.bottomWEnc)
            let (bEnc, bDec, wDec) = (model.view(.bottomBEnc), model.view(.bottomBDec), model.view(.bottomWDec))
            return (0..<b).map { i in
                var row = [Double](repeating: 0, count: d)
                for j in dead.map(Int.init) {
                    var p = bEnc[j]
                    for c in 0..<d { p += (x[i * d + c] - bDec[c]) * wEnc[c * m1 + j] }
                    for c in 0..<d { row[c] += Foundation.exp(p) * wDec[j, c] }
                }
                return row
            }
        }
        let scales = ehatRows().enumerated().map { i, r in
            (0..<d).reduce(0.0) { $0 + error[i * d + $1] * error[i * d + $1] }.squareRoot() / (2 * r.reduce(0.0) { $0 + $1 * $1 }.squareRoot())
        }
        let energy = error.reduce(0.0) { $0 + $1 * $1 }
        func frozen() -> Double {
            var s = 0.0
            for (i, r) in ehatRows().enumerated() { for c in 0..<d { let g = scales[i] * r[c] + error[i * d + c]; s += g * g } }
            return 0.7 * s / energy
        }
        XCTAssertEqual(frozen(), value, accuracy: 1e-12 * value, "ghost value against a naive loop")
        checkBottomGradients(model, grads, frozen)
    }
}
