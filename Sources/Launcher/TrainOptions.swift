import ArgumentParser
import Dist
import Foundation
import HSAE

extension ActivationKind: ExpressibleByArgument {}
extension GateMode: ExpressibleByArgument {}
extension ReductionMode: ExpressibleByArgument {}
extension BaselineKind: ExpressibleByArgument {}
extension TopInput: ExpressibleByArgument {}

/// A loss term's name for `--disable`: the value list in the help is `LossTerm.all`'s.
struct LossTermName: ExpressibleByArgument {
    let name: String
    init?(argument: String) {
        guard LossTerm.named(argument) != nil else { return nil }
        name = argument
    }
    static var allValueStrings: [String] { LossTerm.all.map(\.name) }
}

/// The options are optional, so that an unset one leaves what --config or a resumed run says;
/// the defaults in their help are TrainConfig's (`optionDefaults`), not restated here.
let optionDefaults = TrainConfig()

/// " (default V)" for a default value; whole numbers without a fraction.
func byDefault(_ v: Any) -> String {
    if let d = v as? Double, d == d.rounded(), abs(d) < 1e15 { return " (default \(Int(d)))" }
    return " (default \(v))"
}

/// A loss term's weight option: its name, and the default in its help, from the term's declaration.
func weightOption(_ term: LossTerm) -> NameSpecification { .customLong(String(term.weight!.option.dropFirst(2))) }
func weightDefault(_ term: LossTerm) -> String { byDefault(term.weight!.defaultValue) }

/// The "Model" options of train, sweep and bench: those every model reads, with the model types'
/// own groups (Models/) in their places in the help.
struct ModelArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: "Bottom-layer latents\(byDefault(optionDefaults.m1)).") var m1: Int?
    @Option(parsing: .unconditional, help: "Top-layer latents (default m1/4).") var m2: Int?
    @Option(help: "Activation of both layers\(byDefault(optionDefaults.bottomActivation.rawValue)): relu reaches its target by an adaptive L1 penalty, topk and batchtopk keep k.")
    var activation: ActivationKind?
    @Option(help: "Bottom activation (overrides --activation).") var bottomActivation: ActivationKind?
    @OptionGroup var hsaeActivation: HSAEActivationOption
    @Option(parsing: .unconditional, help: "Bottom target sparsity, fraction of zeros in (0, 1)\(byDefault(optionDefaults.bottomTarget)).") var bottomSparsity: Double?
    @Option(parsing: .unconditional, help: "Bottom target as L0 (mean active latents per token) instead of sparsity.") var bottomL0: Double?
    @OptionGroup var hsae: HSAEOptions
    @Option(parsing: .unconditional, help: "Baseline target L0 (default: the HSAE bottom layer's L0).") var baselineL0: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Synthetic data: set L0 targets to FACTOR × the data set's true mean L0 (bottom: true directions per row; top: true parents per row).",
                               valueName: "factor"))
    var l0FromTruth: Double?

    func apply(to c: inout TrainConfig) throws {
        if let m1 { c.m1 = m1 }
        if let m2 { c.m2 = m2 }
        if let activation { c.bottomActivation = activation; hsaeActivation.applyBoth(activation, to: &c) }
        if let bottomActivation { c.bottomActivation = bottomActivation }
        hsaeActivation.apply(to: &c)
        if bottomSparsity != nil && bottomL0 != nil { throw ValidationError("give --bottom-sparsity or --bottom-l0, not both") }
        try hsae.checkTargets()
        if let bottomSparsity { c.bottomTarget = .sparsity(bottomSparsity) }
        if let bottomL0 { c.bottomTarget = .l0(bottomL0) }
        try hsae.apply(to: &c)
        if let baselineL0 { c.baselineL0 = baselineL0 }
    }

    /// Applies --l0-from-truth from the data set's recorded true L0 (provenance `true_l0`, written by hsae synth).
    func applyTruth(to c: inout TrainConfig, data: String) throws {
        guard let factor = l0FromTruth else { return }
        guard factor > 0 else { throw ValidationError("--l0-from-truth must be > 0, got \(factor)") }
        if bottomSparsity != nil || bottomL0 != nil || hsae.setsTarget {
            throw ValidationError("--l0-from-truth sets both targets; drop --bottom-*/--top-* sparsity and L0 options")
        }
        let manifest = try DatasetManifest.read(from: data)
        guard let text = manifest.provenance?["true_l0"],
              let truth = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Double],
              let directions = truth["directions"], let parents = truth["parents"] else {
            throw HSAEError.badInput(path: data + "/dataset.json", message: "has no provenance.true_l0 with 'directions' and 'parents'; --l0-from-truth needs a data set made by hsae synth")
        }
        c.bottomTarget = .l0(factor * directions)
        HSAEOptions.applyTruth(parents: factor * parents, to: &c)
    }
}

