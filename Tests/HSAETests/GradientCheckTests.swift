import HSAE
import XCTest

/// Every hand-written gradient against float64 central finite differences, term by term
/// (DESIGN §3), on small shapes. Relative error per tensor: ‖analytic − numeric‖ / ‖numeric‖.
final class GradientCheckTests: XCTestCase {
    let (d, m1, m2, b) = (5, 8, 3, 7)

    func makeModel(_ act1: ActivationKind, _ act2: ActivationKind, gate: GateMode = .learned, seed: UInt64 = 1,
                   kernels: KernelChoice = .dense, topInput: TopInput? = nil, topDecodeK: Int? = nil) -> HierarchicalSAE<Double> {
        let config = ModelConfig(d: d, bottom: LayerSpec(latents: m1, activation: act1, target: .l0(3)),
                                 top: LayerSpec(latents: m2, activation: act2, target: .l0(2)), gate: gate, topInput: topInput,
                                 topDecodeK: topDecodeK)
        let model = HierarchicalSAE<Double>(config: config)
        model.kernels = kernels
        var rng = SplitMix64(seed: seed)
        for i in 0..<model.params.count { model.params[i] = 0.6 * rng.nextSigned() }
        // Positive-leaning encoders so that codes are not all zero; a non-negative top decoder.
        for id in [TensorID.bottomBEnc, .topBEnc, .topBDec] { let v = model.view(id); for j in 0..<v.count { v[j] = abs(v[j]) * 0.5 } }
        let w2 = model.view(.topWDec)
        for j in 0..<w2.count { w2[j] = abs(w2[j]) }
        return model
    }

