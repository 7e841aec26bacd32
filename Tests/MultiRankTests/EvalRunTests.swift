import Foundation
import HSAE
import XCTest

/// `hsae eval` and `hsae sweep` as a user runs them, on tiny synthetic runs trained once for the
/// class: one, two and three ranks write byte-identical report.json files, the report has the
/// ground-truth section, bad input fails with one message and writes nothing.
final class EvalRunTests: XCTestCase {
    /// data/, run/ (HSAE), base/ (baseline), made once: a few seconds of training.
    static var root: String!
    static var setupError: String?

    static let trainFlags = ["--m1", "32", "--m2", "8", "--activation", "topk", "--bottom-l0", "4", "--top-l0", "2",
                             "--batch", "256", "--microbatch", "128", "--steps", "60,30,30", "--lr", "3e-3"]
    /// Small probe subsample and iteration cap: the probes are checked, not their quality.
    static let evalFlags = ["--probe-rows", "400", "--probe-iterations", "100"]

    override class func setUp() {
        super.setUp()
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-eval-\(UUID())").path
        let steps: [[String]] = [
            ["synth", "--preset", "tiny", "--rows", "8000", "--shard-rows", "2000", "--out", root + "/data"],
            ["train", "--data", root + "/data", "--out", root + "/run"] + trainFlags,
            ["train", "--data", root + "/data", "--out", root + "/base", "--baseline"] + trainFlags,
            ["train", "--data", root + "/data", "--out", root + "/mat", "--m1", "32", "--m2", "8", "--baseline", "matryoshka",
             "--baseline-l0", "6", "--batch", "256", "--microbatch", "128", "--steps", "60,30,30", "--lr", "3e-3"],
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

    func report(_ dir: String) throws -> EvalReport {
        try EvalReport.decode(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + EvalReport.jsonName)))
    }

    func testOneTwoAndThreeRanksWriteByteIdenticalReportsWithTheGroundTruthSection() throws {
        let numbers = try evaluateOnOneTwoAndThreeRanks(baseline: "base", out: "rep")
        XCTAssertGreaterThan(numbers, 1000, "the comparison saw the report's numbers")

        let r = try report(path("rep1"))
        XCTAssertEqual(r.rows, 400, "the last 5 % of 8000 rows")
        XCTAssertEqual(r.rowsSource, "evaluation split")
        XCTAssertEqual(r.reconstruction.map(\.name), ["full", "skip_only", "top_only", "baseline"])
        XCTAssertEqual(r.sparsity.map(\.name), ["bottom", "top", "baseline"])
        XCTAssertEqual(r.code("top")!.meanL0, 2, accuracy: 1e-12, "top-k keeps exactly k")
        let gt = try XCTUnwrap(r.groundTruth, "synthetic data: the ground-truth section")
        XCTAssertEqual(gt.models.map(\.model), ["hsae", "baseline"])
        XCTAssertEqual(gt.parents, 8)
        XCTAssertEqual(gt.parentDetection.count, 8)
        XCTAssertTrue(gt.parentDetection.allSatisfy { $0.top != nil && $0.bottom != nil && $0.baseline != nil })
        XCTAssertEqual(gt.models[0].absorption.count, 32, "one gap per true edge")
        XCTAssertNotNil(gt.models[0].edgeRecovery?.f1)
        XCTAssertNotNil(gt.models[0].levelAssignment?.parents)
        XCTAssertEqual(Set(r.probing.map(\.label)), ["parent", "child", "parent_0", "parent_1", "parent_2", "parent_3", "child_0", "child_1", "child_2", "child_3"])
        for p in r.probing {
            XCTAssertEqual(Set(p.scores.map(\.code)), ["Z1", "Z2", "Z1+Z2", "x", "baseline"])
            XCTAssertTrue(p.scores.allSatisfy { $0.majorityAccuracy != nil && $0.shuffledAccuracy != nil }, "controls beside every probe")
            XCTAssertEqual(Set(p.levelIndex.map(\.k)), [nil, 1, 2, 5], "k = 10 is not below m2 = 8")
        }
        XCTAssertEqual(r.ablations?.latents.count, 20)
        XCTAssertTrue(r.notes.contains { $0.contains("true parents") }, "\(r.notes)")
        let md = try String(contentsOfFile: path("rep1/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| MCC (Hungarian) |"))
        XCTAssertTrue(r.probing.allSatisfy { $0.baselineLevelIndex == nil }, "a flat baseline has no levels")
        let json = try String(contentsOfFile: path("rep1/report.json"), encoding: .utf8)
        XCTAssertFalse(json.contains("baseline_level_index"), "and its report has no such key")
    }

