import CKernels

/// A hierarchical SAE (DESIGN §2): parameters in one flat buffer, plus the non-trained
/// state that belongs to the model (input scale c, batchtopk inference thresholds).
///
///     P1 = (X − b_dec) W_enc¹ + b_enc¹      Z1 = act₁(P1)
///     P2 = Z1 W_enc² + b_enc²               Z2 = act₂(P2)
///     Ẑ1 = ReLU(Z2 W_dec² + b_dec²)         M  = g ⊙ Z1 + (1 − g) ⊙ Ẑ1
///     X̂  = M W_dec¹ + b_dec
public final class HierarchicalSAE<T: BLASScalar> {
    public let config: ModelConfig
    /// The model type: its declarations and its math (`config.architecture`, looked up once).
    public let architecture: any SAEArchitecture
    public let layout: ParameterLayout
    public let params: TensorBuffer<T>
    /// c: inputs are multiplied by it before encoding so that E‖c·x‖² = d.
    @exclusivity(unchecked) public var inputScale: T = 1
    /// batchtopk inference thresholds (running estimates), one per layer (`config.layers`).
    @exclusivity(unchecked) public var thresholds: [T]
    /// Dense or sparse kernels for products with the codes (not part of the model's meaning).
    @exclusivity(unchecked) public var kernels: KernelChoice = .auto

    public init(config: ModelConfig) {
        self.config = config
        architecture = config.architecture
        layout = ParameterLayout(config)
        params = TensorBuffer(count: layout.count)
        thresholds = [T](repeating: 0, count: architecture.layers.count)
    }

    /// Tensor `id` in memory orientation (bottom.W_enc is m1 × d here; see ParameterLayout).
    public func view(_ id: TensorID) -> View<T> { layout.view(id, in: params) }

    /// Tensor `id`'s values in file orientation (bottom.W_enc as d × m1, DESIGN §2).
    public func fileValues(_ id: TensorID) -> [T] {
        let e = layout.entry(id)
        return e.fileOrder(UnsafeBufferPointer(rebasing: params.buffer[e.range]))
    }

    /// A copy in another precision (Double models for finite-difference checks).
    public func converted<U: BLASScalar>(to: U.Type = U.self) -> HierarchicalSAE<U> {
        let m = HierarchicalSAE<U>(config: config)
        for i in 0..<params.count { m.params[i] = U(params[i]) }
        m.inputScale = U(inputScale)
        m.thresholds = thresholds.map { U($0) }
        return m
    }

    /// DESIGN §4 initialisation: the model type's (`SAEArchitecture.initialise`).
    public func initialise(seed: UInt64, mean: [T]) { architecture.initialise(self, seed: seed, mean: mean) }

    /// The bottom layer's DESIGN §4 initialisation: every parameter 0, then bottom.W_dec rows
    /// random unit vectors × 0.1, bottom.W_enc = bottom.W_decᵀ (in memory: equal to W_dec, being
    /// held transposed), bottom.b_dec = `mean` (of a data sample, already scaled). Returns the
    /// generator for the layers above, which draw after it.
    @_specialize(where T == Float)
    func initialiseBottom(seed: UInt64, mean: [T]) -> SplitMix64 {
        precondition(mean.count == config.d, "mean has \(mean.count) entries, d = \(config.d)")
        params.zero()
        var rng = SplitMix64(seed: seed)
        initialiseTied(dec: view(.bottomWDec), enc: view(.bottomWEnc), rng: &rng, nonNegative: false, encTransposed: true)
        let bDec = view(.bottomBDec)
        for j in 0..<config.d { bDec[j] = mean[j] }
        return rng
    }

    /// The HSAE's top layer mirrors the bottom one over the bottom code, with a non-negative
    /// dictionary when that constraint is on: top.W_dec rows |unit| × 0.1, top.W_enc = top.W_decᵀ;
    /// its biases and gate.logits stay 0.
    func initialiseTop(rng: inout SplitMix64) {
        initialiseTied(dec: view(.topWDec), enc: view(.topWEnc), rng: &rng, nonNegative: config.topDecoderNonNegative,
                       encTransposed: false)
    }

