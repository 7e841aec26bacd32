import Foundation
import HSAE
import XCTest

/// Checkpoint hygiene (issue 14, item 6 and must-show 5): SIGKILL at each of 12 points of a
/// checkpoint write, then resume — no temporaries left, the newest complete checkpoint used,
/// the final model byte-identical to an uninterrupted run; --keep-checkpoints; the run lock.
final class CheckpointHygieneTests: XCTestCase {
    static let work = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-hygiene-\(UUID())").path
    static var data: String { work + "/tiny" }

    override class func setUp() {
        super.setUp()
        TinyRuns.synth(data)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
        super.tearDown()
    }

    func train(_ name: String, _ extra: [String] = []) throws -> Harness.Outcome {
        let out = try Harness.single(["train", "--data", Self.data, "--out", Self.work + "/" + name] + TinyRuns.common + extra)
        XCTAssertFalse(out.timedOut, "\(name) hung")
        return out
    }

    func checkpoints(_ run: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: run + "/checkpoints")) ?? [])
            .filter { !$0.hasPrefix(".") && $0 != "latest" }.sorted()
    }

    func testTwelveKillsDuringCheckpointWritesThenResume() throws {
        let options = ["--keep-checkpoints", "1", "--checkpoint-every", "1"]
        let reference = try train("reference", options)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expectedModel = try Data(contentsOf: URL(fileURLWithPath: Self.work + "/reference/model.safetensors"))
        XCTAssertEqual(Checkpoint.WritePoint.allCases.count, 12)
        for point in Checkpoint.WritePoint.allCases {
            // Step 7 is inside phase 2; with --keep-checkpoints 1 its write also prunes 2-0000006.
            let name = "killed-\(point.rawValue)"
            let run = Self.work + "/" + name
            let killed = try train(name, options + ["--inject-kill-at-write", "\(point.rawValue):7"])
            XCTAssertNotEqual(killed.status, 0, "\(point): the process was not killed")
            XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/model.safetensors"))
            let newest = checkpoints(run).max { (Checkpoint.globalStep(ofName: $0) ?? -1) < (Checkpoint.globalStep(ofName: $1) ?? -1) }
            let expected = try XCTUnwrap(newest, "\(point): no checkpoint survived")
            XCTAssertTrue(["2-0000006", "2-0000007"].contains(expected), "\(point): newest is \(expected)")

            let resumed = try Harness.single(["train", "--resume", run])
            XCTAssertEqual(resumed.status, 0, "\(point): \(resumed.stderr)")
            XCTAssertTrue(resumed.stdout.contains("resuming \(run) from \(run)/checkpoints/\(expected) "), "\(point): \(resumed.stdout)")
            XCTAssertEqual(TinyRuns.temporaries(run), [], "\(point): temporaries left in the run")
            XCTAssertEqual(TinyRuns.temporaries(run + "/checkpoints"), [], "\(point): temporaries left in checkpoints/")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: run + "/model.safetensors")), expectedModel,
                           "\(point): the resumed model differs from the uninterrupted one")
        }
    }

    func testResumeUsesTheNewestCompleteCheckpointNotAStaleLatest() throws {
        let out = try train("stale-latest")
        XCTAssertEqual(out.status, 0, out.stderr)
        let run = Self.work + "/stale-latest"
        try FileManager.default.removeItem(atPath: run + "/model.safetensors")
        try Data("1-0000004\n".utf8).write(to: URL(fileURLWithPath: run + "/checkpoints/latest"))
        let resumed = try Harness.single(["train", "--resume", run])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("from \(run)/checkpoints/3-0000012 (global step 12)"), resumed.stdout)
    }

    func testKeepCheckpointsKeepsPhaseEndsAndTheNewest() throws {
        let out = try train("keep", ["--keep-checkpoints", "2", "--checkpoint-every", "1"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(checkpoints(Self.work + "/keep"), ["1-0000004", "2-0000008", "3-0000011", "3-0000012"])
        let byDefault = try train("keep-default", ["--checkpoint-every", "1"])
        XCTAssertEqual(byDefault.status, 0, byDefault.stderr)
        XCTAssertEqual(checkpoints(Self.work + "/keep-default"), ["1-0000004", "2-0000008", "3-0000010", "3-0000011", "3-0000012"])
    }

    func testASecondProcessOnTheSameRunIsRefusedNamingThePID() throws {
        let out = try train("locked")
        XCTAssertEqual(out.status, 0, out.stderr)
        let run = Self.work + "/locked"
        try FileManager.default.removeItem(atPath: run + "/model.safetensors")
        let lock = try RunLock(run: run)  // this test process plays the first, live hsae
        let before = TinyRuns.snapshot(run)
        let second = try Harness.single(["train", "--resume", run])
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertTrue(second.stderr.contains("error: rank 0: \(run): is in use by another hsae process (PID \(getpid()), holding \(run)/.lock)"), second.stderr)
        XCTAssertEqual(TinyRuns.errorCount(second.stderr), 1, second.stderr)
        XCTAssertEqual(TinyRuns.snapshot(run), before, "the refused process changed the run")
        // Once the holder is gone (here: released; after a crash: the kernel drops it) the resume runs.
        _ = consume lock
        let third = try Harness.single(["train", "--resume", run])
        XCTAssertEqual(third.status, 0, third.stderr)
    }
}
