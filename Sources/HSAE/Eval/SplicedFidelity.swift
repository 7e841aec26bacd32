import Foundation

/// What happens to the language model when a reconstruction replaces its activation (the
/// fidelity SAE users judge by: SAELens/SAEBench splice the SAE into the model and measure the
/// loss). For a sentence encoder the output is the sentence embedding, so per window
/// (`SpliceWindow`), with e the model's own embedding and e′ the one with layer L's content
/// tokens replaced by a reconstruction:
///
///     cosine                 mean over windows of cos(e′_i, e_i)                 (1 = unchanged)
///     retrieval agreement    fraction of windows i whose nearest other window
///                            argmax_{j≠i} cos(e′_i, e′_j) equals argmax_{j≠i} cos(e_i, e_j)
///                            (chance ≈ 1/(n − 1); ties go to the lower index)
///
/// Floors: zero ablation (the content tokens' states set to 0) and mean ablation (set to the
/// mean state of the spliced tokens). docs/EVALUATION.md defines the section.
public struct SplicedFidelitySection: Codable, Equatable, Sendable {
    /// The language model directory, its layer spliced, and the harvest window.
    public var languageModel: String
    public var layer: Int
    public var window: Int
    /// Windows (sentences) and content tokens spliced.
    public var windows: Int
    public var tokens: Int
    /// max |recomputed layer-L state − the data set's row| over the spliced tokens, and the RMS of
    /// those rows: the windows were rebuilt correctly when the first is tiny beside the second.
    public var rowDeviation: Double
    public var rowRms: Double
    /// 1/(windows − 1): the retrieval agreement of a random neighbour.
    public var chanceAgreement: Double?
    /// "original" (the data set's own rows spliced: the check, ≈ 1), "full", "skip_only",
    /// "top_only", "baseline", "zero_ablation", "mean_ablation".
    public var models: [SplicedScore]

    public init(languageModel: String, layer: Int, window: Int, windows: Int, tokens: Int, rowDeviation: Double, rowRms: Double,
                chanceAgreement: Double?, models: [SplicedScore]) {
        self.languageModel = languageModel; self.layer = layer; self.window = window; self.windows = windows; self.tokens = tokens
        self.rowDeviation = rowDeviation; self.rowRms = rowRms; self.chanceAgreement = chanceAgreement; self.models = models
    }

    public func score(_ name: String) -> SplicedScore? { models.first { $0.name == name } }

    /// A reader's name for a variant.
    public static func label(_ name: String) -> String {
        ["original": "original rows (check: 1)", "full": "HSAE full", "skip_only": "HSAE skip-only (g ≡ 1)",
         "top_only": "HSAE top-only (g ≡ 0)", "baseline": "baseline", "zero_ablation": "zero ablation (floor)",
         "mean_ablation": "mean ablation (floor)"][name] ?? name
    }
}

public struct SplicedScore: Codable, Equatable, Sendable {
    public var name: String
    /// Mean and smallest cos(e′, e) over windows.
    public var cosine: Double
    public var minCosine: Double
    public var retrievalAgreement: Double?

    public init(name: String, cosine: Double, minCosine: Double, retrievalAgreement: Double?) {
        self.name = name; self.cosine = cosine; self.minCosine = minCosine; self.retrievalAgreement = retrievalAgreement
    }
}

public enum SplicedFidelity {
    /// cos(a_i, b_i) per row (0 where a row is zero).
    public static func rowCosines(_ a: Matrix<Float>, _ b: Matrix<Float>) -> [Double] {
        precondition(a.rows == b.rows && a.cols == b.cols, "cosines of \(a.rows)×\(a.cols) and \(b.rows)×\(b.cols)")
        return (0..<a.rows).map { i in
            var ab = 0.0, aa = 0.0, bb = 0.0
            for k in 0..<a.cols {
                let x = Double(a[i, k]), y = Double(b[i, k])
                ab += x * y; aa += x * x; bb += y * y
            }
            return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
        }
    }

    /// For each row, the index of its most cosine-similar other row (ties: the lowest index);
    /// nil with fewer than two rows.
    public static func nearestOther(_ e: Matrix<Float>) -> [Int]? {
        guard e.rows >= 2 else { return nil }
        let norms = (0..<e.rows).map { i in (0..<e.cols).reduce(0.0) { $0 + Double(e[i, $1]) * Double(e[i, $1]) }.squareRoot() }
        return (0..<e.rows).map { i in
            var best = -1, bestValue = -Double.infinity
            for j in 0..<e.rows where j != i {
                var dot = 0.0
                for k in 0..<e.cols { dot += Double(e[i, k]) * Double(e[j, k]) }
                let cos = norms[i] > 0 && norms[j] > 0 ? dot / (norms[i] * norms[j]) : 0
                if cos > bestValue { best = j; bestValue = cos }
            }
            return best
        }
    }

    /// The fraction of rows whose nearest other row is the same under `spliced` as under `original`.
    public static func retrievalAgreement(original: Matrix<Float>, spliced: Matrix<Float>) -> Double? {
        precondition(original.rows == spliced.rows, "\(original.rows) original against \(spliced.rows) spliced embeddings")
        guard let a = nearestOther(original), let b = nearestOther(spliced) else { return nil }
        return Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
    }

    /// The score of `spliced` against the model's own embeddings `original` (windows × d).
    public static func score(name: String, original: Matrix<Float>, spliced: Matrix<Float>) -> SplicedScore {
        let cos = rowCosines(spliced, original)
        return SplicedScore(name: name, cosine: cos.isEmpty ? 0 : cos.reduce(0, +) / Double(cos.count), minCosine: cos.min() ?? 0,
                            retrievalAgreement: retrievalAgreement(original: original, spliced: spliced))
    }
}
