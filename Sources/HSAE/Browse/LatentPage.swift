import Foundation

/// One latent's page of the feature browser: `top/J.html` or `bottom/I.html`.
struct LatentPage {
    let catalog: FeatureCatalog
    let renderer: ExampleRenderer
    let truth: GroundTruth?

    static func path(_ level: FeatureCatalog.Level, _ index: Int) -> String { "\(level.rawValue)/\(index).html" }

    /// A link from another latent page (one directory down from the site root).
    static func link(_ level: FeatureCatalog.Level, _ index: Int) -> String {
        "<a href=\"../\(path(level, index))\">\(level == .top ? "T" : "B")\(index)</a>"
    }

    func truthName(_ f: Int) -> String { truth.map { $0.layout.name(of: f) } ?? "feature \(f)" }

    func truthCell(_ l: FeatureCatalog.Latent) -> String {
        guard let best = l.truthMatch.first else { return "" }
        return "\(HTMLText.escape(truthName(best.feature))) (ρ \(HTMLText.fixed(best.rho)))"
    }

    func html(_ l: FeatureCatalog.Latent) -> String {
        let peak = l.examples.first?.value ?? 0
        var b = "<p><a href=\"../index.html\(l.level == .top ? "#t\(l.index)" : "")\">← index</a></p>"
        b += "<h1>\(l.level == .top ? "Top" : "Bottom") latent \(l.id)</h1>"
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

    /// Top: children (decoder) with their own top examples, and co-firing bottom latents.
    /// Bottom: the top latents that claim it, and co-firing top latents.
    func relatives(_ l: FeatureCatalog.Latent) -> String {
        var b = ""
        if l.level == .top {
            b += "<h2>Children: bottom latents the decoder row weights most</h2>"
            if let truth, let m = l.truthMatch.first, m.feature < truth.layout.roots {
                let agreeing = l.children.filter { c in
                    catalog.bottom[c.latent].truthMatch.first.map { truth.layout.parentOf($0.feature) == m.feature } ?? false
                }.count
                b += "<p>Best true match: \(HTMLText.escape(truthName(m.feature))) (ρ \(HTMLText.fixed(m.rho))). "
                    + "<b>\(agreeing) of \(l.children.count)</b> children below are best matched to a true child of it.</p>"
            }
            if l.children.isEmpty { b += "<p class=\"muted\">no decoder weight above \(FeatureCatalog.childThreshold) × the row's peak</p>" }
            for c in l.children {
                let child = catalog.bottom[c.latent]
                let peak = child.examples.first?.value ?? 0
                b += "<h3>\(Self.link(.bottom, c.latent)) <span class=\"muted\">weight \(HTMLText.fixed(c.weight)), fires \(HTMLText.percent(child.frequency))"
                b += child.truthMatch.isEmpty ? "" : ", \(truthCell(child))"
                b += "</span></h3>" + examples(Array(child.examples.prefix(3)), peak: peak, highlight: Set(child.truthMatch.prefix(1).map(\.feature)))
            }
            b += "<h2>Bottom latents that fire with it</h2><p class=\"muted\">P(this top latent fires | the bottom latent fires), over bottom latents firing ≥ \(FeatureCatalog.minCoFirings) times.</p>"
            b += links(l.coFiring, level: .bottom, weightName: "P(top | bottom)", withCount: true)
        } else {
            b += "<h2>Parents: top latents whose decoder claims it</h2>"
            b += l.parents.isEmpty ? "<p class=\"muted\">none: no top latent claims this latent</p>" : links(l.parents, level: .top, weightName: "decoder weight", withCount: false)
            b += "<h2>Top latents that fire with it</h2><p class=\"muted\">P(the top latent fires | this latent fires).</p>"
            b += links(l.coFiring, level: .top, weightName: "P(top | bottom)", withCount: true)
        }
        return b
    }

    func links(_ list: [FeatureCatalog.Link], level: FeatureCatalog.Level, weightName: String, withCount: Bool) -> String {
        guard !list.isEmpty else { return "<p class=\"muted\">none</p>" }
        let others = level == .top ? catalog.top : catalog.bottom
        var b = "<table><tr><th>latent</th><th>\(weightName)</th>\(withCount ? "<th>rows together</th>" : "")<th>fires</th>\(truth == nil ? "" : "<th>ground truth</th>")</tr>"
        for k in list {
            let o = others[k.latent]
            b += "<tr><td>\(Self.link(level, k.latent))</td><td class=\"num\">\(HTMLText.fixed(k.weight))</td>"
            b += withCount ? "<td class=\"num\">\(k.count)</td>" : ""
            b += "<td class=\"num\">\(HTMLText.percent(o.frequency))</td>" + (truth == nil ? "" : "<td>\(truthCell(o))</td>") + "</tr>"
        }
        return b + "</table>"
    }
}