struct LossOptions: ParsableArguments {
    @Option(name: weightOption(.l1Bottom), parsing: .unconditional, help: "Initial L1 coefficient of the bottom layer, adapted for relu\(weightDefault(.l1Bottom)).")
    var lambda1: Double?
    @OptionGroup var hsae: HSAELossOptions
    @Option(parsing: .unconditional, help: "Gain κ of the λ controller\(byDefault(optionDefaults.controllerGain)); see docs/DECISIONS.md.") var controllerGain: Double?
    @Flag(help: "λ controller with the anti-windup hold: a move of λ the code does not answer is undone and held (see docs/DECISIONS.md).")
    var controllerHold = false
    @Option(parsing: .unconditional, help: ArgumentHelp("Phase 3: hold relu layers' λ and steer their density by shifting the encoder bias, η per step (off by default).",
                               discussion: "b_enc ← b_enc − η·clamp(ln(ρ̂/ρ*), −1, 1) after every phase-3 step: the code answers by thinning at once, where a larger λ was answered by shrinkage (docs/DECISIONS.md)."))
    var phase3BiasControl: Double?
    @Option(name: weightOption(.auxK), parsing: .unconditional, help: ArgumentHelp("Weight α of the AuxK dead-latent term for topk/batchtopk bottom layers\(weightDefault(.auxK)), Gao et al.'s 1/32; 0 = off, DESIGN's loss.",
                               discussion: "Latents that have not fired within --dead-window reconstruct the model's residual from their top d/2 pre-activations (Gao et al. 2024), which revives them. See docs/DECISIONS.md."))
    var auxkWeight: Double?
    @Flag(help: ArgumentHelp("relu bottom layers: revive dead latents by ghost grads (weight --auxk-weight; off by default).",
                             discussion: "Dead latents reconstruct the residual through exp of their pre-activations, rescaled to half its norm (Anthropic, January 2024). See docs/DECISIONS.md."))
    var ghostGrads = false
    @Option(help: "Switch a loss term off (repeatable).") var disable: [LossTermName] = []

    func apply(to c: inout TrainConfig) throws {
        if let lambda1 { c.weights[.l1Bottom] = lambda1 }
        hsae.apply(to: &c)
        if let auxkWeight { c.weights[.auxK] = auxkWeight }
        if let controllerGain { c.controllerGain = controllerGain }
        if controllerHold { c.controllerAntiWindup = true }
        if let phase3BiasControl { c.phase3BiasControl = phase3BiasControl }
        if ghostGrads { c.ghostGrads = true }
        c.disabledTerms = Array(Set(c.disabledTerms + disable.map(\.name))).sorted()
    }
}

struct OptimisationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Tokens per step, the global batch B\(byDefault(optionDefaults.batch)).") var batch: Int?
    @Option(parsing: .unconditional, help: "Rows per microbatch b; B/b microbatches are split over the ranks\(byDefault(optionDefaults.microbatch)).") var microbatch: Int?
    @Option(parsing: .unconditional, help: "Adam learning rate\(byDefault(optionDefaults.lr)).") var lr: Double?
    @Option(parsing: .unconditional, help: "Phase 3 learning-rate factor\(byDefault(optionDefaults.phase3LRFactor)).") var phase3LRFactor: Double?
    @Option(help: "Steps of phases 1,2,3\(byDefault(optionDefaults.phaseSteps.map(String.init).joined(separator: ","))).") var steps: String?
    @Option(help: "Tokens of phases 1,2,3 instead of steps, e.g. 8e6,4e6,4e6.") var tokens: String?
    @Flag(help: "No phased training: everything, all terms, from the start, for the total length.") var endToEnd = false
    @Option(parsing: .unconditional, help: "Global gradient-norm clip\(byDefault(optionDefaults.clipNorm)).") var clip: Double?

    func apply(to c: inout TrainConfig) throws {
        if let batch { c.batch = batch }
        if let microbatch { c.microbatch = microbatch }
        if let lr { c.lr = lr }
        if let phase3LRFactor { c.phase3LRFactor = phase3LRFactor }
        if let clip { c.clipNorm = clip }
        if steps != nil && tokens != nil { throw ValidationError("give --steps or --tokens, not both") }
        if let steps {
            c.phaseSteps = try Self.triple(steps, "--steps").map { v in
                guard v == v.rounded(), v <= Double(Self.maxSteps) else {
                    throw ValidationError("--steps needs whole numbers of steps up to \(Self.maxSteps) per phase, got '\(steps)'")
                }
                return Int(v)
            }
        }
        if let tokens {
            guard c.batch > 0 else { throw ValidationError("--batch must be > 0, got \(c.batch)") }
            c.phaseSteps = try Self.triple(tokens, "--tokens").map { v in
                let steps = (v / Double(c.batch)).rounded(.up)
                guard steps <= Double(Self.maxSteps) else {
                    throw ValidationError("--tokens gives more than \(Self.maxSteps) steps of \(c.batch) tokens in a phase, got '\(tokens)'")
                }
                return Int(steps)
            }
        }
        if endToEnd { c.phased = false }
    }

    /// Phase lengths beyond this are typos (10^12 steps); the bound keeps Int conversion exact.
    static let maxSteps = 1_000_000_000_000

    static func triple(_ text: String, _ option: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, parts.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else {
            throw ValidationError("\(option) needs three finite non-negative numbers for phases 1,2,3 (e.g. 2000,1000,1000), got '\(text)'")
        }
        return parts.map { $0! }
    }
}

