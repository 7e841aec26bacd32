import Foundation
import HSAE
import XCTest

/// A tiny synthetic hierarchy run through the evaluation building blocks the way `hsae eval`
/// will: accumulators over batches, then geometry, probes and the report writers.
/// 4 parents × 3 children; a child fires only with its parent (exclusive children).
struct EvalFixture {
    let tree = GroundTruthTree(parentOf: [nil, nil, nil, nil] + (0..<12).map { Optional($0 / 3) })
    let d = 24, rows = 900
    var g: Matrix<Double>           // 16×d: parents, then children = unit(parent + 0.7·noise)
    var activity: Matrix<Double>    // rows×16
    var x: Matrix<Double>           // rows×d

    init(seed: UInt64 = 1) {
        var rng = SplitMix64(seed: seed)
        var g = Matrix<Double>(rows: 16, cols: d)
        for n in 0..<4 { for j in 0..<d { g[n, j] = rng.nextGaussian() } }
        for n in 4..<16 { for j in 0..<d { g[n, j] = g[(n - 4) / 3, j] + 0.7 * rng.nextGaussian() } }
        self.g = DictionaryGeometry.unitRows(g)
        activity = Matrix(rows: rows, cols: 16)
        for r in 0..<rows {
            for p in 0..<4 where rng.nextUnit() < 0.3 {
                activity[r, p] = 0.5 + rng.nextUnit()
                activity[r, 4 + 3 * p + Int(rng.next() % 3)] = 0.5 + rng.nextUnit()
            }
        }
        x = Matrix.product(activity, self.g)
    }

    /// The oracle HSAE: bottom = the 12 children, top = the 4 parents over their children.
    var bottomDecoder: Matrix<Double> { g.selecting(rows: Array(4..<16)) }
    var edgeWeights: Matrix<Double> {  // top.W_dec, the top → bottom edge
        var w = Matrix<Double>(rows: 4, cols: 12)
        for c in 0..<12 { w[c / 3, c] = 1 }
        return w
    }
    var z1: Matrix<Double> { activity.selecting(columns: Array(4..<16)) }
    var z2: Matrix<Double> { activity.selecting(columns: Array(0..<4)) }

    func sampleReport() -> EvalReport {
        var report = EvalReport(run: "runs/fixture", baseline: "runs/fixture-baseline", data: "synthetic fixture", rows: rows, rowsSource: "evaluation split")
        report.model = ["d": "\(d)", "m1": "12", "m2": "4"]
        let full = ReconstructionStats(d: d), base = ReconstructionStats(d: d)
        let bottom = CodeStats(latents: 12), top = CodeStats(latents: 4), baseline = CodeStats(latents: 16)
        let corr = CorrelationAccumulator(p: 4, q: 12), firing = CorrelationAccumulator(p: 4, q: 12)
        var noisy = x
        noisy.add(randomMatrix(rows, d, seed: 9), scaledBy: 0.05)
        for lo in stride(from: 0, to: rows, by: 256) {
            let batch = Array(lo..<min(rows, lo + 256))
            full.add(x.selecting(rows: batch), reconstruction: noisy.selecting(rows: batch))
            base.add(x.selecting(rows: batch), reconstruction: x.selecting(rows: batch).selecting(columns: Array(0..<d)))
            bottom.add(z1.selecting(rows: batch)); top.add(z2.selecting(rows: batch)); baseline.add(activity.selecting(rows: batch))
            corr.add(z2.selecting(rows: batch), z1.selecting(rows: batch))
            firing.add(Firing.indicators(z2.selecting(rows: batch)), Firing.indicators(z1.selecting(rows: batch)))
        }
        report.reconstruction = [full.summary(name: "full"), base.summary(name: "baseline")]
        report.sparsity = [bottom.summary(name: "bottom", targetSparsity: 0.9), top.summary(name: "top", targetSparsity: 0.7),
                           baseline.summary(name: "baseline")]
        report.gate = GateSummary(gate: (0..<12).map { Double($0) / 12 })
        report.hierarchy = HierarchySummary.section(
            correlation: corr.pearson(), firing: firing, edgeWeights: edgeWeights, childDirections: bottomDecoder,
            parentFrequencies: top.frequencies, redundancy: [NamedValue(name: "bottom/decoder", value: DictionaryGeometry.decoderRedundancy(bottomDecoder))])
        report.compression = [CompressionPoint(name: "top_only", codes: [(top.summary(name: "").meanL0, 4)], d: d, fvu: 0.4),
                              CompressionPoint(name: "full", codes: [(bottom.summary(name: "").meanL0, 12), (top.summary(name: "").meanL0, 4)], d: d, fvu: full.fvu),
                              CompressionPoint(name: "baseline", codes: [(baseline.summary(name: "").meanL0, 16)], d: d, fvu: 0.02)]
        var options = Probe.Options()
        options.ks = [1, 2]
        let parentLabel = (0..<rows).map { r in (0..<4).first { activity[r, $0] > 0 } ?? 4 }
        report.probing = [ProbeSuite.run(label: "parent", level: "parent", labels: parentLabel,
                                         codes: [("Z1", z1), ("Z2", z2)], split: .byRows(count: rows), options: options)]
        var ablations = AblationSection()
        ablations.layers = [NamedValue(name: "skip_only", value: 0.01), NamedValue(name: "top_only", value: 0.3)]
        ablations.latents = [LatentAblation(layer: "bottom", latent: 3, deltaFvu: 0.05)]
        report.ablations = ablations
        report.groundTruth = groundTruth()
        report.notes = ["This is a test fixture, not a trained model."] + ReportVerdicts.levelIndex(report.probing)
            + ReportVerdicts.parentDetection(report.groundTruth!)
        return report
    }

