import Foundation

/// The feature browser's `index.html`: the top layer as a tree (each top latent expands to its
/// decoder children and its co-firing bottom latents), the bottom latents no top latent claims
/// listed apart, and controls to sort (frequency, mean activation, label association), filter
/// by frequency and search latent ids and example text.
struct IndexPage {
    let catalog: FeatureCatalog
    let renderer: ExampleRenderer
    let truth: GroundTruth?
    let title: String
    let facts: [(String, String)]

    func html() -> String {
        var b = "<h1>\(HTMLText.escape(title))</h1><table>"
        for (k, v) in facts { b += "<tr><th>\(HTMLText.escape(k))</th><td>\(HTMLText.escape(v))</td></tr>" }
        b += "</table>"
        b += "<div class=\"controls\">search <input id=\"q\" type=\"search\" placeholder=\"t17, b5 or text\" size=\"24\">"
        b += "sort <select id=\"sort\"><option value=\"freq\">firing frequency</option><option value=\"mean\">mean activation</option>"
        b += "<option value=\"assoc\">label association</option><option value=\"id\">latent id</option></select>"
        b += "min frequency <input id=\"minfreq\" type=\"number\" min=\"0\" max=\"1\" step=\"0.001\" value=\"0\" size=\"6\">"
        b += "<span class=\"muted\"><span id=\"shown\"></span> shown</span></div>"
        b += "<h2>Top latents (\(catalog.top.count)) and their children</h2><div id=\"tree\">"
        for l in catalog.top { b += topNode(l) }
        b += "</div><h2>Bottom latents no top latent claims (\(catalog.unclaimed.count))</h2><div id=\"unclaimed\">"
        for i in catalog.unclaimed { b += bottomRow(catalog.bottom[i]) }
        b += "</div>"
        return HTMLText.page(title: title, body: b, script: SiteAssets.indexScript)
    }

    func attributes(_ l: FeatureCatalog.Latent, ids: [String], text: String) -> String {
        let assoc = l.bestAssociation?.score ?? 0
        return "data-index=\"\(l.index)\" data-ids=\"\(ids.joined(separator: " "))\" data-freq=\"\(String(format: "%.6g", l.frequency))\" "
            + "data-mean=\"\(String(format: "%.6g", l.meanActivation))\" data-assoc=\"\(String(format: "%.6g", assoc))\" "
            + "data-text=\"\(HTMLText.escape(text))\""
    }

    func summary(_ l: FeatureCatalog.Latent) -> String {
        var s = "<b>\(l.id)</b> fires \(HTMLText.percent(l.frequency)) · mean \(HTMLText.fixed(l.meanActivation))"
        if let a = l.bestAssociation, let c = a.classes.first {
            s += " · <span class=\"pill\">\(HTMLText.escape(a.kind)): \(HTMLText.escape(c.name)) \(HTMLText.percent(c.share))</span>"
        }
        if let m = l.truthMatch.first, let truth {
            s += " · truth \(HTMLText.escape(truth.layout.name(of: m.feature))) (ρ \(HTMLText.fixed(m.rho)))"
        }
        return s + " · <a href=\"\(LatentPage.path(l.level, l.index))\">page</a>"
    }

    func text(_ l: FeatureCatalog.Latent) -> String {
        l.examples.prefix(3).map(renderer.searchText).joined(separator: " | ")
    }

    func topNode(_ l: FeatureCatalog.Latent) -> String {
        let ids = ["t\(l.index)", "\(l.index)"] + l.children.map { "b\($0.latent)" }
        var b = "<details class=\"node\" id=\"t\(l.index)\" \(attributes(l, ids: ids, text: text(l)))><summary>\(summary(l))</summary><div class=\"kids\">"
        b += "<div>children (decoder weight): "
        b += l.children.isEmpty ? "<span class=\"muted\">none</span>" : l.children.map { c in
            "<span class=\"pill\"><a href=\"\(LatentPage.path(.bottom, c.latent))\">B\(c.latent)</a> \(HTMLText.fixed(c.weight, 2))\(childTruth(c.latent))</span>"
        }.joined(separator: " ")
        b += "</div><div>co-firing, P(top | bottom): "
        b += l.coFiring.isEmpty ? "<span class=\"muted\">none</span>" : l.coFiring.map { c in
            "<span class=\"pill\"><a href=\"\(LatentPage.path(.bottom, c.latent))\">B\(c.latent)</a> \(HTMLText.fixed(c.weight, 2))</span>"
        }.joined(separator: " ")
        return b + "</div></div></details>"
    }

    func childTruth(_ i: Int) -> String {
        guard let truth, let m = catalog.bottom[i].truthMatch.first else { return "" }
        return " <span class=\"muted\">\(HTMLText.escape(truth.layout.name(of: m.feature)))</span>"
    }

    func bottomRow(_ l: FeatureCatalog.Latent) -> String {
        "<div class=\"row bottom\" \(attributes(l, ids: ["b\(l.index)", "\(l.index)"], text: text(l)))>\(summary(l))</div>"
    }
}
