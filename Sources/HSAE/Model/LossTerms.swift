/// One loss term (DESIGN §3, and the additions docs/DECISIONS.md records), declared once in
/// `LossTerm.all`: its id, its name on disk and on the command line, its coefficient's key in
/// config.json and the option that sets it, the DESIGN §4 phases that optimise it, and where its
/// value and gradient are computed. Nothing else in the program lists the terms.
///
/// To add a term: a declaration below (and its line in `all`); its math as a `ParameterTerm`
/// or `ResidualTerm` (in this file or a file of its own); its option in
/// Launcher/TrainOptions.swift (`--config` can set its weight without one). docs/ARCHITECTURE.md.
public struct LossTerm: Hashable, Sendable, CustomStringConvertible {
    /// Its index in LossParts (and the step's reduction buffer) and its bit in LossTerms. Never
    /// written to a file.
    public let id: Int
    /// metrics.jsonl's `loss_<name>`, `--disable <name>`, `disabledTerms` in config.json.
    public let name: String
    /// Its coefficient; nil for a term weighted 1 (reconstruction).
    public let weight: LossWeight?
    /// The phases of DESIGN §4 (1, 2, 3) that optimise it; the single-layer baseline runs phase 1's.
    public let phases: Set<Int>
    /// Where its value and gradient come from.
    public let math: LossMath
    /// Left out of a pass whose weight for it is 0 (`LossTerms.active`): top_only, whose presence
    /// decides in which pass the backward applies Ẑ1's ReLU mask. Other terms at weight 0 still run
    /// (they add zeros, and skipping them could flip the sign of a zero gradient entry).
    public var skippedAtZeroWeight = false

    public var description: String { name }
    public static func == (a: LossTerm, b: LossTerm) -> Bool { a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }

    /// L_rec = mean ‖x − x̂‖² (or the Matryoshka baseline's nested-prefix form)
    public static let reconstruction = LossTerm(id: 0, name: "rec", weight: nil, phases: [1, 2, 3], math: .backward)
    /// β_top · mean ‖(z1 − ẑ1) W_dec¹‖². DESIGN §3 gives it no weight (1); in phase 3 it is the exchange
    /// rate at which the bottom layer gives up reconstruction to make its code reproducible by the top
    /// layer: with topk layers (the default) 0.1 keeps the FVU of phase 2, where 1 doubles it; with relu
    /// layers 0.1 lets the λ controller wind up (docs/DECISIONS.md, "The top-path weight", "The defaults";
    /// `TrainConfig.advisories` warns). Files written before the key existed were trained with 1.
    public static let topPath = LossTerm(
        id: 1, name: "top", weight: LossWeight(key: "betaTop", option: "--beta-top", defaultValue: 0.1, whenAbsent: 1), phases: [2, 3],
        math: .topPath)
    /// λ1 · mean Σ_i z1_i ‖W_dec¹[i]‖ (layers whose activation takes an adaptive L1 penalty; λ1 is adapted)
    public static let l1Bottom = LossTerm(
        id: 2, name: "l1_bottom", weight: LossWeight(key: "lambda1", option: "--lambda1", defaultValue: 1), phases: [1, 3], math: .backward)
    /// λ2 · mean Σ_j z2_j ‖W_dec²[j]‖ (as l1_bottom, for the top layer)
    public static let l1Top = LossTerm(
        id: 3, name: "l1_top", weight: LossWeight(key: "lambda2", option: "--lambda2", defaultValue: 1), phases: [2, 3], math: .topPath)
    /// β_gate · mean_i g_i
    public static let gate = LossTerm(
        id: 4, name: "gate", weight: LossWeight(key: "betaGate", option: "--beta-gate", defaultValue: 0.01), phases: [2, 3],
        math: .parameters(GateTerm()))
    /// β_orth · (1/(m2(m2−1))) Σ_{j≠k} (n_j·n_k)² (over a sample of top latents, `orthSample`)
    public static let orthogonality = LossTerm(
        id: 5, name: "orth", weight: LossWeight(key: "betaOrth", option: "--beta-orth", defaultValue: 1), phases: [2, 3],
        math: .parameters(OrthogonalityTerm()))
    /// β_mi · (1/(m1·m2)) Σ_{i,j} ρ(z2_j, r_i)², per microbatch
    public static let mutualInformation = LossTerm(
        id: 6, name: "mi", weight: LossWeight(key: "betaMI", option: "--beta-mi", defaultValue: 1), phases: [2, 3], math: .topPath)
    /// β_top_only · mean ‖ẑ1 W_dec¹ + b_dec − x‖²: the top layer alone reconstructs x through the
    /// bottom dictionary (the Matryoshka idea across layers); 0, the default, is DESIGN's model.
    public static let topOnly = LossTerm(
        id: 7, name: "top_only", weight: LossWeight(key: "betaTopOnly", option: "--beta-top-only", defaultValue: 0, whenAbsent: 0),
        phases: [2, 3], math: .topPath, skippedAtZeroWeight: true)
    /// α · AuxK: the dead bottom latents reconstruct the residual (AuxK.swift; not in DESIGN §3).
    /// Default 1/32 as Gao et al. 2024; 0 restores DESIGN's loss (docs/DECISIONS.md).
    public static let auxK = LossTerm(
        id: 8, name: "aux", weight: LossWeight(key: "auxK", option: "--auxk-weight", defaultValue: 1.0 / 32, whenAbsent: 0),
        phases: [1, 3], math: .residual(AuxKTerm()))

