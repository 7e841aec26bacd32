import Foundation

/// The feature browser's `index.html`: per edge of the hierarchy, the parent layer as a tree (the
/// HSAE: each top latent expands to its decoder children and its co-firing bottom latents) and the
/// child latents no parent claims listed apart; the latents of a layer in no edge listed by layer;
/// and controls to sort (frequency, mean activation, label association), filter
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
        let ids = catalog.displayLayers.enumerated().map { $1.anchor([17, 5][$0 % 2]) }.joined(separator: ", ")
        b += "<div class=\"controls\">search <input id=\"q\" type=\"search\" placeholder=\"\(ids) or text\" size=\"24\">"
        b += "sort <select id=\"sort\"><option value=\"freq\">firing frequency</option><option value=\"mean\">mean activation</option>"
        b += "<option value=\"assoc\">label association</option><option value=\"id\">latent id</option></select>"
        b += "min frequency <input id=\"minfreq\" type=\"number\" min=\"0\" max=\"1\" step=\"0.001\" value=\"0\" size=\"6\">"
        b += "<span class=\"muted\"><span id=\"shown\"></span> shown</span></div>"
        for (e, edge) in catalog.edges.enumerated() {
            let (parent, child) = (catalog.layers[edge.parent], catalog.layers[edge.child])
            let suffix = e == 0 ? "" : "-\(e)"
            b += "<h2>\(parent.title) latents (\(catalog.latents[edge.parent].count)) and their children</h2><div id=\"tree\(suffix)\">"
            for l in catalog.latents[edge.parent] { b += node(l, edge: e) }
            b += "</div><h2>\(child.title) latents no \(parent.name) latent claims (\(catalog.unclaimed[e].count))</h2><div id=\"unclaimed\(suffix)\">"
            for i in catalog.unclaimed[e] { b += row(catalog.latent(edge.child, i)) }
            b += "</div>"
        }
        for layer in catalog.displayLayers where !catalog.edges.contains(where: { $0.parent == layer.index || $0.child == layer.index }) {
            b += "<h2>\(layer.title) latents (\(catalog.latents[layer.index].count))</h2><div id=\"layer-\(layer.name)\">"
            for l in catalog.latents[layer.index] { b += row(l) }
            b += "</div>"
        }
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
        return s + " · <a href=\"\(LatentPage.path(catalog.layers[l.layer], l.index))\">page</a>"
    }

    func text(_ l: FeatureCatalog.Latent) -> String {
        l.examples.prefix(3).map(renderer.searchText).joined(separator: " | ")
    }

    /// Latent `l` of the parent layer of edge `e`: its children by the edge's weights and its co-firing children.
    func node(_ l: FeatureCatalog.Latent, edge e: Int) -> String {
        let edge = catalog.edges[e]
        let (parent, child) = (catalog.layers[edge.parent], catalog.layers[edge.child])
        let r = l.asParent.first { $0.edge == e }!
        let ids = [parent.anchor(l.index), "\(l.index)"] + r.claimed.map { child.anchor($0.latent) }
        var b = "<details class=\"node\" id=\"\(parent.anchor(l.index))\" \(attributes(l, ids: ids, text: text(l)))><summary>\(summary(l))</summary><div class=\"kids\">"
        b += "<div>children (decoder weight): "
        b += r.claimed.isEmpty ? "<span class=\"muted\">none</span>" : r.claimed.map { c in
            "<span class=\"pill\"><a href=\"\(LatentPage.path(child, c.latent))\">\(child.idPrefix)\(c.latent)</a> \(HTMLText.fixed(c.weight, 2))\(childTruth(edge.child, c.latent))</span>"
        }.joined(separator: " ")
        b += "</div><div>co-firing, P(\(parent.name) | \(child.name)): "
        b += r.coFiring.isEmpty ? "<span class=\"muted\">none</span>" : r.coFiring.map { c in
            "<span class=\"pill\"><a href=\"\(LatentPage.path(child, c.latent))\">\(child.idPrefix)\(c.latent)</a> \(HTMLText.fixed(c.weight, 2))</span>"
        }.joined(separator: " ")
        return b + "</div></div></details>"
    }

    func childTruth(_ layer: Int, _ i: Int) -> String {
        guard let truth, let m = catalog.latent(layer, i).truthMatch.first else { return "" }
        return " <span class=\"muted\">\(HTMLText.escape(truth.layout.name(of: m.feature)))</span>"
    }

    /// A latent listed outside the tree.
    func row(_ l: FeatureCatalog.Latent) -> String {
        let layer = catalog.layers[l.layer]
        return "<div class=\"row \(layer.name)\" \(attributes(l, ids: [layer.anchor(l.index), "\(l.index)"], text: text(l)))>\(summary(l))</div>"
    }
}
