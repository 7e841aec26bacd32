import Foundation

/// The language-model windows behind a harvested data set's rows, rebuilt from the rows' labels
/// so that a reconstruction can be spliced back into the model (`SplicedFidelity`).
///
/// `hsae harvest` (`HarvestPlan`) cuts each document into windows of at most `window − 2`
/// content tokens from its first token on and keeps the content tokens as rows in corpus order,
/// so a document's rows are consecutive (`doc_id`) and its k-th window holds its rows
/// k·(window − 2) ..< (k+1)·(window − 2); `token_id` gives the tokens back. Nothing here needs
/// the corpus.
public struct SpliceWindow: Equatable, Sendable {
    /// Global rows of the window's content tokens, in order.
    public var rows: Range<Int>
    /// Their token ids (without [CLS]/[SEP]).
    public var ids: [Int32]
}

public enum SpliceWindows {
    /// What a data set must record to be spliced: its harvest layer and window, and labels.
    public struct Harvest: Sendable {
        public var layer: Int
        public var window: Int
        /// Whether the harvest stopped at a token budget: then its last window may keep only
        /// its first rows (it ran whole), and is left out.
        public var truncated: Bool
    }

    /// Reads the harvest settings from the data set's provenance; a message naming the data set
    /// and what is missing otherwise.
    public static func harvest(of data: ActivationDataset) throws -> Harvest {
        let p = data.manifest.provenance ?? [:]
        guard p["generator"] == "hsae harvest", let layer = p["layer"].flatMap(Int.init), let window = p["window"].flatMap(Int.init) else {
            throw HSAEError.badInput(path: data.path, message: "was not written by hsae harvest (its dataset.json provenance has no "
                + "generator 'hsae harvest' with a layer and window); spliced fidelity needs a harvested data set")
        }
        guard p["include_special"] != "true" else {
            throw HSAEError.badInput(path: data.path, message: "was harvested with --include-special; spliced fidelity needs rows "
                + "of content tokens only (harvest without --include-special)")
        }
        for kind in ["doc_id", "token_id"] where !data.labelKinds.contains(where: { $0.name == kind }) {
            throw HSAEError.badInput(path: data.path, message: "has no '\(kind)' label; spliced fidelity rebuilds the windows "
                + "from doc_id and token_id (re-harvest with this hsae)")
        }
        let budget = p["max_tokens"].flatMap(Int.init)
        return Harvest(layer: layer, window: window, truncated: budget.map { $0 <= data.rows } ?? false)
    }

    /// The windows whose rows lie in `rows`, in row order. A document cut by the start of
    /// `rows` is skipped up to its next window boundary only if its start is known, so the
    /// first (partial) document of `rows` is left out unless `rows` starts at a document start.
    public static func rebuild(data: ActivationDataset, rows: Range<Int>, harvest: Harvest) throws -> [SpliceWindow] {
        guard !rows.isEmpty else { return [] }
        let docKind = data.labelKinds.firstIndex { $0.name == "doc_id" }!
        let tokenKind = data.labelKinds.firstIndex { $0.name == "token_id" }!
        let all = Array(rows)
        let docs = data.labels(kind: docKind, rows: all), tokens = data.labels(kind: tokenKind, rows: all)
        let startsDocument = rows.lowerBound == 0 || data.labels(kind: docKind, rows: [rows.lowerBound - 1])[0] != docs[0]
        let content = harvest.window - 2
        var out: [SpliceWindow] = []
        var i = 0
        while i < all.count {
            var end = i + 1
            while end < all.count, docs[end] == docs[i] { end += 1 }
            if i > 0 || startsDocument {
                for start in stride(from: i, to: end, by: content) {
                    let stop = min(end, start + content)
                    out.append(SpliceWindow(rows: all[start] ..< all[start] + (stop - start), ids: tokens[start ..< stop].map { Int32($0) }))
                }
            }
            i = end
        }
        if harvest.truncated, rows.upperBound == data.rows, !out.isEmpty { out.removeLast() }
        return out
    }

    /// At most `count` of `windows`, evenly spaced (all of them when there are fewer).
    public static func evenlySpaced(_ windows: [SpliceWindow], count: Int) -> [SpliceWindow] {
        guard windows.count > count else { return windows }
        return (0..<count).map { windows[$0 * windows.count / count] }
    }
}