    /// Ground-truth scores of the oracle HSAE and of a "baseline" that only has the children.
    func groundTruth() -> GroundTruthSection {
        let u = DictionaryGeometry.parentDirections(edgeWeights: edgeWeights, childDirections: bottomDecoder)
        let hsae = GroundTruthScoring.Dictionary(
            directions: .concatenatingRows([bottomDecoder, u]), layerLatents: [12, 4], parentLayers: [1],
            edges: DictionaryGeometry.predictedEdges(edgeWeights: edgeWeights).map { LatentEdge(parent: 12 + $0.parent, child: $0.child) })
        let childrenOnly = GroundTruthScoring.Dictionary(directions: bottomDecoder, layerLatents: [12], edges: nil)
        var models: [GroundTruthScores] = []
        for (name, dictionary, code) in [("hsae", hsae, Matrix.concatenatingColumns([z1, z2])), ("baseline", childrenOnly, z1)] {
            let firing = CorrelationAccumulator(p: 16, q: dictionary.directions.rows)
            let absorption = AbsorptionAccumulator(edges: tree.edges,
                                                   parentLatent: GroundTruthScoring.parentLatents(tree: tree, truth: g, dictionary: dictionary))
            firing.add(Firing.indicators(activity), Firing.indicators(code))
            absorption.add(truth: activity, code: code)
            models.append(GroundTruthScoring.score(model: name, tree: tree, truth: g, dictionary: dictionary, firing: firing, absorption: absorption))
        }
        func correlation(_ code: Matrix<Double>) -> Matrix<Double> {
            let acc = CorrelationAccumulator(p: 16, q: code.cols)
            acc.add(activity, code)
            return acc.pearson()
        }
        return GroundTruthSection(tree: tree, models: models,
                                  parentDetection: GroundTruthScoring.parentDetection(tree: tree, top: correlation(z2), bottom: correlation(z1), baseline: correlation(z1)))
    }
}

final class EvalReportTests: XCTestCase {
    func testOracleHierarchyScoresPerfectlyAndChildrenOnlyBaselineDoesNot() {
        let gt = EvalFixture().groundTruth()
        let hsae = gt.models[0], baseline = gt.models[1]
        XCTAssertEqual(hsae.mmcsLeaves!, 1, accuracy: 1e-12)
        XCTAssertEqual(hsae.edgeRecovery?.f1 ?? 0, 1, accuracy: 1e-12, "predicted edges map onto the true tree")
        XCTAssertEqual(hsae.levelAssignment?.leaves ?? 0, 1, accuracy: 1e-12)
        XCTAssertEqual(hsae.meanAbsorptionGap!, 0, accuracy: 1e-12, "the top latent fires whenever its parent is on")
        XCTAssertEqual(hsae.meanF1!, 1, accuracy: 1e-12)
        for p in gt.parentDetection { XCTAssertEqual(p.top!, 1, accuracy: 1e-9, "Z2 is the parents' activity") }
        XCTAssertLessThan(gt.parentDetection.map { $0.bottom! }.max()!, 0.9, "no single child tracks its parent")
        XCTAssertNil(baseline.edgeRecovery)
        XCTAssertLessThan(baseline.mmcsParents!, hsae.mmcsParents!)
        // The baseline's best latent for a parent is one of its children, c*. Children are exclusive, so
        // on the edge to c* the "parent latent" fires exactly when the child is on (gap −1), and on
        // the other two edges it fires in about half the parent-only rows and never with the child (≈ +0.5).
        for p in 0..<4 {
            let gaps = baseline.absorption.filter { $0.parent == p }.map { $0.gap! }.sorted()
            XCTAssertEqual(gaps[0], -1, accuracy: 1e-12)
            XCTAssertEqual(gaps[1], 0.5, accuracy: 0.2)
            XCTAssertEqual(gaps[2], 0.5, accuracy: 0.2)
        }
        XCTAssertEqual(gt.parents, 4)
        XCTAssertEqual(gt.edges, 12)
    }

