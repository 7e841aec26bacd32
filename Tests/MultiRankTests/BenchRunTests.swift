import Foundation
import XCTest

/// `hsae bench` end to end at a tiny shape: every phase timed, on 1 rank and on 2 (whose exact
/// reduction sums and updates through shared memory), and nothing left in /dev/shm afterwards.
final class BenchRunTests: XCTestCase {
    private func leftovers() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/dev/shm").filter { $0.hasPrefix("hsae") })
    }

    func testAllThreePhasesOnOneAndTwoRanksLeaveNothingBehind() throws {
        let args = ["bench", "--d", "16", "--m1", "64", "--m2", "16", "--activation", "topk", "--bottom-l0", "4", "--top-l0", "2",
                    "--phases", "123", "--steps", "2", "--warmup", "1", "--batch", "512", "--microbatch", "128", "--rows", "2048"]
        let before = try leftovers()
        for ranks in [1, 2] {
            let out = ranks == 1 ? try Harness.single(args) : try Harness.mpi(ranks, args)
            XCTAssertFalse(out.timedOut, "bench on \(ranks) rank(s) hung")
            XCTAssertEqual(out.status, 0, out.stderr)
            let results = out.stdout.split(separator: "\n").filter { $0.hasPrefix("RESULT phase=") }
            XCTAssertEqual(results.map { $0.split(separator: " ")[1] }, ["phase=1", "phase=2", "phase=3"], out.stdout)
            for line in results {
                XCTAssertTrue(line.hasSuffix("ranks=\(ranks)"), String(line))
                let rate = line.split(separator: " ").first { $0.hasPrefix("tokens_per_s=") }.flatMap { Double($0.dropFirst("tokens_per_s=".count)) }
                XCTAssertGreaterThan(try XCTUnwrap(rate, String(line)), 0, String(line))
            }
            XCTAssertTrue(out.stdout.contains("peak RSS"), out.stdout)
            XCTAssertEqual(try leftovers(), before, "bench on \(ranks) rank(s) left files in /dev/shm")
        }
    }
}
