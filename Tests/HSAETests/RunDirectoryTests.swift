import Foundation
import HSAE
import XCTest

/// RunDirectory: the order in which checkpoints are tried; Run: model loading that names every
/// checkpoint it passes over.
final class RunDirectoryTests: XCTestCase {
    func testCheckpointsAreTriedNewestFirstByStepThenPhaseAndOthersIgnored() throws {
        let run = RunDirectory(temporaryDirectory(self))
        for name in ["1-0000030", "2-0000030", "3-0000100", "2-0000009", ".tmp-3-0000110-5", "notes"] {
            try FileManager.default.createDirectory(atPath: run.checkpoint(name), withIntermediateDirectories: true)
        }
        write(Data("1-0000030\n".utf8), run.latest)
        XCTAssertEqual(run.checkpointNames(), ["3-0000100", "2-0000030", "1-0000030", "2-0000009"])
    }

    func testLoadModelNamesEverySkippedCheckpointAndPrefersTheFinalModel() throws {
        let run = RunDirectory(temporaryDirectory(self))
        for name in ["1-0000010", "1-0000020"] {
            try FileManager.default.createDirectory(atPath: run.checkpoint(name), withIntermediateDirectories: true)
            write(Data("{}".utf8), run.checkpoint(name) + "/state.json")
        }
        var skipped: [RunDirectory.Skipped] = []
        XCTAssertThrowsError(try Run(run.path).loadModel { skipped.append($0) }) { error in
            XCTAssertEqual("\(error)", "\(run.path): has no model.safetensors and no valid checkpoint (2 skipped, see above)")
        }
        XCTAssertEqual(skipped.map(\.name), ["1-0000020", "1-0000010"])
        XCTAssertEqual(skipped.first?.description,
                       "skipping checkpoint 1-0000020: \(run.checkpoint("1-0000020")): state.json is not a valid trainer state")

        let config = ModelConfig(d: 4, bottom: LayerSpec(latents: 8, activation: .relu, target: .sparsity(0.9)),
                                 top: LayerSpec(latents: 2, activation: .relu, target: .sparsity(0.7)))
        write(try ModelFile.serialize(HierarchicalSAE<Float>(config: config)), run.model)
        skipped = []
        let model = try Run(run.path).loadModel { skipped.append($0) }
        XCTAssertEqual(model.config, config)
        XCTAssertTrue(skipped.isEmpty, "a finished run's model is its final model: no checkpoint is read")
        XCTAssertEqual(try Run(run.model).loadModel { skipped.append($0) }.config, config, "a model file is loaded as it is")
    }
}
