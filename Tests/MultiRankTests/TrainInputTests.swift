import Foundation
import HSAE
import XCTest

/// Bad input to `hsae train`: one clear message naming the file/value and what was expected,
/// a non-zero exit, no hang, and the run directory untouched (DESIGN §6, issue 3).
final class TrainInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-input-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A data set of `rows` × `d` random values (rows of `shards` split), optionally with a manifest.
    @discardableResult
    func makeData(_ name: String, rows: Int = 600, d: Int = 8, shards: Int = 2, manifest: Bool = true,
                  mutate: ((Int, inout [Float]) -> Void)? = nil) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 3)
        var entries: [DatasetManifest.Shard] = []
        let per = rows / shards
        for s in 0..<shards {
            var values = (0..<(per * d)).map { _ in Float(rng.nextSigned()) }
            mutate?(s, &values)
            entries.append(try ShardWriter.write(directory: path, name: "shard-\(s)", values: values, rows: per, d: d))
        }
        if manifest { try DatasetManifest(d: d, dtype: "<f4", shards: entries).write(to: path) }
        return path
    }

    /// Runs `hsae train` (single rank, or under mpirun) and checks the outcome.
    func expectFailure(_ args: [String], ranks: Int = 1, message: String, run: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let runPath = run ?? dir.appendingPathComponent("run").path
        let before = snapshot(runPath)
        let base = ["train", "--out", runPath, "--m1", "16", "--batch", "64", "--microbatch", "16", "--steps", "2,2,2"]
        let out = ranks == 1 ? try Harness.single(base + args, timeout: 120) : try Harness.mpi(ranks, base + args, timeout: 120)
        XCTAssertFalse(out.timedOut, "hung", file: file, line: line)
        XCTAssertNotEqual(out.status, 0, "succeeded: \(out.stdout)", file: file, line: line)
        XCTAssertTrue(out.stderr.contains(message), "expected '\(message)' in:\n\(out.stderr)", file: file, line: line)
        XCTAssertEqual(out.stderr.components(separatedBy: "error:").count - 1, 1, "one message expected:\n\(out.stderr)", file: file, line: line)
        XCTAssertEqual(snapshot(runPath), before, "the run directory changed", file: file, line: line)
    }

    /// Every file under `path` with its contents (nil when the path does not exist).
    func snapshot(_ path: String) -> [String: Data]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var out: [String: Data] = [:]
        for case let f as String in FileManager.default.enumerator(atPath: path)! {
            out[f] = FileManager.default.contents(atPath: path + "/" + f) ?? Data()
        }
        return out
    }

    func testMissingDirectory() throws {
        try expectFailure(["--data", dir.appendingPathComponent("nope").path], message: "nope: no such file or directory")
    }

    func testEmptyDirectory() throws {
        let empty = dir.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try expectFailure(["--data", empty], message: "empty: has no dataset.json and no .npy or .safetensors shards")
    }

    func testUnsupportedDtype() throws {
        let path = dir.appendingPathComponent("int").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try NPYFile.serialize([Int32](repeating: 1, count: 80), shape: [10, 8]).write(to: URL(fileURLWithPath: path + "/a.npy"))
        try expectFailure(["--data", path], message: "a.npy: unsupported dtype '<i4', expected '<f4' or '<f2'")
    }

    func testOneAndFourDimensionalArrays() throws {
        for (name, shape) in [("one", [80]), ("four", [2, 2, 5, 4])] {
            let path = dir.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try NPYFile.serialize([Float](repeating: 1, count: 80), shape: shape).write(to: URL(fileURLWithPath: path + "/a.npy"))
            try expectFailure(["--data", path], message: "a.npy: is a \(shape.count)-D array of shape \(shape), expected 2-D (rows × d) or 3-D (batch × seq × d)")
        }
    }

    func testShardsOfDifferentWidths() throws {
        let path = try makeData("widths", shards: 1)
        try ShardWriter.write(directory: path, name: "shard-9", values: [Float](repeating: 1, count: 30), rows: 10, d: 3)
        try FileManager.default.removeItem(atPath: path + "/dataset.json")
        try expectFailure(["--data", path], message: "shard-9.npy: has width 3, but \(path)/shard-0.npy has width 8; all shards must have the same d")
    }

    func testTruncatedShard() throws {
        let path = try makeData("trunc")
        let shard = path + "/shard-1.npy"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: shard))
        try expectFailure(["--data", path], message: "shard-1.npy: truncated: shape [300, 8] of <f4 needs 9600 data bytes, file has 9500")
    }

    func testManifestDisagreesWithShards() throws {
        let path = try makeData("lying")
        var manifest = try DatasetManifest.read(from: path)
        manifest.shards[1].rows = 299
        try manifest.write(to: path)
        try expectFailure(["--data", path], message: "shard-1.npy: has 300 rows, but dataset.json says 299")
        manifest.shards[1].rows = 300
        manifest.d = 9
        try manifest.write(to: path)
        try expectFailure(["--data", path], message: "shard-0.npy: has width 8, but dataset.json says d = 9")
    }

    func testNaNRowIsNamed() throws {
        let path = try makeData("nan") { shard, values in if shard == 1 { values[8 * 17 + 3] = .nan } }
        try expectFailure(["--data", path], message: "shard-1.npy: row 17 contains NaN or Inf (rerun with --skip-nonfinite to skip such rows)")
    }

    /// A learning rate that makes the first step diverge stops every rank with one message naming
    /// --lr, whichever value overflows first (the gradient, or a loss too large for exact mode's
    /// fixed point, which once trapped converting it), in both reduction modes.
    func testDivergingLearningRateStopsEveryRankWithOneMessage() throws {
        let path = try makeData("diverge")
        for (lr, reduction) in [("1e8", "exact"), ("1e30", "exact"), ("1e8", "fast")] {
            let run = dir.appendingPathComponent("run-\(lr)-\(reduction)").path
            let out = try Harness.mpi(2, ["train", "--data", path, "--out", run, "--m1", "16", "--batch", "64", "--microbatch", "16",
                                          "--steps", "4,2,2", "--lr", lr, "--reduction", reduction], timeout: 120)
            let label = "--lr \(lr), \(reduction)"
            XCTAssertFalse(out.timedOut, "hung: \(label)")
            XCTAssertEqual(out.status, 1, "\(label):\n\(out.stderr)")
            XCTAssertFalse(out.stderr.contains("crashed"), "\(label):\n\(out.stderr)")
            XCTAssertTrue(out.stderr.contains("--lr: non-finite loss or gradient in phase 1 (bottom), step "), "\(label):\n\(out.stderr)")
            XCTAssertEqual(out.stderr.components(separatedBy: "error:").count - 1, 1, "\(label): one message expected:\n\(out.stderr)")
        }
    }

    func testNaNRowsSkippedWhenAsked() throws {
        let path = try makeData("nanskip") { shard, values in if shard == 1 { values[8 * 17 + 3] = .infinity } }
        let run = dir.appendingPathComponent("run").path
        let out = try Harness.single(["train", "--data", path, "--out", run, "--m1", "16", "--batch", "64", "--microbatch", "16",
                                      "--steps", "2,2,2", "--skip-nonfinite"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stderr.contains("skipping 1 training rows that contain NaN or Inf"), out.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/model.safetensors"))
    }

    func testBatchLargerThanData() throws {
        let path = try makeData("small", rows: 100)
        try expectFailure(["--data", path, "--batch", "128", "--microbatch", "16"],
                          message: "--batch: 128 rows per step is larger than the 95 training rows of the data set")
    }

    func testRanksMustDivideMicrobatches() throws {
        let path = try makeData("div")
        try expectFailure(["--data", path, "--batch", "48", "--microbatch", "16"], ranks: 2,
                          message: "--batch: 3 microbatches per step (B = 48 / b = 16) cannot be split over 2 ranks")
    }

    func testTopWiderThanBottom() throws {
        let path = try makeData("m2")
        try expectFailure(["--data", path, "--m2", "32"], message: "--m2: must be in 1...m1 (16), got 32")
    }

    func testSparsityOutsideRange() throws {
        let path = try makeData("sparsity")
        try expectFailure(["--data", path, "--bottom-sparsity", "1.5"], message: "--bottom-sparsity: must be in (0, 1), got 1.5")
        try expectFailure(["--data", path, "--top-sparsity", "0"], message: "--top-sparsity: must be in (0, 1), got 0.0")
    }

    func testResumeWithConflictingConfiguration() throws {
        let path = try makeData("resume")
        let run = dir.appendingPathComponent("run").path
        let ok = try Harness.single(["train", "--data", path, "--out", run, "--m1", "16", "--batch", "64", "--microbatch", "16", "--steps", "2,2,2"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let before = snapshot(run)
        let out = try Harness.single(["train", "--resume", run, "--m1", "32"])
        XCTAssertNotEqual(out.status, 0)
        XCTAssertTrue(out.stderr.contains("--resume: the configuration conflicts with the checkpoint"), out.stderr)
        XCTAssertTrue(out.stderr.contains("given \"m1\" : 32, but the checkpoint has \"m1\" : 16"), out.stderr)
        XCTAssertEqual(snapshot(run), before)
        // Options that do not change the math may differ on resume.
        let fine = try Harness.single(["train", "--resume", run, "--checkpoint-every", "7", "--log-every", "3"])
        XCTAssertEqual(fine.status, 0, fine.stderr)
    }

    func testExistingRunIsNotOverwritten() throws {
        let path = try makeData("exists")
        let run = dir.appendingPathComponent("run").path
        let ok = try Harness.single(["train", "--data", path, "--out", run, "--m1", "16", "--batch", "64", "--microbatch", "16", "--steps", "2,2,2"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        try expectFailure(["--data", path], message: "already holds a run", run: run)
    }
}