    func makeBatch(seed: UInt64 = 2) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<(b * d)).map { _ in 1.5 * rng.nextSigned() }
    }

    /// Total loss of the selected terms (data terms over the microbatch + parameter terms).
    func loss(_ model: HierarchicalSAE<Double>, _ ws: Workspace<Double>, _ x: [Double], _ terms: LossTerms,
              _ weights: LossWeights, usesTop: Bool, grads: TensorBuffer<Double>?, orthRows: [Int]? = nil,
              trainable given: Trainable? = nil) -> Double {
        for i in 0..<x.count { ws.x.base[i] = x[i] }
        model.forward(ws, ForwardOptions(layers: usesTop ? 2 : 1))
        let mw = MicrobatchWeights(rowWeight: 1 / Double(b), miWeight: 0.5)
        let trainable: Trainable = given ?? (usesTop ? [.bottom, .top, .gate] : [.bottom])
        let data = model.dataTerms(ws, terms: terms, weights: weights, microbatch: mw, layers: usesTop ? 2 : 1,
                                   trainable: trainable, grads: grads)
        let params = usesTop ? model.parameterTerms(terms, weights: weights, trainsGate: trainable.contains(.gate),
                                                    trainsTop: trainable.contains(.top), grads: grads,
                                                    orthRows: orthRows) : LossParts()
        return data.total + params.total
    }

    func check(_ terms: LossTerms, act1: ActivationKind = .relu, act2: ActivationKind = .relu, usesTop: Bool = true,
               gate: GateMode = .learned, kernels: KernelChoice = .dense, orthRows: [Int]? = nil, topInput: TopInput? = nil,
               topDecodeK: Int? = nil, trainable: Trainable? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let model = makeModel(act1, act2, gate: gate, kernels: kernels, topInput: topInput, topDecodeK: topDecodeK)
        let ws = Workspace<Double>(config: model.config, rows: b)
        let x = makeBatch()
        let weights = LossWeights([.l1Bottom: 0.3, .l1Top: 0.7, .gate: 0.9, .orthogonality: 1.3, .mutualInformation: 2.1, .topPath: 0.6, .topOnly: 0.8])
        let grads = TensorBuffer<Double>(count: model.layout.count)
        let value = loss(model, ws, x, terms, weights, usesTop: usesTop, grads: grads, orthRows: orthRows, trainable: trainable)
        XCTAssertTrue(value.isFinite && value != 0, "\(terms) loss is \(value)", file: file, line: line)
        let h = 1e-6
        var checked = 0
        for entry in model.layout.entries {
            if !usesTop && entry.id.group != 0 { continue }
            if gate == .fixed && entry.id == .gateLogits { continue }
            if let trainable, !trainable.contains(group: entry.id.group) {
                // Not trained in this phase: no gradient may reach it.
                XCTAssertTrue(entry.range.allSatisfy { grads[$0] == 0 }, "\(entry.name) got a gradient", file: file, line: line)
                continue
            }
            var diff = 0.0, norm = 0.0, analyticNorm = 0.0
            for i in entry.range {
                let saved = model.params[i]
                model.params[i] = saved + h
                let up = loss(model, ws, x, terms, weights, usesTop: usesTop, grads: nil, orthRows: orthRows, trainable: trainable)
                model.params[i] = saved - h
                let down = loss(model, ws, x, terms, weights, usesTop: usesTop, grads: nil, orthRows: orthRows, trainable: trainable)
                model.params[i] = saved
                let numeric = (up - down) / (2 * h)
                diff += (grads[i] - numeric) * (grads[i] - numeric)
                norm += numeric * numeric
                analyticNorm += grads[i] * grads[i]
            }
            if norm < 1e-20 && analyticNorm < 1e-20 { continue }  // the term does not touch this tensor
            checked += 1
            let relative = diff.squareRoot() / max(norm.squareRoot(), 1e-12)
            XCTAssertLessThan(relative, 1e-4, "terms \(terms.members.map(\.name)), act \(act1)/\(act2): \(entry.name) relative error \(relative) (‖num‖ \(norm.squareRoot()))",
                              file: file, line: line)
        }
        XCTAssertGreaterThan(checked, 0, "no tensor received a gradient", file: file, line: line)
    }

    func testReconstructionPhase1() { check([.reconstruction], usesTop: false) }
    func testL1BottomPhase1() { check([.l1Bottom], usesTop: false) }
    func testReconstructionThroughGateAndTop() { check([.reconstruction]) }
    func testTopPath() { check([.topPath]) }

    /// β_top scales L_top and its gradient, nothing else: the check above holds for any β, so it
    /// must also be shown that β reaches the value at all (β = 0.25 gives a quarter of β = 1).
    func testTopPathWeightScalesTheTerm() {
        let model = makeModel(.relu, .relu, gate: .learned)
        let ws = Workspace<Double>(config: model.config, rows: b)
        let x = makeBatch()
        let (g1, g4) = (TensorBuffer<Double>(count: model.layout.count), TensorBuffer<Double>(count: model.layout.count))
        let full = loss(model, ws, x, [.topPath], LossWeights([.topPath: 1]), usesTop: true, grads: g1)
        let quarter = loss(model, ws, x, [.topPath], LossWeights([.topPath: 0.25]), usesTop: true, grads: g4)
        XCTAssertGreaterThan(full, 0)
        XCTAssertEqual(quarter, full / 4, accuracy: 1e-12 * full)
        for i in 0..<model.layout.count { XCTAssertEqual(g4[i], g1[i] / 4, accuracy: 1e-12 * (abs(g1[i]) + 1e-300)) }
        let both = loss(model, ws, x, [.topPath, .reconstruction], LossWeights([.topPath: 0]), usesTop: true, grads: nil)
        XCTAssertEqual(both, loss(model, ws, x, [.reconstruction], LossWeights(), usesTop: true, grads: nil), accuracy: 1e-12)
    }
    func testL1Bottom() { check([.l1Bottom]) }
    func testL1Top() { check([.l1Top]) }
    func testGate() { check([.gate]) }
    func testOrthogonality() { check([.orthogonality]) }
    func testOrthogonalityOnASample() { check([.orthogonality], orthRows: [0, 2]) }

    /// The sample: distinct, sorted, the same for the same (seed, step), exact when it covers m2.
    func testOrthogonalitySampleIsDeterministic() {
        let a = OrthogonalitySample.rows(latents: 4096, sample: 512, seed: 3, step: 17)
        XCTAssertEqual(a, OrthogonalitySample.rows(latents: 4096, sample: 512, seed: 3, step: 17))
        XCTAssertNotEqual(a, OrthogonalitySample.rows(latents: 4096, sample: 512, seed: 3, step: 18))
        XCTAssertEqual(a?.count, 512)
        XCTAssertEqual(Set(a ?? []).count, 512)
        XCTAssertEqual(a, a?.sorted())
        XCTAssertNil(OrthogonalitySample.rows(latents: 128, sample: 512, seed: 3, step: 17))
        XCTAssertNil(OrthogonalitySample.rows(latents: 4096, sample: 0, seed: 3, step: 17))
    }
    func testMutualInformation() { check([.mutualInformation]) }
    func testTopOnlyReconstruction() { check([.topOnly]) }
    func testTopOnlyReconstructionTopKSparse() { check([.topOnly, .reconstruction], act1: .topk, act2: .topk, kernels: .sparse) }
    func testAllTermsTogether() { check(.all) }
    // The top encoder on the bottom pre-activations P1 (TopInput.pre): every term, dense and sparse kernels,
    // relu and top-k layers; the terms that reach the bottom layer through P1 alone on their own.
    func testTopOnPreActivationsAllTerms() { check(.all, topInput: .pre) }
    func testTopOnPreActivationsSparse() { check(.all, kernels: .sparse, topInput: .pre) }
    func testTopOnPreActivationsTopK() {
        check([.reconstruction, .topPath, .mutualInformation, .topOnly], act1: .topk, act2: .topk, topInput: .pre)
        check([.reconstruction, .topPath, .mutualInformation, .topOnly], act1: .topk, act2: .topk, kernels: .sparse, topInput: .pre)
    }
    func testTopOnPreActivationsL1Top() { check([.l1Top], topInput: .pre) }

    /// The variant changes the model: the same parameters give a different top code than DESIGN's Z1 input,
    /// and the top pre-activations are P1 W_enc² + b_enc² computed by a naive loop.
    func testTopOnPreActivationsReadsP1() {
        let pre = makeModel(.relu, .relu, topInput: .pre), code = makeModel(.relu, .relu)
        XCTAssertEqual(Array(pre.params.buffer), Array(code.params.buffer))
        let x = makeBatch()
        var z2: [[Double]] = []
        for model in [pre, code] {
            let ws = Workspace<Double>(config: model.config, rows: b)
            for i in 0..<x.count { ws.x.base[i] = x[i] }
            model.forward(ws, ForwardOptions(layers: 2))
            z2.append(Array(UnsafeBufferPointer(start: ws.z2.base, count: b * m2)))
        }
        XCTAssertNotEqual(z2[0], z2[1])
        let (wEnc1, bEnc1, bDec1) = (pre.view(.bottomWEnc), pre.view(.bottomBEnc), pre.view(.bottomBDec))
        let (wEnc2, bEnc2) = (pre.view(.topWEnc), pre.view(.topBEnc))
        for i in 0..<b {
            let p1 = (0..<m1).map { j in bEnc1[j] + (0..<d).reduce(0.0) { $0 + (x[i * d + $1] - bDec1[$1]) * wEnc1[j * d + $1] } }
            for k in 0..<m2 {
                let p2 = bEnc2[k] + (0..<m1).reduce(0.0) { $0 + p1[$1] * wEnc2[$1 * m2 + k] }
                XCTAssertEqual(z2[0][i * m2 + k], max(0, p2), accuracy: 1e-12, "row \(i), top latent \(k)")
            }
        }
    }
    func testAllTermsFixedGate() { check(.all, gate: .fixed) }
    func testTopKBothLayers() { check([.reconstruction, .topPath, .mutualInformation, .orthogonality], act1: .topk, act2: .topk) }
    func testBatchTopKBothLayers() { check([.reconstruction, .topPath, .mutualInformation], act1: .batchtopk, act2: .batchtopk) }
    func testTopKPhase1() { check([.reconstruction], act1: .topk, usesTop: false) }

    // The same checks through the sparse kernels (every product with a code over its active entries).
    func testSparseReconstructionPhase1() { check([.reconstruction, .l1Bottom], usesTop: false, kernels: .sparse) }
    func testSparseTopKPhase1() { check([.reconstruction], act1: .topk, usesTop: false, kernels: .sparse) }
    func testSparseAllTerms() { check(.all, kernels: .sparse) }
    func testSparseTopKBothLayers() {
        check([.reconstruction, .topPath, .mutualInformation, .orthogonality], act1: .topk, act2: .topk, kernels: .sparse)
    }
    func testSparseBatchTopKBothLayers() {
        check([.reconstruction, .topPath, .mutualInformation], act1: .batchtopk, act2: .batchtopk, kernels: .sparse)
    }

    // A k-sparse top reconstruction (ModelConfig.topDecodeK, TopDecodeK.swift): Ẑ1 keeps 3 of the 8 entries of Q a
    // row. Phase 3 (everything trains) and phase 2 (top layer and gate only, with phase 2's terms), on dense
    // kernels and on the sparse mix, relu and top-k layers.
    func testTopDecodeKPhase3() {
        for kernels in [KernelChoice.dense, .sparse] {
            check(.all, kernels: kernels, topDecodeK: 3)
            check(.all, act1: .topk, act2: .topk, kernels: kernels, topDecodeK: 3)
            check([.reconstruction, .topPath, .mutualInformation, .topOnly], act1: .batchtopk, act2: .batchtopk, kernels: kernels, topDecodeK: 2)
        }
    }
    func testTopDecodeKPhase2() {
        for kernels in [KernelChoice.dense, .sparse] {
            check(LossTerms(phase: 2), kernels: kernels, topDecodeK: 3, trainable: [.top, .gate])
            check(LossTerms(phase: 2), act1: .topk, act2: .topk, kernels: kernels, topDecodeK: 3, trainable: [.top, .gate])
        }
    }
    func testTopDecodeKTermByTerm() {
        for term in [LossTerm.reconstruction, .topPath, .mutualInformation, .topOnly, .l1Top] {
            check([term], act1: .topk, act2: .relu, kernels: .sparse, topDecodeK: 3)
        }
    }
}
