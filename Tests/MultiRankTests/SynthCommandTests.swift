import Foundation
import XCTest

/// A fresh temporary directory path (not created), removed when the test ends.
func temporaryPath(_ test: XCTestCase, _ name: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Every file below `root` (relative path → bytes).
func filesBelow(_ root: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: root)!
    while let relative = enumerator.nextObject() as? String {
        if let data = FileManager.default.contents(atPath: root + "/" + relative) { out[relative] = data }
    }
    return out
}

/// `hsae synth` and `hsae inspect` as a user runs them.
final class SynthCommandTests: XCTestCase {
    func testTinyPresetWritesADataSetThatInspectDescribes() throws {
        let out = temporaryPath(self, "synth-tiny")
        let run = try Harness.single(["synth", "--preset", "tiny", "--out", out])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, run.stdout)
        XCTAssertEqual(lines[0], "synth: preset tiny, geometry A, exclusive children, seed 1")
        XCTAssertEqual(lines[1], "  8 roots × 4 children + 8 singletons = 48 true features, 48 directions in d = 32")
        XCTAssertTrue(lines[2].hasPrefix("  20000 rows in 4 shards (f32), "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("  true mean L0 per row: parents "), lines[3])

        let inspect = try Harness.single(["inspect", out])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        for expected in ["data set \(out) (dataset.json)", "  d = 32, 20000 rows, 4 shard(s)",
                         "    shard-00000.npy  F32   5000 rows  + labels, truth", "  labels: 10 kind(s)",
                         "    parent [parent]: 9 classes; ", "    child [child]: 33 classes; ",
                         "  ground truth: geometry A, exclusive children, seed 1, noise σ = 0.02",
                         "    8 roots × 4 children + 8 singletons = 48 true features, 48 directions in d = 32",
                         "  eval split: rows 19000..<20000 (1000 rows, 5.0%, last rows)", "  E‖x‖² = "] {
            XCTAssertTrue(inspect.stdout.contains(expected), "missing '\(expected)' in:\n\(inspect.stdout)")
        }
        // The true L0 line of synth and of inspect agree (both read from the recorded truth).
        let l0 = lines[3].replacingOccurrences(of: "  true mean L0 per row: ", with: "")
        XCTAssertTrue(inspect.stdout.contains("    true mean L0: " + l0), inspect.stdout)
    }

