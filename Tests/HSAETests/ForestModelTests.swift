@testable import HSAE
import XCTest

/// The forest model (issue 28, work in progress): its phase-2/3 gradient against float64 finite
/// differences with a hand-set forest and directions, the top code against a naive loop, and the
/// fit's principal direction against a closed form.
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
        let u = model.view(ForestArchitecture.directions)
        for t in 0..<m2 {
            let norm = (0..<d).reduce(0.0) { $0 + u.row(t)[$1] * u.row(t)[$1] }.squareRoot()
            for j in 0..<d { u.row(t)[j] /= norm }
        }
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

    /// a_t = ReLU(⟨x − b_dec − Σ_{parent(i) ≠ t} z_i d_i, u_t⟩) when a child of t fires: the
    /// explained-away form of the legend, computed densely here.
    func testTopCodeIsTheExplainedAwayProjection() {
        let model = model()
        let ws = Workspace<Double>(config: model.config, rows: b)
        var rng = SplitMix64(seed: 7)
        for i in 0..<(b * d) { ws.x.base[i] = 1.5 * rng.nextSigned() }
        model.forward(ws, ForwardOptions(layers: 2))
        let parents = model.forestParents(), wDec = model.view(.bottomWDec), u = model.view(ForestArchitecture.directions)
        let bDec = model.view(.bottomBDec)
        var entries = 0
        for r in 0..<b {
            let z = ws.z1.row(r)
            var expect = [Double](repeating: 0, count: m2)
            for t in 0..<m2 {
                guard (0..<m).contains(where: { parents[$0] == t && z[$0] > 0 }) else { continue }
                var rest = (0..<d).map { ws.x.row(r)[$0] - bDec[$0] }
                for i in 0..<m where parents[i] != t { for j in 0..<d { rest[j] -= z[i] * wDec.row(i)[j] } }
                expect[t] = max(0, (0..<d).reduce(0.0) { $0 + rest[$1] * u.row(t)[$1] })
            }
            let code = ws.layers[1].code
            var got = [Double](repeating: 0, count: m2)
            for q in code.start[r] ..< code.start[r + 1] { got[Int(code.index[q])] = code.value[q] }
            entries += code.start[r + 1] - code.start[r]
            for t in 0..<m2 { XCTAssertEqual(got[t], expect[t], accuracy: 1e-12, "row \(r) unit \(t)") }
        }
        XCTAssertGreaterThan(entries, 0)
    }

    /// Two members with orthogonal rows d_0 = e_0, d_1 = (e_1 + e_2)/√2 and moments C: DᵀCD has
    /// the eigenvectors of the 2 × 2 C in that basis; the top one, mapped back, is the answer.
    func testPrincipalDirectionIsTheTopEigenvector() {
        let s = 1 / 2.0.squareRoot()
        let rows = [[1.0, 0, 0, 0], [0, s, s, 0]]
        let (a, c, bb) = (3.0, 1.0, 1.2)              // C = [[a, bb], [bb, c]]
        let lambda = (a + c) / 2 + (((a - c) / 2) * ((a - c) / 2) + bb * bb).squareRoot()
        var e = [bb, lambda - a]
        let n = (e[0] * e[0] + e[1] * e[1]).squareRoot()
        e = [e[0] / n, e[1] / n]
        let expect = [e[0], e[1] * s, e[1] * s, 0]
        let got = Trainer.principalDirection(rows: rows, moments: [a, bb, bb, c])
        for j in 0..<4 { XCTAssertEqual(got[j], expect[j], accuracy: 1e-9) }
        // A single member: its own row, signed like it.
        XCTAssertEqual(Trainer.principalDirection(rows: [[0, -1, 0, 0]], moments: [2]), [0, -1, 0, 0])
    }
    /// The energy share of the principal direction is λ₁ / trace(DᵀCD): with orthonormal rows, λ₁ / (a + c).
    func testEnergyShareIsTheTopEigenvaluesShare() {
        let s = 1 / 2.0.squareRoot()
        let rows = [[1.0, 0, 0, 0], [0, s, s, 0]]
        let (a, c, bb) = (3.0, 1.0, 1.2)
        let lambda = (a + c) / 2 + (((a - c) / 2) * ((a - c) / 2) + bb * bb).squareRoot()
        let principal = Trainer.principalDirection(rows: rows, moments: [a, bb, bb, c])
        XCTAssertEqual(Trainer.energyShare(principal, rows: rows, moments: [a, bb, bb, c]), lambda / (a + c), accuracy: 1e-9)
        // The unit mean (1, s, s, 0)/‖·‖ by hand: Du = (1, 1)/√2, uᵀDᵀCDu = (a + 2bb + c)/2.
        XCTAssertEqual(Trainer.energyShare(Trainer.unitMean(rows), rows: rows, moments: [a, bb, bb, c]), (a + 2 * bb + c) / 2 / (a + c), accuracy: 1e-12)
    }

    /// Eval's learned edges and the browser's claimed children: each unit's children (forest.parent)
    /// with their loadings ⟨d_i, u_t⟩, against a naive loop.
    func testAssignedChildrenAreTheForestWithItsLoadings() {
        let source = model()
        let model = HierarchicalSAE<Float>(config: source.config)
        for i in 0..<model.params.count { model.params[i] = Float(source.params[i]) }
        let assigned = model.config.architecture.assignedChildren(model, edge: 0)!
        let parents = [0, 0, -1, 1, 2, 1, -1, 2, 0]
        XCTAssertEqual(assigned.map { $0.map(\.latent) }, (0..<m2).map { t in parents.indices.filter { parents[$0] == t } })
        let wDec = model.view(.bottomWDec), u = model.view(ForestArchitecture.directions)
        for (t, children) in assigned.enumerated() {
            for child in children {
                let naive = (0..<d).reduce(0.0) { $0 + Double(wDec.row(child.latent)[$1]) * Double(u.row(t)[$1]) }
                XCTAssertEqual(child.value, naive, accuracy: 1e-5)
            }
        }
        // The design-v1 HSAE reads its edge's weights instead.
        XCTAssertNil(HierarchicalSAE<Float>(config: ModelConfig(d: d, bottom: LayerSpec(latents: m, activation: .topk, target: .l0(2)),
                                                                 top: LayerSpec(latents: m2, activation: .topk, target: .l0(1))))
                        .config.architecture.assignedChildren(model, edge: 0))
    }
}
