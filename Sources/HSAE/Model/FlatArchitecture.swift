/// The single-layer baseline (DESIGN §6): one SAE of m1 + m2 latents on x, trained with the phase-1
/// objective for as many tokens as all of the HSAE's phases.
public struct FlatArchitecture: SingleLayerArchitecture {
    public static let name = "flat"
    public static let summary = "a single-layer SAE of m1 + m2 latents (the baseline; --baseline)"
    public let config: ModelConfig

    public init?(config: ModelConfig) {
        guard config.model == nil, config.top == nil, config.matryoshkaGroups == nil else { return nil }
        self.config = config
    }

    public static func phases(_ train: TrainConfig) -> [TrainingPhase] { [TrainingPhase.baseline(steps: train.phaseSteps.reduce(0, +))] }

    public var paths: [ReconstructionPath] { [ReconstructionPath(name: "full", codes: [0])] }

    @_specialize(where T == Float)
    public func dataTerms<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ request: DataTermRequest<T>) -> LossParts {
        model.singleLayerDataTerms(ws, request)
    }
}

extension TrainingPhase {
    /// A single-layer model's one phase: the phase-1 objective (DESIGN §4) for every step.
    public static func baseline(steps: Int) -> TrainingPhase {
        TrainingPhase(name: "baseline (single layer)", number: 1, steps: steps, trains: [.bottom], terms: LossTerms(phase: 1),
                      runsLayers: 1, lrFactor: 1, adaptsLambda: [true])
    }
}

/// A model of one layer on x (flat, Matryoshka): its declarations and the math it shares —
/// the bottom layer's initialisation and forward pass, no entry constraints, no step counts.
/// A conforming type declares its paths and its data terms.
public protocol SingleLayerArchitecture: SAEArchitecture {}

extension SingleLayerArchitecture {
    public var groups: [ParameterGroup] { [.layer("bottom", inputs: config.d, latents: config.m1, transposedEncoder: true)] }
    public var layers: [ModelLayer] { [.bottom(config)] }
    public var edges: [LayerEdge] { [] }
    public var stepCounts: [StepCount] { [] }
    public func fileMetadata(thresholds: [Float]) -> [String: String] { legacyFileMetadata(thresholds: thresholds) }
    public func exportPlan(_ model: HierarchicalSAE<Float>) throws -> ExportPlan { .singleLayer(model) }

    public func initialise<T: BLASScalar>(_ model: HierarchicalSAE<T>, seed: UInt64, mean: [T]) {
        _ = model.initialiseBottom(seed: seed, mean: mean)
    }

    public func forward<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ options: ForwardOptions) -> BatchThresholds {
        model.singleLayerForward(ws, options)
    }

    public func projectEntries<T: BLASScalar>(_ model: HierarchicalSAE<T>, updated: GroupSet, within ranges: [Range<Int>]?) {}
    public func stepCounts<T: BLASScalar>(_ ws: Workspace<T>) -> [Double] { [] }
}
