/// The forest HSAE (issue 28): a bottom layer that is a Matryoshka dictionary — one BatchTopK
/// budget over all its latents, nested prefixes that each reconstruct x — and a top layer of
/// units, each the parent of a set of bottom latents (a forest: a bottom latent has at most one
/// parent, `forest.parent`). A unit fires when one of its children fires; its value reads x along
/// the unit's direction u_t (`forest.directions`) after the latents *outside* the unit have
/// explained their part of x away; each unit owns a decoder row in x, so the top layer
/// reconstructs x alone; a gate per input dimension mixes the two layers' reconstructions (the
/// gated skip connection):
///
///     Z1 = BatchTopK(Xc W_enc¹ + b_enc¹)                     the bottom code (Matryoshka's)
///     X_bot = Z1 W_dec¹ + b_dec¹                             the bottom reconstruction
///     s_t = ⟨x − X_bot, u_t⟩ + Σ_{i: parent(i) = t} z_i ⟨d_i, u_t⟩
///         = ⟨x − b_dec¹ − Σ_{i: parent(i) ≠ t} z_i d_i, u_t⟩   (x explained away by the rest)
///     a_t = ReLU(s_t) if some child of t fires, else 0        the top code
///     X_top = a V + b_top      (V = top.W_dec, m2 × d; b_top = top.b_dec)
///     X̂ = g ⊙ X_bot + (1 − g) ⊙ X_top                       (g = σ(gate.logits), 1 × d)
///
/// The forest and the directions are not trained by gradient: at the start of phase 2 (bottom
/// frozen) the trainer counts the bottom code's strong co-firing and `ForestRule` groups the
/// latents (Train/Trainer+Forest.swift); group t becomes unit t, u_t the principal direction of the
/// group's part of the reconstruction, and the units left over take the most frequent ungrouped
/// latents one each. The loss is Matryoshka's with the top layer as one more prefix:
///
///     phase 1:     L = (w/K) Σ_k ‖X̂_k − X‖²                       (X̂_K = X_bot: the Matryoshka)
///     phases 2–3:  L = (w/(K+1)) (Σ_{k<K} ‖X̂_k − X‖² + ‖X̂ − X‖² + ‖X_top − X‖²)
///
/// Every product with a code runs over its entries: no b × m1 dense pass besides the bottom
/// encoder. Legend: b rows, d input width, m1 bottom latents (the whole dictionary), m2 units,
/// K Matryoshka groups.
public struct ForestArchitecture: SAEArchitecture {
    public static let name = "forest"
    public static let summary = "the forest HSAE, experimental (issue 28): a Matryoshka bottom layer; top units over a label-free parent forest, each reading x explained away by the rest of the code (no export yet)"
    public let config: ModelConfig
    public let top: LayerSpec
    public let matryoshkaGroups: [Int]

    public init?(config: ModelConfig) {
        guard config.model == Self.name, let top = config.top, let groups = config.matryoshkaGroups else { return nil }
        self.config = config
        self.top = top
        matryoshkaGroups = groups
    }

    /// Phase 1 trains the bottom layer as a Matryoshka; phase 2 fits the forest, then trains the
    /// top units and the gate with the bottom frozen; phase 3 trains everything (the forest stays).
    public static func phases(_ train: TrainConfig) -> [TrainingPhase] {
        let steps = train.phaseSteps
        let all = steps.reduce(0, +)
        let (p1, p2, p3) = steps.count == 3 && train.phased ? (steps[0], steps[1], steps[2]) : (all, 0, 0)
        var phases = [TrainingPhase(name: "phase 1 (bottom, Matryoshka)", number: 1, steps: p1, trains: [.bottom], terms: LossTerms(phase: 1),
                                    runsLayers: 1, lrFactor: 1, adaptsLambda: [true, false])]
        phases.append(TrainingPhase(name: "phase 2 (forest, top, bottom frozen)", number: 2, steps: p2, trains: [.top, .gate],
                                    terms: [.reconstruction], runsLayers: 2, lrFactor: 1, adaptsLambda: [false, false], fitsForest: true))
        phases.append(TrainingPhase(name: "phase 3 (end-to-end)", number: 3, steps: p3, trains: [.bottom, .top, .gate],
                                    terms: [.reconstruction, .auxK], runsLayers: 2, lrFactor: train.phase3LRFactor, adaptsLambda: [true, false]))
        return phases.filter { $0.steps > 0 }
    }

