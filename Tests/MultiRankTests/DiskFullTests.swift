import Foundation
import XCTest

/// Issue 14, item 5: a metrics append on a full disk trapped (`FileHandle.write`). Here the
/// disk really is full — a 64 kB tmpfs, mounted in a private mount namespace so that nothing
/// outside the test sees it, with 52 kB taken — and the run must stop with one message naming
/// metrics.jsonl and the cause. Needs root and `unshare -m`: skipped, with the reason, elsewhere.
final class DiskFullTests: XCTestCase {
    func testMetricsAppendOnAFullDiskIsOneClearError() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to mount a small tmpfs") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-full-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir + "/mnt", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        TinyRuns.synth(dir + "/tiny")
        let train = [Harness.hsae, "train", "--data", dir + "/tiny", "--out", dir + "/mnt/run", "--m1", "64", "--m2", "16",
                     "--batch", "512", "--microbatch", "128", "--steps", "30,20,20", "--bottom-l0", "4", "--top-l0", "2",
                     "--log-every", "1", "--checkpoint-every", "1000"].map { "'\($0)'" }.joined(separator: " ")
        let script = """
            mount -t tmpfs -o size=64k tmpfs '\(dir)/mnt' || { echo "cannot mount" >&2; exit 77; }
            head -c 53248 /dev/zero > '\(dir)/mnt/filler'
            \(train)
            """
        let out = try Harness.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", script], timeout: 120)
        if out.status == 77 || out.stderr.contains("unshare failed") || out.stderr.contains("Operation not permitted") {
            throw XCTSkip("cannot mount a tmpfs in a private mount namespace here: \(out.stderr)")
        }
        XCTAssertFalse(out.timedOut, "hung")
        XCTAssertEqual(out.status, 1, out.stderr)
        XCTAssertTrue(out.stderr.contains("/mnt/run/metrics.jsonl: cannot append to the metrics log: "), out.stderr)
        XCTAssertTrue(out.stderr.contains("(disk full? free space and resume)"), out.stderr)
        XCTAssertFalse(out.stderr.contains("Fatal error") || out.stderr.contains("crashed"), out.stderr)
        XCTAssertEqual(TinyRuns.errorCount(out.stderr), 1, out.stderr)
    }
}
