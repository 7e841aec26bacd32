import ArgumentParser
import HSAE

// The HSAE's (design-v1's) own command-line options: its top layer, gate and the terms between
// its layers. They are groups of the shared option structs (TrainOptions.swift), placed where the
// help has always listed them.

/// `--top-activation`, in the Model options after `--bottom-activation`.
struct HSAEActivationOption: ParsableArguments {
    @Option(help: "Top activation (overrides --activation).") var topActivation: ActivationKind?

    /// `--activation`: the top layer's too.
    func applyBoth(_ activation: ActivationKind, to c: inout TrainConfig) { c.model.topActivation = activation }

    func apply(to c: inout TrainConfig) {
        if let topActivation { c.model.topActivation = topActivation }
    }
}

/// The top layer's target, the gate, the top decoder's sign, the top input and the k-sparse top
/// reconstruction, in the Model options.
struct HSAEOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Top target sparsity in (0, 1)\(byDefault(optionDefaults.topTarget)).") var topSparsity: Double?
    @Option(parsing: .unconditional, help: "Top target as L0 instead of sparsity.") var topL0: Double?
    @Option(help: "Gated skip: learned (σ of trained logits) or fixed (g ≡ 0.5)\(byDefault(optionDefaults.gate.rawValue)).") var gate: GateMode?
    @Flag(help: "Do not keep top.W_dec non-negative.") var signedTopDecoder = false
    @Option(help: ArgumentHelp("What the top encoder reads: code (the bottom code Z1, DESIGN; default) or pre (the bottom pre-activations P1).",
                               discussion: "pre: P2 = P1 W_enc² + b_enc², so under a tight bottom budget the top layer still sees what the bottom code had no room for (an HSAE variant, docs/DECISIONS.md). hsae export refuses such a model."))
    var topInput: TopInput?
    @Option(parsing: .unconditional, help: ArgumentHelp("Keep only the K largest entries per row of the top layer's reconstruction of the bottom code (Ẑ1 = ReLU(TopK_K(Z2 W_dec² + b_dec²))); 0: DESIGN's dense ReLU (default).",
                               discussion: "An HSAE variant (docs/DECISIONS.md): with a k-sparse Ẑ1 the mix M and the residual R are sparse too, so phases 2 and 3 run on sparse kernels. hsae export refuses such a model.",
                               valueName: "K"))
    var topDecodeK: Int?

    /// Whether a top target was given (--l0-from-truth sets it instead).
    var setsTarget: Bool { topSparsity != nil || topL0 != nil }

    func checkTargets() throws {
        if topSparsity != nil && topL0 != nil { throw ValidationError("give --top-sparsity or --top-l0, not both") }
    }

    func apply(to c: inout TrainConfig) throws {
        if let topSparsity { c.model.topTarget = .sparsity(topSparsity) }
        if let topL0 { c.model.topTarget = .l0(topL0) }
        if let gate { c.model.gate = gate }
        if signedTopDecoder { c.model.topDecoderNonNegative = false }
        if let topInput { c.model.topInput = topInput }
        if let topDecodeK {
            guard topDecodeK >= 0 else { throw ValidationError("--top-decode-k must be >= 0 (0: the dense reconstruction), got \(topDecodeK)") }
            c.model.topDecodeK = topDecodeK == 0 ? nil : topDecodeK
        }
    }

    /// --l0-from-truth: the top layer's target is the data set's true parents per row (× the factor).
    static func applyTruth(parents l0: Double, to c: inout TrainConfig) { c.model.topTarget = .l0(l0) }
}

/// The weights of the top layer's L1 and of the terms between the layers, in the Loss terms options
/// after `--lambda1`.
struct HSAELossOptions: ParsableArguments {
    @Option(name: weightOption(.l1Top), parsing: .unconditional, help: "Initial L1 coefficient of the top layer, adapted for relu\(weightDefault(.l1Top)).")
    var lambda2: Double?
    @Option(name: weightOption(.orthogonality), parsing: .unconditional, help: "Weight of the orthogonality term between layers\(weightDefault(.orthogonality)).")
    var betaOrth: Double?
    @Option(name: weightOption(.mutualInformation), parsing: .unconditional, help: "Weight of the mutual-information term\(weightDefault(.mutualInformation)).")
    var betaMI: Double?
    @Option(name: weightOption(.gate), parsing: .unconditional, help: "Weight of the gate term\(weightDefault(.gate)).")
    var betaGate: Double?
    @Option(name: weightOption(.topPath), parsing: .unconditional, help: ArgumentHelp("Weight of the top-path term L_top\(weightDefault(.topPath)); DESIGN §3's is 1, advised with relu layers.",
                               discussion: "In phase 3 it sets how much reconstruction the bottom layer gives up to make its code reproducible by the top layer. With topk layers 0.1 keeps phase 2's FVU where 1 doubles it; with relu layers give 1 (at 0.1 the λ controller winds up unless --phase3-bias-control holds it; a warning says so). See docs/DECISIONS.md."))
    var betaTop: Double?
    @Option(name: weightOption(.topOnly), parsing: .unconditional, help: ArgumentHelp("Weight of the top-only reconstruction term; 0 is off\(weightDefault(.topOnly)).",
                               discussion: "Adds β · mean ‖ẑ1 W_dec¹ + b_dec − x‖² in phases 2 and 3: the top layer must reconstruct x through the bottom dictionary on its own, as a Matryoshka SAE's first prefix must (an HSAE variant, docs/DECISIONS.md)."))
    var betaTopOnly: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Orthogonality term over this many random top latents per step\(byDefault(optionDefaults.weights.orthSample)); 0 = all, exact.",
                               discussion: "The exact term costs 2·m2²·m1 per step (550 GFLOP at m2 = 4096, m1 = 16384); a sample is an unbiased estimate of its mean over pairs. Has no effect when m2 is at most the sample."))
    var orthSample: Int?

    func apply(to c: inout TrainConfig) {
        for (term, value) in [(LossTerm.l1Top, lambda2), (.orthogonality, betaOrth), (.mutualInformation, betaMI),
                              (.gate, betaGate), (.topPath, betaTop), (.topOnly, betaTopOnly)] {
            if let value { c.weights[term] = value }
        }
        if let orthSample { c.weights.orthSample = orthSample }
    }
}
