/// Builds the §7.3 section from the streamed statistics and the top decoder, so the eval
/// driver does not assemble it by hand.
///
/// Legend: m2 top latents, m1 bottom latents, W² = top.W_dec (m2×m1, ≥ 0), D¹ = bottom.W_dec (m1×d).
public enum HierarchySummary {
    public struct Options: Sendable {
        /// Learned edges: W²[j, i] ≥ edgeThreshold × the row maximum (DictionaryGeometry.predictedEdges).
        public var edgeThreshold = 0.25
        /// How many top latents (most frequent first) get a row in `top_features` and in the heatmap.
        public var topFeatures = 32
        /// Correlates and children listed per top latent.
        public var listed = 5
        /// At most this many heatmap columns (bottom latents).
        public var heatmapColumns = 96
        public init() {}
    }

    /// - Parameters:
    ///   - correlation: corr(Z2, Z1), m2×m1 (`CorrelationAccumulator.pearson()` fed Z2, Z1).
    ///   - firing: a `CorrelationAccumulator` fed firing indicators of Z2 and Z1.
    ///   - topFrequencies: firing frequency of each top latent (`CodeStats.frequencies`).
    ///   - redundancy: already computed redundancy values (decoder, firing) per layer.
    public static func section(correlation: Matrix<Double>, firing: CorrelationAccumulator, topDecoder: Matrix<Double>,
                               bottomDecoder: Matrix<Double>, topFrequencies: [Double], redundancy: [NamedValue] = [],
                               options: Options = Options()) -> HierarchySection {
        let (m2, m1) = (topDecoder.rows, topDecoder.cols)
        precondition(correlation.rows == m2 && correlation.cols == m1 && firing.p == m2 && firing.q == m1
                     && bottomDecoder.rows == m1 && topFrequencies.count == m2,
                     "hierarchy: correlation \(correlation.rows)×\(correlation.cols), firing \(firing.p)×\(firing.q), W² \(m2)×\(m1), D¹ \(bottomDecoder.rows) rows, \(topFrequencies.count) frequencies")
        let edges = DictionaryGeometry.predictedEdges(topDecoder: topDecoder, relativeThreshold: options.edgeThreshold)
        var section = HierarchySection(edgeThreshold: options.edgeThreshold, learnedEdges: edges.count)
        section.hierarchyConsistency = firing.hierarchyConsistency(edges: edges)
        section.edgeMutualInformation = firing.firingMutualInformation(edges: edges)
        section.meanMutualInformation = firing.meanFiringMutualInformation()
        let u = DictionaryGeometry.topDirections(topDecoder: topDecoder, bottomDecoder: bottomDecoder)
        section.parentChildGeometry = DictionaryGeometry.parentChildGeometry(edges: edges, topDirections: u, bottomDecoder: bottomDecoder)
        section.redundancy = redundancy

        let shown = LatentValue.largest(topFrequencies, count: options.topFeatures).map(\.latent)
        section.topFeatures = shown.map { j in
            TopFeature(latent: j, frequency: topFrequencies[j],
                       correlates: LatentValue.largest(correlation.row(j), count: options.listed),
                       children: LatentValue.largest(topDecoder.row(j), count: options.listed).filter { $0.value > 0 })
        }
        let columns = heatmapColumns(topDecoder: topDecoder, rows: shown, limit: options.heatmapColumns)
        if !shown.isEmpty, !columns.isEmpty {
            section.heatmap = Heatmap(title: "corr(Z2, Z1), bottom latents ordered by decoder children",
                                      rowTitle: "top latent", columnTitle: "bottom latent (children of each row in turn)",
                                      rowLabels: shown.map(String.init), columnLabels: columns.map(String.init),
                                      values: shown.map { j in columns.map { correlation[j, $0] } })
        }
        return section
    }

    /// The children of each row in turn (largest weight first), each bottom latent once, at most
    /// `limit`: with a clean hierarchy the heatmap is then block diagonal.
    public static func heatmapColumns(topDecoder: Matrix<Double>, rows: [Int], limit: Int) -> [Int] {
        var columns: [Int] = [], seen = Set<Int>()
        for j in rows {
            for child in LatentValue.largest(topDecoder.row(j), count: topDecoder.cols) where child.value > 0 {
                guard columns.count < limit else { return columns }
                if seen.insert(child.latent).inserted { columns.append(child.latent) }
            }
        }
        return columns
    }
}
