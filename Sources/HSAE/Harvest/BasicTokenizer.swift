import Foundation

/// BERT's basic tokenizer, exactly as the original (Google's `tokenization.py`, kept in
/// transformers as `BasicTokenizer`), on Unicode scalars (Python's characters):
///
///     clean      drop U+0000, U+FFFD and control characters (category C*, except \t \n \r);
///                map whitespace (space, \t, \n, \r, category Zs) to a space
///     CJK        put spaces around CJK ideographs
///     NFC        normalise, then split on Python whitespace (str.split())
///     per word   lower-case (Python's str.lower: full mappings and the final-sigma rule) and
///                strip accents (NFD, drop category Mn) when uncased; split off punctuation
///                (ASCII symbols and category P*) as words of their own
///
/// Swift `String` compares canonically equivalent strings as equal, Python does not; words are
/// therefore kept as scalar arrays, and vocabulary keys as UTF-8 bytes.
public struct BasicTokenizer: Sendable {
    public var lowercase: Bool
    /// nil: strip accents when lower-casing (BERT's default).
    public var stripAccents: Bool?
    public var tokenizeChineseChars: Bool

    public init(lowercase: Bool = true, stripAccents: Bool? = nil, tokenizeChineseChars: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.tokenizeChineseChars = tokenizeChineseChars
    }

    /// The words of `text`, each a run of scalars.
    public func words(_ text: String) -> [[Unicode.Scalar]] {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) {
                cleaned.append(" ")
            } else if tokenizeChineseChars && Self.isChinese(s) {
                cleaned.append(" "); cleaned.append(s); cleaned.append(" ")
            } else {
                cleaned.append(s)
            }
        }
        var words: [[Unicode.Scalar]] = []
        for raw in Self.splitOnPythonSpace(Self.nfc(String(cleaned))) {
            var word = raw
            if lowercase {
                word = Self.pythonLower(word)
                if stripAccents != false { word = Self.stripAccents(word) }
            } else if stripAccents == true {
                word = Self.stripAccents(word)
            }
            Self.splitOnPunctuation(word, into: &words)
        }
        // Lower-casing and accent stripping can yield whitespace only in theory; re-split as BERT does.
        return words.flatMap { Self.splitOnPythonSpace($0) }
    }

    // MARK: character classes (BERT's definitions)

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// ASCII symbols count as punctuation although Unicode calls some of them S* (`$`, `^`, `` ` ``).
    public static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks (not Hiragana, Katakana or Hangul, which use spaces).
    static func isChinese(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    /// Python's `str.isspace` (what `str.split()` splits on).
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    // MARK: steps

    static func splitOnPythonSpace<C: Collection>(_ scalars: C) -> [[Unicode.Scalar]] where C.Element == Unicode.Scalar {
        var out: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for s in scalars {
            if isPythonSpace(s) {
                if !current.isEmpty { out.append(current); current = [] }
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func splitOnPythonSpace(_ text: String) -> [[Unicode.Scalar]] { splitOnPythonSpace(text.unicodeScalars) }

    static func splitOnPunctuation(_ word: [Unicode.Scalar], into out: inout [[Unicode.Scalar]]) {
        var current: [Unicode.Scalar] = []
        for s in word {
            if isPunctuation(s) {
                if !current.isEmpty { out.append(current); current = [] }
                out.append([s])
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { out.append(current) }
    }

    static func nfc(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping
    }

    static func stripAccents(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if word.allSatisfy({ $0.isASCII }) { return word }
        let decomposed = String(String.UnicodeScalarView(word)).decomposedStringWithCanonicalMapping
        return decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
    }

    /// Python's `str.lower()`: full lower-case mappings, and Σ → ς in the final-sigma context
    /// (after a cased letter, not before one, case-ignorable characters skipped).
    static func pythonLower(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(word.count)
        for (i, s) in word.enumerated() {
            if s.isASCII {
                out.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
            } else if s.value == 0x03A3 {
                out.append(isFinalSigma(word, at: i) ? "\u{03C2}" : "\u{03C3}")
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    static func isFinalSigma(_ word: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0, word[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, word[j].properties.isCased else { return false }
        j = i + 1
        while j < word.count, word[j].properties.isCaseIgnorable { j += 1 }
        return j == word.count || !word[j].properties.isCased
    }
}
