import Foundation
import HSAE
import XCTest

/// `hsae train --config FILE`: defaults overlaid with the file's keys; old run configurations
/// (written before `betaTop` existed) keep the weight they were trained with.
final class TrainConfigFileTests: XCTestCase {
    func write(_ json: String) -> String {
        let path = temporaryDirectory(self) + "/config.json"
        try! json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testAFileGivesAnySubsetOfKeysAndOfWeights() throws {
        let c = try TrainConfig.load(file: write(#"{"lr": 0.002, "weights": {"betaMI": 0, "betaTop": 0.5}}"#))
        XCTAssertEqual(c.lr, 0.002)
        XCTAssertEqual(c.weights[.mutualInformation], 0)
        XCTAssertEqual(c.weights[.topPath], 0.5)
        XCTAssertEqual(c.weights[.orthogonality], TrainConfig().weights[.orthogonality], "unnamed weights keep their defaults")
        XCTAssertEqual(c.weights[.gate], TrainConfig().weights[.gate])
    }

    func testUnknownKeysAreNamed() {
        let path = write(#"{"weights": {"betaMi": 0}}"#)
        XCTAssertThrowsError(try TrainConfig.load(file: path)) { error in
            XCTAssertTrue("\(error)".contains("\(path): unknown key 'weights.betaMi'"), "\(error)")
        }
        let top = write(#"{"learningRate": 0.1}"#)
        XCTAssertThrowsError(try TrainConfig.load(file: top)) { error in
            XCTAssertTrue("\(error)".contains("unknown key 'learningRate'"), "\(error)")
        }
    }

    /// A run or checkpoint written before `betaTop` existed was trained with the top-path term at
    /// weight 1; decoding its configuration must not silently switch it to the new default.
    func testWeightsWithoutBetaTopDecodeAsTheWeightTheyWereTrainedWith() throws {
        let old = #"{"betaGate": 0.01, "betaMI": 1, "betaOrth": 1, "lambda1": 2.5, "lambda2": 1}"#
        let w = try JSONDecoder().decode(LossWeights.self, from: Data(old.utf8))
        XCTAssertEqual(w[.topPath], 1)
        XCTAssertEqual(w[.l1Bottom], 2.5)
        let roundTrip = try JSONDecoder().decode(LossWeights.self, from: try JSONEncoder().encode(LossWeights([.topPath: 0.25])))
        XCTAssertEqual(roundTrip, LossWeights([.topPath: 0.25]))
    }

    /// The defaults are the configuration issue 11's benchmark chose (docs/DECISIONS.md, "The
    /// defaults"): top-k layers, β_top 0.1. relu layers below β_top 1 get one warning naming both
    /// ways out; DESIGN's pair, the bias control, a baseline and a run without phase 3 get none.
    func testDefaultsAreTopKAtBetaTopOneTenthAndReluBelowOneIsWarned() {
        let defaults = TrainConfig()
        XCTAssertEqual(defaults.bottomActivation, .topk)
        XCTAssertEqual(defaults.topActivation, .topk)
        XCTAssertEqual(defaults.weights[.topPath], 0.1)
        XCTAssertEqual(defaults.advisories, [])
        var relu = defaults
        relu.bottomActivation = .relu
        relu.topActivation = .relu
        XCTAssertEqual(relu.advisories.count, 1)
        XCTAssertTrue(relu.advisories.first?.contains("--beta-top 1") == true, "\(relu.advisories)")
        XCTAssertTrue(relu.advisories.first?.contains("--phase3-bias-control") == true, "\(relu.advisories)")
        var topRelu = defaults
        topRelu.topActivation = .relu
        XCTAssertEqual(topRelu.advisories.count, 1, "a relu top layer alone is warned too")
        var design = relu
        design.weights[.topPath] = 1
        XCTAssertEqual(design.advisories, [])
        var held = relu
        held.phase3BiasControl = 0.2
        XCTAssertEqual(held.advisories, [])
        var baseline = relu
        baseline.baseline = true
        XCTAssertEqual(baseline.advisories, [])
        var noPhase3 = relu
        noPhase3.phaseSteps = [10, 10, 0]
        XCTAssertEqual(noPhase3.advisories, [])
    }
}
