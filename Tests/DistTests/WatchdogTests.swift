import Dist
import Foundation
import XCTest

/// The watchdog's clock: time the process spent stopped (a gap between two checks far longer
/// than their interval) moves the deadline; time it ran without a kick does not.
final class WatchdogTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func testAPauseLongerThanTheTimeoutDoesNotCount() {
        // Kicked at t0, checked at t0 + 2, then stopped for 700 s (timeout 600): the check after
        // the pause sees 702 s since the kick, of which 699 were the pause.
        let kick = Watchdog.discountingSuspension(lastKick: t0, previousCheck: t0 + 2, now: t0 + 702, interval: 1)
        XCTAssertEqual((t0 + 702).timeIntervalSince(kick), 3, accuracy: 1e-9, "idle: 2 s before the pause and one interval")
    }

    func testAKickAfterTheResumeIsNotMoved() {
        // Stopped from t0 + 2 to t0 + 700; the step finished and kicked at t0 + 701, before the
        // watchdog's first check after the pause (t0 + 702): the kick stays where it is.
        let kick = Watchdog.discountingSuspension(lastKick: t0 + 701, previousCheck: t0 + 2, now: t0 + 702, interval: 1)
        XCTAssertEqual(kick, t0 + 701)
        // A kick from before the pause never moves past the check.
        let moved = Watchdog.discountingSuspension(lastKick: t0 + 2, previousCheck: t0 + 2, now: t0 + 702, interval: 1)
        XCTAssertLessThanOrEqual(moved, t0 + 702)
    }

    func testRunningIdleTimeCounts() {
        // Checks one interval apart never move the deadline: 601 s of them end a 600 s timeout.
        var kick = t0, previous = t0
        for s in 1...601 {
            let now = t0 + TimeInterval(s)
            kick = Watchdog.discountingSuspension(lastKick: kick, previousCheck: previous, now: now, interval: 1)
            previous = now
        }
        XCTAssertEqual(kick, t0)
        // A check that came late by less than the suspension gap (a loaded machine) counts too.
        let late = Watchdog.discountingSuspension(lastKick: t0, previousCheck: t0, now: t0 + Watchdog.suspensionGap(1), interval: 1)
        XCTAssertEqual(late, t0)
    }
}

