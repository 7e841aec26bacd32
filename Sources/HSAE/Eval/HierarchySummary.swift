/// Builds the §7.3 section of one edge of the hierarchy from the streamed statistics and the
/// edge's weights, so the eval driver does not assemble it by hand.
///
/// Legend: p parent latents, c child latents, W the edge's weights (p×c; the HSAE: W² = top.W_dec,
/// m2×m1, ≥ 0), D_c the child's directions in input space (c×d; the HSAE: D¹ = bottom.W_dec).
/// The report's field names (top_features, …) are the HSAE's: parent = top, child = bottom.
public enum HierarchySummary {
    /// The edge's two layers as the heatmap's titles name them.
    public struct Names: Sendable {
        public var parent = "top", child = "bottom"
        public var parentCode = "Z2", childCode = "Z1"
        public init() {}
        public init(parent: ModelLayer, child: ModelLayer) {
            (self.parent, self.child, parentCode, childCode) = (parent.name, child.name, parent.codeName, child.codeName)
        }
    }

    public struct Options: Sendable {
        /// Learned edges: W[j, i] ≥ edgeThreshold × the row maximum (DictionaryGeometry.predictedEdges).
        public var edgeThreshold = 0.25
        /// How many parent latents (most frequent first) get a row in `top_features` and in the heatmap.
        public var topFeatures = 32
        /// Correlates and children listed per parent latent.
        public var listed = 5
        /// At most this many heatmap columns (child latents).
        public var heatmapColumns = 96
        public init() {}
    }

    /// - Parameters:
    ///   - correlation: corr(parent code, child code), p×c (`CorrelationAccumulator.pearson()` fed them).
    ///   - firing: a `CorrelationAccumulator` fed firing indicators of the parent and child codes.
    ///   - parentFrequencies: firing frequency of each parent latent (`CodeStats.frequencies`).
    ///   - redundancy: already computed redundancy values (decoder, firing) per layer.
    public static func section(correlation: Matrix<Double>, firing: CorrelationAccumulator, edgeWeights: Matrix<Double>,
                               childDirections: Matrix<Double>, parentFrequencies: [Double], redundancy: [NamedValue] = [],
                               names: Names = Names(), options: Options = Options()) -> HierarchySection {
        let (p, c) = (edgeWeights.rows, edgeWeights.cols)
        precondition(correlation.rows == p && correlation.cols == c && firing.p == p && firing.q == c
                     && childDirections.rows == c && parentFrequencies.count == p,
                     "hierarchy: correlation \(correlation.rows)×\(correlation.cols), firing \(firing.p)×\(firing.q), W \(p)×\(c), D_c \(childDirections.rows) rows, \(parentFrequencies.count) frequencies")
        let edges = DictionaryGeometry.predictedEdges(edgeWeights: edgeWeights, relativeThreshold: options.edgeThreshold)
        var section = HierarchySection(edgeThreshold: options.edgeThreshold, learnedEdges: edges.count)
        section.hierarchyConsistency = firing.hierarchyConsistency(edges: edges)
        section.edgeMutualInformation = firing.firingMutualInformation(edges: edges)
        section.meanMutualInformation = firing.meanFiringMutualInformation()
        let u = DictionaryGeometry.parentDirections(edgeWeights: edgeWeights, childDirections: childDirections)
        section.parentChildGeometry = DictionaryGeometry.parentChildGeometry(edges: edges, parentDirections: u, childDirections: childDirections)
        section.redundancy = redundancy

        let shown = LatentValue.largest(parentFrequencies, count: options.topFeatures).map(\.latent)
        section.topFeatures = shown.map { j in
            TopFeature(latent: j, frequency: parentFrequencies[j],
                       correlates: LatentValue.largest(correlation.row(j), count: options.listed),
                       children: LatentValue.largest(edgeWeights.row(j), count: options.listed).filter { $0.value > 0 })
        }
        let columns = heatmapColumns(edgeWeights: edgeWeights, rows: shown, limit: options.heatmapColumns)
        if !shown.isEmpty, !columns.isEmpty {
            section.heatmap = Heatmap(title: "corr(\(names.parentCode), \(names.childCode)), \(names.child) latents ordered by decoder children",
                                      rowTitle: "\(names.parent) latent", columnTitle: "\(names.child) latent (children of each row in turn)",
                                      rowLabels: shown.map(String.init), columnLabels: columns.map(String.init),
                                      values: shown.map { j in columns.map { correlation[j, $0] } })
        }
        return section
    }

    /// The children of each row in turn (largest weight first), each child latent once, at most
    /// `limit`: with a clean hierarchy the heatmap is then block diagonal.
    public static func heatmapColumns(edgeWeights: Matrix<Double>, rows: [Int], limit: Int) -> [Int] {
        var columns: [Int] = [], seen = Set<Int>()
        for j in rows {
            for child in LatentValue.largest(edgeWeights.row(j), count: edgeWeights.cols) where child.value > 0 {
                guard columns.count < limit else { return columns }
                if seen.insert(child.latent).inserted { columns.append(child.latent) }
            }
        }
        return columns
    }
}
