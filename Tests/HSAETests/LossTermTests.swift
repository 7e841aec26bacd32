import Foundation
import HSAE
import XCTest

/// The loss-term table (LossTerm.all) and what is derived from it: sets, weights and their
/// on-disk form, parts, phases, and the value-only path of the data terms.
final class LossTermTests: XCTestCase {
    /// Ids index LossParts and LossTerms' bits: they must be 0 ..< count in table order, and
    /// names, weight keys and options must each name one term.
    func testTheTableIsConsistent() {
        XCTAssertEqual(LossTerm.all.map(\.id), Array(0..<LossTerm.all.count))
        let names = LossTerm.all.map(\.name), keys = LossTerm.all.compactMap { $0.weight?.key }
        let options = LossTerm.all.compactMap { $0.weight?.option }
        for list in [names, keys, options] { XCTAssertEqual(Set(list).count, list.count, "\(list)") }
        XCTAssertFalse(keys.contains("orthSample"), "orthSample is LossWeights' own key")
        for term in LossTerm.all {
            XCTAssertEqual(LossTerm.named(term.name), term)
            XCTAssertTrue(term.phases.isSubset(of: [1, 2, 3]) && !term.phases.isEmpty, "\(term.name): phases \(term.phases)")
            XCTAssertTrue(term.weight?.option.hasPrefix("--") ?? true)
        }
    }

    /// DESIGN §4's phases, by name (metrics.jsonl's names): phase 1 the bottom layer's terms,
    /// phase 2 the top layer's and the gate's, phase 3 all of them.
    func testPhasesOptimiseTheDesignsTerms() {
        XCTAssertEqual(TrainingPhase.bottomOnly(steps: 1).terms.members.map(\.name), ["rec", "l1_bottom", "aux"])
        XCTAssertEqual(TrainingPhase.topOnly(steps: 1).terms.members.map(\.name), ["rec", "top", "l1_top", "gate", "orth", "mi", "top_only"])
        XCTAssertEqual(TrainingPhase.endToEnd(steps: 1, lrFactor: 1).terms, LossTerms.all)
        XCTAssertEqual(TrainingPhase.baseline(steps: 1).terms, TrainingPhase.bottomOnly(steps: 1).terms)
    }

    func testSetOperations() {
        var s: LossTerms = [.reconstruction, .mutualInformation]
        XCTAssertTrue(s.contains(.mutualInformation))
        XCTAssertFalse(s.contains(.topOnly))
        XCTAssertEqual(s.insert(.topOnly).inserted, true)
        XCTAssertEqual(s.insert(.topOnly).inserted, false)
        XCTAssertEqual(s.remove(.reconstruction), .reconstruction)
        XCTAssertNil(s.remove(.reconstruction))
        XCTAssertEqual(s.members, [.mutualInformation, .topOnly])
        XCTAssertEqual(s.intersection([.topOnly, .gate]), [.topOnly])
        XCTAssertEqual(s.union([.gate]).members, [.gate, .mutualInformation, .topOnly])
        XCTAssertEqual(LossTerms.all.members, LossTerm.all)
        var config = TrainConfig()
        config.disabledTerms = ["orth", "mi"]
        XCTAssertEqual(config.terms, LossTerms.all.subtracting([.orthogonality, .mutualInformation]))
    }

    /// config.json's and state.json's "weights" keep the bytes written before the table: the
    /// defaults in the previous format's form (sorted keys, as JSONEncoder.sorted writes them; β_top's
    /// default is 0.1 since session 11, docs/DECISIONS.md "The defaults"), and a round trip through an
    /// old file is exact.
    /// A pass's terms (`LossTerms.active`): top_only goes at weight 0 and stays above it; a term
    /// not marked skippedAtZeroWeight (mi) stays at weight 0.
    func testActiveTermsDropOnlyTheMarkedTermsAtWeightZero() {
        let terms: LossTerms = [.reconstruction, .topOnly, .mutualInformation]
        XCTAssertEqual(terms.active(LossWeights([.topOnly: 0, .mutualInformation: 0])), [.reconstruction, .mutualInformation])
        XCTAssertEqual(terms.active(LossWeights([.topOnly: 0.5, .mutualInformation: 0])), terms)
        XCTAssertEqual(LossTerm.all.filter(\.skippedAtZeroWeight).map(\.name), ["top_only"])
    }

