import Foundation

/// Everything `hsae eval` reports (DESIGN §7), the one source of report.json, report.md and
/// report.html. Sections are optional where the run or the data cannot supply them (no
/// baseline, no labels, no ground truth). The JSON schema is documented in docs/EVALUATION.md
/// and versioned by `schemaVersion` (`HSAEVersion.reportSchema`); keys are snake_case and sorted.
public struct EvalReport: Codable, Equatable, Sendable {
    public var schemaVersion = HSAEVersion.reportSchema
    public var hsaeVersion = HSAEVersion.string
    /// The evaluated run directory, the baseline run, the data set evaluated on.
    public var run: String
    public var baseline: String?
    public var data: String
    /// Evaluation rows (tokens) and where they came from ("evaluation split" or "--data").
    public var rows: Int
    public var rowsSource: String
    /// Model facts a reader needs beside the numbers: d, per layer its width (m1, m2, …),
    /// activation and target, the model type's own facts.
    public var model: [String: String] = [:]

    /// §7.1: the model's reported paths (the HSAE: "full", "skip_only", "top_only"), then "baseline".
    public var reconstruction: [ReconstructionSummary] = []
    public var gate: GateSummary?
    /// §7.2: the model's layers (the HSAE: "bottom", "top"), then "baseline".
    public var sparsity: [CodeSummary] = []
    /// §7.3
    public var hierarchy: HierarchySection?
    /// §7.4, one entry per label kind.
    public var probing: [ProbeLabelResult] = []
    /// §7.5
    public var compression: [CompressionPoint] = []
    /// §7.6
    public var ablations: AblationSection?
    /// §7.7
    public var groundTruth: GroundTruthSection?
    /// The language model's sentence embedding with each reconstruction spliced into the
    /// harvested layer (`hsae eval --model`); nil when not asked for.
    public var splicedFidelity: SplicedFidelitySection?
    /// Plain statements a reader must not miss (e.g. "the level index has the wrong sign for ...").
    public var notes: [String] = []
    /// The run's feature browser (`hsae features`), relative to the report directory; nil when none exists.
    public var browser: String?

    public init(run: String, baseline: String? = nil, data: String, rows: Int, rowsSource: String) {
        self.run = run
        self.baseline = baseline
        self.data = data
        self.rows = rows
        self.rowsSource = rowsSource
    }

    /// The FVU of a reconstruction path, if reported.
    public func fvu(_ name: String) -> Double? { reconstruction.first { $0.name == name }?.fvu }
    /// The sparsity summary of a code, if reported.
    public func code(_ name: String) -> CodeSummary? { sparsity.first { $0.name == name } }

    /// The comparator's name in every section: a run's role, not a layer.
    public static let comparatorName = "baseline"

    /// The evaluated model's layer codes, bottom first (`sparsity` without the comparator's).
    public var layerCodes: [CodeSummary] { sparsity.filter { $0.name != Self.comparatorName } }

    /// The model's L0 over all its layers (the L0 a token of the full path spends); nil without layer codes.
    public var layersMeanL0: Double? {
        let codes = layerCodes
        return codes.isEmpty ? nil : codes.reduce(0) { $0 + $1.meanL0 }
    }

    /// The fraction of the model's latents, over all its layers, dead on these rows.
    public var layersDeadFraction: Double? {
        let codes = layerCodes
        let latents = codes.reduce(0) { $0 + $1.latents }
        return latents > 0 ? Double(codes.reduce(0) { $0 + $1.dead }) / Double(latents) : nil
    }

    /// The layers' names joined for a label: "bottom + top".
    public var layerNamesJoined: String { layerCodes.map(\.name).joined(separator: " + ") }
}

/// The gate g = σ(gate.logits) over bottom features.
public struct GateSummary: Codable, Equatable, Sendable {
    public var mean: Double
    public var histogram: Histogram

    public init(gate g: [Double]) {
        mean = g.isEmpty ? 0 : g.reduce(0, +) / Double(g.count)
        histogram = .gate(g)
    }
}