    /// m1 + m2 bottom latents (the same dictionary as the baselines'), one budget: the bottom L0
    /// plus the top L0; Matryoshka's default groups; m2 top units.
    public static func modelConfig(_ options: ModelOptions, d: Int) -> ModelConfig? {
        let m2 = options.resolvedM2, m = options.m1 + m2
        let l0 = options.baselineL0 ?? (options.bottomTarget.l0(latents: options.m1) + options.topTarget.l0(latents: m2))
        return ModelConfig(d: d, bottom: LayerSpec(latents: m, activation: options.bottomActivation, target: .l0(l0)),
                           top: LayerSpec(latents: m2, activation: .topk, target: options.topTarget), gate: options.gate,
                           topDecoderNonNegative: false,
                           matryoshkaGroups: options.matryoshkaGroups ?? MatryoshkaGroups.default(total: m, first: m2), model: name)
    }

    static let unitDecoder = TensorID(group: 1, role: .wDec)
    static let topBias = TensorID(group: 1, role: .bDec)
    static let gateLogits = TensorID(group: 2, role: .logits)
    static let parent = TensorID(group: 3, role: .parent)
    static let directions = TensorID(group: 3, role: .directions)

    public var groups: [ParameterGroup] {
        [.layer("bottom", inputs: config.d, latents: config.m1, transposedEncoder: true),
         ParameterGroup(name: "top", tensors: [TensorSpec(.wDec, rows: top.latents, cols: config.d), TensorSpec(.bDec, rows: 1, cols: config.d)]),
         ParameterGroup(name: "gate", tensors: [TensorSpec(.logits, rows: 1, cols: config.d)], trainable: config.gate != .fixed),
         ParameterGroup(name: "forest", tensors: [TensorSpec(.parent, rows: 1, cols: config.m1),
                                                  TensorSpec(.directions, rows: top.latents, cols: config.d)], trainable: false)]
    }

    public var layers: [ModelLayer] {
        [.bottom(config), ModelLayer(index: 1, name: "top", spec: top, latentOffset: config.m1, l1Term: .l1Top, encoderBias: .topBDec,
                                     progressLabel: "top ")]
    }

    /// The forest's edges: unit t → its children (no weight matrix; `assignedChildren`).
    public var edges: [LayerEdge] { [LayerEdge(parent: 1, child: 0, weights: nil)] }

    /// Unit t's children (forest.parent), each with its loading ⟨d_i, u_t⟩: how much of z_i the
    /// unit's value reads.
    public func assignedChildren(_ model: HierarchicalSAE<Float>, edge k: Int) -> [[LatentValue]]? {
        let parent = model.forestParents(), loading = model.forestMemberLoadings(parent)
        return model.forestChildren().map { $0.map { LatentValue(latent: $0, value: Double(loading[$0])) } }
    }

    /// full: the gated mix; skip_only: the bottom layer alone (g ≡ 1); top_only: X_top (g ≡ 0);
    /// the Matryoshka prefixes (not in report.json).
    public var paths: [ReconstructionPath] {
        let boundaries = MatryoshkaGroups.boundaries(matryoshkaGroups)
        return [ReconstructionPath(name: "full", codes: [0, 1]), ReconstructionPath(name: "skip_only", gate: .constant(1), codes: [0]),
                ReconstructionPath(name: "top_only", gate: .constant(0), codes: [1])]
            + boundaries.map { ReconstructionPath(name: "prefix_\($0)", gate: .constant(1), prefix: $0, codes: [0], reported: false) }
    }

    public var stepCounts: [StepCount] { [] }

    public var workspaceBuffers: [WorkspaceBuffer] {
        WorkspaceBuffer.singleLayer + [.code(1), .dCode(1), .dPre(1), .extra("x_bot", cols: config.d, perRow: true),
                                       .extra("x_top", cols: config.d, perRow: true), .extra("g", cols: config.d, perRow: false)]
    }

    public func fileMetadata(thresholds: [Float]) -> [String: String] { legacyFileMetadata(thresholds: thresholds) }

    public func exportPlan(_ model: HierarchicalSAE<Float>) throws -> ExportPlan {
        throw HSAEError.badConfig(option: "hsae export", message: "the forest model has no SAELens export yet (its top units pool a forest "
            + "of bottom latents); export its bottom layer by training a Matryoshka, or read model.safetensors directly")
    }

