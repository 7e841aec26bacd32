import Dist
import Foundation
import XCTest

/// The watchdog's clock counts checks, not wall time: a check that comes after a pause of any
/// length (SIGSTOP, Ctrl-Z) adds one interval; checks while the process runs add up to the timeout.
final class WatchdogTests: XCTestCase {
    func testRunningTimeWithoutAKickReachesTheTimeout() {
        var clock = WatchdogClock(interval: 1)
        for _ in 0..<600 { clock.check() }
        XCTAssertEqual(clock.idle, 600)
        clock.check()
        XCTAssertGreaterThan(clock.idle, 600, "601 checks one second apart end a 600 s timeout")
    }

    func testAPauseCountsOneIntervalAndAKickResets() {
        // Two checks, then the process is stopped for an hour: the first check after SIGCONT is
        // one more check, whatever the wall clock says.
        var clock = WatchdogClock(interval: 0.25)
        clock.check(); clock.check()
        clock.check()  // the wake-up after the pause
        XCTAssertEqual(clock.idle, 0.75)
        clock.kick()
        XCTAssertEqual(clock.idle, 0)
        XCTAssertEqual(clock.checksSinceKick, 0)
    }

    func testOneRankHasNoWatchdog() {
        XCTAssertFalse(Watchdog.isNeeded(ranks: 1))
        XCTAssertTrue(Watchdog.isNeeded(ranks: 2))
    }

    func testTheMessageSaysWhatWasMeasured() {
        let line = Watchdog.message(rank: 1, what: "training step", idle: 11, timeout: 10)
        XCTAssertTrue(line.hasPrefix("error: rank 1: watchdog: no training step completed in 11 s of running time (limit 10 s; "), line)
        XCTAssertTrue(line.contains("stopped, e.g. by Ctrl-Z, is not counted"), line)
    }
}
