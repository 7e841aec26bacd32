/// The HSAE of DESIGN v1: a bottom SAE on x, a top SAE on the bottom code whose decoder
/// reconstructs that code, and a per-latent gate mixing Z1 and Ẑ1 (DESIGN §2). `topDecodeK` and
/// `topInput` are options of this type.
public struct HierarchicalArchitecture: SAEArchitecture {
    public static let name = "design-v1"
    public static let summary = "the hierarchical SAE of DESIGN v1: a bottom layer on x, a top layer on its code, a gate"
    public let config: ModelConfig
    public let top: LayerSpec

    public init?(config: ModelConfig) {
        guard config.model == nil, let top = config.top else { return nil }
        self.config = config
        self.top = top
    }

    /// DESIGN §4: bottom alone, then top with the bottom frozen, then end to end; or end to end
    /// alone (`--phases` not phased). Phases of no steps are left out.
    public static func phases(_ train: TrainConfig) -> [TrainingPhase] {
        let steps = train.phaseSteps
        if !train.phased { return [TrainingPhase.endToEnd(steps: steps.reduce(0, +), lrFactor: 1)] }
        return [TrainingPhase.bottomOnly(steps: steps[0]), TrainingPhase.topOnly(steps: steps[1]),
                TrainingPhase.endToEnd(steps: steps[2], lrFactor: train.phase3LRFactor)].filter { $0.steps > 0 }
    }

    /// bottom (W_enc held transposed), top (it reads the bottom code: m1 inputs), gate (not
    /// trainable under `--gate fixed`).
    public var groups: [ParameterGroup] {
        [.layer("bottom", inputs: config.d, latents: config.m1, transposedEncoder: true),
         .layer("top", inputs: config.m1, latents: top.latents, transposedEncoder: false),
         ParameterGroup(name: "gate", tensors: [TensorSpec(.logits, rows: 1, cols: config.m1)], trainable: config.gate != .fixed)]
    }

    public var layers: [ModelLayer] {
        [.bottom(config), ModelLayer(index: 1, name: "top", spec: top, latentOffset: config.m1, l1Term: .l1Top, encoderBias: .topBEnc,
                                     progressLabel: "top ")]
    }

    /// The top layer's decoder reconstructs the bottom code.
    public var edges: [LayerEdge] { [LayerEdge(parent: 1, child: 0, weights: .topWDec)] }

    /// full: the gated mix; skip_only: the bottom code alone (g ≡ 1); top_only: Ẑ1 alone (g ≡ 0).
    public var paths: [ReconstructionPath] {
        [ReconstructionPath(name: "full", codes: [0, 1]), ReconstructionPath(name: "skip_only", gate: .constant(1), codes: [0]),
         ReconstructionPath(name: "top_only", gate: .constant(0), codes: [1])]
    }

    /// Ẑ1's positive entries (`density_zhat`, per bottom latent and token), in phases that run the top layer.
    public var stepCounts: [StepCount] { [StepCount(key: "density_zhat", layer: 1, perToken: config.m1)] }

    /// The bottom layer, then the top layer mirrored over the bottom code (HierarchicalSAE.initialiseTop).
    @_specialize(where T == Float)
    public func initialise<T: BLASScalar>(_ model: HierarchicalSAE<T>, seed: UInt64, mean: [T]) {
        var rng = model.initialiseBottom(seed: seed, mean: mean)
        model.initialiseTop(rng: &rng)
    }

    @_specialize(where T == Float)
    public func forward<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ options: ForwardOptions) -> BatchThresholds {
        model.hierarchicalForward(ws, options, top: top)
    }

    @_specialize(where T == Float)
    public func dataTerms<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ request: DataTermRequest<T>) -> LossParts {
        model.hierarchicalDataTerms(ws, request)
    }

    /// top.W_dec ≥ 0 (where configured) when the step changed the top layer.
    @_specialize(where T == Float)
    public func projectEntries<T: BLASScalar>(_ model: HierarchicalSAE<T>, updated: GroupSet, within ranges: [Range<Int>]?) {
        if updated.contains(.top) { model.clampTopDecoder(within: ranges) }
    }

    public func stepCounts<T: BLASScalar>(_ ws: Workspace<T>) -> [Double] { [Double(ws.zhatPositive)] }
}

extension TrainingPhase {
    public static func bottomOnly(steps: Int) -> TrainingPhase {
        TrainingPhase(name: "phase 1 (bottom)", number: 1, steps: steps, trains: [.bottom], terms: LossTerms(phase: 1),
                      runsLayers: 1, lrFactor: 1, adaptsLambda: [true, false])
    }

    public static func topOnly(steps: Int) -> TrainingPhase {
        TrainingPhase(name: "phase 2 (top, bottom frozen)", number: 2, steps: steps, trains: [.top, .gate],
                      terms: LossTerms(phase: 2), runsLayers: 2, lrFactor: 1, adaptsLambda: [false, true])
    }

    public static func endToEnd(steps: Int, lrFactor: Double) -> TrainingPhase {
        TrainingPhase(name: "phase 3 (end-to-end)", number: 3, steps: steps, trains: [.bottom, .top, .gate], terms: LossTerms(phase: 3),
                      runsLayers: 2, lrFactor: lrFactor, adaptsLambda: [true, true])
    }
}
