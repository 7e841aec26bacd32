/// The Matryoshka baseline: a single layer whose latents come in nested groups; each prefix of
/// groups reconstructs x in the training loss (Matryoshka.swift).
public struct MatryoshkaArchitecture: SingleLayerArchitecture {
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


    /// The full reconstruction, then one per group boundary inside the layer (`prefix_<latents>`),
    /// not in report.json.
    public var paths: [ReconstructionPath] {
        let boundaries = MatryoshkaGroups.boundaries(matryoshkaGroups)
        return [ReconstructionPath(name: "full", codes: [0])]
            + boundaries.map { ReconstructionPath(name: "prefix_\($0)", prefix: $0, codes: [0], reported: false) }
    }

    @_specialize(where T == Float)
    public func dataTerms<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ request: DataTermRequest<T>) -> LossParts {
        model.matryoshkaDataTerms(ws, request, groups: matryoshkaGroups)
    }
}
