import Foundation

/// Links a row of a harvested data set back to its text: the row's WordPiece token (label
/// `token_id`, an index into `vocab.txt` beside the shards), its document (`doc_id`, an index into
/// the corpus's documents.jsonl) and its position in that document. Harvest rows are written in
/// corpus order with every content token of a document in sequence, so the rows next to a row
/// with the same `doc_id` are its neighbouring tokens, and its position is the distance back to
/// the document's first row.
public struct RowContext: Sendable {
    public let vocabulary: [String]
    let data: ActivationDataset
    let tokenKind: Int
    let docKind: Int

    /// Why a data set cannot give contexts, or nil when it can.
    public static func unavailableReason(_ data: ActivationDataset) -> String? {
        let names = data.labelKinds.map(\.name)
        var missing: [String] = []
        if !names.contains("token_id") { missing.append("a token_id label") }
        if !names.contains("doc_id") { missing.append("a doc_id label") }
        if !FileManager.default.fileExists(atPath: data.path + "/vocab.txt") { missing.append("vocab.txt") }
        guard !missing.isEmpty else { return nil }
        return "\(data.path) has no \(missing.joined(separator: ", ")): rows cannot be linked back to their text, "
            + "so contexts need a re-harvest with `hsae harvest` (which writes both labels and vocab.txt)"
    }

    public init?(data: ActivationDataset) {
        guard Self.unavailableReason(data) == nil,
              let text = try? String(contentsOfFile: data.path + "/vocab.txt", encoding: .utf8) else { return nil }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        vocabulary = lines
        self.data = data
        tokenKind = data.labelKinds.firstIndex { $0.name == "token_id" }!
        docKind = data.labelKinds.firstIndex { $0.name == "doc_id" }!
    }

    public func token(_ row: Int) -> String {
        let id = data.labels(kind: tokenKind, rows: [row])[0]
        return id >= 0 && id < vocabulary.count ? vocabulary[id] : "[?]"
    }

    public func document(_ row: Int) -> Int { data.labels(kind: docKind, rows: [row])[0] }

    /// The token's position in its document (0 = first content token harvested).
    /// A document's rows are contiguous, so its first row is found by galloping back and then
    /// bisecting: O(log length) label reads instead of one per token.
    public func position(_ row: Int) -> Int {
        let doc = document(row)
        var inside = row, step = 1  // `inside` is in the document
        var outside = -1            // a row before the document, or -1
        while inside - step >= 0 {
            if document(inside - step) == doc { inside -= step; step *= 2 } else { outside = inside - step; break }
        }
        if outside == -1, inside > 0 {  // ran out of steps before row 0: check the remaining stretch
            if document(0) == doc { return row } else { outside = 0 }
        }
        while inside - outside > 1 {
            let mid = (inside + outside) / 2
            if document(mid) == doc { inside = mid } else { outside = mid }
        }
        return row - inside
    }

    /// Whether `row + offset` exists and belongs to the same document as `row`.
    public func sameDocument(_ row: Int, offset: Int) -> Bool {
        let other = row + offset
        return other >= 0 && other < data.rows && document(other) == document(row)
    }

    /// A WordPiece token as display text: `##ing` joins the previous token, others start a word.
    public static func display(_ token: String) -> (text: String, joins: Bool) {
        token.hasPrefix("##") ? (String(token.dropFirst(2)), true) : (token, false)
    }
}
