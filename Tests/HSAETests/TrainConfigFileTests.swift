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

    /// TrainConfig codes its ModelOptions flat: each model's configuration has the bytes the
    /// binary before ModelOptions wrote (TrainConfigFixtures), built from the same flags, and a
    /// fixture decodes and re-encodes to itself.
    func testEachModelsConfigurationKeepsTheOldBinarysBytes() throws {
        func encoded(_ c: TrainConfig) throws -> String { String(decoding: try JSONFormat.encoder(.pretty).encode(c), as: UTF8.self) }
        var hsae = TrainConfig()
        hsae.model.m1 = 32
        hsae.model.m2 = 8
        hsae.model.bottomActivation = .topk
        hsae.model.topActivation = .topk
        hsae.model.bottomTarget = .l0(4)
        hsae.batch = 256
        hsae.microbatch = 128
        hsae.phaseSteps = [4, 2, 2]
        hsae.checkpointEvery = 4
        var flat = hsae
        hsae.model.topTarget = .l0(2)
        flat.model.baseline = true
        var matryoshka = flat
        matryoshka.model.matryoshkaGroups = [8, 16, 16]
        for (name, config, fixture) in [("hsae", hsae, TrainConfigFixtures.hsae), ("flat", flat, TrainConfigFixtures.flat),
                                        ("matryoshka", matryoshka, TrainConfigFixtures.matryoshka)] {
            XCTAssertEqual(try encoded(config), fixture, name)
            let decoded = try JSONDecoder().decode(TrainConfig.self, from: Data(fixture.utf8))
            XCTAssertEqual(decoded, config, name)
            XCTAssertEqual(try encoded(decoded), fixture, name)
        }
        XCTAssertEqual(type(of: hsae.modelConfig(d: 4).architecture).name, HierarchicalArchitecture.name)
        XCTAssertEqual(type(of: flat.modelConfig(d: 4).architecture).name, FlatArchitecture.name)
        XCTAssertEqual(type(of: matryoshka.modelConfig(d: 4).architecture).name, MatryoshkaArchitecture.name)
    }

    /// A file's keys are TrainConfig's and ModelOptions', both known; the optional model keys
    /// (absent from an encoded default) are known too.
    func testAFileGivesModelKeysBesideTheOthers() throws {
        let c = try TrainConfig.load(file: write(#"{"m1": 64, "m2": 16, "topDecodeK": 3, "lr": 0.002}"#))
        XCTAssertEqual(c.model.m1, 64)
        XCTAssertEqual(c.model.m2, 16)
        XCTAssertEqual(c.model.topDecodeK, 3)
        XCTAssertEqual(c.lr, 0.002)
        let path = write(#"{"m3": 1}"#)
        XCTAssertThrowsError(try TrainConfig.load(file: path)) { error in
            for key in ModelOptions.optionalKeys { XCTAssertTrue("\(error)".contains(key), "\(error)") }
        }
    }
}
