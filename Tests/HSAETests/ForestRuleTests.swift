@testable import HSAE
import XCTest

/// ForestRule on hand-built counts: three exclusive siblings, a positive pair, an independent latent.
final class ForestRuleTests: XCTestCase {
    /// Simulated strong firings over N rows: on half the rows one of latents 0–2 (never two), 3 and 4
    /// always together on a third of the rows, 5 independently on every second row; 6–9 at chance.
    func counts() -> CoFiringCounts {
        let m = 10, rows = 30_000
        var c = [Double](repeating: 0, count: m * m)
        var rng = SplitMix64(seed: 11)
        for _ in 0..<rows {
            var on: [Int] = []
            let u = rng.nextSigned()
            if u > 0 { on.append(min(2, Int(u * 3))) }
            if rng.nextSigned() < -1.0 / 3 { on += [3, 4] }
            if rng.nextSigned() > 0 { on.append(5) }
            for j in 6..<10 where rng.nextSigned() > 0.5 { on.append(j) }
            for a in on { for b in on { c[a * m + b] += 1 } }
        }
        return CoFiringCounts(latents: m, pairs: c, rows: Double(rows))
    }

    func testSiblingsAndThePositivePairAreFound() {
        let groups = ForestRule().groups(counts()).map { $0.sorted() }
        XCTAssertTrue(groups.contains([0, 1, 2]), "\(groups)")
        XCTAssertTrue(groups.contains([3, 4]), "\(groups)")
        XCTAssertFalse(groups.joined().contains(5), "\(groups)")
        let all = groups.joined()
        XCTAssertEqual(all.count, Set(all).count, "each latent in at most one group: \(groups)")
    }

    func testTheCapSplitsAGroup() {
        var rule = ForestRule()
        rule.cap = 2
        let groups = ForestRule.groups(rule)(counts())
        XCTAssertTrue(groups.allSatisfy { $0.count <= 2 }, "\(groups)")
        XCTAssertFalse(groups.map { $0.sorted() }.contains([0, 1, 2]))
    }
}