    @_specialize(where T == Float)
    public func initialise<T: BLASScalar>(_ model: HierarchicalSAE<T>, seed: UInt64, mean: [T]) {
        _ = model.initialiseBottom(seed: seed, mean: mean)
        model.view(Self.unitDecoder).fill(0)
        model.view(Self.directions).fill(0)
        model.view(Self.topBias).base.update(from: model.view(.bottomBDec).base, count: config.d)
        model.view(Self.gateLogits).fill(T(Self.initialGateLogit))
        model.view(Self.parent).fill(-1)
    }

    /// σ(4) ≈ 0.982: the full path starts as the bottom layer's, with a little of the top's.
    static let initialGateLogit = 4.0

    @_specialize(where T == Float)
    public func forward<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ options: ForwardOptions) -> BatchThresholds {
        model.forestForward(ws, options)
    }

    @_specialize(where T == Float)
    public func dataTerms<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, _ request: DataTermRequest<T>) -> LossParts {
        guard request.layers > 1 else { return model.matryoshkaDataTerms(ws, request, groups: matryoshkaGroups) }
        return model.forestDataTerms(ws, request, groups: matryoshkaGroups)
    }

    /// No entry-wise constraint: the units' values are ReLUs of a read-out, their decoder is free.
    public func projectEntries<T: BLASScalar>(_ model: HierarchicalSAE<T>, updated: GroupSet, within ranges: [Range<Int>]?) {}

    public func stepCounts<T: BLASScalar>(_ ws: Workspace<T>) -> [Double] { [] }
}

extension HierarchicalSAE {
    /// The forest's parent of each bottom latent (−1: none), from `forest.parent`.
    public func forestParents() -> [Int] {
        let p = view(ForestArchitecture.parent)
        return (0..<p.count).map { Int(Double(p[$0])) }
    }

    /// Each unit's children, in increasing index.
    public func forestChildren() -> [[Int]] {
        var children = [[Int]](repeating: [], count: config.m2)
        for (i, p) in forestParents().enumerated() where p >= 0 && p < config.m2 { children[p].append(i) }
        return children
    }

    /// The forest model's forward pass (ForestArchitecture's legend).
    func forestForward(_ ws: Workspace<T>, _ options: ForwardOptions) -> BatchThresholds {
        encodeBottom(ws)
        let t1 = activateBottom(ws, options)
        guard options.usesTop else {
            decodeBottom(ws)
            return BatchThresholds(bottom: t1, top: nil)
        }
        let (b, d) = (ws.b, config.d)
        let xBot = ws.extra[0], xTop = ws.extra[1], g = ws.extra[2]
        SparseKernels.decodeByLatent(ws.code1, view(.bottomWDec), bias: view(.bottomBDec).base, into: xBot)
        forestTopCode(ws)
        SparseKernels.decodeByLatent(ws.layers[1].code, view(ForestArchitecture.unitDecoder), bias: view(ForestArchitecture.topBias).base,
                                     into: xTop)
        gateValues(options.gate, into: g)
        for i in 0..<b {
            let (xb, xt, xh) = (xBot.row(i), xTop.row(i), ws.xhat.row(i))
            for j in 0..<d { xh[j] = g[j] * xb[j] + (1 - g[j]) * xt[j] }
        }
        return BatchThresholds(bottom: t1, top: nil)
    }

    /// ⟨d_i, u_parent(i)⟩ for every bottom latent with a parent (0 for the others): a member's
    /// share of its unit's value per unit of its code.
    func forestMemberLoadings(_ parent: [Int]) -> [T] {
        let wDec = view(.bottomWDec), u = view(ForestArchitecture.directions), d = config.d
        return parent.enumerated().map { i, p in p >= 0 ? T.dot(d, wDec.row(i), 1, u.row(p), 1) : 0 }
    }

