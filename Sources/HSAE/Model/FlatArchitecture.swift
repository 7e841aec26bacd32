/// The single-layer baseline (DESIGN §6): one SAE of m1 + m2 latents on x, trained with the phase-1
/// objective for as many tokens as all of the HSAE's phases.
public struct FlatArchitecture: SAEArchitecture {
    public static let name = "flat"
    public static let summary = "a single-layer SAE of m1 + m2 latents (the baseline; --baseline)"
    public let config: ModelConfig

    public init?(config: ModelConfig) {
        guard config.model == nil, config.top == nil, config.matryoshkaGroups == nil else { return nil }
        self.config = config
    }

    public static func phases(_ train: TrainConfig) -> [TrainingPhase] { [TrainingPhase.baseline(steps: train.phaseSteps.reduce(0, +))] }

    public var groups: [ParameterGroup] { [.layer("bottom", inputs: config.d, latents: config.m1, transposedEncoder: true)] }
    public var layers: [ModelLayer] { [.bottom(config)] }
    public var edges: [LayerEdge] { [] }
    public var paths: [ReconstructionPath] { [ReconstructionPath(name: "full", codes: [0])] }
    public var stepCounts: [StepCount] { [] }
    public func fileMetadata(thresholds: [Float]) -> [String: String] { legacyFileMetadata(thresholds: thresholds) }
    public func exportPlan(_ model: HierarchicalSAE<Float>) throws -> ExportPlan { .singleLayer(model) }
}

extension TrainingPhase {
    /// A single-layer model's one phase: the phase-1 objective (DESIGN §4) for every step.
    public static func baseline(steps: Int) -> TrainingPhase {
        TrainingPhase(name: "baseline (single layer)", number: 1, steps: steps, trains: [.bottom], terms: LossTerms(phase: 1),
                      runsLayers: 1, lrFactor: 1, adaptsLambda: [true])
    }
}
