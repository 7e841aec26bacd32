import Foundation
import HSAE
import XCTest

/// state.json is covered by its own checksum and validated against its configuration and the
/// model (issue 14, item 3): edits that once gave "done", a truncated metrics log or a trap
/// are refused with a message naming the field.
final class CheckpointStateTests: XCTestCase {
    let model = FuzzTests.smallModel

    func testAValidCheckpointLoads() throws {
        let run = temporaryDirectory(self)
        let dir = try CheckpointFixture.write(run: run, model: model)
        let loaded = try Checkpoint.load(dir)
        XCTAssertEqual(loaded.state.globalStep, 15)
    }

    func testAnEditedStateJSONIsRefusedByItsChecksum() throws {
        let run = temporaryDirectory(self)
        let dir = try CheckpointFixture.write(run: run, model: model)
        let path = dir + "/state.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"globalStep\" : 15", with: "\"globalStep\" : 16").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Checkpoint.load(dir)
            XCTFail("an edited state.json loaded")
        } catch let error as HSAEError {
            XCTAssertTrue(error.description.hasPrefix("\(dir): state.json is corrupt or was edited (checksum "), error.description)
        }
    }

    func testAStateWithoutAChecksumIsRefused() throws {
        let run = temporaryDirectory(self)
        let dir = try CheckpointFixture.write(run: run, model: model)
        let path = dir + "/state.json"
        let state = try JSONDecoder().decode(TrainerState.self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
        var unsigned = state
        unsigned.stateChecksum = nil
        try JSONEncoder().encode(unsigned).write(to: URL(fileURLWithPath: path))
        assertThrows("\(dir): state.json has no stateChecksum (written by an older hsae, or edited by hand)") { try Checkpoint.load(dir) }
    }

    /// Writes a checkpoint whose (re-signed) state has `field` set to `value`; expects `message`.
    func expectRefused(_ field: String, _ value: Any, _ message: String, sinceFired: Int? = nil,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let run = temporaryDirectory(self)
        let dir = try CheckpointFixture.write(run: run, model: model, sinceFired: sinceFired) { $0[field] = value }
        assertThrows("\(dir)/state.json: \(message)", file: file, line: line) { try Checkpoint.load(dir) }
    }

    func testPhaseIndexBeyondThePhasesIsRefused() throws {
        try expectRefused("phaseIndex", 7, "phaseIndex (7) is invalid: expected 0..<3, the phases of its config")
    }

    func testNegativeGlobalStepIsRefused() throws {
        try expectRefused("globalStep", -5, "globalStep (-5) is invalid: expected 15 (steps of the earlier phases + stepInPhase)")
    }

    func testStepBeyondThePhaseIsRefused() throws {
        try expectRefused("stepInPhase", 11, "stepInPhase (11) is invalid: expected 0...10, the length of phase 1")
    }

    func testShortDeadLatentCountersAreRefused() throws {
        try expectRefused("ranks", 1, "dead.steps_since_fired (3 entries) is invalid: expected m1 + m2 = 10 entries (optimizer.safetensors)", sinceFired: 3)
    }

    func testNonFiniteOrNegativeNumbersAreRefused() throws {
        try expectRefused("lambda1", -1.0, "lambda1 (-1.0) is invalid: expected a finite number >= 0")
        try expectRefused("dataVariance", 0.0, "dataVariance (0.0) is invalid: expected a finite number > 0")
        try expectRefused("d", 5, "d (5) is invalid: expected the model's d = 4")
    }

    /// state.json keeps a key per layer's λ (`lambda1`, `lambda2` for the HSAE): decoding and
    /// re-encoding a two-layer model's file gives its bytes back.
    func testATwoLayerStateKeepsItsBytes() throws {
        let run = temporaryDirectory(self)
        let dir = try CheckpointFixture.write(run: run, model: model) { $0["lambda2"] = 0.375 }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/state.json"))
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("\"lambda1\" : 1,") && text.contains("\"lambda2\" : 0.375,"), text)
        let loaded = try Checkpoint.load(dir)
        XCTAssertEqual(loaded.state.lambdas, [1, 0.375])
        XCTAssertEqual(try StateChecksum.encode(loaded.state), bytes)
    }

    func testAMissingLambdaIsRefused() throws {
        let run = temporaryDirectory(self)
        let dir = try CheckpointFixture.write(run: run, model: model) { $0.removeValue(forKey: "lambda2") }
        assertThrows("\(dir)/state.json: lambda2 (missing) is invalid: expected a λ per layer of the model (2)") { try Checkpoint.load(dir) }
    }

    /// A single-layer model's state written before λs were per layer has a second λ and a second
    /// controller, unused: it loads, and they are dropped (the file written next has one of each).
    func testAnOldSingleLayerStateLoadsWithoutItsSecondSlot() throws {
        var config = TrainConfig()
        config.m1 = 8
        config.m2 = 2
        config.baseline = true
        config.baselineL0 = 1
        config.bottomActivation = .relu
        config.phaseSteps = [10, 10, 10]
        let single = config.modelConfig(d: 4)
        let controller = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(SparsityController(lambda: 1.5)))
        let run = temporaryDirectory(self)
        let dir = try CheckpointFixture.write(run: run, model: single) { object in
            var c = object["config"] as! [String: Any]
            c["m1"] = 8
            c["m2"] = 2
            c["baseline"] = true
            c["baselineL0"] = 1.0
            object["config"] = c
            object["phaseIndex"] = 0     // the baseline's one phase of 30 steps
            object["stepInPhase"] = 15
            object["lambda2"] = 0.5
            object["controllers"] = [controller, controller]
        }
        let loaded = try Checkpoint.load(dir)
        XCTAssertEqual(loaded.state.lambdas, [1])
        XCTAssertEqual(loaded.state.controllers, [SparsityController(lambda: 1.5)])
        let rewritten = try XCTUnwrap(try JSONSerialization.jsonObject(with: try StateChecksum.encode(loaded.state)) as? [String: Any])
        XCTAssertEqual(rewritten["lambda1"] as? Double, 1)
        XCTAssertNil(rewritten["lambda2"])   // (config.weights keeps its lambda2: the --lambda2 weight)
        XCTAssertEqual((rewritten["controllers"] as? [Any])?.count, 1)
    }

    func testAConfigThatDoesNotMatchTheModelIsRefused() throws {
        let run = temporaryDirectory(self)
        let dir = try CheckpointFixture.write(run: run, model: model) { object in
            var config = object["config"] as! [String: Any]
            config["m1"] = 16
            object["config"] = config
        }
        assertThrows("\(dir)/state.json: config is invalid: expected the architecture of model.safetensors (m1 8, m2 2)") { try Checkpoint.load(dir) }
    }
}