    func testOptionsOverrideThePreset() throws {
        let out = temporaryPath(self, "synth-b")
        let run = try Harness.single(["synth", "--preset", "tiny", "--geometry", "b", "--child-mode", "independent",
                                      "--rows", "3000", "--shard-rows", "1000", "--d", "24", "--dtype", "f16", "--seed", "9", "--out", out])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("synth: preset tiny, geometry B, independent children, seed 9\n"), run.stdout)
        XCTAssertTrue(run.stdout.contains("= 48 true features, 40 directions in d = 24"), run.stdout)
        XCTAssertTrue(run.stdout.contains("  3000 rows in 3 shards (f16), "), run.stdout)
        let shard = try Harness.single(["inspect", out + "/shard-00002.npy"])
        XCTAssertEqual(shard.status, 0, shard.stderr)
        XCTAssertTrue(shard.stdout.hasPrefix("shard-00002.npy: npy, dtype <f2, shape [1000, 24], "), shard.stdout)
        XCTAssertTrue(shard.stdout.contains("\n  row 0: min "), shard.stdout)
    }

    /// The option checks themselves are LauncherTests/ParseTests (in-process); this is the path
    /// from a refusal to stderr and the exit status.
    func testABadOptionReachesStderrWithExitStatus1() throws {
        let run = try Harness.single(["synth", "--preset", "tiny", "--out", temporaryPath(self, "synth-bad"), "--d", "0"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("error: --d: must be at least 1, got 0"), run.stderr)
        let missing = try Harness.single(["synth", "--preset", "tiny"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("error: Missing expected argument '--out <out>'"), missing.stderr)
    }

    func testAnUnrelatedDirectoryIsRefusedEvenWithForce() throws {
        let out = temporaryPath(self, "synth-full")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: out + "/keep.txt", contents: Data("x".utf8)))
        let refused = try Harness.single(["synth", "--preset", "tiny", "--rows", "500", "--out", out])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "error: --out: '\(out)' is not empty (keep.txt) and holds no output of hsae synth (no .hsae-output.json); "
                       + "hsae writes only into a new or empty directory or its own earlier output, so choose another directory\n")
        let forced = try Harness.single(["synth", "--preset", "tiny", "--rows", "500", "--out", out, "--force"])
        XCTAssertEqual(forced.status, 1, forced.stderr)
        XCTAssertEqual(forced.stderr, refused.stderr)
        XCTAssertEqual(Array(filesBelow(out).keys), ["keep.txt"])
    }

    func testInspectErrors() throws {
        let missing = try Harness.single(["inspect", "/nonexistent/data"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "error: /nonexistent/data: no such file or directory\n")
        let empty = temporaryPath(self, "inspect-empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let none = try Harness.single(["inspect", empty])
        XCTAssertEqual(none.stderr, "error: \(empty): has no dataset.json and no .npy or .safetensors shards\n")
    }

    /// A checkpoint directory: tensors with shapes and metadata, state.json pretty-printed.
    func testInspectCheckpointDirectory() throws {
        let data = temporaryPath(self, "synth-ckpt")
        XCTAssertEqual(try Harness.single(["synth", "--preset", "tiny", "--rows", "100", "--out", data]).status, 0)
        let checkpoint = temporaryPath(self, "checkpoint")
        try FileManager.default.createDirectory(atPath: checkpoint, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: data + "/truth/truth.safetensors", toPath: checkpoint + "/model.safetensors")
        XCTAssertTrue(FileManager.default.createFile(atPath: checkpoint + "/state.json", contents: Data("{\"step\":12,\"phase\":1}".utf8)))
        let run = try Harness.single(["inspect", checkpoint])
        XCTAssertEqual(run.status, 0, run.stderr)
        for expected in ["checkpoint \(checkpoint): model.safetensors, state.json", "  model.safetensors: safetensors, 6 tensors",
                         "    child_directions       F32  [32, 32]", "    metadata:", "      geometry: A",
                         "  state.json:", "    {", "      \"phase\" : 1,", "      \"step\" : 12"] {
            XCTAssertTrue(run.stdout.contains(expected), "missing '\(expected)' in:\n\(run.stdout)")
        }
    }
}

/// Under mpirun only rank 0 generates; the files are those of a single-rank run.
final class SynthMultiRankTests: XCTestCase {
    func testTwoRanksWriteOnceAndTheSameBytes() throws {
        let (single, multi) = (temporaryPath(self, "synth-1"), temporaryPath(self, "synth-2"))
        let one = try Harness.single(["synth", "--preset", "tiny", "--out", single])
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try Harness.mpi(2, ["synth", "--preset", "tiny", "--out", multi], timeout: 120)
        XCTAssertFalse(two.timedOut)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertEqual(two.stdout.components(separatedBy: "synth: preset tiny").count - 1, 1, two.stdout)
        XCTAssertEqual(filesBelow(single), filesBelow(multi))
    }

    func testAFailureOnRankZeroStopsBothRanksWithOneMessage() throws {
        let out = temporaryPath(self, "synth-mpi-full")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: out + "/keep.txt", contents: Data()))
        let run = try Harness.mpi(2, ["synth", "--preset", "tiny", "--out", out], timeout: 120)
        XCTAssertFalse(run.timedOut, "a rank hung")
        XCTAssertNotEqual(run.status, 0)
        let message = "error: rank 0: --out: '\(out)' is not empty (keep.txt)"
        XCTAssertEqual(run.stderr.components(separatedBy: message).count - 1, 1, run.stderr)
    }
}