    private func initialiseTied(dec: View<T>, enc: View<T>, rng: inout SplitMix64, nonNegative: Bool, encTransposed: Bool) {
        for i in 0..<dec.rows {
            let row = dec.row(i)
            var norm: Double = 0
            for j in 0..<dec.cols {
                var g = rng.nextGaussian()
                if nonNegative { g = abs(g) }
                row[j] = T(g)
                norm += g * g
            }
            let s = T(0.1 / max(norm.squareRoot(), 1e-12))
            for j in 0..<dec.cols { row[j] *= s }
        }
        if encTransposed { enc.copy(from: dec) } else { for i in 0..<dec.rows { for j in 0..<dec.cols { enc[j, i] = dec[i, j] } } }
    }

    /// ‖row i‖ of a decoder, for the L1 penalty's weighting and the topk renormalisation.
    public func rowNorms(_ id: TensorID) -> [T] {
        let w = view(id)
        return (0..<w.rows).map { T.nrm2(w.cols, w.row($0)) }
    }

    /// Projects top.W_dec onto W ≥ 0 (when configured) and, for a bottom activation whose
    /// decoder rows are unit-norm (topk, batchtopk), renormalises bottom.W_dec rows. Called after every optimizer step.
    /// `updated`: what the step changed. The projection is skipped where the top decoder did not
    /// change (it is idempotent: phase 1 no longer sweeps the m1 × m2 matrix every step for nothing);
    /// the renormalisation is not (it moves a unit row by an ulp, and models keep their bytes).
    public func applyConstraints(updated: Trainable = [.bottom, .top, .gate]) {
        projectEntries(updated: updated)
        renormaliseRows()
    }

    /// The constraints that act entry by entry (top.W_dec ≥ 0), on the groups an optimizer step
    /// `updated`, within `ranges` of the parameter buffer (nil: all): each rank of a shared update
    /// projects its own slice, before the slices are gathered.
    public func projectEntries(updated: GroupSet, within ranges: [Range<Int>]? = nil) {
        architecture.projectEntries(self, updated: updated, within: ranges)
    }

    /// The constraints that act on whole rows (unit bottom decoder rows), on every rank after the
    /// gather, every step (see `applyConstraints`).
    public func renormaliseRows() { architecture.renormaliseRows(self) }

    /// The top decoder's non-negativity (where the model asks for it), on the positions of the
    /// parameter buffer in `ranges` that belong to top.W_dec (all of it by default): each rank
    /// of a shared update projects its own slice.
    public func clampTopDecoder(within ranges: [Range<Int>]? = nil) {
        guard !config.isBaseline, config.topDecoderNonNegative else { return }
        let whole = layout.entry(.topWDec).range
        for r in ranges ?? [whole] {
            let part = r.clamped(to: whole)
            guard !part.isEmpty else { continue }
            if T.self == Float.self {
                hsae_clamp_negative_f32(part.count, UnsafeMutableRawPointer(params.base + part.lowerBound).assumingMemoryBound(to: Float.self))
            } else {
                for i in part where params.base[i] < 0 { params.base[i] = 0 }
            }
        }
    }

    /// Unit-norm rows of the bottom decoder, for activations that ask for them (specialised: the
    /// default `SAEArchitecture.renormaliseRows` calls it from a generic context).
    @_specialize(where T == Float)
    public func renormaliseBottomDecoder() {
        guard config.bottom.activation.traits.decoderRows == .unitNorm else { return }
        let w = view(.bottomWDec)
        for i in 0..<w.rows {
            let n = T.nrm2(w.cols, w.row(i))
            if n > 0 { T.scal(w.cols, 1 / n, w.row(i)) }
        }
    }
}