    /// A Matryoshka baseline (groups 8, 16, 16): its first group and the rest are probed beside the
    /// other codes and give its level index, the same bits on 2 and 3 ranks as on one.
    func testMatryoshkaBaselineLevelIndexIsPrefixMinusRestByteIdenticalOnAnyRankCount() throws {
        XCTAssertGreaterThan(try evaluateOnOneTwoAndThreeRanks(baseline: "mat", out: "mat"), 1000)
        let r = try report(path("mat1"))
        XCTAssertFalse(r.probing.isEmpty)
        for p in r.probing {
            XCTAssertEqual(Set(p.scores.map(\.code)), ["Z1", "Z2", "Z1+Z2", "x", "baseline", ProbeSuite.prefixCode, ProbeSuite.restCode])
            for s in p.scores where s.code == ProbeSuite.prefixCode {
                XCTAssertTrue((s.features ?? []).allSatisfy { $0 < 8 }, "the prefix is the first group's 8 latents: \(s.features ?? [])")
            }
            let index = try XCTUnwrap(p.baselineLevelIndex, p.label)
            XCTAssertEqual(index.map(\.k), [nil, 1, 2, 5], "k = 10 is not below the prefix's 8 latents")
            for li in index {
                let prefix = p.scores.first { $0.code == ProbeSuite.prefixCode && $0.k == li.k }!.accuracy!
                let rest = p.scores.first { $0.code == ProbeSuite.restCode && $0.k == li.k }!.accuracy!
                XCTAssertEqual(li.value, prefix - rest, accuracy: 1e-12)
            }
        }
        let md = try String(contentsOfFile: path("mat1/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("Matryoshka level index acc(prefix) − acc(rest): all "), "the report prints it")
    }

    /// `hsae eval` of run/ beside `baseline` on 1, 2 and 3 ranks (into OUT1, OUT2, OUT3) in batches of
    /// 64 rows, so that the 400 rows' 7 batches split unevenly (2 ranks: 3 + 4, 3 ranks: 2 + 2 + 3);
    /// asserts the three report.json files are byte-identical (the sums are exact: ExactAccumulation)
    /// and returns how many numbers the report holds.
    func evaluateOnOneTwoAndThreeRanks(baseline: String, out: String) throws -> Int {
        let args = ["eval", "--run", path("run"), "--baseline", path(baseline), "--eval-batch", "64"] + Self.evalFlags
        let one = try Harness.single(args + ["--out", path(out + "1")])
        XCTAssertEqual(one.status, 0, one.stderr)
        for ranks in [2, 3] {
            let run = try Harness.mpi(ranks, args + ["--out", path(out + "\(ranks)")])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains("on \(ranks) rank(s)"), run.stdout)
        }
        let reports = try [1, 2, 3].map { try Data(contentsOf: URL(fileURLWithPath: path(out + "\($0)/report.json"))) }
        for ranks in [2, 3] {
            XCTAssertTrue(reports[ranks - 1] == reports[0], "report.json on \(ranks) ranks differs from one rank's: "
                          + "cmp \(path(out + "1/report.json")) \(path(out + "\(ranks)/report.json"))")
        }
        return Self.countNumbers(try JSONSerialization.jsonObject(with: reports[0]))
    }

    static func countNumbers(_ value: Any) -> Int {
        switch value {
        case let x as [String: Any]: return x.values.reduce(0) { $0 + countNumbers($1) }
        case let x as [Any]: return x.reduce(0) { $0 + countNumbers($1) }
        case is NSNumber: return 1
        default: return 0
        }
    }

    func testBadInputFailsWithOneMessageAndWritesNothing() throws {
        let narrow = path("narrow")
        let made = try Harness.single(["synth", "--preset", "tiny", "--d", "24", "--rows", "1000", "--shard-rows", "1000", "--out", narrow])
        XCTAssertEqual(made.status, 0, made.stderr)
        let cases: [([String], String)] = [
            (["--run", path("missing")], "missing: no such run directory or model file"),
            (["--run", path("run"), "--data", narrow], "narrow: has d = 24, but the model \(path("run")) has d = 32"),
            (["--run", path("base")], "--run: \(path("base")) is a single-layer baseline (no top layer)"),
            (["--run", path("run"), "--baseline", path("run")], "--baseline: \(path("run")) has a top layer"),
            (["--run", path("run"), "--data", path("nowhere")], "nowhere: no such file or directory"),
        ]
        for (args, message) in cases {
            for ranks in [1, 2] {
                let out = path("bad-report")
                let full = ["eval"] + args + ["--out", out, "--probe-rows", "0"]
                let run = ranks == 1 ? try Harness.single(full, timeout: 120) : try Harness.mpi(ranks, full, timeout: 120)
                XCTAssertFalse(run.timedOut, "hung: \(args)")
                XCTAssertNotEqual(run.status, 0, "\(args) succeeded")
                XCTAssertTrue(run.stderr.contains(message), "expected '\(message)' in:\n\(run.stderr)")
                XCTAssertEqual(run.stderr.components(separatedBy: "error:").count - 1, 1, "one message:\n\(run.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(args): wrote \(out)")
            }
        }
    }

    func testSweepTabulatesTheVariantsAndReusesFinishedRuns() throws {
        let out = path("sweep")
        let args = ["sweep", "--data", path("data"), "--out", out, "--variants", "full,no_mi,baseline", "--probe-rows", "0"]
            + Self.trainFlags.map { $0 == "60,30,30" ? "20,10,10" : $0 }
        let first = try Harness.single(args)
        XCTAssertEqual(first.status, 0, first.stderr)
        let table = try String(contentsOfFile: out + "/sweep.md", encoding: .utf8)
        for row in ["| full | 0 |", "| no_mi | 0 |", "| baseline | 0 |"] { XCTAssertTrue(table.contains(row), table) }
        let full = try report(out + "/reports/full-seed0")
        XCTAssertEqual(full.ablations?.training.map(\.name), ["full", "no_mi", "baseline"])
        XCTAssertEqual(full.model["disabled_terms"], "")
        XCTAssertEqual(try report(out + "/reports/no_mi-seed0").model["disabled_terms"], "mi")
        let again = try Harness.single(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("reusing the finished run \(out)/runs/no_mi-seed0"), again.stdout)
        let changed = try Harness.single(args.map { $0 == "20,10,10" ? "20,10,11" : $0 })
        XCTAssertNotEqual(changed.status, 0, "a finished run trained with other flags must not be reused")
        XCTAssertTrue(changed.stderr.contains("--out: \(out)/runs/full-seed0 exists but was trained differently"), changed.stderr)
    }

    /// report.html in headless Chromium at 1400 and 800 px: no two texts of a plot overlap and
    /// none leaves its plot (bounding boxes as Chromium lays them out, measured by a script added
    /// to a copy of the page), the page does not scroll sideways, and the headline table ends
    /// inside the first screen; then a PNG through scripts/screenshot-report.
    func testReportRendersInHeadlessChromium() throws {
        _ = try ChromiumProbe.browser()
        let dir = path("shot")
        let made = try Harness.single(["eval", "--run", path("run"), "--baseline", path("base"), "--out", dir] + Self.evalFlags)
        XCTAssertEqual(made.status, 0, made.stderr)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("Absorption gap per edge") && html.contains("Reconstruction against rate"), "the plots that had overlapping labels")
        try html.replacingOccurrences(of: "</body>", with: Self.layoutProbe + "</body>")
            .write(toFile: dir + "/probe.html", atomically: true, encoding: .utf8)
        for (width, height) in [(1400, 900), (800, 1000)] {
            let visit = try ChromiumProbe.visit("file://" + dir + "/probe.html", windowSize: (width, height))
            let layout = try XCTUnwrap(visit.selftest, "the layout probe ran at \(width) px")
            XCTAssertEqual(layout["overlaps"] as? [String], [], "overlapping or clipped plot text at \(width) px")
            XCTAssertEqual(layout["svgs"] as? Int, html.components(separatedBy: "<svg").count - 1)
            let pageWidth = try XCTUnwrap(layout["pageWidth"] as? Double), viewport = try XCTUnwrap(layout["viewportWidth"] as? Double)
            XCTAssertLessThanOrEqual(pageWidth, viewport, "no sideways scrolling at \(width) px")
            let bottom = try XCTUnwrap(layout["headlineBottom"] as? Double), screen = try XCTUnwrap(layout["viewportHeight"] as? Double)
            XCTAssertGreaterThan(bottom, 0)
            XCTAssertLessThanOrEqual(bottom, screen, "the headline table ends inside the first screen at \(width)×\(height)")
        }
        // Two rate-plot points at the same place (the collision of issue 13): their labels are placed apart.
        var collide = EvalReport(run: "r", data: "d", rows: 1, rowsSource: "evaluation split")
        collide.compression = ["top_only", "skip_only", "full", "baseline"].enumerated().map { i, name in
            CompressionPoint(name: name, codes: [(i == 0 ? 4 : 24, 512)], d: 384, fvu: i == 0 ? 0.6 : 0.3)
        }
        try collide.html().replacingOccurrences(of: "</body>", with: Self.layoutProbe + "</body>")
            .write(toFile: dir + "/collide.html", atomically: true, encoding: .utf8)
        let placed = try XCTUnwrap(try ChromiumProbe.visit("file://" + dir + "/collide.html", windowSize: (800, 1000)).selftest)
        XCTAssertEqual(placed["overlaps"] as? [String], [], "labels of coinciding points")
        XCTAssertEqual(placed["svgs"] as? Int, 1)
        let shot = try Harness.run(Harness.root.appendingPathComponent("scripts/screenshot-report").path, [dir, dir + "/report.png"])
        XCTAssertEqual(shot.status, 0, shot.stderr)
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/report.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG")
        XCTAssertGreaterThan(png.count, 20_000, "a rendered page, not a blank one")
    }

