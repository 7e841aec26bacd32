/// Where the gate value comes from in a forward pass.
public enum GateSource: Equatable, Sendable {
    /// g = σ(gate.logits) (or 0.5 when the model's gate is fixed).
    case model
    /// g ≡ value: 1 is skip-only (the bottom layer alone), 0 is top-only.
    case constant(Double)
}

/// How to run a forward pass.
public struct ForwardOptions: Equatable, Sendable {
    /// Layers 0 ..< layers of the model run (the HSAE's phase 1: 1, the bottom alone, X̂ = Z1 W_dec¹ + b_dec).
    public var layers: Int
    public var gate: GateSource
    /// batchtopk selects per microbatch in training and uses the learned threshold otherwise.
    public var training: Bool

    /// Every layer of the model.
    public static let allLayers = Int.max

    public init(layers: Int, gate: GateSource = .model, training: Bool = true) {
        self.layers = layers
        self.gate = gate
        self.training = training
    }

    /// A training forward pass of `phase`.
    public init(phase: TrainingPhase) { self.init(layers: phase.runsLayers, training: true) }

    /// The evaluation of reconstruction path `path`: every layer, its gate, inference thresholds.
    public init(path: ReconstructionPath, training: Bool = false) { self.init(layers: Self.allLayers, gate: path.gate, training: training) }

    /// The spelling before the model protocol (step 3), kept for the library's users: `usesTop`
    /// false runs the bottom layer alone, true every layer (a single-layer model has only one).
    @available(*, deprecated, message: "use ForwardOptions(layers:), (phase:) or (path:)")
    public init(usesTop: Bool, gate: GateSource = .model, training: Bool = true) {
        self.init(layers: usesTop ? Self.allLayers : 1, gate: gate, training: training)
    }

    var usesTop: Bool { layers > 1 }
}

/// Dense or sparse kernels for the products with a layer's code (DESIGN §8: the sparse kernels
/// are the same model; the dense path stays available and is what the sparse one is tested
/// against). `auto` takes the sparse kernels for a microbatch whose code has at most
/// `sparseDensityLimit` of its entries active — a choice made from the data alone, so every
/// rank count makes the same one.
public enum KernelChoice: String, Codable, Sendable, CaseIterable {
    case auto, dense, sparse

    /// Above this density a BLAS GEMM over the whole code beats the row-by-row sparse kernels.
    public static let sparseDensityLimit = 1.0 / 16

    func usesSparse<T>(_ code: SparseCode<T>) -> Bool {
        switch self {
        case .auto: return code.density <= Self.sparseDensityLimit
        case .dense: return false
        case .sparse: return true
        }
    }
}

/// batchtopk thresholds seen in a training forward pass (nil for other kinds).
public struct BatchThresholds: Equatable, Sendable {
    public var bottom: Double?
    public var top: Double?
}

extension HierarchicalSAE {
    /// Runs the forward pass on `ws.x` (already scaled by c), filling every intermediate: the
    /// model type's (`SAEArchitecture.forward`).
    @discardableResult
    public func forward(_ ws: Workspace<T>, _ options: ForwardOptions) -> BatchThresholds { architecture.forward(self, ws, options) }

    /// The bottom layer's linear part: Xc = X − b_dec into ws.xc, P1 = Xc W_enc¹ (W_enc¹ held
    /// transposed, m1 × d) into ws.z1, and the dead latents' pre-activations for AuxK.
    func encodeBottom(_ ws: Workspace<T>) {
        precondition(ws.x.cols == config.d, "workspace width \(ws.x.cols) vs model d \(config.d)")
        let bDec = view(.bottomBDec)
        for i in 0..<ws.b {
            let (x, xc) = (ws.x.row(i), ws.xc.row(i))
            for j in 0..<config.d { xc[j] = x[j] - bDec[j] }
        }
        Kernels.gemm(ws.xc, .none, view(.bottomWEnc), .transposed, ws.z1)
        captureDeadPreActivations(ws)
    }

    /// Z1 = act₁(P1 + b_enc¹) in place in ws.z1, and its sparse rows in ws.code1; the batch's
    /// threshold where batchtopk selected one.
    func activateBottom(_ ws: Workspace<T>, _ options: ForwardOptions) -> Double? {
        let bottom = config.bottom
        let t1 = Activation.apply(bottom.activation, ws.z1, bias: view(.bottomBEnc).base, into: ws.z1, code: ws.code1,
                                  k: bottom.target.k(latents: config.m1), threshold: options.training ? nil : thresholds[0],
                                  scratch: &ws.scratch)
        return t1.map { Double($0) }
    }

    /// X̂ = Z1 W_dec¹ + b_dec: the bottom layer alone.
    func decodeBottom(_ ws: Workspace<T>) {
        let bDec = view(.bottomBDec)
        if kernels.usesSparse(ws.code1) {
            SparseKernels.decodeByLatent(ws.code1, view(.bottomWDec), bias: bDec.base, into: ws.xhat)
        } else {
            Kernels.gemm(ws.z1, .none, view(.bottomWDec), .none, ws.xhat)
            Kernels.addRow(ws.xhat, bDec.base)
        }
    }

