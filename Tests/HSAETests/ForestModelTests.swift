@testable import HSAE
import XCTest

/// The forest model (issue 28, work in progress): its phase-2/3 gradient against float64 finite
/// differences with a hand-set forest, and the top code against a naive loop.
final class ForestModelTests: XCTestCase {
    let (d, m, m2, b) = (5, 9, 3, 6)

    func model() -> HierarchicalSAE<Double> {
        let config = ModelConfig(d: d, bottom: LayerSpec(latents: m, activation: .topk, target: .l0(4)),
                                 top: LayerSpec(latents: m2, activation: .topk, target: .l0(1)), gate: .learned,
                                 topDecoderNonNegative: false, matryoshkaGroups: [3, 3, 3], model: ForestArchitecture.name)
        let model = HierarchicalSAE<Double>(config: config)
        model.kernels = .sparse
        var rng = SplitMix64(seed: 5)
        for i in 0..<model.params.count { model.params[i] = 0.6 * rng.nextSigned() }
        let bEnc = model.view(.bottomBEnc)
        for j in 0..<bEnc.count { bEnc[j] = abs(bEnc[j]) * 0.5 }
        let w = model.view(ForestArchitecture.childWeight)
        for j in 0..<w.count { w[j] = abs(w[j]) + 0.2 }
        let parents: [Double] = [0, 0, -1, 1, 2, 1, -1, 2, 0]
        for (i, p) in parents.enumerated() { model.view(ForestArchitecture.parent)[i] = p }
        return model
    }

    func loss(_ model: HierarchicalSAE<Double>, _ ws: Workspace<Double>, _ x: [Double], grads: TensorBuffer<Double>?) -> Double {
        for i in 0..<x.count { ws.x.base[i] = x[i] }
        model.forward(ws, ForwardOptions(layers: 2))
        return model.dataTerms(ws, terms: [.reconstruction], weights: LossWeights([:]),
                               microbatch: MicrobatchWeights(rowWeight: 1 / Double(b), miWeight: 1), layers: 2,
                               trainable: [.bottom, .top, .gate], grads: grads).total
    }

    func testGradientAgainstFiniteDifferences() {
        let model = model()
        XCTAssertTrue(model.architecture is ForestArchitecture)
        let ws = Workspace<Double>(config: model.config, rows: b)
        var rng = SplitMix64(seed: 6)
        let x = (0..<(b * d)).map { _ in 1.5 * rng.nextSigned() }
        let grads = TensorBuffer<Double>(count: model.layout.count)
        let value = loss(model, ws, x, grads: grads)
        XCTAssertTrue(value.isFinite && value != 0)
        XCTAssertGreaterThan(ws.layers[1].code.count, 0, "the top code has entries")
        for entry in model.layout.entries where entry.id.group != 3 {
            var num = 0.0, diff = 0.0
            for i in entry.range {
                let keep = model.params[i]
                model.params[i] = keep + 1e-6
                let up = loss(model, ws, x, grads: nil)
                model.params[i] = keep - 1e-6
                let down = loss(model, ws, x, grads: nil)
                model.params[i] = keep
                let fd = (up - down) / 2e-6
                diff += (grads[i] - fd) * (grads[i] - fd)
                num += fd * fd
            }
            XCTAssertLessThan(diff.squareRoot() / max(num.squareRoot(), 1e-12), 1e-5, "\(entry.name)")
        }
    }

    func testTopCodeIsThePooledChildren() {
        let model = model()
        let ws = Workspace<Double>(config: model.config, rows: b)
        var rng = SplitMix64(seed: 7)
        for i in 0..<(b * d) { ws.x.base[i] = 1.5 * rng.nextSigned() }
        model.forward(ws, ForwardOptions(layers: 2))
        let parents = model.forestParents(), w = model.view(ForestArchitecture.childWeight)
        for r in 0..<b {
            var expect = [Double](repeating: 0, count: m2)
            for i in 0..<m where parents[i] >= 0 { expect[parents[i]] += w[i] * ws.z1.row(r)[i] }
            let code = ws.layers[1].code
            var got = [Double](repeating: 0, count: m2)
            for q in code.start[r] ..< code.start[r + 1] { got[Int(code.index[q])] = code.value[q] }
            for t in 0..<m2 { XCTAssertEqual(got[t], expect[t], accuracy: 1e-12, "row \(r) unit \(t)") }
        }
    }
}