    /// Measures the laid-out page: pairs of texts in one plot whose boxes overlap by more than a
    /// pixel each way, texts outside their plot, the page width and the headline table's bottom.
    static let layoutProbe = """
        <script>
        (function () {
          const overlaps = [];
          for (const svg of document.querySelectorAll('svg')) {
            const t = [...svg.querySelectorAll('text')].map(e => [e.textContent, e.getBoundingClientRect()]);
            for (let i = 0; i < t.length; i++) for (let j = i + 1; j < t.length; j++) {
              const a = t[i][1], b = t[j][1];
              if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1)
                overlaps.push(t[i][0] + ' / ' + t[j][0]);
            }
            const box = svg.getBoundingClientRect();
            for (const [s, r] of t) if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
              overlaps.push('outside its plot: ' + s);
          }
          const h = [...document.querySelectorAll('h2')].find(e => e.textContent === 'Headline');
          const out = document.createElement('pre');
          out.id = 'selftest';
          out.textContent = JSON.stringify({ overlaps: overlaps, svgs: document.querySelectorAll('svg').length,
            headlineBottom: h && h.nextElementSibling ? h.nextElementSibling.getBoundingClientRect().bottom : -1,
            viewportHeight: innerHeight, viewportWidth: innerWidth, pageWidth: document.documentElement.scrollWidth });
          document.body.appendChild(out);
        })();
        </script>
        """
}