    /// The top code (ForestArchitecture's legend) into the top layer's dense rows and its sparse
    /// code: a unit is an entry when one of its children fires and s_t > 0. Needs X_bot (extra 0).
    func forestTopCode(_ ws: Workspace<T>) {
        let code1 = ws.code1, a = ws.layers[1].z, code2 = ws.layers[1].code, d = config.d
        let parent = forestParents(), loading = forestMemberLoadings(parent), u = view(ForestArchitecture.directions)
        let xBot = ws.extra[0], residualBuffer = TensorBuffer<T>(count: d), residual = residualBuffer.base
        a.fill(0)
        code2.reset(reservingPerRow: 0, rows: ws.b)
        var touched: [Int] = [], fires = [Bool](repeating: false, count: config.m2)
        for r in 0..<ws.b {
            let row = a.row(r)
            touched.removeAll(keepingCapacity: true)
            for q in code1.start[r] ..< code1.start[r + 1] {
                let i = Int(code1.index[q]), p = parent[i]
                guard p >= 0 else { continue }
                if !fires[p] { fires[p] = true; touched.append(p) }
                row[p] += code1.value[q] * loading[i]
            }
            if !touched.isEmpty {
                let (x, xb) = (ws.x.row(r), xBot.row(r))
                for j in 0..<d { residual[j] = x[j] - xb[j] }
                touched.sort()
                for p in touched {
                    fires[p] = false
                    let s = row[p] + T.dot(d, residual, 1, u.row(p), 1)
                    row[p] = max(0, s)
                    if s > 0 { code2.append(p, s) }
                }
            }
            code2.endRow()
        }
        withExtendedLifetime(residualBuffer) {}
    }

