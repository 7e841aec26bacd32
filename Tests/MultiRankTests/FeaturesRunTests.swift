import Foundation
import HSAE
import XCTest

/// `hsae features` as a user runs it, on a tiny synthetic run trained once for the class: one
/// rank, two ranks and three ranks (with chunks that do not divide evenly) write byte-identical
/// sites; the site has one page per latent, an index tree, ground-truth matches, and no remote URL.
final class FeaturesRunTests: XCTestCase {
    static var root: String!
    static var setupError: String?

    override class func setUp() {
        super.setUp()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-features-\(UUID())").path
        let steps: [[String]] = [
            ["synth", "--preset", "tiny", "--rows", "8000", "--shard-rows", "2000", "--out", root + "/data"],
            ["train", "--data", root + "/data", "--out", root + "/run", "--m1", "32", "--m2", "8", "--activation", "topk",
             "--bottom-l0", "4", "--top-l0", "2", "--batch", "256", "--microbatch", "128", "--steps", "60,30,30", "--lr", "3e-3"],
        ]
        for args in steps {
            guard let out = try? Harness.single(args), out.status == 0 else {
                setupError = "setup failed: hsae \(args.joined(separator: " "))"
                return
            }
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let error = Self.setupError { XCTFail(error) }
    }

    func path(_ name: String) -> String { Self.root + "/" + name }

    /// Every file of a site, relative path → bytes.
    func files(_ site: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: site)!
        while let name = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: site + "/" + name, isDirectory: &isDir), !isDir.boolValue {
                out[name] = try Data(contentsOf: URL(fileURLWithPath: site + "/" + name))
            }
        }
        return out
    }

    func testOneTwoAndThreeRanksWriteByteIdenticalSites() throws {
        let args = ["features", "--run", path("run"), "--chunk-rows", "37", "--examples", "5"]
        let one = try Harness.single(args + ["--out", path("site1")])
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try Harness.mpi(2, args + ["--out", path("site2")])
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(two.stdout.contains("on 2 rank(s)"), two.stdout)
        let three = try Harness.mpi(3, args + ["--out", path("site3")])
        XCTAssertEqual(three.status, 0, three.stderr)

        let a = try files(path("site1")), b = try files(path("site2")), c = try files(path("site3"))
        XCTAssertEqual(a.count, 1 + 1 + 8 + 32, "the output marker, index, 8 top pages, 32 bottom pages")
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, bytes) in a {
            XCTAssertEqual(bytes, b[name], "\(name): 1 rank vs 2 ranks")
            XCTAssertEqual(bytes, c[name], "\(name): 1 rank vs 3 ranks")
        }

        let index = String(decoding: a["index.html"]!, as: UTF8.self)
        XCTAssertEqual(index.components(separatedBy: "<details class=\"node\"").count - 1, 8, "one tree node per top latent")
        XCTAssertTrue(index.contains("tree vs truth"), "synthetic data: the tree is scored against the true hierarchy")
        XCTAssertTrue(one.stdout.contains("tree vs truth:"), one.stdout)
        let top = String(decoding: a["top/0.html"]!, as: UTF8.self)
        XCTAssertTrue(top.contains("Activation histogram") && top.contains("<svg"))
        XCTAssertTrue(top.contains("Ground truth") && top.contains("ρ"))
        XCTAssertTrue(top.contains("Children: bottom latents"))
        XCTAssertTrue(top.contains("Random examples from lower activation quantiles"))
        let bottom = String(decoding: a["bottom/0.html"]!, as: UTF8.self)
        XCTAssertTrue(bottom.contains("Parents: top latents"))
        for (name, bytes) in a {
            let html = String(decoding: bytes, as: UTF8.self)
            XCTAssertNil(html.range(of: #"(src|href)="(https?:)?//"#, options: .regularExpression), "\(name) loads nothing remote")
        }
    }

    func testTopExamplesAreTheLargestActivationsInOrder() throws {
        let out = try Harness.single(["features", "--run", path("run"), "--examples", "3", "--out", path("site-k3")])
        XCTAssertEqual(out.status, 0, out.stderr)
        let page = try String(contentsOfFile: path("site-k3/top/1.html"), encoding: .utf8)
        let section = page.components(separatedBy: "activating examples</h2>")[1].components(separatedBy: "</table>")[0]
        let values = section.components(separatedBy: "<tr><td class=\"num\">").dropFirst().compactMap { Double($0.prefix { $0 != "<" }) }
        XCTAssertEqual(values.count, 3, "--examples 3")
        XCTAssertEqual(values, values.sorted(by: >), "largest first")
        let largest = page.components(separatedBy: "largest activation</th><td class=\"num\">")[1].prefix { $0 != "<" }
        XCTAssertEqual(Double(largest), values.first)
    }

    /// Given the run's own data set, the scan covers its evaluation split (the last 5 % of 8,000
    /// rows); --all-rows covers every row, training rows included, and says so on the index.
    func testAllRowsScansTheWholeDataSet() throws {
        let split = try Harness.single(["features", "--run", path("run"), "--data", path("data"), "--out", path("site-split")])
        XCTAssertEqual(split.status, 0, split.stderr)
        XCTAssertTrue(split.stdout.contains("pass over 400 rows"), split.stdout)
        let all = try Harness.single(["features", "--run", path("run"), "--all-rows", "--out", path("site-all")])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stdout.contains("pass over 8000 rows"), all.stdout)
        let index = try String(contentsOfFile: path("site-all/index.html"), encoding: .utf8)
        XCTAssertTrue(index.contains("every row (--all-rows): rows 0..&lt;8000"), "the index names the rows it covers")
    }

    /// (Option ranges such as --examples 0 are LauncherTests/ParseTests, in-process.)
    func testBadArgumentsFailWithOneMessage() throws {
        let cases: [([String], String)] = [
            (["features", "--run", path("missing"), "--out", path("x")], "no such run directory"),
            (["features", "--run", path("run"), "--out", path("data/dataset.json")], "is a file"),
        ]
        for (args, message) in cases {
            let out = try Harness.single(args)
            XCTAssertNotEqual(out.status, 0, args.joined(separator: " "))
            XCTAssertTrue(out.stderr.contains(message), "\(args): \(out.stderr)")
        }
    }
}

