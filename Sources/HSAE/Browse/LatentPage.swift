import Foundation

/// One latent's page of the feature browser: `NAME/I.html` for latent I of the layer NAME
/// (`top/J.html`, `bottom/I.html`).
struct LatentPage {
    let catalog: FeatureCatalog
    let renderer: ExampleRenderer
    let truth: GroundTruth?

    static func path(_ layer: FeatureCatalog.Layer, _ index: Int) -> String { "\(layer.name)/\(index).html" }

    /// A link from another latent page (one directory down from the site root).
    static func link(_ layer: FeatureCatalog.Layer, _ index: Int) -> String {
        "<a href=\"../\(path(layer, index))\">\(layer.idPrefix)\(index)</a>"
    }

    func truthName(_ f: Int) -> String { truth.map { $0.layout.name(of: f) } ?? "feature \(f)" }

    func truthCell(_ l: FeatureCatalog.Latent) -> String {
        guard let best = l.truthMatch.first else { return "" }
        return "\(HTMLText.escape(truthName(best.feature))) (ρ \(HTMLText.fixed(best.rho)))"
    }

    func html(_ l: FeatureCatalog.Latent) -> String {
        let peak = l.examples.first?.value ?? 0
        let layer = catalog.layers[l.layer]
        // A parent's node in the index's tree has an anchor.
        var b = "<p><a href=\"../index.html\(l.asParent.isEmpty ? "" : "#" + layer.anchor(l.index))\">← index</a></p>"
        b += "<h1>\(layer.title) latent \(l.id)</h1>"
        b += "<table><tr><th>firing frequency</th><td class=\"num\">\(HTMLText.percent(l.frequency)) (\(l.firings) of \(catalog.rows) rows)</td></tr>"
        b += "<tr><th>mean activation when firing</th><td class=\"num\">\(HTMLText.fixed(l.meanActivation))</td></tr>"
        b += "<tr><th>largest activation</th><td class=\"num\">\(HTMLText.fixed(Double(peak)))</td></tr></table>"
        b += "<h2>Activation histogram</h2>" + HTMLText.histogramSVG(l.histogram)
        if !l.truthMatch.isEmpty {
            b += "<h2>Ground truth</h2><table><tr><th>true feature</th><th>ρ (activation vs magnitude)</th><th>its true parent</th></tr>"
            for m in l.truthMatch {
                let parent = truth?.layout.parentOf(m.feature).map { truthName($0) } ?? "–"
                b += "<tr><td>\(HTMLText.escape(truthName(m.feature)))</td><td class=\"num\">\(HTMLText.fixed(m.rho))</td><td>\(HTMLText.escape(parent))</td></tr>"
            }
            b += "</table>"
        }
        b += associations(l)
        b += relatives(l)
        let highlight = Set(l.truthMatch.prefix(1).map(\.feature))
        b += "<h2>Top \(l.examples.count) activating examples</h2>" + examples(l.examples, peak: peak, highlight: highlight)
        b += "<h2>Random examples from lower activation quantiles</h2>"
        if l.lowerSamples.isEmpty {
            b += "<p class=\"muted\">never fires</p>"
        } else {
            b += "<table><tr><th>quantile</th><th>activation</th><th>from</th><th>context</th></tr>"
            for (band, e) in l.lowerSamples {
                b += renderer.row(e, latentMax: peak, highlight: highlight).replacingOccurrences(of: "<tr>", with: "<tr><td>\(band)</td>")
            }
            b += "</table>"
        }
        return HTMLText.page(title: "HSAE latent \(l.id)", body: b)
    }

    func examples(_ list: [ExampleSlots.Example], peak: Float, highlight: Set<Int>) -> String {
        guard !list.isEmpty else { return "<p class=\"muted\">never fires</p>" }
        return "<table><tr><th>activation</th><th>from</th><th>context</th></tr>"
            + list.map { renderer.row($0, latentMax: peak, highlight: highlight) }.joined() + "</table>"
    }

    func associations(_ l: FeatureCatalog.Latent) -> String {
        guard !l.associations.isEmpty else { return "" }
        var b = "<h2>Label association</h2><p class=\"muted\">share: the fraction of this latent's firings with the class; lift: share ÷ the class's share of all rows.</p>"
        b += "<table><tr><th>label kind</th><th>classes (share, lift)</th></tr>"
        for a in l.associations {
            let cells = a.classes.map { "<span class=\"pill\">\(HTMLText.escape($0.name)) \(HTMLText.percent($0.share)), ×\(HTMLText.fixed($0.lift, 2))</span>" }
            b += "<tr><td>\(HTMLText.escape(a.kind))</td><td>\(cells.isEmpty ? "–" : cells.joined(separator: " "))</td></tr>"
        }
        return b + "</table>"
    }

