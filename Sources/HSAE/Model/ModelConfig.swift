/// A layer's sparsity target: the fraction of zeros s, or the mean number of active latents L0.
public enum SparsityTarget: Codable, Equatable, Sendable, CustomStringConvertible {
    case sparsity(Double)
    case l0(Double)

    private enum CodingKeys: String, CodingKey { case sparsity, l0 }

    /// JSON: {"sparsity": 0.9} or {"l0": 32}.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let s = try c.decodeIfPresent(Double.self, forKey: .sparsity) { self = .sparsity(s) }
        else { self = .l0(try c.decode(Double.self, forKey: .l0)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .sparsity(let s): try c.encode(s, forKey: .sparsity)
        case .l0(let l0): try c.encode(l0, forKey: .l0)
        }
    }

    /// Target density ρ* = 1 − s, or L0/m.
    public func density(latents m: Int) -> Double {
        switch self {
        case .sparsity(let s): return 1 - s
        case .l0(let l0): return l0 / Double(m)
        }
    }

    /// Target L0 = (1 − s)·m, or L0.
    public func l0(latents m: Int) -> Double { density(latents: m) * Double(m) }

    /// k for top-k layers: round((1 − s)·m) or round(L0), at least 1.
    public func k(latents m: Int) -> Int { max(1, min(m, Int(l0(latents: m).rounded()))) }

    public var description: String {
        switch self {
        case .sparsity(let s): return "sparsity \(s)"
        case .l0(let l0): return "L0 \(l0)"
        }
    }
}

/// One SAE layer: its width, activation and sparsity target.
public struct LayerSpec: Codable, Equatable, Sendable {
    public var latents: Int
    public var activation: ActivationKind
    public var target: SparsityTarget

    public init(latents: Int, activation: ActivationKind, target: SparsityTarget) {
        self.latents = latents
        self.activation = activation
        self.target = target
    }
}

/// How the gated skip connection behaves.
public enum GateMode: String, Codable, Sendable, CaseIterable {
    /// g = σ(gate.logits), trained.
    case learned
    /// g ≡ 0.5, not trained (an ablation).
    case fixed
}

/// The architecture (DESIGN §2). `top == nil` is the single-layer baseline.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var d: Int
    public var bottom: LayerSpec
    public var top: LayerSpec?
    public var gate: GateMode
    /// Project top.W_dec onto W ≥ 0 after every optimizer step.
    public var topDecoderNonNegative: Bool
    /// A Matryoshka baseline (single layer only): the sizes of its latent groups, in order; each
    /// prefix of groups reconstructs x in the training loss (Matryoshka.swift). nil: an ordinary
    /// layer. Absent from files written before it existed, which decode as nil.
    public var matryoshkaGroups: [Int]?
    /// What the top encoder reads (TopInput.swift); nil (files written before it): the bottom code, DESIGN §2.
    public var topInput: TopInput?
    /// k_z of a k-sparse top reconstruction Ẑ1 = ReLU(TopK_kz(Z2 W_dec² + b_dec²)) (TopDecodeK.swift,
    /// `--top-decode-k`, docs/DECISIONS.md); nil (the default, and files written before it): DESIGN's dense ReLU.
    public var topDecodeK: Int?
    /// The model type's registry name (ModelRegistry), for every type but the first three, whose
    /// fields say which they are (`top`, `matryoshkaGroups`): nil for them, absent from their files.
    public var model: String?

    public init(d: Int, bottom: LayerSpec, top: LayerSpec?, gate: GateMode = .learned, topDecoderNonNegative: Bool = true,
                matryoshkaGroups: [Int]? = nil, topInput: TopInput? = nil, topDecodeK: Int? = nil, model: String? = nil) {
        self.d = d
        self.bottom = bottom
        self.top = top
        self.gate = gate
        self.topDecoderNonNegative = topDecoderNonNegative
        self.matryoshkaGroups = matryoshkaGroups
        self.topInput = topInput
        self.topDecodeK = topDecodeK
        self.model = model
    }

    public var m1: Int { bottom.latents }
    public var m2: Int { top?.latents ?? 0 }
    public var isBaseline: Bool { top == nil }

    /// Checks the ranges a user can get wrong; names the option.
    public func validate() throws {
        func check(_ ok: Bool, _ option: String, _ message: String) throws {
            if !ok { throw HSAEError.badConfig(option: option, message: message) }
        }
        try check(d > 0, "d", "must be > 0, got \(d)")
        try check(m1 > 0, "--m1", "must be > 0, got \(m1)")
        for (name, spec) in [("bottom", bottom)] + (top.map { [("top", $0)] } ?? []) {
            switch spec.target {
            case .sparsity(let s):
                try check(s > 0 && s < 1, "--\(name)-sparsity", "must be in (0, 1), got \(s)")
            case .l0(let l0):
                try check(l0 > 0 && l0 < Double(spec.latents), "--\(name)-l0", "must be in (0, \(spec.latents)) (the layer's latents), got \(l0)")
            }
        }
        if let groups = matryoshkaGroups {
            try check(top == nil || model != nil, "--baseline matryoshka", "Matryoshka groups belong to a single-layer baseline, not to a model with a top layer")
            try check(!groups.isEmpty && groups.allSatisfy { $0 > 0 } && groups.reduce(0, +) == m1, "--matryoshka-groups",
                      "needs positive group sizes adding up to the layer's \(m1) latents (m1 + m2), got \(groups.map(String.init).joined(separator: ","))")
        }
        if topInput == .pre { try check(top != nil, "--top-input", "pre applies to a model with a top layer, not to a baseline") }
        if let kz = topDecodeK {
            try check(top != nil, "--top-decode-k", "applies to a model with a top layer, not to a baseline")
            try check(kz >= 1 && kz <= m1, "--top-decode-k", "must be in 1...m1 (\(m1)), or 0 for the dense reconstruction, got \(kz)")
        }
        if let top {
            try check(top.latents > 0, "--m2", "must be > 0, got \(top.latents)")
            try check(top.latents <= m1, "--m2", "the top layer (m2 = \(top.latents)) must not be wider than the bottom layer (m1 = \(m1))")
        }
    }
}