/// The site in headless Chromium: the tree expands, the search filters, and no page starts a
/// request that leaves the machine (checked against Chromium's net log, with a control page that
/// does make one, so the check can fail).
final class FeaturesChromiumTests: XCTestCase {
    func testSiteRendersOfflineTreeExpandsAndSearchFilters() throws {
        _ = try ChromiumProbe.browser()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-features-chromium-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for args in [["synth", "--preset", "tiny", "--rows", "4000", "--shard-rows", "2000", "--out", root + "/data"],
                     ["train", "--data", root + "/data", "--out", root + "/run", "--m1", "32", "--m2", "8", "--activation", "topk",
                      "--bottom-l0", "4", "--top-l0", "2", "--batch", "256", "--microbatch", "128", "--steps", "30,15,15"],
                     ["features", "--run", root + "/run", "--out", root + "/site", "--examples", "4"]] {
            let out = try Harness.single(args)
            XCTAssertEqual(out.status, 0, "hsae \(args[0]): \(out.stderr)")
        }
        let index = try ChromiumProbe.visit("file://" + root + "/site/index.html?selftest=t3")
        let check = try XCTUnwrap(index.selftest, "the index ran its self-check: \(index.dom.suffix(500))")
        XCTAssertEqual(check["topNodes"] as? Int, 8)
        XCTAssertEqual(check["expands"] as? Bool, true, "a top latent's node opens to show its children: \(check)")
        let before = try XCTUnwrap(check["before"] as? Int), after = try XCTUnwrap(check["after"] as? Int)
        XCTAssertGreaterThan(before, 1)
        XCTAssertEqual(after, 1, "searching 't3' leaves T3 only")
        XCTAssertEqual((check["remote"] as? [Any])?.count, 0, "no remote URL in the page: \(check)")
        XCTAssertEqual(ChromiumProbe.remote(index.pageRequests), [])

        for page in ["top/0.html", "bottom/0.html"] {
            let visit = try ChromiumProbe.visit("file://" + root + "/site/" + page)
            XCTAssertTrue(visit.dom.contains("latent T0") || visit.dom.contains("latent B0"), page)
            XCTAssertEqual(ChromiumProbe.remote(visit.pageRequests), [], page)
        }

        // Control: a page that does load a remote image is caught by the same check.
        try "<html><body><img src=\"http://198.51.100.7/x.png\"></body></html>".write(toFile: root + "/control.html", atomically: true, encoding: .utf8)
        let control = try ChromiumProbe.visit("file://" + root + "/control.html")
        XCTAssertEqual(ChromiumProbe.remote(control.pageRequests), ["http://198.51.100.7/x.png"])
    }
}
