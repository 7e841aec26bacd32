/// The model part of a training configuration (TrainConfig.model): what `hsae train` resolves the
/// model type and its ModelConfig from. TrainConfig codes these fields flat, in its own JSON object
/// (config.json's and state.json's "config"), so the files keep their keys and bytes.
public struct ModelOptions: Codable, Equatable, Sendable {
    // d comes from the data.
    public var m1: Int = 512
    /// nil → m1/4.
    public var m2: Int?
    /// Top-k layers by default (the configuration the hierarchy benchmark chose, docs/DECISIONS.md,
    /// "The defaults"); DESIGN's relu layers with the adaptive L1 penalty are `--activation relu`.
    public var bottomActivation: ActivationKind = .topk
    public var topActivation: ActivationKind = .topk
    public var bottomTarget: SparsityTarget = .sparsity(0.90)
    public var topTarget: SparsityTarget = .sparsity(0.70)
    public var gate: GateMode = .learned
    public var topDecoderNonNegative = true
    /// Train the single-layer baseline instead (m1 + m2 latents, phase-1 objective, all steps).
    public var baseline = false
    /// Target of the baseline as L0 (nil → the HSAE bottom layer's L0).
    public var baselineL0: Double?
    /// The baseline is a Matryoshka SAE with these latent groups (sizes adding up to m1 + m2;
    /// `MatryoshkaGroups.default` when resolved from `--baseline matryoshka`); nil: the flat baseline.
    public var matryoshkaGroups: [Int]?
    /// What the HSAE's top encoder reads (`--top-input`, TopInput.swift); nil: the bottom code (DESIGN §2).
    public var topInput: TopInput?
    /// k_z of a k-sparse top reconstruction (`--top-decode-k`, ModelConfig.topDecodeK); nil: DESIGN's dense ReLU.
    public var topDecodeK: Int?
    /// A model type beyond the first three (`hsae train --model NAME`, ModelRegistry), which builds
    /// its configuration itself (`SAEArchitecture.modelConfig`); nil: the fields above say the type.
    public var modelType: String?

    public init() {}

    /// The optional keys: absent from an encoded default configuration, still known to a
    /// `--config` file (TrainConfig.load).
    public static let optionalKeys = ["m2", "baselineL0", "matryoshkaGroups", "topInput", "topDecodeK", "modelType"]

    public var resolvedM2: Int { m2 ?? max(1, m1 / 4) }

    /// The architecture for data of width d.
    public func modelConfig(d: Int) -> ModelConfig {
        if let modelType, let type = ModelRegistry.type(named: modelType), let config = type.modelConfig(self, d: d) { return config }
        if baseline {
            let m = m1 + resolvedM2
            let l0 = baselineL0 ?? bottomTarget.l0(latents: m1)
            return ModelConfig(d: d, bottom: LayerSpec(latents: m, activation: bottomActivation, target: .l0(l0)),
                               top: nil, gate: gate, topDecoderNonNegative: topDecoderNonNegative, matryoshkaGroups: matryoshkaGroups)
        }
        return ModelConfig(d: d, bottom: LayerSpec(latents: m1, activation: bottomActivation, target: bottomTarget),
                           top: LayerSpec(latents: resolvedM2, activation: topActivation, target: topTarget),
                           gate: gate, topDecoderNonNegative: topDecoderNonNegative, topInput: topInput, topDecodeK: topDecodeK)
    }

    /// Combinations that train but are known to go wrong, as warnings for the start of a run.
    func advisories(_ c: TrainConfig) -> [String] {
        guard !baseline, c.weights[.topPath] < 1, c.phase3BiasControl == nil, c.phaseSteps.count == 3, c.phaseSteps[2] > 0,
              [bottomActivation, topActivation].contains(where: { $0.traits.penalty == .adaptiveL1 }) else { return [] }
        return ["relu layers with --beta-top \(c.weights[.topPath]) (below DESIGN's 1): in phase 3 the λ controller tends to wind up "
                + "and the code to densify (docs/DECISIONS.md, \"The top-path weight\"); give --beta-top 1, or --phase3-bias-control 0.2 to hold λ"]
    }

    /// TrainConfig.validate's checks of the layer sizes (before its --microbatch check, as always).
    func validateSizes(_ check: (Bool, String, String) throws -> Void) throws {
        try check(m1 > 0 && m1 <= 1 << 30, "--m1", "must be in 1...\(1 << 30), got \(m1)")
        if let m2 { try check(m2 > 0 && m2 <= m1, "--m2", "must be in 1...m1 (\(m1)), got \(m2)") }
    }

    /// TrainConfig.validate's checks of the options that belong to one model type (after --microbatch).
    func validateKinds(_ check: (Bool, String, String) throws -> Void) throws {
        if topInput == .pre { try check(!baseline, "--top-input", "pre applies to an HSAE (it has a top layer), not to --baseline") }
        if let topDecodeK {
            try check(!baseline, "--top-decode-k", "applies to an HSAE (it has a top layer), not to --baseline")
            try check(topDecodeK >= 1 && topDecodeK <= m1, "--top-decode-k", "must be in 1...m1 (\(m1)), or 0 for the dense reconstruction, got \(topDecodeK)")
        }
        if matryoshkaGroups != nil { try check(baseline, "--matryoshka-groups", "applies to the Matryoshka baseline only (--baseline matryoshka)") }
        if let baselineL0 { try check(baselineL0.isFinite && baselineL0 > 0, "--baseline-l0", "must be > 0, got \(baselineL0)") }
    }
}

/// TrainConfig's model fields by their old names, kept while callers migrate to `config.model`.
extension TrainConfig {
    public var m1: Int { get { model.m1 } set { model.m1 = newValue } }
    public var m2: Int? { get { model.m2 } set { model.m2 = newValue } }
    public var bottomActivation: ActivationKind { get { model.bottomActivation } set { model.bottomActivation = newValue } }
    public var topActivation: ActivationKind { get { model.topActivation } set { model.topActivation = newValue } }
    public var bottomTarget: SparsityTarget { get { model.bottomTarget } set { model.bottomTarget = newValue } }
    public var topTarget: SparsityTarget { get { model.topTarget } set { model.topTarget = newValue } }
    public var gate: GateMode { get { model.gate } set { model.gate = newValue } }
    public var topDecoderNonNegative: Bool { get { model.topDecoderNonNegative } set { model.topDecoderNonNegative = newValue } }
    public var baseline: Bool { get { model.baseline } set { model.baseline = newValue } }
    public var baselineL0: Double? { get { model.baselineL0 } set { model.baselineL0 = newValue } }
    public var matryoshkaGroups: [Int]? { get { model.matryoshkaGroups } set { model.matryoshkaGroups = newValue } }
    public var topInput: TopInput? { get { model.topInput } set { model.topInput = newValue } }
    public var topDecodeK: Int? { get { model.topDecodeK } set { model.topDecodeK = newValue } }
    public var resolvedM2: Int { model.resolvedM2 }
}
