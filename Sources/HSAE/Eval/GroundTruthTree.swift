/// The true hierarchy of a synthetic data set, model-independent: n true features, each with
/// an optional parent. Directions live beside it (G, n×d) and per-row activities come from the
/// data set's truth files; this value only knows the tree.
public struct GroundTruthTree: Codable, Equatable, Sendable {
    /// parentOf[n] is n's parent, nil for a root.
    public var parentOf: [Int?]

    public init(parentOf: [Int?]) {
        for (n, p) in parentOf.enumerated() {
            if let p { precondition(p >= 0 && p < parentOf.count && p != n, "feature \(n) has parent \(p) outside 0..<\(parentOf.count)") }
        }
        self.parentOf = parentOf
    }

    public var count: Int { parentOf.count }

    /// Every true parent→child edge.
    public var edges: [LatentEdge] {
        parentOf.enumerated().compactMap { n, p in p.map { LatentEdge(parent: $0, child: n) } }
    }

    /// Features with at least one child, ascending.
    public var parents: [Int] { Array(Set(parentOf.compactMap { $0 })).sorted() }

    /// Features without children, ascending.
    public var leaves: [Int] {
        let hasChild = Set(parentOf.compactMap { $0 })
        return (0..<count).filter { !hasChild.contains($0) }
    }
}

/// Precision, recall and F1 of a predicted set against a true one.
public struct PrecisionRecall: Codable, Equatable, Sendable {
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?

    /// From counts: precision = tp / predicted, recall = tp / actual, F1 their harmonic mean
    /// (0 when both are 0; nil when undefined).
    public init(truePositives tp: Double, predicted: Double, actual: Double) {
        self.init(precision: predicted > 0 ? tp / predicted : nil, recall: actual > 0 ? tp / actual : nil)
    }

    public init(precision: Double?, recall: Double?) {
        self.precision = precision
        self.recall = recall
        if let p = precision, let r = recall { f1 = p + r > 0 ? 2 * p * r / (p + r) : 0 } else { f1 = nil }
    }
}

/// Ground-truth recovery metrics that need more than geometry (DESIGN §7.7).
public enum GroundTruthMetrics {
    /// Level assignment: the fraction of true parents whose best-matching latent (largest cosine
    /// over top ∪ bottom) is a top latent, and of true leaves whose best match is a bottom latent.
    /// - Parameters: cosTop n×m2 = cos(G, u); cosBottom n×m1 = cos(G, D¹).
    public static func levelAssignment(cosTop: Matrix<Double>, cosBottom: Matrix<Double>,
                                       tree: GroundTruthTree) -> LevelAssignment {
        precondition(cosTop.rows == tree.count && cosBottom.rows == tree.count,
                     "level assignment: \(cosTop.rows) and \(cosBottom.rows) rows for \(tree.count) true features")
        func bestIsTop(_ n: Int) -> Bool {
            let top = (0..<cosTop.cols).map { cosTop[n, $0] }.max() ?? -.infinity
            let bottom = (0..<cosBottom.cols).map { cosBottom[n, $0] }.max() ?? -.infinity
            return top > bottom
        }
        func fraction(_ set: [Int], _ wantTop: Bool) -> Double? {
            set.isEmpty ? nil : Double(set.filter { bestIsTop($0) == wantTop }.count) / Double(set.count)
        }
        return LevelAssignment(parents: fraction(tree.parents, true), leaves: fraction(tree.leaves, false))
    }

    /// Edge recovery: predicted edges (top latent j → bottom latent i) are mapped to true
    /// features through `topMatch[j]` and `bottomMatch[i]`; a predicted edge is correct when it
    /// maps onto a true edge, and a true edge is recovered when some predicted edge maps onto it.
    ///
    ///     precision = #correct predicted / #predicted     recall = #recovered true / #true
    public static func edgeRecovery(predicted: [LatentEdge], topMatch: [Int?], bottomMatch: [Int?],
                                    tree: GroundTruthTree) -> PrecisionRecall {
        let truth = Set(tree.edges)
        var correct = 0.0
        var recovered = Set<LatentEdge>()
        for e in predicted {
            guard let p = topMatch[e.parent], let c = bottomMatch[e.child] else { continue }
            let mapped = LatentEdge(parent: p, child: c)
            if truth.contains(mapped) { correct += 1; recovered.insert(mapped) }
        }
        // Two different numerators: several predicted edges may map onto one true edge.
        return PrecisionRecall(precision: predicted.isEmpty ? nil : correct / Double(predicted.count),
                               recall: truth.isEmpty ? nil : Double(recovered.count) / Double(truth.count))
    }

    /// Per matched pair, precision/recall/F1 of the latent's firing against the true feature's,
    /// from a `CorrelationAccumulator` fed indicators (A = truth, n columns; B = latents).
    ///
    ///     precision = #(latent fires ∧ truth on) / #(latent fires)
    ///     recall    = #(latent fires ∧ truth on) / #(truth on)
    public static func firingScores(cooccurrence: CorrelationAccumulator, matches: [FeatureMatch]) -> [LatentFiringScore] {
        let truthCounts = cooccurrence.columnSumsA, latentCounts = cooccurrence.columnSumsB
        let joint = cooccurrence.crossSums
        return matches.map { m in
            let scores = PrecisionRecall(truePositives: joint[m.truth, m.latent],
                                         predicted: latentCounts[m.latent], actual: truthCounts[m.truth])
            return LatentFiringScore(truth: m.truth, latent: m.latent, precision: scores.precision,
                                     recall: scores.recall, f1: scores.f1)
        }
    }

    /// For each row n of a truth×code correlation matrix, the latent of largest ρ and that ρ.
    public static func bestCorrelation(_ r: Matrix<Double>, row n: Int) -> (latent: Int, r: Double)? {
        guard r.cols > 0 else { return nil }
        let best = (0..<r.cols).max { r[n, $0] < r[n, $1] }!
        return (best, r[n, best])
    }
}

/// Fractions of true parents found at the top level and of true leaves at the bottom.
public struct LevelAssignment: Codable, Equatable, Sendable {
    public var parents: Double?
    public var leaves: Double?
}

/// Firing agreement of one latent with its matched true feature.
public struct LatentFiringScore: Codable, Equatable, Sendable {
    public var truth: Int
    public var latent: Int
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
}