struct SystemOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seed for initialisation and data order\(byDefault(optionDefaults.seed)).") var seed: UInt64?
    @Option(help: "Gradient reduction: exact (fixed point, bit-identical for any rank count) or fast (float32)\(byDefault(optionDefaults.reduction.rawValue)).")
    var reduction: ReductionMode?
    @Option(parsing: .unconditional, help: "Held-out fraction at the end of the data\(byDefault(optionDefaults.evalFraction)), never trained on.") var evalFraction: Double?
    @Flag(help: "Skip rows containing NaN/Inf (counted) instead of stopping with an error.") var skipNonfinite = false
    @Option(parsing: .unconditional, help: "Write a checkpoint every N steps, and at every phase end\(byDefault(optionDefaults.checkpointEvery)).") var checkpointEvery: Int?
    @Option(parsing: .unconditional, help: "Log to metrics.jsonl every N steps\(byDefault(optionDefaults.logEvery)).") var logEvery: Int?
    @Option(parsing: .unconditional, help: "A latent is dead after this many tokens without firing\(byDefault(optionDefaults.deadWindowTokens)); AuxK revives the dead ones.")
    var deadWindow: Int?
    @Option(parsing: .unconditional, help: "Under mpirun, end the job when no step completes in this many seconds of running time (a lost rank; time stopped by Ctrl-Z does not count; not armed on one rank; 1 to 604800)\(byDefault(optionDefaults.watchdogSeconds)).")
    var watchdog: Double?
    @Option(parsing: .unconditional, help: "Checkpoints to keep besides every phase end: the newest N\(byDefault(TrainConfig.defaultKeepCheckpoints)).")
    var keepCheckpoints: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Hold the data set's first rows in memory, up to this many MiB per rank; "
                               + "the rest are read from the file as needed. Changes speed and memory, never results; 0 = off.",
                               valueName: "MiB"))
    var dataCache = Self.defaultDataCacheMiB

    /// Enough for a small data set to live in memory (the demo's is 154 MB as Float); a larger one
    /// keeps this much of it, so resident memory stays independent of the data set's size.
    static let defaultDataCacheMiB = 256

    func validate() throws {
        guard dataCache >= 0 else { throw ValidationError("--data-cache must be ≥ 0 MiB, got \(dataCache)") }
    }

    /// Applies --data-cache to `dataset` (on every rank), saying on rank 0 how much it holds.
    func cache(_ dataset: ActivationDataset, log: Logger) throws {
        let held = try dataset.cacheLeadingRows(budget: dataCache << 20)
        guard held > 0 else { return }
        log.info(String(format: "data: rows 0..<%d of %d held in memory (%.0f MiB per rank, --data-cache %d)",
                        held, dataset.rows, Double(held * dataset.d * 4) / 1048576, dataCache))
    }

    func apply(to c: inout TrainConfig) {
        if let seed { c.seed = seed }
        if let reduction { c.reduction = reduction }
        if let evalFraction { c.evalFraction = evalFraction }
        if skipNonfinite { c.skipNonfinite = true }
        if let checkpointEvery { c.checkpointEvery = checkpointEvery }
        if let logEvery { c.logEvery = logEvery }
        if let deadWindow { c.deadWindowTokens = deadWindow }
        if let watchdog { c.watchdogSeconds = watchdog }
        if let keepCheckpoints { c.keepCheckpoints = keepCheckpoints }
    }
}
