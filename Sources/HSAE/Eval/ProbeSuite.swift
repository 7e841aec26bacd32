/// All probes of one label kind: full and k-sparse probes on every code, and the level index.
///
///     level index(k) = accuracy(top code, k) − accuracy(bottom code, k)
///
/// expected < 0 for lexical / child labels (the bottom holds them) and > 0 for topic / parent
/// labels; k = nil is the probe on all features.
///
/// A Matryoshka baseline has levels too: its first group (the coarse prefix, trained to
/// reconstruct x by itself, as wide as the HSAE's top layer by default) and the rest. When the
/// codes include both (`prefixCode`, `restCode`), the baseline's level index is
///
///     baseline level index(k) = accuracy(prefix, k) − accuracy(rest, k)
///
/// with the same expected signs. A flat baseline has no levels: its accuracies are the reference.
public enum ProbeSuite {
    /// The probed code of a Matryoshka baseline's first group, and of its other latents.
    public static let prefixCode = "baseline prefix", restCode = "baseline rest"

    /// A Matryoshka code split into its first group (latents 0 ..< `prefix`: the model's first
    /// prefix path, `ReconstructionPath.prefix`) and the rest; nil when there is nothing to split
    /// (no prefix path: a flat model, or a Matryoshka model of one group).
    public static func matryoshkaLevels(_ code: Matrix<Double>, prefix: Int?) -> (prefix: Matrix<Double>, rest: Matrix<Double>)? {
        guard let prefix else { return nil }
        precondition(prefix > 0 && prefix < code.cols, "Matryoshka prefix \(prefix) outside the code's \(code.cols) latents")
        return (code.selecting(columns: Array(0..<prefix)), code.selecting(columns: Array(prefix..<code.cols)))
    }

    /// The labels of a kind without a class list (token ids): the `count` most frequent values
    /// among `labels` kept (ties: the smaller value first), every other value — and every
    /// missing one — set to −1 (missing), so that a probe over them has `count` classes.
    public static func mostFrequent(_ labels: [Int], count: Int) -> [Int] {
        var counts: [Int: Int] = [:]
        for y in labels where y >= 0 { counts[y, default: 0] += 1 }
        let kept = Set(counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(max(0, count)).map(\.key))
        return labels.map { kept.contains($0) ? $0 : -1 }
    }

    /// - Parameters:
    ///   - codes: (name, rows×features) per code, same rows in the same order, e.g. Z1, Z2,
    ///     Z1+Z2 (`Matrix.concatenatingColumns`), x, baseline.
    ///   - labels: one per row, negative where missing.
    public static func run(label: String, level: String?, labels: [Int], codes: [(name: String, features: Matrix<Double>)],
                           split: ProbeSplit, top: String = "Z2", bottom: String = "Z1",
                           options: Probe.Options = Probe.Options()) -> ProbeLabelResult {
        var scores: [ProbeScore] = []
        for (name, features) in codes {
            precondition(features.rows == labels.count, "probe \(label)/\(name): \(features.rows) rows, \(labels.count) labels")
            scores.append(Probe.evaluate(code: name, features: features, labels: labels, split: split, options: options))
            for k in options.ks where k < features.cols {
                scores.append(Probe.evaluate(code: name, features: features, labels: labels, split: split, k: k, options: options))
            }
        }
        return assemble(label: label, level: level, labels: labels, split: split, scores: scores,
                        top: top, bottom: bottom, ks: options.ks)
    }

    /// The result of one label kind from its probe scores, wherever they were computed (the
    /// eval driver spreads the probes of a label over ranks): the level index at every k.
    public static func assemble(label: String, level: String?, labels: [Int], split: ProbeSplit, scores: [ProbeScore],
                                top: String = "Z2", bottom: String = "Z1", ks: [Int]) -> ProbeLabelResult {
        let levels: [Int?] = [nil] + ks.map { Optional($0) }
        func index(top: String, bottom: String) -> [LevelIndex] {
            levels.compactMap { k -> LevelIndex? in
                let topScore = scores.first { $0.code == top && $0.k == k }?.accuracy
                let bottomScore = scores.first { $0.code == bottom && $0.k == k }?.accuracy
                guard let t = topScore, let b = bottomScore else { return nil }
                return LevelIndex(k: k, top: top, bottom: bottom, value: t - b)
            }
        }
        let baseline = index(top: prefixCode, bottom: restCode)
        let present = Set(labels.filter { $0 >= 0 })
        return ProbeLabelResult(label: label, level: level, split: split.kind, classes: present.count,
                                scores: scores, levelIndex: index(top: top, bottom: bottom),
                                baselineLevelIndex: baseline.isEmpty ? nil : baseline)
    }
}

/// The probes of one label kind.
public struct ProbeLabelResult: Codable, Equatable, Sendable {
    public var label: String
    /// The level the data set expects the label at ("lexical", "parent", "child", …), if stated.
    public var level: String?
    /// "document" or "rows".
    public var split: String
    public var classes: Int
    public var scores: [ProbeScore]
    public var levelIndex: [LevelIndex]
    /// A Matryoshka baseline's level index, acc(prefix) − acc(rest) (nil for other baselines).
    public var baselineLevelIndex: [LevelIndex]?

    public init(label: String, level: String?, split: String, classes: Int, scores: [ProbeScore], levelIndex: [LevelIndex],
                baselineLevelIndex: [LevelIndex]? = nil) {
        self.label = label; self.level = level; self.split = split; self.classes = classes
        self.scores = scores; self.levelIndex = levelIndex; self.baselineLevelIndex = baselineLevelIndex
    }
}

/// acc(top) − acc(bottom) at one k (nil: all features).
public struct LevelIndex: Codable, Equatable, Sendable {
    public var k: Int?
    public var top: String
    public var bottom: String
    public var value: Double

    public init(k: Int?, top: String, bottom: String, value: Double) {
        self.k = k; self.top = top; self.bottom = bottom; self.value = value
    }
}
