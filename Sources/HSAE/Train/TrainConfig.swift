/// The resolved configuration of a training run: everything that determines the numbers.
/// Written to RUN/config.json and into every checkpoint; `--resume` refuses a conflicting one.
public struct TrainConfig: Codable, Equatable, Sendable {
    /// The model: its type's options and the layer sizes (ModelOptions; d comes from the data).
    /// Coded flat, beside the keys below.
    public var model = ModelOptions()

    // Losses.
    public var weights = LossWeights()
    /// κ of the L1 controller.
    public var controllerGain = 0.002
    /// The λ controller's anti-windup hold (SparsityController, `--controller-hold`); nil or false:
    /// DESIGN's plain integrator (the default: on B-exclusive relu data the hold trades the wind-up
    /// for an L0 30 % above target, docs/journal/results-journal-sessions-1-30.md,
    /// "The relu controller in phase 3 on B-exclusive (issue 11, must-show 5): not met").
    public var controllerAntiWindup: Bool?
    /// η of phase 3's density control through the encoder bias (EncoderBiasControl, `--phase3-bias-control`):
    /// relu layers keep their λ from phases 1–2 in phase 3 and shift b_enc instead; nil: DESIGN's λ controller.
    public var phase3BiasControl: Double?
    /// Revive dead latents of a relu bottom layer by ghost grads (AuxK.swift), weight `weights[.auxK]`;
    /// off by default (nil: configurations written before it). topk/batchtopk layers use AuxK.
    public var ghostGrads: Bool?
    /// Loss terms switched off (ablations): `LossTerm.name`s, e.g. ["orth", "mi"].
    public var disabledTerms: [String] = []

    // Optimisation.
    public var batch = 4096
    public var microbatch = 512
    public var lr = 1e-3
    public var phase3LRFactor = 0.1
    public var warmup = 0.01
    public var decay = 0.2
    public var clipNorm = 1.0
    /// Steps of phases 1, 2, 3.
    public var phaseSteps = [2000, 1000, 1000]
    /// false: no phased training — phase 3 (everything, all terms) from the start for the total steps.
    public var phased = true

    // Data and system.
    public var seed: UInt64 = 0
    public var reduction: ReductionMode = .exact
    public var evalFraction = 0.05
    public var skipNonfinite = false
    public var scaleSampleRows = 8192

    // Bookkeeping (do not change the numbers).
    public var checkpointEvery = 500
    public var logEvery = 10
    public var deadWindowTokens = 1_000_000
    public var watchdogSeconds = 600.0
    /// Checkpoints kept besides phase ends (nil → `defaultKeepCheckpoints`, the newest three).
    /// Optional so that configurations written before this option existed still decode.
    public var keepCheckpoints: Int?
    public static let defaultKeepCheckpoints = 3

    public init() {}

    public var terms: LossTerms { LossTerms(LossTerm.all.filter { !disabledTerms.contains($0.name) }) }

    /// The architecture for data of width d.
    public func modelConfig(d: Int) -> ModelConfig { model.modelConfig(d: d) }

    /// Combinations that train but are known to go wrong, as warnings for the start of a run.
    public var advisories: [String] { model.advisories(self) }

    /// The model type this configuration trains (ModelRegistry).
    public var architecture: any SAEArchitecture.Type { type(of: modelConfig(d: 1).architecture) }

    /// The phases this run executes, in order: the model type's.
    public var phases: [TrainingPhase] { architecture.phases(self) }

