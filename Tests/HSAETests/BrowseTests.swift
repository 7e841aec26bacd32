import Foundation
@testable import HSAE
import XCTest

/// The feature browser's building blocks: example sets that merge exactly, fixed bins, links.
final class BrowseTests: XCTestCase {
    /// Offers (value, row) firings of one latent to slots, in the given order.
    func slots(_ policy: ExampleSlots.Policy, _ firings: [(Float, Int)], capacity: Int = 3) -> ExampleSlots {
        var s = ExampleSlots(policy: policy, latents: 1, capacity: capacity, contextWidth: 1)
        for (v, r) in firings {
            let key = policy == .sample ? ExampleSlots.sampleKey(row: r, latent: 0, layer: 0) : 0
            s.offer(latent: 0, value: v, row: r, key: key) { $0[0] = v }
        }
        return s
    }

    func testTopKeepsTheLargestWithTheLowerRowOnTies() {
        let firings: [(Float, Int)] = [(1, 10), (5, 11), (2, 12), (5, 3), (2, 4), (0.5, 5), (2, 1)]
        let kept = slots(.top, firings).examples(latent: 0)
        XCTAssertEqual(kept.map(\.row), [3, 11, 1], "5 (row 3), 5 (row 11), then the lowest row among the 2s")
        XCTAssertEqual(kept.map(\.value), [5, 5, 2])
        XCTAssertEqual(kept.map { $0.context[0] }, [5, 5, 2], "each example keeps its own context")
        let reversed = slots(.top, firings.reversed()).examples(latent: 0)
        XCTAssertEqual(reversed, kept, "the order rows arrive in does not matter")
    }

    func testMergedPartsEqualOnePassForBothPolicies() {
        var rng = SplitMix64(seed: 7)
        let firings = (0..<200).map { (Float(Int(rng.next() % 16)) / 4, $0) }  // many ties
        for policy in [ExampleSlots.Policy.top, .sample] {
            let whole = slots(policy, firings, capacity: 5)
            for cut in [1, 50, 137] {
                let merged = ExampleSlots.merged([slots(policy, Array(firings[..<cut]), capacity: 5),
                                                  slots(policy, Array(firings[cut...]), capacity: 5)])
                XCTAssertEqual(merged.examples(latent: 0), whole.examples(latent: 0), "\(policy), cut at \(cut)")
            }
        }
    }

    func testSampleIsSpreadOverTheRows() {
        let firings = (0..<10_000).map { (Float(1), $0) }
        let rows = slots(.sample, firings, capacity: 100).examples(latent: 0).map(\.row)
        XCTAssertEqual(rows.count, 100)
        XCTAssertEqual(Double(rows.filter { $0 < 5_000 }.count), 50, accuracy: 20, "about half from each half of the rows")
    }

    func testActivationBinsAreFixedDecades() {
        XCTAssertEqual(ActivationBins.slot(0.0005), 0, "underflow")
        XCTAssertEqual(ActivationBins.slot(0.001), 1)
        XCTAssertEqual(ActivationBins.slot(1), 1 + 24, "1e0 starts bin 24")
        XCTAssertEqual(ActivationBins.slot(999), ActivationBins.bins)
        XCTAssertEqual(ActivationBins.slot(1000), ActivationBins.bins + 1, "overflow")
        XCTAssertEqual(ActivationBins.lowerEdge(8), 0.01, accuracy: 1e-12)
    }

    func testFixedPointSumsDoNotDependOnOrder() {
        var rng = SplitMix64(seed: 3)
        let values = (0..<1000).map { _ in Double(rng.next() % 1_000_000) / 7919 }
        let forward = values.reduce(Int64(0)) { $0 + ActivationFixedPoint.quantise($1) }
        let backward = values.reversed().reduce(Int64(0)) { $0 + ActivationFixedPoint.quantise($1) }
        XCTAssertEqual(forward, backward)
        XCTAssertEqual(ActivationFixedPoint.value(forward), values.reduce(0, +), accuracy: 1e-3)
    }

    func testRelativeLinkFromReportToBrowser() throws {
        XCTAssertEqual(Run.relativePath(to: "/a/run/site/index.html", from: "/a/report"), "../run/site/index.html")
        XCTAssertEqual(Run.relativePath(to: "/a/run/site/index.html", from: "/a/run"), "site/index.html")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-link-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/run/site", withIntermediateDirectories: true)
        XCTAssertNil(Run(root + "/run").browserIndex(from: root + "/report"), "no site yet")
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/run/site/index.html"))
        XCTAssertEqual(Run(root + "/run").browserIndex(from: root + "/report"), "../run/site/index.html")
    }

    func testHTMLEscapesEveryMarkupCharacter() {
        XCTAssertEqual(HTMLText.escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(RowContext.display("##ing").text, "ing")
        XCTAssertTrue(RowContext.display("##ing").joins)
        XCTAssertFalse(RowContext.display("walk").joins)
    }
}

final class ReportBrowserLinkTests: XCTestCase {
    func testReportLinksToTheBrowserOnlyWhenOneExists() throws {
        var report = EvalFixture().sampleReport()
        XCTAssertNil(report.browser)
        XCTAssertFalse(report.html().contains("Feature browser"))
        report.browser = "../run/site/index.html"
        XCTAssertTrue(report.html().contains("<a href=\"../run/site/index.html\">"))
        XCTAssertTrue(report.markdown().contains("Feature browser: [../run/site/index.html](../run/site/index.html)"))
        let decoded = try EvalReport.decode(try report.jsonData())
        XCTAssertEqual(decoded.browser, "../run/site/index.html", "report.json keeps the link")
    }
}
