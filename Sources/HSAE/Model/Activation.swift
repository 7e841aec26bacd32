/// How a layer turns pre-activations into its sparse code (DESIGN §2), and everything the rest
/// of the program asks of it, answered in `traits` — one exhaustive switch. A new kind is a case
/// here and its record (a new way of selecting the code also a case of `Selection` and its
/// branch in `Activation.apply`, below); the compiler points at every answer it needs.
public enum ActivationKind: String, Codable, Sendable, CaseIterable {
    /// ReLU with an adaptive L1 penalty that steers density to the target.
    case relu
    /// Keep the k largest pre-activations of each row (ReLU'd), zero the rest.
    case topk
    /// Keep the b·k largest of the microbatch; inference uses a learned threshold.
    case batchtopk

    public var traits: ActivationTraits {
        switch self {
        case .relu:
            return ActivationTraits(selection: .positive, penalty: .adaptiveL1, decoderRows: .free, deadLatentRevival: .ghostGrads,
                                    export: .standard)
        case .topk:
            return ActivationTraits(selection: .topKPerRow, penalty: .none, decoderRows: .unitNorm, deadLatentRevival: .auxK,
                                    export: .topK)
        case .batchtopk:
            return ActivationTraits(selection: .topKPerBatch, penalty: .none, decoderRows: .unitNorm, deadLatentRevival: .auxK,
                                    export: .jumpReLU)
        }
    }
}

/// What the trainer, the loss, the constraints and the export need to know of an activation.
public struct ActivationTraits: Equatable, Sendable {
    /// Which entries of p + c the code keeps (`Activation.apply`).
    public enum Selection: Equatable, Sendable {
        /// p + c > 0: the density follows from the weights (and the penalty).
        case positive
        /// The k largest of each row.
        case topKPerRow
        /// The b·k largest of the microbatch in training; at inference p + c above a threshold
        /// learned as a moving average of the training batches' (Trainer.updateControllers).
        case topKPerBatch

        /// Whether the code has exactly k entries per row (on average over the batch): its sparse
        /// rows are reserved for k, and no penalty is needed to reach the target.
        public var keepsK: Bool { self != .positive }
        /// Whether the layer carries an inference threshold trained from the batches' thresholds.
        public var learnsInferenceThreshold: Bool { self == .topKPerBatch }
    }
    /// How the layer reaches its sparsity target besides the selection.
    public enum Penalty: Equatable, Sendable {
        case none
        /// The L1 terms (l1_bottom, l1_top) weighted by decoder row norms, with λ adapted by the
        /// SparsityController toward the target density (and printed in the progress line).
        case adaptiveL1
    }
    /// Whether the bottom decoder's rows are renormalised to unit norm after every step
    /// (HierarchicalSAE.applyConstraints); an L1 penalty needs them free, as DESIGN §3 weights it by their norms.
    public enum DecoderRows: Equatable, Sendable { case free, unitNorm }
    /// How the AuxK term revives the bottom layer's dead latents (AuxK.swift).
    public enum DeadLatentRevival: Equatable, Sendable {
        /// The top k_aux of the dead latents' pre-activations (on by default).
        case auxK
        /// Ghost grads: exp of every dead latent's pre-activation, only with --ghost-grads.
        case ghostGrads
    }
    /// The SAELens architecture a layer exports as (Export.swift).
    public enum SAELensArchitecture: Equatable, Sendable {
        /// "standard": ReLU.
        case standard
        /// "topk" with cfg.k.
        case topK
        /// "jumprelu" with the inference threshold.
        case jumpReLU
    }

    public var selection: Selection
    public var penalty: Penalty
    public var decoderRows: DecoderRows
    public var deadLatentRevival: DeadLatentRevival
    public var export: SAELensArchitecture
}