    func testHierarchySectionOrdersHeatmapByChildrenAndFindsTheEdges() {
        let h = EvalFixture().sampleReport().hierarchy!
        XCTAssertEqual(h.learnedEdges, 12)
        XCTAssertEqual(h.hierarchyConsistency?.mean ?? 0, 1, accuracy: 1e-12, "a child never fires without its parent")
        XCTAssertEqual(h.topFeatures.count, 4)
        XCTAssertEqual(Set(h.topFeatures[0].children.map(\.latent)).count, 3)
        let map = h.heatmap!
        // Row r's children come as one block of three columns: the diagonal blocks hold the large ρ.
        for (r, label) in map.rowLabels.enumerated() {
            let j = Int(label)!
            XCTAssertEqual(Set(map.columnLabels[3 * r ..< 3 * r + 3].map { Int($0)! / 3 }), [j])
            XCTAssertGreaterThan(map.values[r][3 * r ..< 3 * r + 3].min()!, map.values[r].enumerated().filter { $0.offset / 3 != r }.map(\.element).max()!)
        }
        XCTAssertEqual(HierarchySummary.heatmapColumns(edgeWeights: EvalFixture().edgeWeights, rows: [2, 0], limit: 4), [6, 7, 8, 0])
    }

    func testJSONRoundTripIsExactWithSortedSnakeCaseKeysAndSchemaVersion() throws {
        let report = EvalFixture().sampleReport()
        let data = try report.jsonData()
        XCTAssertEqual(try EvalReport.decode(data), report)
        XCTAssertEqual(try EvalReport.decode(data).jsonData(), data, "stable bytes")
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"schema_version\" : \(HSAEVersion.reportSchema)"))
        XCTAssertTrue(text.contains("\"mean_absorption_gap\""))
        XCTAssertTrue(text.contains("\"macro_f1\""))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        XCTAssertTrue(object.keys.allSatisfy { $0 == $0.lowercased() }, "\(object.keys)")
        var future = object
        future["schema_version"] = HSAEVersion.reportSchema + 1
        XCTAssertThrowsError(try EvalReport.decode(try JSONSerialization.data(withJSONObject: future)))
    }

    func testVerdictsSayPlainlyWhetherTheHierarchyShows() {
        let report = EvalFixture().sampleReport()
        XCTAssertTrue(report.notes.contains { $0.hasPrefix("'parent' (parent): level index") && $0.hasSuffix("as expected.") && !$0.contains("NOT") },
                      "\(report.notes)")
        XCTAssertTrue(report.notes.contains { $0.hasPrefix("The top layer finds the true parents better") }, "\(report.notes)")
        var gt = report.groundTruth!
        for i in gt.parentDetection.indices { gt.parentDetection[i].baseline = 1 }
        XCTAssertTrue(ReportVerdicts.parentDetection(gt)[0].contains("does NOT find the true parents better than the best single baseline latent"))
        var child = report.probing[0]
        child.level = "child"
        XCTAssertTrue(ReportVerdicts.levelIndex([child])[0].hasSuffix("NOT as expected."))
    }

    /// A 289-class label cannot be told apart by one or two features: below the majority class,
    /// the sign of acc(Z2) − acc(Z1) is noise, and the verdict must say so instead of judging it.
    func testVerdictRefusesToJudgeProbesBelowChance() {
        func score(_ code: String, _ k: Int?, _ accuracy: Double) -> ProbeScore {
            var s = ProbeScore(code: code, k: k, trainRows: 80, testRows: 20)
            s.accuracy = accuracy; s.majorityAccuracy = 0.07
            return s
        }
        let scores = [score("Z1", nil, 0.6), score("Z2", nil, 0.25), score("Z1", 1, 0.01), score("Z2", 1, 0.02),
                      score("Z1", 2, 0.03), score("Z2", 2, 0.02)]
        let levels = [LevelIndex(k: nil, top: "Z2", bottom: "Z1", value: -0.35), LevelIndex(k: 1, top: "Z2", bottom: "Z1", value: 0.01),
                      LevelIndex(k: 2, top: "Z2", bottom: "Z1", value: -0.01)]
        var result = ProbeLabelResult(label: "child", level: "child", split: "rows", classes: 289, scores: scores, levelIndex: levels)
        XCTAssertEqual(ReportVerdicts.levelIndex([result]),
                       ["'child' (child): 289 classes cannot be probed from k ≤ 2 features (neither code beats the majority class there), so the level index says nothing about it."])
        // One code above chance at k = 1: judged as usual (here acc Z2 > acc Z1, the wrong sign for a child).
        result.scores[3].accuracy = 0.5
        result.levelIndex[1].value = 0.49
        XCTAssertTrue(ReportVerdicts.levelIndex([result])[0].hasSuffix("NOT as expected."), "\(ReportVerdicts.levelIndex([result]))")
        // The summary names the labels off their expected level, and only them.
        var report = EvalFixture().sampleReport()
        report.probing = [result]
        let summary = ReportSummary.sentences(report).joined(separator: " ")
        XCTAssertTrue(summary.contains("and 0 of those sit at the expected level (not: 'child')."), summary)
        result.levelIndex[1].value = -0.49
        result.levelIndex[2].value = -0.01
        let verdict = ReportVerdicts.levelIndex([result])[0]
        XCTAssertTrue(verdict.hasSuffix("as expected.") && !verdict.contains("NOT"), verdict)
    }

    func testMarkdownOpensWithTheHeadlineTable() {
        let md = EvalFixture().sampleReport().markdown()
        let headline = md.range(of: "## Headline")!.lowerBound
        XCTAssertLessThan(headline, md.range(of: "## Reconstruction")!.lowerBound)
        XCTAssertTrue(md.contains("| metric | HSAE | baseline |"))
        XCTAssertTrue(md.contains("| MCC (Hungarian) |"))
        XCTAssertTrue(md.contains("majority acc"))
    }

    /// "What this says" comes from the numbers: two reports whose numbers differ get different
    /// verdicts and carry their own values; a sentence appears only when its numbers exist.
    func testWhatThisSaysIsGeneratedFromTheNumbers() throws {
        var a = EvalFixture().sampleReport()
        func setFVU(_ r: inout EvalReport, _ name: String, _ v: Double) {
            if let i = r.reconstruction.firstIndex(where: { $0.name == name }) { r.reconstruction[i].fvu = v }
            else { r.reconstruction.append(ReconstructionSummary(name: name, rows: 1, fvu: v, mse: nil, cosine: nil, shrinkage: nil)) }
        }
        setFVU(&a, "full", 0.05); setFVU(&a, "baseline", 0.1); setFVU(&a, "skip_only", 0.2); setFVU(&a, "top_only", 0.3)
        var b = a
        setFVU(&b, "full", 0.2); setFVU(&b, "baseline", 0.1); setFVU(&b, "top_only", 0.1)
        b.splicedFidelity = SplicedFidelitySection(languageModel: "lm", layer: 3, window: 64, windows: 11, tokens: 400, rowDeviation: 0,
            rowRms: 1, chanceAgreement: 0.1, models: [SplicedScore(name: "full", cosine: 0.8, minCosine: 0.5, retrievalAgreement: 0.6),
                                                      SplicedScore(name: "baseline", cosine: 0.9, minCosine: 0.6, retrievalAgreement: 0.7),
                                                      SplicedScore(name: "zero_ablation", cosine: 0.2, minCosine: 0, retrievalAgreement: 0.1)])
        let sa = ReportSummary.sentences(a).joined(separator: " "), sb = ReportSummary.sentences(b).joined(separator: " ")
        XCTAssertTrue(sa.contains("better than the single-layer baseline: FVU 0.05 against 0.1 (50 % lower)"), sa)
        XCTAssertTrue(sb.contains("less well than the single-layer baseline: FVU 0.2 against 0.1 (100 % higher)"), sb)
        XCTAssertTrue(sa.contains("the top layer alone (g ≡ 0) the model reconstructs less well than through the bottom layer alone (FVU 0.3 against 0.2)"), sa)
        XCTAssertTrue(sb.contains("reconstructs better than through the bottom layer alone (FVU 0.1 against 0.2)"), sb)
        XCTAssertFalse(sa.contains("Spliced"), "no spliced numbers, no spliced sentence")
        // (0.8 − 0.2)/(1 − 0.2) = 75 % of the way from the floor; agreement 60 % against baseline 70 % and chance 10 %.
        XCTAssertTrue(sb.contains("cosine 0.8 (baseline 0.9), 75 % of the way from the zero-ablation floor (0.2)"), sb)
        XCTAssertTrue(sb.contains("unchanged for 60 % of 11 windows (baseline 70 %, chance 10 %)"), sb)
        let dead = try XCTUnwrap(expectedDeadText(a))
        XCTAssertTrue(sa.contains(dead), "\(dead) in: \(sa)")
        XCTAssertNotEqual(sa, sb)
        XCTAssertEqual(try EvalReport.decode(b.jsonData()), b, "spliced_fidelity survives report.json")
        // It heads both files.
        XCTAssertLessThan(try XCTUnwrap(b.markdown().range(of: "## What this says")).lowerBound, try XCTUnwrap(b.markdown().range(of: "## Headline")).lowerBound)
        XCTAssertTrue(b.html().contains("<section class=\"summary\"><h2>What this says</h2><p>" + sb))
    }

    /// The dead-latent percentage the summary should show, computed here from the codes.
    func expectedDeadText(_ r: EvalReport) -> String? {
        let codes = ["bottom", "top"].compactMap { r.code($0) }
        let v = Double(codes.reduce(0) { $0 + $1.dead }) / Double(codes.reduce(0) { $0 + $1.latents })
        return v == 0 ? "No latent is dead" : String(format: v < 0.1 ? "%.1f %%" : "%.0f %%", 100 * v) + " of the HSAE's latents"
    }

    /// report.html is HTML, not Markdown in a <pre>: real tables, the summary and the headline
    /// before the notes, the notes before the sections, long tables folded.
    func testHTMLHasTablesWithTheHeadlineFirstAndNotesAfter() throws {
        let report = EvalFixture().sampleReport()
        let html = report.html()
        XCTAssertFalse(html.contains("<pre"), "no Markdown dumped into a <pre>")
        XCTAssertFalse(html.contains("| --- |"), "no Markdown table syntax")
        let tables = html.components(separatedBy: "<table>").count - 1
        XCTAssertEqual(tables, report.markdown().components(separatedBy: "\n| --- ").count - 1, "one HTML table per report.md table")
        let summary = try XCTUnwrap(html.range(of: "What this says")).lowerBound
        let headline = try XCTUnwrap(html.range(of: "<h2>Headline</h2>")).lowerBound
        let notes = try XCTUnwrap(html.range(of: "<h2>Notes</h2>")).lowerBound
        let firstNote = try XCTUnwrap(html.range(of: "class=\"note\"")).lowerBound
        let reconstruction = try XCTUnwrap(html.range(of: "<h2>Reconstruction")).lowerBound
        XCTAssertTrue(summary < headline && headline < notes && notes < firstNote && firstNote < reconstruction)
        XCTAssertTrue(html.contains("<td class=\"num\">"), "numbers right-aligned")
        XCTAssertTrue(html.contains("<code>runs/fixture</code>"), "`code` spans become <code>")
    }

    func testHTMLHasOneLabelledSVGPerPlotAndNoExternalResources() throws {
        let report = EvalFixture().sampleReport()
        let html = report.html()
        let svgs = html.components(separatedBy: "<svg").dropFirst()
        // frequency histogram, gate, heatmap, FVU vs bits, one probing chart, absorption gaps
        XCTAssertEqual(svgs.count, 6)
        for svg in svgs {
            XCTAssertTrue(svg.contains("class=\"plot-title\""))
            XCTAssertEqual(svg.components(separatedBy: "class=\"axis-label\"").count - 1, 2, "an x and a y axis label")
            XCTAssertTrue(svg.contains("class=\"legend\""))
            XCTAssertTrue(svg.contains("stroke-width=\"6\""), "the legend has at least one entry")
        }
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("src="))
        XCTAssertFalse(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"))
        // A sample for scripts/screenshot-report: HSAE_SAMPLE_REPORT=DIR swift test --filter EvalReportTests
        if let directory = ProcessInfo.processInfo.environment["HSAE_SAMPLE_REPORT"] {
            try report.write(to: directory)
        }
    }
}

final class EvalReportScreenshotTests: XCTestCase {
    /// report.html renders in headless Chromium (skipped where Chromium is not installed).
    func testScreenshotScriptRendersTheReportToAPNG() throws {
        guard let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("chromium is not installed (apt-get install chromium)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-report-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try EvalFixture().sampleReport().write(to: directory)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/screenshot-report").standardized
        let process = Process()
        process.executableURL = script
        process.arguments = [directory]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "scripts/screenshot-report with \(browser)")
        let png = try Data(contentsOf: URL(fileURLWithPath: directory + "/report.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG file")
        XCTAssertGreaterThan(png.count, 50_000, "a page with plots, not a blank image")
    }
}
