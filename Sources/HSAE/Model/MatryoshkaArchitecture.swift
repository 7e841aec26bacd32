/// The Matryoshka baseline: a single layer whose latents come in nested groups; each prefix of
/// groups reconstructs x in the training loss (Matryoshka.swift).
public struct MatryoshkaArchitecture: SAEArchitecture {
    public static let name = "matryoshka"
    public static let summary = "a single layer whose nested latent groups each reconstruct x (--baseline matryoshka)"
    public let config: ModelConfig
    public let matryoshkaGroups: [Int]

    public init?(config: ModelConfig) {
        guard config.model == nil, config.top == nil, let groups = config.matryoshkaGroups else { return nil }
        self.config = config
        matryoshkaGroups = groups
    }

    public static func phases(_ train: TrainConfig) -> [TrainingPhase] { FlatArchitecture.phases(train) }

    public var groups: [ParameterGroup] { [.layer("bottom", inputs: config.d, latents: config.m1, transposedEncoder: true)] }
    public var layers: [ModelLayer] { [.bottom(config)] }
    public var edges: [LayerEdge] { [] }

    /// The full reconstruction, then one per group boundary inside the layer (`prefix_<latents>`),
    /// not in report.json.
    public var paths: [ReconstructionPath] {
        var boundaries: [Int] = [], sum = 0
        for size in matryoshkaGroups.dropLast() { sum += size; boundaries.append(sum) }
        return [ReconstructionPath(name: "full", codes: [0])]
            + boundaries.map { ReconstructionPath(name: "prefix_\($0)", prefix: $0, codes: [0], reported: false) }
    }

    public var stepCounts: [StepCount] { [] }
    public func fileMetadata(thresholds: [Float]) -> [String: String] { legacyFileMetadata(thresholds: thresholds) }
    public func exportPlan(_ model: HierarchicalSAE<Float>) throws -> ExportPlan { .singleLayer(model) }
}
