import Foundation
import HSAE
import XCTest

/// Checks that happen before anything is trained or written (issue 14, item 6): a NaN row
/// anywhere in the training rows is found at the start (the fingerprint pass), not when a batch
/// happens to read it; a model too large for the machine is refused by its sizes.
final class UpfrontCheckTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-upfront-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TinyRuns.synth(dir + "/tiny")  // 20 000 rows in 4 shards of 5 000; the last 5 % are the eval split
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// Sets one value of row `local` of shard 3 to NaN.
    func poison(local: Int) throws {
        let path = dir + "/tiny/shard-00003.npy"
        let npy = try NPYFile(path: path)
        var values = [Float](repeating: 0, count: npy.elementCount)
        values.withUnsafeMutableBufferPointer { npy.dtype.convert(npy.data.baseAddress!, count: npy.elementCount, into: $0.baseAddress!) }
        let shape = npy.shape
        values[local * shape[1] + 1] = .nan
        try NPYFile.serialize(values, shape: shape).write(to: URL(fileURLWithPath: path))
    }

    func train(_ run: String) throws -> Harness.Outcome {
        // A 16-row scale sample: the old code met the NaN row only when a batch read it.
        try Data(#"{"scaleSampleRows": 16}"#.utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        return try Harness.single(["train", "--data", dir + "/tiny", "--out", dir + "/" + run, "--config", dir + "/config.json"] + TinyRuns.common)
    }

    func testANaNTrainingRowIsRefusedBeforeAnythingIsWritten() throws {
        try poison(local: 0)  // global row 15 000, a training row
        let out = try train("run")
        XCTAssertEqual(out.status, 1, out.stderr)
        XCTAssertTrue(out.stderr.contains("error: \(dir!)/tiny/shard-00003.npy: row 0 contains NaN or Inf (rerun with --skip-nonfinite to skip such rows)"), out.stderr)
        XCTAssertEqual(TinyRuns.errorCount(out.stderr), 1, out.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/run"), "the run directory was created")
    }

    func testANaNRowInTheEvaluationSplitDoesNotStopTraining() throws {
        try poison(local: 4_900)  // global row 19 900: held out, never trained on
        let out = try train("run")
        XCTAssertEqual(out.status, 0, out.stderr)
    }

    /// Issue 29: eval reads every row of its split, so its NaN message must not advise
    /// --skip-nonfinite (an option eval does not have).
    func testEvalOnANaNRowDoesNotAdviseAnOptionEvalLacks() throws {
        try poison(local: 4_900)  // held out: training succeeds, evaluation reads it
        XCTAssertEqual(try train("run").status, 0)
        let out = try Harness.single(["eval", "--run", dir + "/run", "--out", dir + "/report", "--probe-rows", "0"])
        XCTAssertEqual(out.status, 1, out.stderr)
        XCTAssertTrue(out.stderr.contains("error: rank 0: \(dir!)/tiny/shard-00003.npy: row 4900 contains NaN or Inf (hsae train --skip-nonfinite "
            + "skips such rows in training; eval and features read every row they are given, so fix or remove the row)"), out.stderr)
        XCTAssertFalse(out.stderr.contains("rerun with --skip-nonfinite"), out.stderr)
        let refused = try Harness.single(["eval", "--run", dir + "/run", "--out", dir + "/report2", "--skip-nonfinite"])
        XCTAssertTrue(refused.stderr.contains("Unknown option '--skip-nonfinite'"), "the option eval lacks: " + refused.stderr)
    }

    /// Issue 29: a negative number after an option is its value, so the range check speaks.
    func testANegativeValueGetsTheRangeErrorNotMissingValue() throws {
        for spelled in [["--lr", "-1"], ["--lr=-1"]] {
            let out = try Harness.single(["train", "--data", dir + "/tiny", "--out", dir + "/neg"] + spelled)
            XCTAssertEqual(out.status, 1, out.stderr)
            XCTAssertTrue(out.stderr.contains("error: --lr: must be > 0, got -1.0"), "\(spelled): " + out.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/neg"))
        }
    }

    /// Issue 29: an --out longer than the system allows is named as such, before the data is read
    /// (the data path here does not exist: its error would come first if it were read first).
    func testAnOverlongOutIsRefusedByLengthBeforeTheDataIsRead() throws {
        let long = dir + "/" + Array(repeating: String(repeating: "x", count: 200), count: 21).joined(separator: "/")
        for args in [["train", "--data", dir + "/missing"], ["synth", "--preset", "tiny"], ["eval", "--run", dir + "/missing"]] {
            let out = try Harness.single(args + ["--out", long])
            XCTAssertEqual(out.status, 1, out.stderr)
            XCTAssertTrue(out.stderr.contains("error: --out: the path is \(long.utf8.count) bytes long; the system's limit is 4095 bytes (PATH_MAX)"),
                          "\(args[0]): " + out.stderr)
            XCTAssertFalse(out.stderr.contains("invalid"), out.stderr)
        }
        let name = dir + "/" + String(repeating: "n", count: 300)
        let out = try Harness.single(["synth", "--preset", "tiny", "--out", name])
        XCTAssertTrue(out.stderr.contains("is 300 bytes long; the system's limit for one name is 255 bytes (NAME_MAX)"), out.stderr)
    }

    func testAModelLargerThanTheMachineIsRefusedBeforeAllocation() throws {
        let out = try Harness.single(["train", "--data", dir + "/tiny", "--out", dir + "/big", "--m1", "1073741824", "--m2", "1"])
        XCTAssertEqual(out.status, 1, out.stderr)
        XCTAssertTrue(out.stderr.contains("error: --m1: a model with d = 32, m1 = 1073741824, m2 = 1 needs "), out.stderr)
        XCTAssertTrue(out.stderr.contains("more than this machine's "), out.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/big"))
    }
}
