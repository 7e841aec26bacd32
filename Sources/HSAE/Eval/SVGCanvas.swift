import Foundation

/// A plot frame drawn as inline SVG: plot area, axes with ticks, axis labels, a title and a
/// legend. Charts (`SVGChart`) add marks through `x(_:)`/`y(_:)`; nothing here loads anything
/// from outside the page, so a report opens in a browser without network.
struct SVGCanvas {
    let width = 720.0, baseHeight = 380.0
    let left = 70.0, right = 170.0, top = 40.0, baseBottom = 64.0
    /// Approximate advance of one character at font-size 11 (sans-serif), for laying out labels.
    static let charWidth = 6.6
    var title: String
    var xLabel: String
    var yLabel: String
    /// Numeric axes map data ranges onto the plot area; a categorical x axis uses `categories`.
    var xRange: ClosedRange<Double>
    var yRange: ClosedRange<Double>
    var categories: [String] = []
    /// false where a chart labels the y axis itself (the heatmap's rows).
    var yTicks = true
    var marks: [String] = []
    var legend: [(label: String, colour: String, dashed: Bool)] = []

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { baseHeight - top - baseBottom }
    /// Rotated category labels need more room below the plot; the plot area keeps its size.
    var height: Double { baseHeight + categoryLayout.extra }
    var bottom: Double { baseBottom + categoryLayout.extra }

    /// How the category labels fit under the plot: every `step`-th label, upright when they fit
    /// side by side, otherwise rotated by −45° (then `extra` pixels are added below the plot).
    var categoryLayout: (step: Int, rotated: Bool, extra: Double) {
        guard !categories.isEmpty else { return (1, false, 0) }
        let spacing = plotWidth / Double(categories.count)
        let widest = Double(categories.map(\.count).max() ?? 1) * Self.charWidth
        let upright = Int((widest + 6) / spacing) + 1
        if upright <= max(1, categories.count / 8) || categories.count <= 4 { return (upright, false, 0) }
        let step = Int(16 / spacing) + 1  // rotated: one line of text (≈ 12 px) plus a gap across each slot
        let depth = widest * 0.71 + 12
        return (step, true, max(0, depth - (baseBottom - 36)))
    }

    func x(_ v: Double) -> Double {
        let span = xRange.upperBound - xRange.lowerBound
        return left + (span > 0 ? (v - xRange.lowerBound) / span : 0.5) * plotWidth
    }

    func y(_ v: Double) -> Double {
        let span = yRange.upperBound - yRange.lowerBound
        return top + plotHeight - (span > 0 ? (v - yRange.lowerBound) / span : 0.5) * plotHeight
    }

    /// The whole `<svg>` element.
    func render() -> String {
        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\">",
            "<title>\(Self.escape(title))</title>",
            "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"white\"/>",
            text(width / 2 - right / 2 + left / 2, 22, title, anchor: "middle", extra: "font-size=\"14\" font-weight=\"bold\" class=\"plot-title\"")]
        out += grid()
        out += marks
        out += axes()
        out += legendMarks()
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

    /// Horizontal grid lines at the y ticks, under the marks.
    func grid() -> [String] {
        (yTicks ? Self.ticks(yRange) : []).map { line(left, y($0), left + plotWidth, y($0), "#e6e6e6") }
    }

    func axes() -> [String] {
        let x0 = left, x1 = left + plotWidth, y0 = top + plotHeight
        var out = [line(x0, y0, x1, y0, "#000"), line(x0, top, x0, y0, "#000")]
        for t in yTicks ? Self.ticks(yRange) : [] {
            out.append(line(x0 - 4, y(t), x0, y(t), "#000"))
            out.append(text(x0 - 6, y(t) + 4, Self.label(t), anchor: "end"))
        }
        if categories.isEmpty {
            for t in Self.ticks(xRange) {
                out.append(line(x(t), y0, x(t), y0 + 4, "#000"))
                out.append(text(x(t), y0 + 16, Self.label(t), anchor: "middle"))
            }
        } else {
            let layout = categoryLayout
            for (i, c) in categories.enumerated() where i % layout.step == 0 {
                let cx = categoryCentre(i)
                out.append(line(cx, y0, cx, y0 + 4, "#000"))
                if layout.rotated {
                    out.append(text(cx + 3, y0 + 12, c, anchor: "end", extra: "transform=\"rotate(-45 \(f(cx + 3)) \(f(y0 + 12)))\""))
                } else {
                    out.append(text(cx, y0 + 16, c, anchor: "middle"))
                }
            }
        }
        out.append(text(left + plotWidth / 2, height - 14, xLabel, anchor: "middle", extra: "class=\"axis-label\""))
        let cy = top + plotHeight / 2
        out.append(text(13, cy, yLabel, anchor: "middle", extra: "class=\"axis-label\" transform=\"rotate(-90 13 \(f(cy)))\""))
        return out
    }

