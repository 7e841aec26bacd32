import Foundation

/// What kind of token a WordPiece is (a lexical label):
///
///     special       [CLS] [SEP] [PAD] [MASK]
///     digit         all characters (after `##`) are decimal digits: "3", "##159"
///     continuation  any other `##` piece
///     punctuation   one punctuation character (BERT's definition)
///     word_start    the first piece of a word, or [UNK] (which stands for a whole word)
public enum TokenClass: Int32, CaseIterable, Sendable {
    case wordStart, continuation, punctuation, digit, special

    public static let names = ["word_start", "continuation", "punctuation", "digit", "special"]

    public init(piece: String, isSpecial: Bool) {
        if isSpecial { self = .special; return }
        let continued = piece.hasPrefix("##") && piece.count > 2
        let body = continued ? piece.unicodeScalars.dropFirst(2) : Substring(piece).unicodeScalars[...]
        if !body.isEmpty && body.allSatisfy({ $0.properties.numericType == .decimal }) {
            self = .digit
        } else if continued {
            self = .continuation
        } else if body.count == 1 && BasicTokenizer.isPunctuation(body.first!) {
            self = .punctuation
        } else {
            self = .wordStart
        }
    }
}

extension BertTokenizer {
    /// The token class of every vocabulary id.
    public func tokenClasses() -> [TokenClass] {
        let specials: Set<Int32> = [cls, sep, pad, mask]
        return vocabulary.enumerated().map { TokenClass(piece: $1, isSpecial: specials.contains(Int32($0))) }
    }
}

/// Position in the model's input (0 = [CLS]) in log2 buckets: 0, 1, 2–3, 4–7, …
public enum PositionBucket {
    public static func bucket(_ position: Int) -> Int {
        position <= 0 ? 0 : Int.bitWidth - position.leadingZeroBitCount
    }

    /// Bucket names for positions 0 ..< maxPositions.
    public static func names(maxPositions: Int) -> [String] {
        (0...bucket(maxPositions - 1)).map { b in
            if b <= 1 { return String(b) }
            let lo = 1 << (b - 1), hi = min((1 << b) - 1, maxPositions - 1)
            return "\(lo)-\(hi)"
        }
    }
}

/// The label columns of a harvested data set, in `dataset.json` order.
public enum HarvestLabel: Int, CaseIterable, Sendable {
    case tokenId, tokenClass, positionBucket, docId, genre, language, source

    public var name: String {
        ["token_id", "token_class", "position_bucket", "doc_id", "genre", "language", "source"][rawValue]
    }

    /// The manifest entries: class names where the values are classes, expected level of each.
    public static func kinds(corpus: CorpusManifest, maxPositions: Int) -> [DatasetManifest.LabelKind] {
        [
            .init(name: "token_id", classes: nil, level: "lexical"),  // ids into vocab.txt beside the shards
            .init(name: "token_class", classes: TokenClass.names, level: "lexical"),
            .init(name: "position_bucket", classes: PositionBucket.names(maxPositions: maxPositions), level: "positional"),
            .init(name: "doc_id", classes: nil, level: nil),  // index into the corpus's documents.jsonl
            .init(name: "genre", classes: corpus.genres, level: "contextual"),
            .init(name: "language", classes: corpus.languages, level: "contextual"),
            .init(name: "source", classes: corpus.sources, level: "contextual"),
        ]
    }
}
