import Foundation

/// Small formatting helpers for the feature browser's pages (deterministic: the same values
/// always give the same bytes).
enum HTMLText {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func fixed(_ v: Double, _ digits: Int = 3) -> String {
        v.isFinite ? String(format: "%.\(digits)f", v) : "–"
    }

    /// A frequency as a percentage with 3 significant digits.
    static func percent(_ v: Double) -> String {
        guard v > 0 else { return "0 %" }
        let p = v * 100
        return (p >= 10 ? String(format: "%.1f", p) : p >= 1 ? String(format: "%.2f", p) : String(format: "%.3g", p)) + " %"
    }

    static func page(title: String, body: String, script: String? = nil) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>\(escape(title))</title><style>\(SiteAssets.css)</style></head>
        <body>
        \(body)
        \(script.map { "<script>\($0)</script>" } ?? "")
        </body></html>

        """
    }

    /// Background shading for an activation relative to the latent's largest one.
    static func shade(_ value: Float, max: Float) -> String {
        guard value.isFinite, value > 0, max > 0 else { return "" }
        let a = Double(Swift.min(1, value / max)) * 0.85
        return "background:rgba(230,126,34,\(String(format: "%.2f", a)))"
    }

    /// An inline SVG bar chart of a latent's activation histogram (log10 bins).
    static func histogramSVG(_ counts: [Int64]) -> String {
        let (w, h, left, bottom) = (560.0, 150.0, 46.0, 30.0)
        let peak = Double(counts.max() ?? 0)
        let bw = (w - left - 10) / Double(counts.count)
        var s = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"activation histogram\">"
        s += "<line x1=\"\(left)\" y1=\"\(h - bottom)\" x2=\"\(w - 10)\" y2=\"\(h - bottom)\" stroke=\"#888\"/>"
        for (k, c) in counts.enumerated() where c > 0 {
            let bh = peak > 0 ? (h - bottom - 10) * Double(c) / peak : 0
            let x = left + Double(k) * bw
            s += "<rect x=\"\(fixed(x, 1))\" y=\"\(fixed(h - bottom - bh, 1))\" width=\"\(fixed(max(bw - 1, 1), 1))\" height=\"\(fixed(bh, 1))\" fill=\"#3b6fb6\"><title>\(c)</title></rect>"
        }
        // Ticks at each decade: slot 1 + 8·k is the bin starting at 10^(k−3).
        for k in 0...6 {
            let x = left + Double(1 + 8 * k) * bw
            s += "<text x=\"\(fixed(x, 1))\" y=\"\(h - bottom + 14)\" font-size=\"10\" text-anchor=\"middle\">1e\(k - 3)</text>"
        }
        s += "<text x=\"\(left - 4)\" y=\"14\" font-size=\"10\" text-anchor=\"end\">\(Int(peak))</text>"
        s += "<text x=\"\((w + left) / 2)\" y=\"\(h - 2)\" font-size=\"11\" text-anchor=\"middle\">activation (log scale; first bar &lt; 1e-3, last ≥ 1e3)</text>"
        s += "<text x=\"12\" y=\"\((h - bottom) / 2)\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 \((h - bottom) / 2))\">rows</text>"
        return s + "</svg>"
    }
}