    /// Over each edge it is the parent of: its children (by the edge's weights) with their own top
    /// examples, and the co-firing child latents. Over each edge it is the child of: the parents
    /// that claim it, and the co-firing parent latents.
    func relatives(_ l: FeatureCatalog.Latent) -> String {
        var b = ""
        for r in l.asParent {
            let edge = catalog.edges[r.edge]
            let (parent, child) = (catalog.layers[edge.parent], catalog.layers[edge.child])
            b += edge.weightsName == nil ? "<h2>Children: the \(child.name) latents assigned to it (weight: the share of each one's code it reads)</h2>"
                : "<h2>Children: \(child.name) latents the decoder row weights most</h2>"
            if let truth, let m = l.truthMatch.first, m.feature < truth.layout.roots {
                let agreeing = r.claimed.filter { c in
                    catalog.latent(edge.child, c.latent).truthMatch.first.map { truth.layout.parentOf($0.feature) == m.feature } ?? false
                }.count
                b += "<p>Best true match: \(HTMLText.escape(truthName(m.feature))) (ρ \(HTMLText.fixed(m.rho))). "
                    + "<b>\(agreeing) of \(r.claimed.count)</b> children below are best matched to a true child of it.</p>"
            }
            if r.claimed.isEmpty {
                b += edge.weightsName == nil ? "<p class=\"muted\">no child assigned</p>"
                    : "<p class=\"muted\">no decoder weight above \(FeatureCatalog.childThreshold) × the row's peak</p>"
            }
            for c in r.claimed {
                let latent = catalog.latent(edge.child, c.latent)
                let peak = latent.examples.first?.value ?? 0
                b += "<h3>\(Self.link(child, c.latent)) <span class=\"muted\">weight \(HTMLText.fixed(c.weight)), fires \(HTMLText.percent(latent.frequency))"
                b += latent.truthMatch.isEmpty ? "" : ", \(truthCell(latent))"
                b += "</span></h3>" + examples(Array(latent.examples.prefix(3)), peak: peak, highlight: Set(latent.truthMatch.prefix(1).map(\.feature)))
            }
            b += "<h2>\(child.title) latents that fire with it</h2><p class=\"muted\">P(this \(parent.name) latent fires | the \(child.name) latent fires), "
                + "over \(child.name) latents firing ≥ \(FeatureCatalog.minCoFirings) times.</p>"
            b += links(r.coFiring, layer: edge.child, weightName: "P(\(parent.name) | \(child.name))", withCount: true)
        }
        for r in l.asChild {
            let edge = catalog.edges[r.edge]
            let (parent, child) = (catalog.layers[edge.parent], catalog.layers[edge.child])
            b += "<h2>Parents: \(parent.name) latents whose decoder claims it</h2>"
            b += r.claimed.isEmpty ? "<p class=\"muted\">none: no \(parent.name) latent claims this latent</p>"
                : links(r.claimed, layer: edge.parent, weightName: "decoder weight", withCount: false)
            b += "<h2>\(parent.title) latents that fire with it</h2><p class=\"muted\">P(the \(parent.name) latent fires | this latent fires).</p>"
            b += links(r.coFiring, layer: edge.parent, weightName: "P(\(parent.name) | \(child.name))", withCount: true)
        }
        return b
    }

    /// Links to latents of `layer`.
    func links(_ list: [FeatureCatalog.Link], layer: Int, weightName: String, withCount: Bool) -> String {
        guard !list.isEmpty else { return "<p class=\"muted\">none</p>" }
        let others = catalog.latents[layer]
        var b = "<table><tr><th>latent</th><th>\(weightName)</th>\(withCount ? "<th>rows together</th>" : "")<th>fires</th>\(truth == nil ? "" : "<th>ground truth</th>")</tr>"
        for k in list {
            let o = others[k.latent]
            b += "<tr><td>\(Self.link(catalog.layers[layer], k.latent))</td><td class=\"num\">\(HTMLText.fixed(k.weight))</td>"
            b += withCount ? "<td class=\"num\">\(k.count)</td>" : ""
            b += "<td class=\"num\">\(HTMLText.percent(o.frequency))</td>" + (truth == nil ? "" : "<td>\(truthCell(o))</td>") + "</tr>"
        }
        return b + "</table>"
    }
}