    /// Every term, in `id` order (LossTermTests checks the ids are 0 ..< count).
    public static let all: [LossTerm] = [.reconstruction, .topPath, .l1Bottom, .l1Top, .gate, .orthogonality, .mutualInformation, .topOnly, .auxK]

    public static func named(_ name: String) -> LossTerm? { all.first { $0.name == name } }
}

/// A term's coefficient: its key in config.json's "weights", the train option that sets it, a new
/// run's value, and the value for files written before the key existed (nil: the key is required).
public struct LossWeight: Sendable {
    public let key: String
    public let option: String
    public let defaultValue: Double
    public let whenAbsent: Double?

    public init(key: String, option: String, defaultValue: Double, whenAbsent: Double? = nil) {
        self.key = key
        self.option = option
        self.defaultValue = defaultValue
        self.whenAbsent = whenAbsent
    }
}

/// Where a term's value and gradient are computed.
public enum LossMath: Sendable {
    /// In `dataTerms` (Backward.swift), sharing ∂L/∂X̂ and ∂L/∂Z1 with the reconstruction.
    case backward
    /// In `topPathBackward` (TopPathBackward.swift), sharing the top layer's backward pass.
    case topPath
    /// On the parameters alone, once per step after the reduction (`parameterTerms`).
    case parameters(any ParameterTerm)
    /// On one microbatch, given the residual X̂ − X, its gradient computed whole by itself (`dataTerms`).
    /// Under the Matryoshka baseline's nested-prefix loss the residual is the whole layer's, X̂_K − X
    /// (DESIGN §8: Matryoshka keeps AuxK; Bussmann et al. train with it).
    case residual(any ResidualTerm)
}

/// A term on the parameters alone (DESIGN §3's gate and orthogonality): computed identically on
/// every rank after the gradient reduction, never reduced.
///
/// Terms are called through an existential, which the optimiser cannot specialise: each
/// implementation marks its `evaluate` `@_specialize(where T == Float)`, or training runs the
/// generic body (element accesses through value witnesses; 2–3 % of a phase-3 step once).
public protocol ParameterTerm: Sendable {
    /// The value, with the gradient added into `grads` for the tensors `context.trainable` trains.
    func evaluate<T: BLASScalar>(_ model: HierarchicalSAE<T>, weight: Double, context: ParameterTermContext, grads: TensorBuffer<T>?) -> T
}

public struct ParameterTermContext: Sendable {
    public var trainable: Trainable
    /// The top latents of this step's orthogonality sample (`OrthogonalitySample`); nil: all.
    public var orthRows: [Int]?
}

/// A term on one microbatch after `forward` that needs only the residual and the workspace, and
/// computes its own gradient (AuxK). Implementations are specialised for Float as `ParameterTerm`'s.
public protocol ResidualTerm: Sendable {
    /// The value for `residual` = X̂ − X (b × d, held constant), with the gradient added into `grads`
    /// (given only when the phase trains the bottom layer).
    func evaluate<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, residual: UnsafePointer<T>, weight: Double,
                                 microbatch: MicrobatchWeights, grads: TensorBuffer<T>?) -> T
}

/// A set of loss terms; a phase (or an ablation) switches them on and off.
public struct LossTerms: SetAlgebra, Hashable, Sendable, Codable {
    public typealias Element = LossTerm
    /// Bit `term.id` set for each term.
    public private(set) var rawValue: Int

    public init() { rawValue = 0 }
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let all = LossTerms(LossTerm.all)

    /// The terms that phase `number` of DESIGN §4 optimises.
    public init(phase number: Int) { self.init(LossTerm.all.filter { $0.phases.contains(number) }) }