    func testWeightsKeepTheirOnDiskForm() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let old = #"{"auxK":0.03125,"betaGate":0.01,"betaMI":1,"betaOrth":1,"betaTop":0.1,"betaTopOnly":0,"lambda1":1,"lambda2":1,"orthSample":512}"#
        XCTAssertEqual(String(decoding: try encoder.encode(LossWeights()), as: UTF8.self), old)
        let changed = #"{"auxK":0.125,"betaGate":0.5,"betaMI":0,"betaOrth":2,"betaTop":0.1,"betaTopOnly":0.25,"lambda1":3,"lambda2":0.75,"orthSample":0}"#
        let decoded = try JSONDecoder().decode(LossWeights.self, from: Data(changed.utf8))
        XCTAssertEqual(decoded[.gate], 0.5)
        XCTAssertEqual(decoded[.l1Top], 0.75)
        XCTAssertEqual(decoded.orthSample, 0)
        XCTAssertEqual(String(decoding: try encoder.encode(decoded), as: UTF8.self), changed)
        // A key an older file lacks takes the term's `whenAbsent`; one that was always there is required.
        let missing = #"{"betaGate":0.01,"betaMI":1,"betaOrth":1,"lambda1":1}"#
        XCTAssertThrowsError(try JSONDecoder().decode(LossWeights.self, from: Data(missing.utf8))) { error in
            XCTAssertTrue("\(error)".contains("lambda2"), "\(error)")
        }
    }

    func testValidationNamesTheTermsOption() {
        for term in LossTerm.all {
            guard let option = term.weight?.option else { continue }
            var c = TrainConfig()
            c.weights[term] = -1
            XCTAssertThrowsError(try c.validate(trainingRows: nil, ranks: 1)) { error in
                XCTAssertTrue("\(error)".contains(option), "\(term.name): \(error)")
            }
        }
        var c = TrainConfig()
        c.disabledTerms = ["rec", "nonsense"]
        XCTAssertThrowsError(try c.validate(trainingRows: nil, ranks: 1)) { error in
            XCTAssertTrue("\(error)".contains("'nonsense'") && "\(error)".contains("top_only"), "\(error)")
        }
    }

    /// Without gradients, `dataTerms` computes the values on the same path as with them (there is
    /// no separate loss-only copy): equal bit for bit, for every term, activation and kernel.
    func testValuesWithoutGradientsAreTheValuesWithGradients() {
        let (d, m1, m2, b) = (6, 12, 4, 9)
        for (act, kernels) in [(ActivationKind.relu, KernelChoice.dense), (.relu, .sparse), (.topk, .dense), (.topk, .sparse), (.batchtopk, .sparse)] {
            let config = ModelConfig(d: d, bottom: LayerSpec(latents: m1, activation: act, target: .l0(3)),
                                     top: LayerSpec(latents: m2, activation: act, target: .l0(2)))
            let model = HierarchicalSAE<Float>(config: config)
            model.kernels = kernels
            var rng = SplitMix64(seed: 5)
            for i in 0..<model.params.count { model.params[i] = Float(0.5 * rng.nextSigned()) }
            for id in [TensorID.bottomBEnc, .topBEnc, .topBDec] { let v = model.view(id); for j in 0..<v.count { v[j] = abs(v[j]) } }
            let ws = Workspace<Float>(config: config, rows: b)
            for i in 0..<(b * d) { ws.x.base[i] = Float(rng.nextSigned()) }
            let weights = LossWeights([.topOnly: 0.5])
            let mw = MicrobatchWeights(rowWeight: 1 / Double(b), miWeight: 1)
            func parts(_ grads: TensorBuffer<Float>?) -> LossParts {
                model.forward(ws, ForwardOptions(layers: 2))
                return model.dataTerms(ws, terms: .all, weights: weights, microbatch: mw, layers: 2,
                                       trainable: [.bottom, .top, .gate], grads: grads)
            }
            let withGrads = parts(TensorBuffer<Float>(count: model.layout.count)), without = parts(nil)
            XCTAssertEqual(without, withGrads, "\(act), \(kernels)")
            for term in [LossTerm.reconstruction, .topPath, .mutualInformation, .topOnly] {
                XCTAssertNotEqual(without[term], 0, "\(act), \(kernels): \(term.name) is 0 — the check would be empty")
            }
            if act == .relu { XCTAssertNotEqual(without[.l1Top], 0, "\(kernels)") }
        }
    }
}
