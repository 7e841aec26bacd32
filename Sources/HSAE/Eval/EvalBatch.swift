/// One batch of evaluation rows through a model, at inference (batchtopk uses its learned
/// threshold). Legend: B rows, d input width, m_l latents of layer l.
///
/// Each model sees its own scaled input c·x (c is per model), so every quantity below lives in
/// that model's space; FVU and cosines do not depend on c.
struct ModelBatch {
    let x: Matrix<Float>         // B×d    c·x
    let codes: [Matrix<Float>]   // per layer, B×m_l, of the first path's pass (the full model)
    let paths: [Matrix<Float>]   // per path run, B×d: X̂ through it (the HSAE: full, skip_only, top_only)
}

/// Runs batches through a model, reusing one workspace per batch size.
final class BatchRunner {
    let model: HierarchicalSAE<Float>
    @exclusivity(unchecked) private var ws: Workspace<Float>?

    init(model: HierarchicalSAE<Float>) { self.model = model }

    /// A workspace for `rows` rows whose input is c·raw.
    private func load(_ raw: Matrix<Float>) -> Workspace<Float> {
        if ws?.b != raw.rows { ws = Workspace(config: model.config, rows: raw.rows) }
        let w = ws!
        let c = model.inputScale
        raw.storage.withUnsafeBufferPointer { src in
            for i in 0..<src.count { w.x.base[i] = c * src[i] }
        }
        return w
    }

    /// One forward pass per path of `paths` (default: the paths report.json lists), the first
    /// "full": the layers' codes are that pass's.
    func run(_ raw: Matrix<Float>, paths: [ReconstructionPath]? = nil) -> ModelBatch {
        let w = load(raw)
        let architecture = model.config.architecture
        var codes: [Matrix<Float>] = [], reconstructions: [Matrix<Float>] = []
        for (k, path) in (paths ?? architecture.reportedPaths).enumerated() {
            model.forward(w, ForwardOptions(path: path))
            if k == 0 { codes = architecture.layers.map { model.denseCode(layer: $0.index, in: w).matrix() } }
            reconstructions.append(w.xhat.matrix())
        }
        return ModelBatch(x: w.x.matrix(), codes: codes, paths: reconstructions)
    }

    /// The comparator's batch: its full path alone.
    func comparator(_ raw: Matrix<Float>) -> ModelBatch { run(raw, paths: [model.config.architecture.path("full")]) }
}

/// The model's tensors the evaluation needs, in Double.
struct ModelGeometry {
    let architecture: any SAEArchitecture
    let decoders: [Matrix<Double>]        // per layer: W_dec, m_l × its inputs (the HSAE: D¹ m1×d, W² m2×m1)
    let edgeWeights: [Matrix<Double>?]    // per edge: m_parent × m_child (the HSAE: top.W_dec = W²)
    let assignedChildren: [[[LatentValue]]?]  // per edge without weights: each parent latent's children (the forest's)
    let gate: [Double]?                   // per child latent: g of the full path (nil: no gate)
    let centre: [Double]                  // d: where x̂ is centred (bottom.b_dec)

    init(_ model: HierarchicalSAE<Float>) {
        let architecture = model.config.architecture
        var converted: [TensorID: Matrix<Double>] = [:]
        func matrix(_ id: TensorID) -> Matrix<Double> {
            if let m = converted[id] { return m }
            let m = model.view(id).matrix().converted(to: Double.self)
            converted[id] = m
            return m
        }
        self.architecture = architecture
        decoders = architecture.layers.map { matrix($0.decoder) }
        edgeWeights = architecture.edges.map { $0.weights.map(matrix) }
        assignedChildren = architecture.edges.indices.map { architecture.assignedChildren(model, edge: $0) }
        centre = model.view(architecture.centre).array.map(Double.init)
        gate = architecture.edges.isEmpty ? nil : model.fullPathGate()
    }

    var layerCount: Int { decoders.count }

    /// The first edge that has weights, its index and its weights (the hierarchy section's edge).
    var firstWeightedEdge: (index: Int, edge: LayerEdge, weights: Matrix<Double>)? {
        for (k, edge) in architecture.edges.enumerated() { if let w = edgeWeights[k] { return (k, edge, w) } }
        return nil
    }

    /// Each layer's latents as directions in input space (m_l×d): a layer reading x, its decoder
    /// rows; an edge's parent, the edge's weights times the child's directions (the HSAE's top:
    /// u = W² D¹).
    var inputDirections: [Matrix<Double>] {
        throughEdges { w, child in DictionaryGeometry.parentDirections(edgeWeights: w, childDirections: child) }
    }

    /// Each layer's effective directions (m_l×d): how X̂ of the full path moves per unit of a
    /// latent, for zero-ablation. A layer reading x: its decoder rows; an edge's parent:
    /// ((1 − g) ⊙ W) times the child's effective directions (the HSAE's top: ((1 − g) ⊙ W²) D¹).
    var effectiveDirections: [Matrix<Double>] {
        throughEdges { weights, child in
            var w = weights
            if let gate { for j in 0..<w.rows { for i in 0..<w.cols { w[j, i] *= 1 - gate[i] } } }
            return Matrix.product(w, child)
        }
    }

    /// Per layer: its decoder for a layer that is no edge's parent, else `parent(edge weights,
    /// the child's result)`.
    private func throughEdges(_ parent: (_ weights: Matrix<Double>, _ child: Matrix<Double>) -> Matrix<Double>) -> [Matrix<Double>] {
        var out = [Matrix<Double>?](repeating: nil, count: layerCount)
        func directions(_ l: Int) -> Matrix<Double> {
            if let d = out[l] { return d }
            let d = weighted(fromParent: l).map { parent($0.1, directions($0.0.child)) } ?? decoders[l]
            out[l] = d
            return d
        }
        return (0..<layerCount).map(directions)
    }

    private func weighted(fromParent layer: Int) -> (LayerEdge, Matrix<Double>)? {
        guard let k = architecture.edges.firstIndex(where: { $0.parent == layer }), let w = edgeWeights[k] else { return nil }
        return (architecture.edges[k], w)
    }
}
