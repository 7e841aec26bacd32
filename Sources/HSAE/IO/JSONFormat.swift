import Foundation

/// Every JSON configuration hsae writes and reads, in one place (docs/DECISIONS.md "JSON on
/// disk: one place, two key styles"). Keys are always sorted, so the same value always gives the
/// same bytes. Key style: files a run or a data set is made of (config.json, state.json,
/// dataset.json, model metadata, the synthetic truth, corpora) keep their keys as declared —
/// the Swift names, or the snake_case names of their CodingKeys where a format (NumPy, SAELens,
/// the corpus) asks for them; the reports (report.json, sweep.json) convert Swift names to
/// snake_case, as their readers (Python, jq) expect.
public enum JSONFormat {
    public enum Style: Sendable {
        /// Indented: files people read and diff (config.json, state.json, dataset.json).
        case pretty
        /// One line: values embedded in metadata or in other lines (true_l0, synthetic config).
        case compact
        /// Indented, `/` unescaped: the corpus manifest (paths and URLs stay readable).
        case prettyPlainSlashes
        /// One line, `/` unescaped: corpus documents (documents.jsonl).
        case compactPlainSlashes
        /// Indented, Swift names converted to snake_case, non-finite numbers as strings:
        /// report.json, sweep.json.
        case report
    }

    public static func encoder(_ style: Style) -> JSONEncoder {
        let e = JSONEncoder()
        switch style {
        case .pretty: e.outputFormatting = [.prettyPrinted, .sortedKeys]
        case .compact: e.outputFormatting = [.sortedKeys]
        case .prettyPlainSlashes: e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        case .compactPlainSlashes: e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        case .report:
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            e.keyEncodingStrategy = .convertToSnakeCase
            e.nonConformingFloatEncodingStrategy = .convertFromNonFinite
        }
        return e
    }

    /// The reader of a style: keys as written, except `.report` (snake_case back to Swift names,
    /// non-finite numbers from strings).
    public static func decoder(_ style: Style = .pretty) -> JSONDecoder {
        let d = JSONDecoder()
        if case .report = style {
            d.keyDecodingStrategy = .convertFromSnakeCase
            d.nonConformingFloatDecodingStrategy = .convertToNonFinite
        }
        return d
    }

    /// JSONSerialization's options for untyped objects written in the `.pretty` / `.compact` styles.
    public static let prettyObject: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys]
    public static let compactObject: JSONSerialization.WritingOptions = [.sortedKeys]
}

/// A key named at run time (files whose keys come from a table: the loss weights' keys, the per-layer λs).
struct JSONKey: CodingKey {
    let stringValue: String
    init(_ s: String) { stringValue = s }
    init?(stringValue s: String) { stringValue = s }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension JSONEncoder.NonConformingFloatEncodingStrategy {
    /// NaN/±Inf as "nan", "inf", "-inf" (a metric should never produce them; they would not crash).
    static var convertFromNonFinite: Self { .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan") }
}

extension JSONDecoder.NonConformingFloatDecodingStrategy {
    static var convertToNonFinite: Self { .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan") }
}
