/// The report's plots as figure blocks, one function per section that has one; each returns
/// nothing when the report lacks the data.
enum ReportPlots {
    static func frequencies(_ codes: [CodeSummary]) -> [ReportBlock] {
        let series = codes.map { code -> SVGChart.Series in
            let h = code.frequencyHistogram
            let centres = zip(h.edges, h.edges.dropFirst()).map { ($0 + $1) / 2 }
            return SVGChart.Series(name: "\(code.name) (\(code.dead) dead)", points: zip(centres, h.counts).map { ($0, Double($1)) })
        }
        return [.figure(caption: "Activation-frequency histogram per layer: how many latents fire at each log10 frequency on the evaluation rows; dead latents are counted in the legend.",
                        svg: SVGChart.lines(title: "Latent firing frequency", xLabel: "log10 firing frequency", yLabel: "latents", series: series))]
    }

    static func gate(_ gate: GateSummary) -> [ReportBlock] {
        let h = gate.histogram
        let labels = h.edges.dropLast().map { ReportHeadline.number($0) }
        return [.figure(caption: "Distribution of the gate g over bottom features (1 = raw bottom code, 0 = the top layer's version).",
                        svg: SVGChart.groupedBars(title: "Gate values (mean \(ReportHeadline.number(gate.mean)))", xLabel: "gate value g (bin start)",
                                                  yLabel: "bottom features", categories: labels, series: [("gate g", h.counts.map { Double($0) })]))]
    }

    static func heatmap(_ map: Heatmap) -> [ReportBlock] {
        [.figure(caption: "corr(Z2, Z1): rows are top latents, columns bottom latents ordered by each top latent's decoder children.",
                 svg: SVGChart.heatmap(map))]
    }

    static func rate(_ points: [CompressionPoint]) -> [ReportBlock] {
        let hsae = points.filter { $0.name != "baseline" }, base = points.filter { $0.name == "baseline" }
        func series(_ name: String, _ c: [CompressionPoint]) -> SVGChart.Series {
            let defined = c.filter { $0.fvu != nil }
            return SVGChart.Series(name: name, points: defined.map { ($0.bitsPerToken, $0.fvu!) }, labels: defined.map(\.name))
        }
        return [.figure(caption: "FVU against bits per token: HSAE paths (top-only, skip-only, full) and the baseline.",
                        svg: SVGChart.lines(title: "Reconstruction against rate", xLabel: "bits per token", yLabel: "FVU",
                                            series: [series("HSAE", hsae), series("baseline", base)]))]
    }

    static func probe(_ p: ProbeLabelResult) -> [ReportBlock] {
        let ks = Array(Set(p.scores.map(\.k))).sorted { ($0 ?? Int.max) < ($1 ?? Int.max) }
        let codes = p.scores.reduce(into: [String]()) { if !$0.contains($1.code) { $0.append($1.code) } }
        let series = codes.map { code in (code, ks.map { k in p.scores.first { $0.code == code && $0.k == k }?.accuracy }) }
        let full = p.scores.filter { $0.k == nil }
        var reference: [(name: String, y: Double)] = []
        if let majority = full.first?.majorityAccuracy { reference.append(("majority class", majority)) }
        if let shuffled = ReportHeadline.mean(full.map(\.shuffledAccuracy)) { reference.append(("shuffled labels (mean)", shuffled)) }
        return [.figure(caption: "Probe accuracy for '\(p.label)' by code and number of features k; dashed lines are the chance controls.",
                        svg: SVGChart.groupedBars(title: "Probing: \(p.label)" + (p.level.map { " (\($0))" } ?? ""), xLabel: "features kept",
                                                  yLabel: "test accuracy", categories: ks.map(ReportHeadline.kName),
                                                  series: series, reference: reference, yRange: 0...1))]
    }

    static func absorption(_ gt: GroundTruthSection) -> [ReportBlock] {
        guard let first = gt.models.first, !first.absorption.isEmpty else { return [] }
        let edges = Array(first.absorption.prefix(40))
        let series = gt.models.map { m in
            (m.model, edges.map { e in m.absorption.first { $0.parent == e.parent && $0.child == e.child }?.gap })
        }
        return [.figure(caption: "Absorption gap per true edge: P(parent latent fires | parent on, child off) − P(… | parent on, child on); 0 is no absorption.",
                        svg: SVGChart.groupedBars(title: "Absorption gap per edge", xLabel: "true edge parent→child", yLabel: "gap",
                                                  categories: edges.map { "\($0.parent)→\($0.child)" }, series: series))]
    }
}