    /// A single layer's forward pass (flat, Matryoshka): X̂ = act₁(P1 + b_enc¹) W_dec¹ + b_dec.
    /// (Specialised: SingleLayerArchitecture's default `forward` calls it from a generic context.)
    @_specialize(where T == Float)
    func singleLayerForward(_ ws: Workspace<T>, _ options: ForwardOptions) -> BatchThresholds {
        encodeBottom(ws)
        let t1 = activateBottom(ws, options)
        decodeBottom(ws)
        return BatchThresholds(bottom: t1, top: nil)
    }

    /// The HSAE's forward pass (DESIGN §2; `top` its top layer): the bottom layer, then, when
    /// `options` runs both layers, the top code, Ẑ1, the mix M, X̂ = M W_dec¹ + b_dec and the
    /// top path T = R W_dec¹.
    func hierarchicalForward(_ ws: Workspace<T>, _ options: ForwardOptions, top: LayerSpec) -> BatchThresholds {
        var seen = BatchThresholds()
        ws.sparseMix.active = false
        ws.zhatPositive = 0
        encodeBottom(ws)
        if options.usesTop, topReadsPreActivations { keepPreActivations(ws) }
        seen.bottom = activateBottom(ws, options)

        guard options.usesTop else {
            decodeBottom(ws)
            return seen
        }
        if topReadsPreActivations {
            encodeTopFromPreActivations(ws)
        } else {
            operand(ws.z1, ws.code1).product(view(.topWEnc), into: ws.z2)
        }
        let t2 = Activation.apply(top.activation, ws.z2, bias: view(.topBEnc).base, into: ws.z2, code: ws.code2,
                                  k: top.target.k(latents: config.m2), threshold: options.training ? nil : thresholds[1],
                                  scratch: &ws.scratch)
        seen.top = t2.map { Double($0) }
        if let kz = config.topDecodeK {
            if topReconstructionSparse(ws, k: kz, gate: options.gate) { return seen }
            for i in 0..<ws.b { mixRow(ws, i) }
        } else {
            topReconstructionDense(ws, gate: options.gate)
        }
        decode(ws)
        Kernels.gemm(ws.r, .none, view(.bottomWDec), .none, ws.t)
        return seen
    }

    /// Ẑ1 = ReLU(Z2 W_dec² + b_dec²) (DESIGN §2), the gate values, and in the same pass over the
    /// b × m1 entries the mix M = g Z1 + (1 − g) Ẑ1, the residual R = Z1 − Ẑ1 and the number of
    /// Ẑ1's positive entries (ws.zhatPositive, a logged statistic).
    func topReconstructionDense(_ ws: Workspace<T>, gate: GateSource) {
        operand(ws.z2, ws.code2).product(view(.topWDec), into: ws.q)
        gateValues(gate, into: ws.gate)
        let bias = view(.topBDec).base
        var positive = 0
        for i in 0..<ws.b {
            // Row by row, three short loops over data in L1 rather than one, each vectorised (a
            // single loop over seven arrays and a count stayed scalar).
            let (q, zh) = (ws.q.row(i), ws.zhat.row(i))
            for j in 0..<config.m1 {
                let v = q[j] + bias[j]
                q[j] = v
                zh[j] = max(v, 0)
            }
            mixRow(ws, i)
            positive &+= Kernels.countPositive(config.m1, zh)
        }
        ws.zhatPositive = positive
    }

    /// Row i of the mix M = g Z1 + (1 − g) Ẑ1 and the residual R = Z1 − Ẑ1, from ws.zhat and ws.gate.
    @inline(__always)
    func mixRow(_ ws: Workspace<T>, _ i: Int) {
        let (g, z1, zh, m, r) = (ws.gate.base, ws.z1.row(i), ws.zhat.row(i), ws.mix.row(i), ws.r.row(i))
        for j in 0..<config.m1 {
            m[j] = g[j] * z1[j] + (1 - g[j]) * zh[j]
            r[j] = z1[j] - zh[j]
        }
    }

    /// X̂ = M W_dec¹ + b_dec.
    func decode(_ ws: Workspace<T>) {
        Kernels.gemm(ws.mix, .none, view(.bottomWDec), .none, ws.xhat)
        Kernels.addRow(ws.xhat, view(.bottomBDec).base)
    }

    /// g per bottom latent: σ(logits), 0.5 for a fixed gate, or a constant.
    public func gateValues(_ source: GateSource, into g: View<T>) {
        switch source {
        case .constant(let v):
            g.fill(T(v))
        case .model where config.gate == .fixed:
            g.fill(0.5)
        case .model:
            let logits = view(.gateLogits)
            for j in 0..<g.count { g[j] = 1 / (1 + T.exp(-logits[j])) }
        }
    }
}