    func legendMarks() -> [String] {
        var out = ["<g class=\"legend\">"]
        let lx = left + plotWidth + 14
        for (i, entry) in legend.enumerated() {
            let ly = top + 8 + Double(i) * 18
            let dash = entry.dashed ? " stroke-dasharray=\"5 3\"" : ""
            out.append("<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 20))\" y2=\"\(f(ly))\" stroke=\"\(entry.colour)\" stroke-width=\"6\"\(dash)/>")
            out.append(text(lx + 26, ly + 4, entry.label, anchor: "start"))
        }
        out.append("</g>")
        return out
    }

    /// Centre of category i on a categorical x axis.
    func categoryCentre(_ i: Int) -> Double { left + (Double(i) + 0.5) * plotWidth / Double(max(1, categories.count)) }

    func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ colour: String, dashed: Bool = false) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(colour)\"\(dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
    }

    /// Point labels placed beside their points without covering each other, a point or the plot
    /// edge: the first free spot of right-above, right-below, left-above, left-below, then further
    /// out; the first spot when none is free.
    func pointLabels(_ items: [(x: Double, y: Double, text: String)]) -> [String] {
        typealias Box = (x0: Double, y0: Double, x1: Double, y1: Double)
        func overlaps(_ a: Box, _ b: Box) -> Bool { a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }
        var taken: [Box] = items.map { ($0.x - 4, $0.y - 4, $0.x + 4, $0.y + 4) }  // the points themselves
        let spots: [(dx: Double, dy: Double, start: Bool)] = [(6, -6, true), (6, 13, true), (-6, -6, false), (-6, 13, false),
                                                             (6, -18, true), (6, 25, true), (-6, -18, false), (-6, 25, false)]
        return items.map { item in
            let w = Double(item.text.count) * Self.charWidth
            func box(_ s: (dx: Double, dy: Double, start: Bool)) -> Box {
                let x0 = s.start ? item.x + s.dx : item.x + s.dx - w
                return (x0, item.y + s.dy - 10, x0 + w, item.y + s.dy + 3)
            }
            let inside = { (b: Box) in b.x0 >= left && b.x1 <= left + plotWidth && b.y0 >= top && b.y1 <= top + plotHeight }
            let spot = spots.first { s in inside(box(s)) && !taken.contains { overlaps($0, box(s)) } } ?? spots[0]
            taken.append(box(spot))
            return text(item.x + spot.dx, item.y + spot.dy, item.text, anchor: spot.start ? "start" : "end", extra: "class=\"point-label\"")
        }
    }

    func text(_ x: Double, _ y: Double, _ s: String, anchor: String, extra: String = "") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" \(extra)>\(Self.escape(s))</text>"
    }

    func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, tip: String) -> String {
        "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(0, w)))\" height=\"\(f(max(0, h)))\" fill=\"\(fill)\"><title>\(Self.escape(tip))</title></rect>"
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// About five round tick values inside `range`.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw }!
        var t = ceil(range.lowerBound / step) * step, out: [Double] = []
        while t <= range.upperBound + step * 1e-9 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        return abs(v) >= 0.01 && abs(v) < 1e4 ? String(format: "%.3g", v) : String(format: "%.1e", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A data range padded for drawing; a degenerate range is widened.
    static func range(_ values: [Double], includeZero: Bool = false, pad: Double = 0.05) -> ClosedRange<Double> {
        var lo = values.filter(\.isFinite).min() ?? 0, hi = values.filter(\.isFinite).max() ?? 1
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let margin = (hi - lo) * pad
        return (includeZero && lo == 0 ? 0 : lo - margin) ... hi + margin
    }
}