    /// Phases 2–3's data terms (both layers ran): the nested loss with the top layer as a prefix,
    /// AuxK on the full residual, and their gradients (ForestArchitecture's legend):
    ///
    ///     c = 2w/(K+1);  dX̂ = c E_mix;  dX_top = c E_top + (1 − g) ⊙ dX̂
    ///     da_t = dX_top · V_t (at the top code's entries);  dV_t += a_t dX_top;  db_top += Σ_rows dX_top
    ///     S_K = g ⊙ dX̂ − Σ_t da_t u_t   (a_t reads x − X_bot);   S_k = c E_k + S_{k+1}
    ///     ∂/∂z_i (group j) = S_j · W_dec¹[i] + da_{parent(i)} ⟨d_i, u_parent(i)⟩
    ///     dW_dec¹[i] += z_i S_j + da_{parent(i)} z_i u_parent(i);  db_dec¹ += Σ_rows S_1
    ///     d logits_j = Σ_rows dX̂_j (X_bot − X_top)_j g_j (1 − g_j)
    func forestDataTerms(_ ws: Workspace<T>, _ r: DataTermRequest<T>, groups: [Int]) -> LossParts {
        var parts = LossParts()
        let (b, d, m, K) = (ws.b, config.d, config.m1, groups.count)
        let recOn = r.terms.contains(.reconstruction)
        let w: T = recOn ? r.rowWeight : 0
        let xBot = ws.extra[0], xTop = ws.extra[1], g = ws.extra[2]
        let wDec = view(.bottomWDec), code1 = ws.code1, code2 = ws.layers[1].code
        let starts = groups.reduce(into: [0]) { $0.append($0.last! + $1) }
        var groupOf = [Int](repeating: 0, count: m)
        for j in 0..<K { for i in starts[j] ..< starts[j + 1] { groupOf[i] = j } }
        // Slots 0 ..< K−1: the bottom prefixes' errors E_k; slot K−1: S_K (later); slot K: E_top.
        let e = TensorBuffer<T>(count: (K + 1) * b * d)
        let slot = { (k: Int) in e.view(offset: k * b * d, rows: b, cols: d) }
        if K > 1 {
            for row in 0..<b {
                for q in code1.start[row] ..< code1.start[row + 1] {
                    let i = Int(code1.index[q])
                    guard groupOf[i] < K - 1 else { continue }
                    T.axpy(d, code1.value[q], wDec.row(i), slot(groupOf[i]).row(row))
                }
            }
            for k in 0..<(K - 1) {
                let s = slot(k).base
                if k > 0 { let prev = slot(k - 1).base; for i in 0..<(b * d) { s[i] += prev[i] } }
            }
            let bias = view(.bottomBDec)
            for k in 0..<(K - 1) {
                for row in 0..<b {
                    let (s, x) = (slot(k).row(row), ws.x.row(row))
                    for j in 0..<d { s[j] += bias[j] - x[j] }
                }
            }
        }
        let eTop = slot(K)
        for i in 0..<(b * d) { eTop.base[i] = xTop.base[i] - ws.x.base[i] }
        for i in 0..<(b * d) { ws.dxhat.base[i] = ws.xhat.base[i] - ws.x.base[i] }
        var total = Kernels.sumOfSquares(b * d, ws.dxhat.base) + Kernels.sumOfSquares(b * d, eTop.base)
        for k in 0..<max(0, K - 1) { total += Kernels.sumOfSquares(b * d, slot(k).base) }
        parts[.reconstruction] = Double(w / T(K + 1) * total)
        ws.reconstructionError = Double(r.rowWeight * Kernels.sumOfSquares(b * d, ws.dxhat.base))
        residualTerms(ws, terms: r.terms, weights: r.weights, mw: r.microbatch, grads: r.bottomGrads, parts: &parts)
        guard let grads = r.grads else { return parts }
        let c = 2 * w / T(K + 1)
        T.scal(b * d, c, ws.dxhat.base)                 // dX̂
        let trainsTop = r.trainable.contains(.top), trainsGate = r.trainable.contains(.gate) && config.gate != .fixed
        let trainsBottom = r.trainsBottom
        // dX_top = c E_top + (1 − g) ⊙ dX̂ (in slot K); the gate's gradient.
        for row in 0..<b {
            let (et, dx) = (eTop.row(row), ws.dxhat.row(row))
            for j in 0..<d { et[j] = c * et[j] + (1 - g[j]) * dx[j] }
        }
        if trainsGate {
            let dLogits = layout.view(ForestArchitecture.gateLogits, in: grads)
            for row in 0..<b {
                let (dx, xb, xt) = (ws.dxhat.row(row), xBot.row(row), xTop.row(row))
                for j in 0..<d { dLogits[j] += dx[j] * (xb[j] - xt[j]) * g[j] * (1 - g[j]) }
            }
        }
        // The top units: da at the top code's entries, dV, db_top.
        let v = view(ForestArchitecture.unitDecoder)
        var da = [T](repeating: 0, count: code2.count)
        for row in 0..<b {
            for q in code2.start[row] ..< code2.start[row + 1] {
                da[q] = T.dot(d, eTop.row(row), 1, v.row(Int(code2.index[q])), 1)
            }
        }
        if trainsTop {
            let dV = layout.view(ForestArchitecture.unitDecoder, in: grads)
            for row in 0..<b {
                for q in code2.start[row] ..< code2.start[row + 1] { T.axpy(d, code2.value[q], eTop.row(row), dV.row(Int(code2.index[q]))) }
            }
            Kernels.columnSums(eTop, into: layout.view(ForestArchitecture.topBias, in: grads).base)
        }
        // da per (row, unit) for the members' gradients: a dense row of the top layer.
        let daRow = ws.layers[1].dz
        for row in 0..<b {
            let out = daRow.row(row)
            for q in code2.start[row] ..< code2.start[row + 1] { out[Int(code2.index[q])] = da[q] }
        }
        let parent = forestParents(), u = view(ForestArchitecture.directions)
        var dzActive: [T]? = nil
        if trainsBottom {
            let loading = forestMemberLoadings(parent)
            // S_K = g ⊙ dX̂ − Σ_t da_t u_t in slot K−1, then the suffix sums S_k = c E_k + S_{k+1}.
            let sK = slot(K - 1)
            for row in 0..<b {
                let (s, dx) = (sK.row(row), ws.dxhat.row(row))
                for j in 0..<d { s[j] = g[j] * dx[j] }
                for q in code2.start[row] ..< code2.start[row + 1] { T.axpy(d, -da[q], u.row(Int(code2.index[q])), s) }
            }
            for k in stride(from: K - 2, through: 0, by: -1) {
                let (s, next) = (slot(k).base, slot(k + 1).base)
                for i in 0..<(b * d) { s[i] = c * s[i] + next[i] }
            }
            Kernels.columnSums(slot(0), into: layout.view(.bottomBDec, in: grads).base)
            let dW = layout.view(.bottomWDec, in: grads)
            var active = [T](repeating: 0, count: code1.count)
            for row in 0..<b {
                let out = daRow.row(row)
                for q in code1.start[row] ..< code1.start[row + 1] {
                    let i = Int(code1.index[q]), p = parent[i], z = code1.value[q]
                    let sRow = slot(groupOf[i]).row(row)
                    active[q] = T.dot(d, sRow, 1, wDec.row(i), 1)
                    T.axpy(d, z, sRow, dW.row(i))
                    if p >= 0, out[p] != 0 {
                        active[q] += out[p] * loading[i]
                        T.axpy(d, out[p] * z, u.row(p), dW.row(i))
                    }
                }
            }
            dzActive = active
        }
        for row in 0..<b {
            let out = daRow.row(row)
            for q in code2.start[row] ..< code2.start[row + 1] { out[Int(code2.index[q])] = 0 }
        }
        return bottomLayerTerms(ws, r, dzActive: dzActive, parts: parts)
    }
}