    /// Checks every user-settable value; the error names the option, the value and the range.
    public func validate(trainingRows: Int?, ranks: Int) throws {
        func check(_ ok: Bool, _ option: String, _ message: String) throws {
            if !ok { throw HSAEError.badConfig(option: option, message: message) }
        }
        try model.validateSizes(check)
        try check(microbatch > 0, "--microbatch", "must be > 0, got \(microbatch)")
        try model.validateKinds(check)
        try check(batch > 0 && batch % microbatch == 0, "--batch",
                  "must be a positive multiple of --microbatch (\(microbatch)), got \(batch)")
        let n = batch / max(1, microbatch)
        try check(n % ranks == 0, "--batch",
                  "\(n) microbatches per step (B = \(batch) / b = \(microbatch)) cannot be split over \(ranks) ranks: the number of ranks must divide it")
        if let trainingRows {
            try check(batch <= trainingRows, "--batch", "\(batch) rows per step is larger than the \(trainingRows) training rows of the data set")
        }
        try check(lr > 0 && lr.isFinite, "--lr", "must be > 0, got \(lr)")
        try check(phaseSteps.count == 3 && phaseSteps.allSatisfy { $0 >= 0 && $0 <= 1_000_000_000_000 } && phaseSteps.reduce(0, +) > 0,
                  "--steps", "needs three non-negative phase lengths with a positive total, got \(phaseSteps)")
        try check(evalFraction >= 0 && evalFraction < 1, "--eval-fraction", "must be in [0, 1), got \(evalFraction)")
        try check(clipNorm > 0, "--clip", "must be > 0, got \(clipNorm)")
        try check(controllerGain >= 0 && controllerGain < 1, "--controller-gain", "must be in [0, 1), got \(controllerGain)")
        try check(phase3BiasControl.map { $0 > 0 && $0 < 1 } ?? true, "--phase3-bias-control", "must be in (0, 1), got \(phase3BiasControl ?? 0)")
        try check(checkpointEvery > 0, "--checkpoint-every", "must be > 0, got \(checkpointEvery)")
        try check(logEvery > 0, "--log-every", "must be > 0, got \(logEvery)")
        try check(watchdogSeconds.isFinite && watchdogSeconds >= 1 && watchdogSeconds <= 86_400 * 7, "--watchdog",
                  "must be a number of seconds in 1...604800 (a week), got \(watchdogSeconds)")
        try check(deadWindowTokens > 0, "--dead-window", "must be > 0, got \(deadWindowTokens)")
        try check(scaleSampleRows > 0, "scaleSampleRows", "must be > 0, got \(scaleSampleRows)")
        if let keepCheckpoints { try check(keepCheckpoints >= 1, "--keep-checkpoints", "must be >= 1, got \(keepCheckpoints)") }
        try check(warmup >= 0 && warmup <= 1 && decay >= 0 && decay <= 1, "warmup/decay", "must be fractions in [0, 1], got \(warmup), \(decay)")
        try check(phase3LRFactor > 0 && phase3LRFactor.isFinite, "--phase3-lr-factor", "must be > 0, got \(phase3LRFactor)")
        for name in disabledTerms {
            try check(LossTerm.named(name) != nil, "--disable",
                      "unknown loss term '\(name)', expected one of \(LossTerm.all.map(\.name).joined(separator: ", "))")
        }
        for term in LossTerm.all {
            guard let option = term.weight?.option else { continue }
            try check(weights[term] >= 0 && weights[term].isFinite, option, "must be >= 0, got \(weights[term])")
        }
        try check(weights.orthSample == 0 || weights.orthSample >= 2, "--orth-sample",
                  "must be 0 (exact) or at least 2 top latents, got \(weights.orthSample)")
        try modelConfig(d: 1).validate()
    }
}

/// What a phase trains and which terms it optimises (DESIGN §4), as data. The model types build
/// their phases (SAEArchitecture.phases).
public struct TrainingPhase: Codable, Equatable, Sendable {
    public var name: String
    /// 1, 2, 3 as in DESIGN §4 (a single-layer model runs as phase 1).
    public var number: Int
    public var steps: Int
    /// The parameter groups it trains.
    public var trains: GroupSet
    public var terms: LossTerms
    /// Layers 0 ..< runsLayers of the model run (the HSAE's phase 1: the bottom layer alone).
    public var runsLayers: Int
    public var lrFactor: Double
    /// Per layer: whether the λ controller adapts the layer's λ in this phase.
    public var adaptsLambda: [Bool]
    /// The forest model's phase 2: the trainer fits the forest before its first step (Trainer+Forest.swift).
    public var fitsForest: Bool? = nil

    /// Whether the phase runs layer `index` of the model's layers.
    public func runs(layer index: Int) -> Bool { index < runsLayers }

    /// Whether the λ controller adapts layer `index`'s λ in this phase.
    public func adaptsLambda(layer index: Int) -> Bool { adaptsLambda[index] }
}

/// Which single-layer baseline `--baseline` trains.
public enum BaselineKind: String, Codable, Sendable, CaseIterable {
    /// One layer of m1 + m2 latents, the phase-1 objective (DESIGN §4).
    case flat
    /// The same layer with nested latent groups whose prefixes each reconstruct x (DESIGN §8).
    case matryoshka
}
