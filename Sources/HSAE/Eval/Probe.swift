/// Linear probes with their chance controls, and k-sparse probes (DESIGN §7.4).
///
/// Every score is reported beside two controls on the same split:
///   - majority: always predict the most frequent training label;
///   - shuffled: the same probe fitted on training labels permuted at random (seeded), scored on
///     the true test labels — what the probe reaches from the features' shape alone.
///
/// A k-sparse probe keeps the k features of largest class separation on the training rows,
///
///     score_j = max_c | mean(x_j | y = c) − mean(x_j | y ≠ c) |
///
/// (raw values, as in k-sparse probing), then fits the L2 logistic regression on those alone.
public enum Probe {
    public struct Options: Sendable {
        public var l2 = 1e-3
        public var ks = [1, 2, 5, 10]
        public var seed: UInt64 = 0
        public var optimizer = LBFGS(tolerance: 1e-5)
        public init() {}
    }

    /// Fits on `split.train`, scores on `split.test`; `k` nil uses every feature.
    public static func evaluate(code: String, features x: Matrix<Double>, labels: [Int], split: ProbeSplit,
                                k: Int? = nil, options: Options = Options()) -> ProbeScore {
        let split = split.dropping(missing: labels)
        let trainLabels = split.train.map { labels[$0] }, testLabels = split.test.map { labels[$0] }
        var score = ProbeScore(code: code, k: k, trainRows: split.train.count, testRows: split.test.count)
        guard !trainLabels.isEmpty, !testLabels.isEmpty else { return score }
        let train = x.selecting(rows: split.train), test = x.selecting(rows: split.test)

        func fitAndScore(_ y: [Int]) -> (accuracy: Double?, f1: Double?, converged: Bool, features: [Int]?) {
            let kept = k.map { Array(rankByMeanDifference(train, labels: y).prefix($0)) }
            let model = LogisticRegression.fit(x: kept.map { train.selecting(columns: $0) } ?? train, labels: y,
                                               l2: options.l2, optimizer: options.optimizer)
            let predicted = model.predict(kept.map { test.selecting(columns: $0) } ?? test)
            return (ClassificationMetrics.accuracy(predicted: predicted, truth: testLabels),
                    ClassificationMetrics.macroF1(predicted: predicted, truth: testLabels), model.converged, kept)
        }
        let real = fitAndScore(trainLabels)
        var rng = SplitMix64(seed: options.seed)
        let control = fitAndScore(trainLabels.shuffled(using: &rng))
        let majority = [Int](repeating: majorityLabel(trainLabels), count: testLabels.count)
        score.accuracy = real.accuracy
        score.macroF1 = real.f1
        score.converged = real.converged
        score.features = real.features
        score.shuffledAccuracy = control.accuracy
        score.shuffledMacroF1 = control.f1
        score.majorityAccuracy = ClassificationMetrics.accuracy(predicted: majority, truth: testLabels)
        score.majorityMacroF1 = ClassificationMetrics.macroF1(predicted: majority, truth: testLabels)
        return score
    }

    /// Feature indices ordered by class separation (largest first, ties by index).
    public static func rankByMeanDifference(_ x: Matrix<Double>, labels: [Int]) -> [Int] {
        precondition(x.rows == labels.count, "ranking: \(x.rows) rows, \(labels.count) labels")
        let classes = Array(Set(labels)).sorted()
        let n = Double(x.rows)
        let totals = BatchMath.columnSums(x)
        var separation = [Double](repeating: 0, count: x.cols)
        for c in classes {
            let rows = labels.indices.filter { labels[$0] == c }
            let inClass = BatchMath.columnSums(x.selecting(rows: rows))
            let m = Double(rows.count)
            guard m < n else { continue }  // one class only: nothing separates
            for j in 0..<x.cols {
                let difference = abs(inClass[j] / m - (totals[j] - inClass[j]) / (n - m))
                separation[j] = max(separation[j], difference)
            }
        }
        return (0..<x.cols).sorted { separation[$0] > separation[$1] || (separation[$0] == separation[$1] && $0 < $1) }
    }

    /// The most frequent label (the smallest on a tie).
    public static func majorityLabel(_ labels: [Int]) -> Int {
        var counts: [Int: Int] = [:]
        for y in labels { counts[y, default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key
    }
}

/// One probe's result with its controls (nil where a split was empty).
public struct ProbeScore: Codable, Equatable, Sendable {
    /// "Z1", "Z2", "Z1+Z2", "x", "baseline".
    public var code: String
    /// Features kept (nil: all).
    public var k: Int?
    public var trainRows: Int
    public var testRows: Int
    public var accuracy: Double?
    public var macroF1: Double?
    public var majorityAccuracy: Double?
    public var majorityMacroF1: Double?
    public var shuffledAccuracy: Double?
    public var shuffledMacroF1: Double?
    public var converged: Bool?
    /// For a k-sparse probe, the latents it kept.
    public var features: [Int]?

    public init(code: String, k: Int?, trainRows: Int, testRows: Int) {
        self.code = code; self.k = k; self.trainRows = trainRows; self.testRows = testRows
    }
}