/// The layer activations of DESIGN §2. Legend: p pre-activations without the encoder bias
/// (b × m), c the bias (m), z the code (b × m). In every kind the code is z = p + c where a
/// latent is kept and p + c > 0, else 0, so the backward mask is simply z > 0.
public enum Activation {
    /// z = act(p + c), written whole (no separate zeroing pass; z may be p itself), and the same
    /// code as sparse rows.
    /// `k` is per row (topk) or per row on average (batchtopk, keeping b·k over the whole
    /// microbatch). `threshold` (batchtopk inference only) keeps p + c > threshold.
    /// Returns, for batchtopk in training, the smallest kept positive value (the batch's
    /// threshold, which trains the inference threshold's running estimate); otherwise nil.
    @discardableResult
    public static func apply<T>(_ kind: ActivationKind, _ p: View<T>, bias c: UnsafePointer<T>, into z: View<T>,
                                code: SparseCode<T>, k: Int, threshold: T? = nil, scratch: inout TopKScratch<T>) -> T? {
        precondition(p.rows == z.rows && p.cols == z.cols && code.latents == p.cols,
                     "activation shapes \(p.rows)×\(p.cols) vs \(z.rows)×\(z.cols), code of \(code.latents) latents")
        let (b, m) = (p.rows, p.cols)
        let selection = kind.traits.selection
        code.reset(reservingPerRow: selection.keepsK ? k : 0, rows: b)
        switch selection {
        case .positive:
            keep(p, bias: c, above: 0, into: z, code: code, scratch: &scratch)
            return nil
        case .topKPerRow:
            for i in 0..<b {
                let tau = TopK.threshold(p.row(i), rows: 1, cols: m, bias: c, keep: k, scratch: &scratch)
                var ties = tau.ties
                keep(p.row(i), bias: c, count: m, tau: tau.value, ties: &ties, into: z.row(i), code: code, scratch: &scratch)
            }
            return nil
        case .topKPerBatch:
            if let threshold {
                keep(p, bias: c, above: max(threshold, 0), into: z, code: code, scratch: &scratch)
                return nil
            }
            let tau = TopK.threshold(p.base, rows: b, cols: m, bias: c, keep: k * b, scratch: &scratch)
            var ties = tau.ties
            var smallest = T.infinity
            for i in 0..<b {
                keep(p.row(i), bias: c, count: m, tau: tau.value, ties: &ties, into: z.row(i), code: code, scratch: &scratch)
            }
            for v in code.value { smallest = min(smallest, v) }
            return smallest.isFinite ? smallest : 0
        }
    }

    /// z ← p + c where that exceeds floor ≥ 0 (or NaN), else 0 (all rows), recording the kept entries: the
    /// row selection below with τ = floor and no ties.
    private static func keep<T>(_ p: View<T>, bias c: UnsafePointer<T>, above floor: T, into z: View<T>, code: SparseCode<T>,
                                scratch: inout TopKScratch<T>) {
        // A NaN floor (a threshold read from a damaged file) keeps nothing, as every comparison with it fails.
        precondition(!(floor < 0), "a threshold selection keeps p + c > floor ≥ 0, got floor \(floor)")
        for i in 0..<z.rows {
            var ties = 0
            keep(p.row(i), bias: c, count: z.cols, tau: floor, ties: &ties, into: z.row(i), code: code, scratch: &scratch)
        }
    }

    /// One row of a top-k selection over v = p + c: keeps v > τ, and v == τ while `ties` last
    /// (lower index first), ReLU'd, into z (which may be p); zeros the rest; records the kept
    /// entries and closes the row.
    @inline(__always)
    private static func keep<T>(_ p: UnsafeMutablePointer<T>, bias c: UnsafePointer<T>, count m: Int, tau: T, ties: inout Int,
                                into z: UnsafeMutablePointer<T>, code: SparseCode<T>, scratch: inout TopKScratch<T>) {
        if scratch.rowIndex.count < m {
            scratch.rowIndex = [Int32](repeating: 0, count: m)
            scratch.rowValue = [T](repeating: 0, count: m)
        }
        var n = 0
        scratch.rowIndex.withUnsafeMutableBufferPointer { ri in
            scratch.rowValue.withUnsafeMutableBufferPointer { rv in
                if let kept = T.keepRowKernel(p, bias: c, count: m, tau: tau, ties: &ties, into: z, index: ri.baseAddress!,
                                              value: rv.baseAddress!) {
                    code.appendRow(index: UnsafeBufferPointer(rebasing: ri[0..<kept]), value: UnsafeBufferPointer(rebasing: rv[0..<kept]))
                    return
                }
                for j in 0..<m {
                    let v = p[j] + c[j]
                    var kept = v > tau
                    if !kept, v == tau, ties > 0 { kept = true; ties -= 1 }
                    if kept, v > 0 { ri[n] = Int32(truncatingIfNeeded: j); rv[n] = v; n += 1; z[j] = v } else { z[j] = 0 }
                }
                code.appendRow(index: UnsafeBufferPointer(rebasing: ri[0..<n]), value: UnsafeBufferPointer(rebasing: rv[0..<n]))
            }
        }
    }

    public static func relu<T>(_ p: View<T>, into z: View<T>) {
        for i in 0..<p.count { z.base[i] = max(p.base[i], 0) }
    }

    /// dP = dZ ⊙ [z > 0] (in place into dp).
    public static func backward<T>(_ dz: View<T>, code z: View<T>, into dp: View<T>) {
        for i in 0..<z.count { dp.base[i] = z.base[i] > 0 ? dz.base[i] : 0 }
    }
}
