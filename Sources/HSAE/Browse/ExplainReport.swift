import Foundation

/// The output formats of `hsae explain`: text lines, a JSON file of every active latent per
/// token (what the tests read), and an HTML page linking to a feature browser when one is given.
public enum ExplainReport {
    static func list(_ items: [(latent: Int, value: Float)], prefix: String, limit: Int) -> String {
        let shown = items.prefix(limit).map { "\(prefix)\($0.latent) \(String(format: "%.3f", $0.value))" }.joined(separator: ", ")
        return items.count > limit ? shown + ", … (\(items.count) active)" : (shown.isEmpty ? "–" : shown)
    }

    public static func lines(_ e: Explanation, perToken limit: Int = 5) -> [String] {
        var out: [String] = []
        let width = min(16, e.tokens.map(\.count).max() ?? 1)
        for t in e.tokens.indices {
            let token = e.tokens[t].padding(toLength: max(width, e.tokens[t].count), withPad: " ", startingAt: 0)
            out.append(String(format: "%4d ", t) + token + e.displayLayers.map { layer in
                "  \(layer.name): " + list(Explanation.active(e.codes[layer.index], token: t), prefix: layer.idPrefix, limit: limit)
            }.joined(separator: "  |"))
        }
        let top = e.summaryLayer
        out.append("\(top.name) latents over the whole text (Σ activation, tokens firing):")
        for s in e.summaryOverText() {
            out.append("  " + top.idPrefix + String(format: "%d  %.3f  (%d of %d tokens)", s.latent, s.total, s.tokens, e.tokens.count))
        }
        return out
    }

    public static func json(_ e: Explanation) throws -> Data {
        func sparse(_ m: Matrix<Float>) -> [[[Double]]] {
            (0..<m.rows).map { t in Explanation.active(m, token: t).map { [Double($0.latent), Double($0.value)] } }
        }
        var object: [String: Any] = ["tokens": e.tokens, "ids": e.ids.map(Int.init)]
        for layer in e.layers { object[layer.name] = sparse(e.codes[layer.index]) }
        return try JSONSerialization.data(withJSONObject: object, options: JSONFormat.compactObject)
    }

    /// A page: the text with each token shaded by its strongest latent of the summary layer (top),
    /// and a table per token.
    /// `site` (relative or absolute path of an `hsae features` site) turns latent ids into links.
    public static func html(_ e: Explanation, text: String, run: String, site: String?, perToken limit: Int = 5) -> String {
        func link(_ layer: FeatureCatalog.Layer, _ j: Int) -> String {
            let id = layer.idPrefix + String(j)
            return site.map { "<a href=\"\(HTMLText.escape($0))/\(layer.name)/\(j).html\">\(id)</a>" } ?? id
        }
        let top = e.summaryLayer, topCodes = e.codes[top.index]
        let peak = topCodes.storage.max() ?? 0
        var b = "<h1>hsae explain</h1><p class=\"muted\">run \(HTMLText.escape(run)); \(e.tokens.count) tokens</p>"
        b += "<p class=\"ctx\">"
        for t in e.tokens.indices {
            let (s, joins) = RowContext.display(e.tokens[t])
            let best = Explanation.active(topCodes, token: t).first
            let title = best.map { "\(top.idPrefix)\($0.latent) \(String(format: "%.3f", $0.value))" } ?? "no \(top.name) latent"
            b += (joins || t == 0 ? "" : " ") + "<span class=\"tok\" style=\"\(HTMLText.shade(best?.value ?? 0, max: peak))\" title=\"\(title)\">\(HTMLText.escape(s))</span>"
        }
        b += "</p><h2>\(top.title) latents over the whole text</h2><table><tr><th>latent</th><th>Σ activation</th><th>tokens firing</th></tr>"
        for s in e.summaryOverText() {
            b += "<tr><td>\(link(top, s.latent))</td><td class=\"num\">\(HTMLText.fixed(s.total))</td><td class=\"num\">\(s.tokens)</td></tr>"
        }
        b += "</table><h2>Per token</h2><table><tr><th>#</th><th>token</th>" + e.displayLayers.map { "<th>\($0.name) latents</th>" }.joined() + "</tr>"
        for t in e.tokens.indices {
            func cells(_ layer: FeatureCatalog.Layer) -> String {
                Explanation.active(e.codes[layer.index], token: t).prefix(limit).map { "<span class=\"pill\">\(link(layer, $0.latent)) \(String(format: "%.3f", $0.value))</span>" }.joined(separator: " ")
            }
            b += "<tr><td class=\"num\">\(t)</td><td class=\"ctx\">\(HTMLText.escape(e.tokens[t]))</td>" + e.displayLayers.map { "<td>\(cells($0))</td>" }.joined() + "</tr>"
        }
        return HTMLText.page(title: "hsae explain", body: b + "</table>")
    }
}
