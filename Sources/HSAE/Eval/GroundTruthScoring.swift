/// Assembles one model's ground-truth scores (DESIGN §7.7) from geometry and streamed counts,
/// so the eval driver only feeds accumulators and calls this once per model.
///
/// A model's dictionary is given as rows in input space, layer after layer, with the layer of
/// each row: for the HSAE [D¹; u] (bottom rows, then top directions u = W² D¹), for the baseline
/// its decoder rows, one layer. The parent level ("top" in the report) is the latents of the
/// layers that are an edge's parent, the child level ("bottom") the others. Latent indices in
/// every accumulator follow the same row order.
public enum GroundTruthScoring {
    public struct Dictionary {
        public var directions: Matrix<Double>  // f×d
        /// The layer of each latent (row), f.
        public var layerOf: [Int]
        /// The layers that are an edge's parent (none: a single-level dictionary).
        public var parentLayers: Set<Int>
        /// Learned parent→child edges in latent indices of `directions` (nil: no hierarchy).
        public var edges: [LatentEdge]?

        /// - Parameter layerLatents: the latents of each layer, in row order (they add up to f).
        public init(directions: Matrix<Double>, layerLatents: [Int], parentLayers: Set<Int> = [], edges: [LatentEdge]?) {
            let layerOf = layerLatents.indices.flatMap { [Int](repeating: $0, count: layerLatents[$0]) }
            precondition(layerOf.count == directions.rows, "dictionary: \(directions.rows) rows, layers of \(layerLatents) latents")
            self.directions = directions
            self.layerOf = layerOf
            self.parentLayers = parentLayers
            self.edges = edges
        }

        var parentLevelLatents: [Int] { layerOf.indices.filter { parentLayers.contains(layerOf[$0]) } }
        var childLevelLatents: [Int] { layerOf.indices.filter { !parentLayers.contains(layerOf[$0]) } }
    }

    /// Per true edge, the latent standing for its parent: the latent of largest cos with G_parent
    /// among the top latents when the model has them, else among all. Call before the data pass.
    public static func parentLatents(tree: GroundTruthTree, truth g: Matrix<Double>, dictionary: Dictionary) -> [Int] {
        let cos = DictionaryGeometry.cosines(g, dictionary.directions)
        let parents = dictionary.parentLevelLatents
        let candidates = parents.isEmpty ? Array(0..<dictionary.directions.rows) : parents
        return tree.edges.map { e in candidates.max { cos[e.parent, $0] < cos[e.parent, $1] }! }
    }

    /// - Parameters:
    ///   - firing: a `CorrelationAccumulator` fed (truth indicators n, model firing indicators f).
    ///   - absorption: fed with the latents from `parentLatents`.
    ///   - minimumCosine: a latent maps to a true feature for edge recovery only above this (0.5).
    public static func score(model: String, tree: GroundTruthTree, truth g: Matrix<Double>, dictionary: Dictionary,
                             firing: CorrelationAccumulator, absorption: AbsorptionAccumulator,
                             minimumCosine: Double = 0.5) -> GroundTruthScores {
        precondition(g.rows == tree.count && firing.p == tree.count && firing.q == dictionary.directions.rows,
                     "ground truth: G \(g.rows) rows, tree \(tree.count), firing \(firing.p)×\(firing.q), dictionary \(dictionary.directions.rows)")
        let cos = DictionaryGeometry.cosines(g, dictionary.directions)  // n×f
        let top = dictionary.parentLevelLatents, bottom = dictionary.childLevelLatents
        let parentLevel = top.isEmpty ? bottom : top
        let (mcc, matches) = DictionaryGeometry.matchedMeanCosine(cos)
        let firingScores = GroundTruthMetrics.firingScores(cooccurrence: firing, matches: matches)
        func mean(_ values: [Double?]) -> Double? {
            let defined = values.compactMap { $0 }
            return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
        }
        var scores = GroundTruthScores(model: model)
        scores.mmcsParents = DictionaryGeometry.meanMaxCosine(cos.selecting(columns: parentLevel), rows: tree.parents)
        scores.mmcsLeaves = DictionaryGeometry.meanMaxCosine(cos.selecting(columns: bottom), rows: tree.leaves)
        scores.mmcsAll = DictionaryGeometry.meanMaxCosine(cos)
        scores.mcc = mcc
        (scores.distinctFeatures, scores.uniqueness) = DictionaryGeometry.uniqueness(cos)
        scores.meanPrecision = mean(firingScores.map(\.precision))
        scores.meanRecall = mean(firingScores.map(\.recall))
        scores.meanF1 = mean(firingScores.map(\.f1))
        if !top.isEmpty {
            scores.levelAssignment = GroundTruthMetrics.levelAssignment(
                cosTop: cos.selecting(columns: top), cosBottom: cos.selecting(columns: bottom), tree: tree)
        }
        if let edges = dictionary.edges {
            let match = DictionaryGeometry.bestTruthPerLatent(cos, minimumCosine: minimumCosine)
            scores.edgeRecovery = GroundTruthMetrics.edgeRecovery(predicted: edges, topMatch: match, bottomMatch: match, tree: tree)
        }
        scores.absorption = absorption.gaps()
        scores.meanAbsorptionGap = absorption.meanGap()
        return scores
    }

    /// For each true parent, the best Pearson correlation of its activity with any latent of
    /// each code (rows of the truth×code correlation matrices are true features).
    public static func parentDetection(tree: GroundTruthTree, top: Matrix<Double>?, bottom: Matrix<Double>?,
                                       baseline: Matrix<Double>?) -> [ParentDetection] {
        tree.parents.map { n in
            ParentDetection(parent: n,
                            top: top.flatMap { GroundTruthMetrics.bestCorrelation($0, row: n)?.r },
                            bottom: bottom.flatMap { GroundTruthMetrics.bestCorrelation($0, row: n)?.r },
                            baseline: baseline.flatMap { GroundTruthMetrics.bestCorrelation($0, row: n)?.r })
        }
    }
}

/// One model's ground-truth scores.
public struct GroundTruthScores: Codable, Equatable, Sendable {
    /// "hsae" or "baseline".
    public var model: String
    /// MMCS of true parents against the top level (the baseline: all its latents).
    public var mmcsParents: Double?
    /// MMCS of true leaves against the bottom level.
    public var mmcsLeaves: Double?
    /// MMCS of every true feature against the whole dictionary.
    public var mmcsAll: Double?
    public var mcc: Double?
    public var uniqueness: Double?
    public var distinctFeatures: Int = 0
    /// Means over Hungarian-matched (true feature, latent) pairs of firing precision/recall/F1.
    public var meanPrecision: Double?
    public var meanRecall: Double?
    public var meanF1: Double?
    public var levelAssignment: LevelAssignment?
    public var edgeRecovery: PrecisionRecall?
    public var meanAbsorptionGap: Double?
    public var absorption: [AbsorptionGap] = []

    public init(model: String) { self.model = model }
}

/// The largest Pearson correlation of a true parent's activity with any single latent of each code.
public struct ParentDetection: Codable, Equatable, Sendable {
    public var parent: Int
    public var top: Double?
    public var bottom: Double?
    public var baseline: Double?
}
