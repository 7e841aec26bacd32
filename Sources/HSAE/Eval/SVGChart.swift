/// The report's chart kinds, each an `SVGCanvas` with marks: lines/scatter, grouped bars,
/// and a heatmap with a colour bar. Every chart has a title, axis labels and a legend.
enum SVGChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        /// Optional text beside each point (same order as `points`).
        var labels: [String]? = nil
    }

    /// Lines through each series' points (sorted by x) with a dot per point; `reference` adds
    /// dashed horizontal lines (e.g. chance levels).
    static func lines(title: String, xLabel: String, yLabel: String, series: [Series],
                      connect: Bool = true, reference: [(name: String, y: Double)] = []) -> String {
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) } + reference.map(\.y)
        var canvas = SVGCanvas(title: title, xLabel: xLabel, yLabel: yLabel,
                               xRange: SVGCanvas.range(xs), yRange: SVGCanvas.range(ys, includeZero: true))
        var labels: [(x: Double, y: Double, text: String)] = []
        for (i, s) in series.enumerated() {
            let colour = SVGCanvas.palette[i % SVGCanvas.palette.count]
            let labelled = s.points.enumerated().map { (x: $0.element.x, y: $0.element.y, label: s.labels?[$0.offset]) }
            let points = labelled.filter { $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
            if connect, points.count > 1 {
                let path = points.map { "\(canvas.f(canvas.x($0.x))),\(canvas.f(canvas.y($0.y)))" }.joined(separator: " ")
                canvas.marks.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-opacity=\"0.75\"/>")
            }
            for p in points {
                canvas.marks.append("<circle cx=\"\(canvas.f(canvas.x(p.x)))\" cy=\"\(canvas.f(canvas.y(p.y)))\" r=\"3.5\" fill=\"\(colour)\">"
                    + "<title>\(SVGCanvas.escape(s.name)): (\(SVGCanvas.label(p.x)), \(SVGCanvas.label(p.y)))</title></circle>")
                if let label = p.label { labels.append((canvas.x(p.x), canvas.y(p.y), label)) }
            }
            canvas.legend.append((s.name, colour, false))
        }
        canvas.marks += canvas.pointLabels(labels)
        addReferences(reference, to: &canvas)
        return canvas.render()
    }

    /// Bars grouped by category, one colour per series (nil values are left out).
    static func groupedBars(title: String, xLabel: String, yLabel: String, categories: [String],
                            series: [(name: String, values: [Double?])], reference: [(name: String, y: Double)] = [],
                            yRange: ClosedRange<Double>? = nil) -> String {
        let all = series.flatMap { $0.values.compactMap { $0 } } + reference.map(\.y)
        var canvas = SVGCanvas(title: title, xLabel: xLabel, yLabel: yLabel, xRange: 0...1,
                               yRange: yRange ?? SVGCanvas.range(all, includeZero: true))
        canvas.categories = categories
        let groupWidth = canvas.plotWidth / Double(max(1, categories.count))
        let barWidth = groupWidth * 0.8 / Double(max(1, series.count))
        let zero = canvas.y(max(canvas.yRange.lowerBound, min(0, canvas.yRange.upperBound)))
        for (s, entry) in series.enumerated() {
            let colour = SVGCanvas.palette[s % SVGCanvas.palette.count]
            for (i, value) in entry.values.enumerated() {
                guard let value, i < categories.count else { continue }
                let x = canvas.categoryCentre(i) - groupWidth * 0.4 + Double(s) * barWidth
                let top = min(zero, canvas.y(value)), h = abs(canvas.y(value) - zero)
                canvas.marks.append(canvas.rect(x, top, barWidth, h, fill: colour,
                                                tip: "\(entry.name), \(categories[i]): \(SVGCanvas.label(value))"))
            }
            canvas.legend.append((entry.name, colour, false))
        }
        addReferences(reference, to: &canvas)
        return canvas.render()
    }

    static func addReferences(_ reference: [(name: String, y: Double)], to canvas: inout SVGCanvas) {
        for (i, r) in reference.enumerated() {
            let colour = ["#555555", "#aaaaaa"][i % 2]
            canvas.marks.append(canvas.line(canvas.left, canvas.y(r.y), canvas.left + canvas.plotWidth, canvas.y(r.y), colour, dashed: true))
            canvas.legend.append((r.name, colour, true))
        }
    }

    /// A cell per value, blue (−1) – white (0) – red (+1), with a colour-bar legend.
    static func heatmap(_ map: Heatmap) -> String {
        var canvas = SVGCanvas(title: map.title, xLabel: map.columnTitle, yLabel: map.rowTitle,
                               xRange: 0...Double(max(1, map.columnLabels.count)), yRange: 0...Double(max(1, map.rowLabels.count)))
        canvas.categories = map.columnLabels
        let cw = canvas.plotWidth / Double(max(1, map.columnLabels.count))
        let ch = canvas.plotHeight / Double(max(1, map.rowLabels.count))
        for (r, row) in map.values.enumerated() {
            for (c, v) in row.enumerated() {
                canvas.marks.append(canvas.rect(canvas.left + Double(c) * cw, canvas.top + Double(r) * ch, cw, ch, fill: colour(v),
                                                tip: "\(map.rowTitle) \(map.rowLabels[r]), \(map.columnTitle) \(map.columnLabels[c]): \(SVGCanvas.label(v))"))
            }
        }
        // Row labels replace numeric y ticks: the y range is row positions, labels every few rows.
        let step = max(1, map.rowLabels.count / 16)
        for (r, label) in map.rowLabels.enumerated() where r % step == 0 {
            canvas.marks.append(canvas.text(canvas.left - 6, canvas.top + (Double(r) + 0.5) * ch + 4, label, anchor: "end"))
        }
        canvas.yTicks = false
        let bx = canvas.left + canvas.plotWidth + 20
        for k in 0..<20 {
            let v = 1 - Double(k) / 19 * 2
            canvas.marks.append(canvas.rect(bx, canvas.top + 40 + Double(k) * 8, 16, 8, fill: colour(v), tip: SVGCanvas.label(v)))
        }
        canvas.marks.append(canvas.text(bx + 22, canvas.top + 48, "+1", anchor: "start"))
        canvas.marks.append(canvas.text(bx + 22, canvas.top + 124, "0", anchor: "start"))
        canvas.marks.append(canvas.text(bx + 22, canvas.top + 200, "−1", anchor: "start"))
        canvas.legend.append(("Pearson ρ (colour bar)", colour(1), false))
        return canvas.render()
    }

    /// Diverging colour for v ∈ [−1, 1].
    static func colour(_ v: Double) -> String {
        let t = max(-1, min(1, v.isFinite ? v : 0))
        let (r, g, b): (Double, Double, Double) = t >= 0 ? (1, 1 - t, 1 - t) : (1 + t, 1 + t, 1)
        return "rgb(\(Int(r * 255)),\(Int(g * 255)),\(Int(b * 255)))"
    }
}
