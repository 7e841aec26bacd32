/// The loss terms of DESIGN §3, as a set; a phase (or an ablation) switches them on and off.
public struct LossTerms: OptionSet, Codable, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// L_rec = mean ‖x − x̂‖²
    public static let reconstruction = LossTerms(rawValue: 1 << 0)
    /// β_top · mean ‖(z1 − ẑ1) W_dec¹‖²
    public static let topPath = LossTerms(rawValue: 1 << 1)
    /// λ1 · mean Σ_i z1_i ‖W_dec¹[i]‖ (relu bottom only)
    public static let l1Bottom = LossTerms(rawValue: 1 << 2)
    /// λ2 · mean Σ_j z2_j ‖W_dec²[j]‖ (relu top only)
    public static let l1Top = LossTerms(rawValue: 1 << 3)
    /// β_gate · mean_i g_i
    public static let gate = LossTerms(rawValue: 1 << 4)
    /// β_orth · (1/(m2(m2−1))) Σ_{j≠k} (n_j·n_k)²
    public static let orthogonality = LossTerms(rawValue: 1 << 5)
    /// β_mi · (1/(m1·m2)) Σ_{i,j} ρ(z2_j, r_i)², per microbatch
    public static let mutualInformation = LossTerms(rawValue: 1 << 6)
    /// β_top_only · mean ‖ẑ1 W_dec¹ + b_dec − x‖²: the top layer alone reconstructs x through the
    /// bottom dictionary (the Matryoshka idea across layers; weight 0 unless --beta-top-only).
    public static let topOnly = LossTerms(rawValue: 1 << 7)
    /// α_aux · AuxK: the dead bottom latents reconstruct the residual (AuxK.swift; not in DESIGN §3)
    public static let auxK = LossTerms(rawValue: 1 << 8)

    public static let all: LossTerms = [.reconstruction, .topPath, .l1Bottom, .l1Top, .gate, .orthogonality, .mutualInformation, .topOnly, .auxK]

    /// The terms that depend on data (computed per microbatch); the rest depend on parameters only.
    public static let dataTerms: LossTerms = [.reconstruction, .topPath, .l1Bottom, .l1Top, .mutualInformation, .topOnly, .auxK]
}

/// Coefficients of the loss terms. λs are adapted during training (relu layers).
public struct LossWeights: Codable, Equatable, Sendable {
    public var lambda1: Double
    public var lambda2: Double
    public var betaGate: Double
    public var betaOrth: Double
    public var betaMI: Double
    /// Weight of L_top; DESIGN §3 gives it none (1), the default. In phase 3 it is the exchange
    /// rate at which the bottom layer gives up reconstruction to make its code reproducible by the
    /// top layer: with topk layers 0.1 keeps the FVU of phase 2, where 1 doubles it; with relu
    /// layers 0.1 lets the λ controller wind up (docs/DECISIONS.md, "The top-path weight").
    public var betaTop: Double
    /// The orthogonality term over a random subset of this many top latents per step (an unbiased
    /// estimate of DESIGN's mean over all pairs, O(s²·m1) instead of O(m2²·m1)); 0 or ≥ m2: exact.
    public var orthSample: Int
    /// Weight of the top-only reconstruction term (LossTerms.topOnly); 0, the default, is DESIGN's model.
    public var betaTopOnly: Double
    /// α of the AuxK dead-latent term (topk/batchtopk bottom layers; AuxK.swift). Not in DESIGN;
    /// default 1/32 as Gao et al. 2024; 0 restores DESIGN's loss (docs/DECISIONS.md).
    public var auxK: Double
    /// The α a new run gets (Gao et al. 2024's 1/32).
    public static let defaultAuxK = 1.0 / 32

    public init(lambda1: Double = 1, lambda2: Double = 1, betaGate: Double = 0.01, betaOrth: Double = 1, betaMI: Double = 1,
                betaTop: Double = 1, orthSample: Int = 512, betaTopOnly: Double = 0, auxK: Double = LossWeights.defaultAuxK) {
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        self.betaGate = betaGate
        self.betaOrth = betaOrth
        self.betaMI = betaMI
        self.betaTop = betaTop
        self.orthSample = orthSample
        self.betaTopOnly = betaTopOnly
        self.auxK = auxK
    }

    private enum CodingKeys: String, CodingKey { case lambda1, lambda2, betaGate, betaOrth, betaMI, betaTop, orthSample, betaTopOnly, auxK }

    /// Configurations and checkpoints written before `betaTop` existed were trained with weight 1
    /// and decode with 1; before `orthSample`, with the exact term (0); before `auxK`, without it (0).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(lambda1: try c.decode(Double.self, forKey: .lambda1), lambda2: try c.decode(Double.self, forKey: .lambda2),
                  betaGate: try c.decode(Double.self, forKey: .betaGate), betaOrth: try c.decode(Double.self, forKey: .betaOrth),
                  betaMI: try c.decode(Double.self, forKey: .betaMI),
                  betaTop: try c.decodeIfPresent(Double.self, forKey: .betaTop) ?? 1,
                  orthSample: try c.decodeIfPresent(Int.self, forKey: .orthSample) ?? 0,
                  betaTopOnly: try c.decodeIfPresent(Double.self, forKey: .betaTopOnly) ?? 0,
                  auxK: try c.decodeIfPresent(Double.self, forKey: .auxK) ?? 0)
    }
}

/// Values of the loss terms (already weighted), for logging. Index order is `LossParts.names`.
public struct LossParts: Equatable, Sendable {
    public var values: [Double]

    public static let names = ["rec", "top", "l1_bottom", "l1_top", "gate", "orth", "mi", "top_only", "aux"]
    public static let count = names.count
    /// Index of the AuxK term in `names`.
    public static let auxIndex = 8
    /// Index of the top-only reconstruction term in `names`.
    public static let topOnlyIndex = 7

    public init(values: [Double] = [Double](repeating: 0, count: LossParts.count)) {
        precondition(values.count == Self.count, "loss parts: \(values.count) values, expected \(Self.count)")
        self.values = values
    }

    public var reconstruction: Double { values[0] }
    public var total: Double { values.reduce(0, +) }

    public static func + (a: LossParts, b: LossParts) -> LossParts {
        LossParts(values: zip(a.values, b.values).map { $0 + $1 })
    }
}
