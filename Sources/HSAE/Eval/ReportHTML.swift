/// report.html: one self-contained page (inline CSS and SVG, no scripts, no external
/// resources) with the headline table, the plots of DESIGN §7, and report.md's tables.
enum ReportHTML {
    static func render(_ r: EvalReport, markdown: String) -> String {
        let esc = SVGCanvas.escape
        var body = ["<h1>HSAE evaluation</h1>",
                    "<p>run <code>\(esc(r.run))</code>" + (r.baseline.map { ", baseline <code>\(esc($0))</code>" } ?? ", no baseline")
                        + ", data <code>\(esc(r.data))</code>, \(r.rows) rows (\(esc(r.rowsSource))); report schema \(r.schemaVersion).</p>"]
        if let browser = r.browser {
            body.append("<p>Feature browser: <a href=\"\(esc(browser))\">every latent with its examples, every top latent with its children</a>.</p>")
        }
        body += r.notes.map { "<p class=\"note\"><b>Note.</b> \(esc($0))</p>" }
        body.append("<h2>Headline: HSAE against baseline</h2><table><tr><th>metric</th><th>HSAE</th><th>baseline</th></tr>")
        body += ReportHeadline.rows(r).map { "<tr><td>\(esc($0.metric))</td><td>\(esc($0.hsae))</td><td>\(esc($0.baseline))</td></tr>" }
        body.append("</table>")
        for (caption, svg) in plots(r) {
            body.append("<figure>\(svg)<figcaption>\(esc(caption))</figcaption></figure>")
        }
        body.append("<h2>All tables</h2><details open><summary>report.md</summary><pre>\(esc(markdown))</pre></details>")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>HSAE evaluation — \(esc(r.run))</title>
        <style>
        body { font-family: sans-serif; max-width: 980px; margin: 2em auto; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
        th { background: #f0f0f0; } figure { margin: 1.5em 0; } figcaption { color: #555; font-size: 0.9em; max-width: 720px; }
        .note { background: #fff6d5; padding: 6px 10px; } pre { font-size: 0.8em; overflow-x: auto; }
        </style></head><body>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }

    /// (caption, svg) for every plot the report has data for.
    static func plots(_ r: EvalReport) -> [(String, String)] {
        var out: [(String, String)] = []
        if !r.sparsity.isEmpty {
            let series = r.sparsity.map { code -> SVGChart.Series in
                let h = code.frequencyHistogram
                let centres = zip(h.edges, h.edges.dropFirst()).map { ($0 + $1) / 2 }
                return SVGChart.Series(name: "\(code.name) (\(code.dead) dead)", points: zip(centres, h.counts).map { ($0, Double($1)) })
            }
            out.append(("Activation-frequency histogram per layer: how many latents fire at each log10 frequency on the evaluation rows; dead latents are counted in the legend.",
                        SVGChart.lines(title: "Latent firing frequency", xLabel: "log10 firing frequency", yLabel: "latents", series: series)))
        }
        if let gate = r.gate {
            let h = gate.histogram
            let labels = h.edges.dropLast().map { ReportHeadline.number($0) }
            out.append(("Distribution of the gate g over bottom features (1 = raw bottom code, 0 = the top layer's version).",
                        SVGChart.groupedBars(title: "Gate values (mean \(ReportHeadline.number(gate.mean)))", xLabel: "gate value g (bin start)",
                                             yLabel: "bottom features", categories: labels, series: [("gate g", h.counts.map { Double($0) })])))
        }
        if let map = r.hierarchy?.heatmap {
            out.append(("corr(Z2, Z1): rows are top latents, columns bottom latents ordered by each top latent's decoder children.",
                        SVGChart.heatmap(map)))
        }
        if !r.compression.isEmpty {
            let hsae = r.compression.filter { $0.name != "baseline" }, base = r.compression.filter { $0.name == "baseline" }
            func series(_ name: String, _ c: [CompressionPoint]) -> SVGChart.Series {
                let defined = c.filter { $0.fvu != nil }
                return SVGChart.Series(name: name, points: defined.map { ($0.bitsPerToken, $0.fvu!) }, labels: defined.map(\.name))
            }
            out.append(("FVU against bits per token: HSAE paths (top-only, skip-only, full) and the baseline.",
                        SVGChart.lines(title: "Reconstruction against rate", xLabel: "bits per token", yLabel: "FVU",
                                       series: [series("HSAE", hsae), series("baseline", base)])))
        }
        for p in r.probing {
            let ks = Array(Set(p.scores.map(\.k))).sorted { ($0 ?? Int.max) < ($1 ?? Int.max) }
            let codes = p.scores.reduce(into: [String]()) { if !$0.contains($1.code) { $0.append($1.code) } }
            let series = codes.map { code in (code, ks.map { k in p.scores.first { $0.code == code && $0.k == k }?.accuracy }) }
            let full = p.scores.filter { $0.k == nil }
            var reference: [(name: String, y: Double)] = []
            if let majority = full.first?.majorityAccuracy { reference.append(("majority class", majority)) }
            if let shuffled = ReportHeadline.mean(full.map(\.shuffledAccuracy)) { reference.append(("shuffled labels (mean)", shuffled)) }
            out.append(("Probe accuracy for '\(p.label)' by code and number of features k; dashed lines are the chance controls.",
                        SVGChart.groupedBars(title: "Probing: \(p.label)" + (p.level.map { " (\($0))" } ?? ""), xLabel: "features kept",
                                             yLabel: "test accuracy", categories: ks.map(ReportHeadline.kName),
                                             series: series, reference: reference, yRange: 0...1)))
        }
        if let gt = r.groundTruth, let first = gt.models.first, !first.absorption.isEmpty {
            let edges = Array(first.absorption.prefix(40))
            let series = gt.models.map { m in
                (m.model, edges.map { e in m.absorption.first { $0.parent == e.parent && $0.child == e.child }?.gap })
            }
            out.append(("Absorption gap per true edge: P(parent latent fires | parent on, child off) − P(… | parent on, child on); 0 is no absorption.",
                        SVGChart.groupedBars(title: "Absorption gap per edge", xLabel: "true edge parent→child", yLabel: "gap",
                                             categories: edges.map { "\($0.parent)→\($0.child)" }, series: series)))
        }
        return out
    }
}