    public var members: [LossTerm] { LossTerm.all.filter(contains) }

    public func contains(_ term: LossTerm) -> Bool { rawValue & (1 << term.id) != 0 }
    public func union(_ other: LossTerms) -> LossTerms { LossTerms(rawValue: rawValue | other.rawValue) }
    public func intersection(_ other: LossTerms) -> LossTerms { LossTerms(rawValue: rawValue & other.rawValue) }

    /// The terms a pass computes with `weights`: these, less those skipped at weight 0
    /// (`LossTerm.skippedAtZeroWeight`). The kernels read the set alone, never a weight.
    public func active(_ weights: LossWeights) -> LossTerms {
        var out = self
        for term in members where term.skippedAtZeroWeight && !(weights[term] > 0) { out.remove(term) }
        return out
    }
    public func symmetricDifference(_ other: LossTerms) -> LossTerms { LossTerms(rawValue: rawValue ^ other.rawValue) }
    public mutating func formUnion(_ other: LossTerms) { rawValue |= other.rawValue }
    public mutating func formIntersection(_ other: LossTerms) { rawValue &= other.rawValue }
    public mutating func formSymmetricDifference(_ other: LossTerms) { rawValue ^= other.rawValue }

    @discardableResult
    public mutating func insert(_ term: LossTerm) -> (inserted: Bool, memberAfterInsert: LossTerm) {
        let inserted = !contains(term)
        rawValue |= 1 << term.id
        return (inserted, term)
    }

    @discardableResult
    public mutating func remove(_ term: LossTerm) -> LossTerm? {
        guard contains(term) else { return nil }
        rawValue &= ~(1 << term.id)
        return term
    }

    @discardableResult
    public mutating func update(with term: LossTerm) -> LossTerm? { insert(term).inserted ? nil : term }

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// The coefficients of the loss terms, by term (λs are adapted during training, relu layers),
/// and the orthogonality sample size. In config.json: {"<weight key>": value, …, "orthSample": n}.
public struct LossWeights: Codable, Equatable, Sendable {
    /// By `LossTerm.id`; 1 for an unweighted term.
    private var values: [Double]
    /// The orthogonality term over a random subset of this many top latents per step (an unbiased
    /// estimate of DESIGN's mean over all pairs, O(s²·m1) instead of O(m2²·m1)); 0 or ≥ m2: exact.
    public var orthSample: Int

    /// Each term's default, overridden by `given`.
    public init(_ given: [LossTerm: Double] = [:], orthSample: Int = 512) {
        values = LossTerm.all.map { given[$0] ?? $0.weight?.defaultValue ?? 1 }
        self.orthSample = orthSample
    }

    public subscript(term: LossTerm) -> Double {
        get { values[term.id] }
        set {
            precondition(term.weight != nil, "the \(term.name) term has no weight")
            values[term.id] = newValue
        }
    }

    private typealias Key = JSONKey
    private static let orthSampleKey = Key("orthSample")

    /// A key missing from an older file takes the term's `whenAbsent` (configurations and
    /// checkpoints written before `betaTop` existed were trained with weight 1, before `auxK` and
    /// `betaTopOnly` without those terms, 0); before `orthSample`, with the exact term (0).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        self.init(orthSample: try c.decodeIfPresent(Int.self, forKey: Self.orthSampleKey) ?? 0)
        for term in LossTerm.all {
            guard let w = term.weight else { continue }
            if let absent = w.whenAbsent {
                values[term.id] = try c.decodeIfPresent(Double.self, forKey: Key(w.key)) ?? absent
            } else {
                values[term.id] = try c.decode(Double.self, forKey: Key(w.key))
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for term in LossTerm.all { if let w = term.weight { try c.encode(values[term.id], forKey: Key(w.key)) } }
        try c.encode(orthSample, forKey: Self.orthSampleKey)
    }
}

/// Values of the loss terms (already weighted), by term.
public struct LossParts: Equatable, Sendable {
    /// By `LossTerm.id` (the reduction carries them in this order).
    public private(set) var values: [Double]

    public static var count: Int { LossTerm.all.count }

    public init(values: [Double] = [Double](repeating: 0, count: LossParts.count)) {
        precondition(values.count == Self.count, "loss parts: \(values.count) values, expected \(Self.count)")
        self.values = values
    }

    public subscript(term: LossTerm) -> Double {
        get { values[term.id] }
        set { values[term.id] = newValue }
    }

    public var total: Double { values.reduce(0, +) }

    public static func + (a: LossParts, b: LossParts) -> LossParts {
        LossParts(values: zip(a.values, b.values).map { $0 + $1 })
    }
}
