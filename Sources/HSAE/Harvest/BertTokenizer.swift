import Foundation

/// BERT's tokenizer: special tokens written in the text (`[CLS]`, `[SEP]`, ...) are split off
/// first, as transformers does; the rest goes through `BasicTokenizer` and then WordPiece
/// (greedy longest match first, continuation pieces prefixed `##`, a word longer than
/// `maxCharsPerWord` scalars or with no complete match becomes `[UNK]`).
///
/// Reads `vocab.txt` (one token per line, id = line number) and, when present,
/// `tokenizer_config.json` (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`).
public struct BertTokenizer: Sendable {
    public let basic: BasicTokenizer
    /// id → token.
    public let vocabulary: [String]
    let ids: [[UInt8]: Int32]  // UTF-8 bytes → id (bytes: Swift String equality is canonical, Python's is not)
    public let maxCharsPerWord: Int
    public let unk: Int32, cls: Int32, sep: Int32, pad: Int32, mask: Int32

    public static let specialNames = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]

    public init(vocabulary: [String], basic: BasicTokenizer = BasicTokenizer(), maxCharsPerWord: Int = 100,
                source: String = "vocabulary") throws {
        var ids: [[UInt8]: Int32] = [:]
        for (i, token) in vocabulary.enumerated() where ids[Array(token.utf8)] == nil {
            ids[Array(token.utf8)] = Int32(i)
        }
        func special(_ name: String) throws -> Int32 {
            guard let id = ids[Array(name.utf8)] else {
                throw HSAEError.badInput(path: source, message: "has no \(name) token; a BERT vocabulary needs \(Self.specialNames.joined(separator: ", "))")
            }
            return id
        }
        unk = try special("[UNK]"); cls = try special("[CLS]"); sep = try special("[SEP]")
        pad = try special("[PAD]"); mask = try special("[MASK]")
        self.vocabulary = vocabulary
        self.ids = ids
        self.basic = basic
        self.maxCharsPerWord = maxCharsPerWord
    }

    /// Loads `vocab.txt` and the optional `tokenizer_config.json` of a model directory.
    public init(modelDirectory dir: String) throws {
        let vocabPath = dir + "/vocab.txt"
        guard let data = FileManager.default.contents(atPath: vocabPath) else {
            throw HSAEError.badInput(path: vocabPath, message: "cannot read the vocabulary (expected vocab.txt, one token per line)")
        }
        var lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw HSAEError.badInput(path: vocabPath, message: "is empty, expected one token per line") }
        var basic = BasicTokenizer()
        let configPath = dir + "/tokenizer_config.json"
        if let configData = FileManager.default.contents(atPath: configPath) {
            guard let json = try? JSONSerialization.jsonObject(with: configData) as? [String: Any] else {
                throw HSAEError.badInput(path: configPath, message: "is not a JSON object")
            }
            basic.lowercase = json["do_lower_case"] as? Bool ?? true
            basic.stripAccents = json["strip_accents"] as? Bool
            basic.tokenizeChineseChars = json["tokenize_chinese_chars"] as? Bool ?? true
        }
        try self.init(vocabulary: lines, basic: basic, source: vocabPath)
    }

    public var count: Int { vocabulary.count }

    /// Token ids of `text`, without [CLS] and [SEP].
    public func tokenize(_ text: String) -> [Int32] {
        var out: [Int32] = []
        for (segment, special) in splitSpecialTokens(text) {
            if let special { out.append(special); continue }
            for word in basic.words(segment) { wordPiece(word, into: &out) }
        }
        return out
    }

    /// `[CLS] tokenize(text) [SEP]`.
    public func encode(_ text: String) -> [Int32] { [cls] + tokenize(text) + [sep] }

    /// WordPiece on one word.
    func wordPiece(_ word: [Unicode.Scalar], into out: inout [Int32]) {
        guard word.count <= maxCharsPerWord else { out.append(unk); return }
        let utf8 = word.map { Array(String($0).utf8) }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var key: [UInt8] = start > 0 ? [0x23, 0x23] : []  // "##"
                for k in start..<end { key.append(contentsOf: utf8[k]) }
                if let id = ids[key] { found = id; break }
                end -= 1
            }
            guard let id = found else { out.append(unk); return }
            pieces.append(id)
            start = end
        }
        out.append(contentsOf: pieces)
    }

    /// The text cut at literal special tokens: (segment, nil) for ordinary text, ("", id) for a special token.
    func splitSpecialTokens(_ text: String) -> [(String, Int32?)] {
        guard text.contains("[") else { return [(text, nil)] }
        let specials: [(String, Int32)] = [("[UNK]", unk), ("[CLS]", cls), ("[SEP]", sep), ("[PAD]", pad), ("[MASK]", mask)]
        var out: [(String, Int32?)] = []
        var rest = Substring(text)
        var segmentStart = rest.startIndex
        var searchFrom = rest.startIndex
        while let open = rest[searchFrom...].firstIndex(of: "[") {
            let tail = rest[open...]
            if let (name, id) = specials.first(where: { tail.utf8.starts(with: $0.0.utf8) }) {
                out.append((String(rest[segmentStart..<open]), nil))
                out.append(("", id))
                // Scalar offsets: a combining mark after "]" would make a Character count skip it.
                let scalars = tail.unicodeScalars
                rest = Substring(scalars[scalars.index(scalars.startIndex, offsetBy: name.unicodeScalars.count)...])
                segmentStart = rest.startIndex
                searchFrom = rest.startIndex
            } else {
                searchFrom = rest.index(after: open)
            }
        }
        rest = rest[segmentStart...]
        out.append((String(rest), nil))
        return out
    }
}
