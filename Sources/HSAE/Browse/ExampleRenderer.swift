import Foundation

/// Renders one example row of a latent as HTML: on harvested data the document text around the
/// token (WordPiece tokens of the same document, the token outlined, each neighbour shaded by the
/// latent's activation on it); on synthetic data the true features firing in the row; always the
/// row's label classes.
struct ExampleRenderer {
    let context: RowContext?
    let truth: GroundTruth?
    let data: ActivationDataset
    /// Label kinds shown beside an example (named classes, not token_id / doc_id).
    let shownKinds: [Int]

    init(data: ActivationDataset, context: RowContext?, truth: GroundTruth?) {
        self.data = data
        self.context = context
        self.truth = truth
        // Synthetic rows show their true features instead (the labels restate them).
        shownKinds = truth != nil ? [] : data.labelKinds.indices.filter {
            let k = data.labelKinds[$0]
            return k.classes != nil && k.classes!.count <= FeatureScan.maxClasses && k.name != "token_class"
        }
    }

    /// The text of an example for the index's search box (lower-cased, no markup).
    func searchText(_ e: ExampleSlots.Example) -> String {
        if let context {
            let w = e.context.count / 2
            var s = ""
            for o in -w...w where context.sameDocument(e.row, offset: o) {
                let (t, joins) = RowContext.display(context.token(e.row + o))
                s += (joins || s.isEmpty ? "" : " ") + t
            }
            return s.lowercased()
        }
        if let truth { return truth.firing(row: e.row).map { truth.layout.name(of: $0.feature) }.joined(separator: " ") }
        return ""
    }

    /// One table row: activation, where the row comes from, and its context.
    func row(_ e: ExampleSlots.Example, latentMax: Float, highlight: Set<Int> = []) -> String {
        let labels = shownKinds.map { k -> String in
            let c = data.labels(kind: k, rows: [e.row])[0]
            let names = data.labelKinds[k].classes!
            return c >= 0 && c < names.count ? "<span class=\"pill\">\(HTMLText.escape(data.labelKinds[k].name)): \(HTMLText.escape(names[c]))</span>" : ""
        }.joined()
        var cell: String
        var origin = "row \(e.row)"
        if let context {
            origin = "doc \(context.document(e.row)), token \(context.position(e.row))"
            let w = e.context.count / 2
            cell = "<span class=\"ctx\">"
            for o in -w...w where context.sameDocument(e.row, offset: o) {
                let (t, joins) = RowContext.display(context.token(e.row + o))
                let value = e.context[o + w]
                let title = value.isFinite ? String(format: "%.3f", value) : "not computed"
                cell += (joins || o == -w ? "" : " ") + "<span class=\"tok\(o == 0 ? " hit" : "")\" style=\"\(HTMLText.shade(value, max: latentMax))\" title=\"\(title)\">\(HTMLText.escape(t))</span>"
            }
            cell += "</span>"
        } else if let truth {
            cell = truth.firing(row: e.row).map { f in
                let name = HTMLText.escape(truth.layout.name(of: f.feature))
                let mark = highlight.contains(f.feature) ? "<b>\(name)</b>" : name
                return "<span class=\"pill\">\(mark) \(String(format: "%.2f", f.magnitude))</span>"
            }.joined(separator: " ")
            if cell.isEmpty { cell = "<span class=\"muted\">no true feature</span>" }
        } else {
            cell = "<span class=\"muted\">no context in this data set</span>"
        }
        return "<tr><td class=\"num\">\(String(format: "%.3f", e.value))</td><td class=\"muted\">\(origin)</td><td>\(cell)<br>\(labels)</td></tr>"
    }
}
