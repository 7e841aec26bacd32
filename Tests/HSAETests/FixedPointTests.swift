@testable import HSAE
import XCTest

/// Exact mode's conversions against the plain arithmetic they replace.
final class FixedPointTests: XCTestCase {
    func testAccumulateRoundsToNearestEvenAndClamps() {
        let g: [Float] = [0, 1.25, -1.25, 2.5, -2.5, 3.75, 1e-9, -7, 1e20, -1e20, .leastNonzeroMagnitude]
        var acc = [Int64](repeating: 5, count: g.count)
        let limit: Int64 = 1 << 20
        let clamped = acc.withUnsafeMutableBufferPointer { FixedPoint.accumulate(g, count: g.count, scale: 2, limit: limit, into: $0.baseAddress!) }
        let expected: [Int64] = g.map { v in
            let x = Double(v) * 2
            return 5 + (abs(x) > Double(limit) ? (x > 0 ? limit : -limit) : Int64(x.rounded(.toNearestOrEven)))
        }
        XCTAssertEqual(acc, expected)
        XCTAssertEqual(clamped.clamped, 2)
        XCTAssertEqual(clamped.nonFinite, 0)
        // overwrite: the same values without the 5 that was there (a step's first microbatch)
        var fresh = [Int64](repeating: 5, count: g.count)
        let clampedFresh = fresh.withUnsafeMutableBufferPointer {
            FixedPoint.accumulate(g, count: g.count, scale: 2, limit: limit, into: $0.baseAddress!, overwrite: true)
        }
        XCTAssertEqual(fresh, expected.map { $0 - 5 })
        XCTAssertEqual(clampedFresh.clamped, 2)
        var back = [Float](repeating: 0, count: g.count)
        back.withUnsafeMutableBufferPointer { FixedPoint.decode(acc, count: acc.count, scale: 0.5, into: $0.baseAddress!) }
        XCTAssertEqual(back, expected.map { Float(Double($0) * 0.5) })
    }

    /// Random values over the whole range the limit allows: the float trick equals rounding.
    func testAccumulateEqualsRoundingOnRandomValues() {
        var rng = SplitMix64(seed: 5)
        let g = (0..<10_000).map { _ in Float(rng.nextSigned()) * Float(1 << 20) }
        var acc = [Int64](repeating: 0, count: g.count)
        _ = acc.withUnsafeMutableBufferPointer { FixedPoint.accumulate(g, count: g.count, scale: 0x1p29, limit: 1 << 50, into: $0.baseAddress!) }
        for (a, v) in zip(acc, g) { XCTAssertEqual(a, Int64((Double(v) * 0x1p29).rounded(.toNearestOrEven))) }
    }
}