/// §7.3: how the top layer relates to the bottom one.
public struct HierarchySection: Codable, Equatable, Sendable {
    /// Per top latent (the most frequent first, at most a few dozen): strongest bottom correlates and decoder children.
    public var topFeatures: [TopFeature] = []
    /// corr(Z2, Z1) on a subset: rows top latents, columns their decoder children in row order.
    public var heatmap: Heatmap?
    /// Within-layer redundancy per code: "decoder" (mean max |cos| between decoder rows) and
    /// "firing" (mean max |ρ| between latents), named like "bottom/decoder".
    public var redundancy: [NamedValue] = []
    /// Learned edges: entries of top.W_dec above `edgeThreshold` × the row's maximum.
    public var edgeThreshold: Double
    public var learnedEdges: Int
    /// P(parent fires | child fires) over learned edges.
    public var hierarchyConsistency: EdgeStatistic?
    /// Firing mutual information (bits) over learned edges and over all top×bottom pairs.
    public var edgeMutualInformation: EdgeStatistic?
    public var meanMutualInformation: Double?
    /// Mean cos(d_child − u_parent, u_parent) over learned edges.
    public var parentChildGeometry: Double?

    public init(edgeThreshold: Double, learnedEdges: Int) {
        self.edgeThreshold = edgeThreshold
        self.learnedEdges = learnedEdges
    }
}

public struct TopFeature: Codable, Equatable, Sendable {
    public var latent: Int
    public var frequency: Double
    /// Bottom latents of largest ρ(z2_j, z1_i), largest first.
    public var correlates: [LatentValue]
    /// Bottom latents of largest top.W_dec[j, i], largest first.
    public var children: [LatentValue]

    public init(latent: Int, frequency: Double, correlates: [LatentValue], children: [LatentValue]) {
        self.latent = latent; self.frequency = frequency; self.correlates = correlates; self.children = children
    }
}

public struct LatentValue: Codable, Equatable, Sendable {
    public var latent: Int
    public var value: Double
    public init(latent: Int, value: Double) { self.latent = latent; self.value = value }

    /// The `count` largest entries of `values`, largest first (ties by index).
    public static func largest(_ values: [Double], count: Int) -> [LatentValue] {
        values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
            .prefix(count).map { LatentValue(latent: $0, value: values[$0]) }
    }
}

public struct NamedValue: Codable, Equatable, Sendable {
    public var name: String
    public var value: Double?
    public init(name: String, value: Double?) { self.name = name; self.value = value }
}

/// A matrix to draw as a heatmap, values in [−1, 1].
public struct Heatmap: Codable, Equatable, Sendable {
    public var title: String
    public var rowTitle: String
    public var columnTitle: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var values: [[Double]]  // rows × columns

    public init(title: String, rowTitle: String, columnTitle: String, rowLabels: [String], columnLabels: [String], values: [[Double]]) {
        precondition(values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count },
                     "heatmap: \(values.count) rows for \(rowLabels.count) labels, columns \(values.map(\.count)) for \(columnLabels.count)")
        self.title = title; self.rowTitle = rowTitle; self.columnTitle = columnTitle
        self.rowLabels = rowLabels; self.columnLabels = columnLabels; self.values = values
    }
}

/// §7.6: what each part of the model contributes.
public struct AblationSection: Codable, Equatable, Sendable {
    /// ΔFVU of each eval-time layer ablation against the full model ("skip_only", "top_only").
    public var layers: [NamedValue] = []
    /// The latents whose zero-ablation raises FVU most (20 by default), over all layers.
    public var latents: [LatentAblation] = []
    /// Training-time ablations (the sweep): name → FVU and any headline numbers, when supplied.
    public var training: [TrainingAblation] = []
    public init() {}
}

public struct TrainingAblation: Codable, Equatable, Sendable {
    /// "full", "no_orthogonality", "no_mi", "fixed_gate", "no_phases".
    public var name: String
    public var run: String
    public var values: [NamedValue]
    public init(name: String, run: String, values: [NamedValue]) { self.name = name; self.run = run; self.values = values }
}

/// §7.7, present when the data set carries ground truth.
public struct GroundTruthSection: Codable, Equatable, Sendable {
    public var features: Int
    public var parents: Int
    public var leaves: Int
    public var edges: Int
    /// "hsae" first, then "baseline".
    public var models: [GroundTruthScores]
    public var parentDetection: [ParentDetection]

    public init(tree: GroundTruthTree, models: [GroundTruthScores], parentDetection: [ParentDetection]) {
        features = tree.count
        parents = tree.parents.count
        leaves = tree.leaves.count
        edges = tree.edges.count
        self.models = models
        self.parentDetection = parentDetection
    }
}
