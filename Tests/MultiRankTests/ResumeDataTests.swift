import Foundation
import HSAE
import XCTest

/// Resume refuses changed data (issue 14, items 1–2): a run records a fingerprint of its
/// shards, and `--resume` names the shard that changed; manifests cannot point outside their
/// directory or give negative row counts. Every refusal: one message, non-zero exit, nothing written.
final class ResumeDataTests: XCTestCase {
    static let work = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-resume-data-\(UUID())").path
    static var data: String { work + "/tiny" }
    static var run: String { work + "/run" }

    override class func setUp() {
        super.setUp()
        TinyRuns.synth(data)
        let out = try? Harness.single(["train", "--data", data, "--out", run] + TinyRuns.common)
        precondition(out?.status == 0, "training failed: \(out?.stderr ?? "did not run")")
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
        super.tearDown()
    }

    /// A copy of the data set with one value of shard 0 changed (same shape, same size).
    func changedCopy() throws -> String {
        let copy = Self.work + "/changed-\(UUID())"
        try FileManager.default.copyItem(atPath: Self.data, toPath: copy)
        try? FileManager.default.removeItem(atPath: copy + "/" + DataFingerprint.cacheName)
        let npy = try NPYFile(path: copy + "/shard-00000.npy")
        var values = [Float](repeating: 0, count: npy.elementCount)
        values.withUnsafeMutableBufferPointer { npy.dtype.convert(npy.data.baseAddress!, count: npy.elementCount, into: $0.baseAddress!) }
        let shape = npy.shape
        values[5] += 1
        try NPYFile.serialize(values, shape: shape).write(to: URL(fileURLWithPath: copy + "/shard-00000.npy"))
        return copy
    }

    func expectRefusal(_ args: [String], _ message: String, untouched path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = TinyRuns.snapshot(path)
        let out = try Harness.single(args)
        XCTAssertFalse(out.timedOut, "hung", file: file, line: line)
        XCTAssertNotEqual(out.status, 0, "succeeded: \(out.stdout)", file: file, line: line)
        XCTAssertTrue(out.stderr.contains(message), "expected '\(message)' in:\n\(out.stderr)", file: file, line: line)
        XCTAssertEqual(TinyRuns.errorCount(out.stderr), 1, "one message expected:\n\(out.stderr)", file: file, line: line)
        XCTAssertEqual(TinyRuns.snapshot(path), before, "\(path) changed", file: file, line: line)
    }

    func testResumeRefusesChangedShardValues() throws {
        let changed = try changedCopy()
        try expectRefusal(["train", "--resume", Self.run, "--data", changed],
                          "\(changed): the data changed since the run started: shard shard-00000.npy has changed (checksum ",
                          untouched: Self.run)
    }

    func testAllowDataChangeContinuesWithAWarning() throws {
        let changed = try changedCopy()
        let run = Self.work + "/allow"
        try FileManager.default.copyItem(atPath: Self.run, toPath: run)
        try FileManager.default.removeItem(atPath: run + "/model.safetensors")
        let out = try Harness.single(["train", "--resume", run, "--data", changed, "--allow-data-change"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stderr.contains("warning: \(changed): the data changed since the run started (shard shard-00000.npy has changed"), out.stderr)
        // The new fingerprint is recorded: resuming again on the changed data is accepted without a warning.
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/model.safetensors"))
    }

    func testResumeOnTheSameDataIsAccepted() throws {
        let run = Self.work + "/same"
        try FileManager.default.copyItem(atPath: Self.run, toPath: run)
        try FileManager.default.removeItem(atPath: run + "/model.safetensors")
        let out = try Harness.single(["train", "--resume", run])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertFalse(out.stderr.contains("changed"), out.stderr)
    }

    /// A data set whose dataset.json is `manifest` (the shards of the tiny set, edited).
    func editedManifest(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let dir = Self.work + "/edited-\(UUID())"
        try FileManager.default.copyItem(atPath: Self.data, toPath: dir)
        let path = dir + "/dataset.json"
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return dir
    }

    func testShardNameOutsideTheDataSetIsRefused() throws {
        // The file exists, so only the name check stands between it and training.
        let outside = Self.work + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.data + "/shard-00000.npy", toPath: outside + "/secret.npy")
        let dir = try editedManifest { object in
            var shards = object["shards"] as! [[String: Any]]
            shards[0]["file"] = "../outside/secret.npy"
            shards[0]["labels"] = nil
            shards[0]["truth"] = nil
            object["shards"] = shards
        }
        let run = Self.work + "/outside-run"
        try expectRefusal(["train", "--data", dir, "--out", run] + TinyRuns.common,
                          "\(dir)/dataset.json: shards[0].file '../outside/secret.npy' is not a file name inside the data set's directory",
                          untouched: run)
        try expectRefusal(["inspect", dir], "shards[0].file '../outside/secret.npy' is not a file name inside", untouched: run)
    }

    func testNegativeRowCountIsRefused() throws {
        let dir = try editedManifest { object in
            var shards = object["shards"] as! [[String: Any]]
            shards[1]["rows"] = -5
            object["shards"] = shards
        }
        let run = Self.work + "/negative-run"
        try expectRefusal(["train", "--data", dir, "--out", run] + TinyRuns.common,
                          "\(dir)/dataset.json: shards[1] (shard-00001.npy) has rows -5, expected a count >= 0", untouched: run)
    }

    func testTamperedStateJSONIsRefused() throws {
        let run = Self.work + "/tampered"
        try FileManager.default.copyItem(atPath: Self.run, toPath: run)
        try FileManager.default.removeItem(atPath: run + "/model.safetensors")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints").filter { $0 != "latest" }
        for name in checkpoints {  // every checkpoint says "phase 7": nothing valid is left to resume from
            let path = run + "/checkpoints/" + name + "/state.json"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let edited = text.replacingOccurrences(of: #""phaseIndex" : \d+"#, with: "\"phaseIndex\" : 7", options: .regularExpression)
            XCTAssertNotEqual(edited, text)
            try edited.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let before = TinyRuns.snapshot(run)
        let out = try Harness.single(["train", "--resume", run])
        XCTAssertNotEqual(out.status, 0, out.stdout)
        XCTAssertTrue(out.stderr.contains("state.json is corrupt or was edited"), out.stderr)
        XCTAssertTrue(out.stderr.contains("error: \(run): no valid checkpoint to resume from (all were skipped, see above)"), out.stderr)
        XCTAssertEqual(TinyRuns.snapshot(run), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/model.safetensors"), "an edited state must not finish the run")
    }
}
