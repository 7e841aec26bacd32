/// One batch of evaluation rows through the models, at inference (batchtopk uses its learned
/// threshold). Legend: B rows, d input width, m1/m2 latents, mB the baseline's latents.
///
/// Each model sees its own scaled input c·x (c is per model), so every quantity below lives in
/// that model's space; FVU and cosines do not depend on c.
struct HSAEBatch {
    let x: Matrix<Float>         // B×d   c·x
    let z1: Matrix<Float>        // B×m1
    let z2: Matrix<Float>        // B×m2
    let full: Matrix<Float>      // B×d   X̂ with the model's gate
    let skipOnly: Matrix<Float>  // B×d   X̂ with g ≡ 1: the bottom layer alone
    let topOnly: Matrix<Float>   // B×d   X̂ with g ≡ 0: through the top layer only
}

struct BaselineBatch {
    let x: Matrix<Float>     // B×d   c_B·x
    let z: Matrix<Float>     // B×mB
    let xhat: Matrix<Float>  // B×d
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

    func hsae(_ raw: Matrix<Float>) -> HSAEBatch {
        let w = load(raw)
        let architecture = model.config.architecture
        model.forward(w, ForwardOptions(path: architecture.path("full")))
        let (z1, z2, full) = (w.z1.matrix(), w.z2.matrix(), w.xhat.matrix())
        model.forward(w, ForwardOptions(path: architecture.path("skip_only")))
        let skip = w.xhat.matrix()
        model.forward(w, ForwardOptions(path: architecture.path("top_only")))
        return HSAEBatch(x: w.x.matrix(), z1: z1, z2: z2, full: full, skipOnly: skip, topOnly: w.xhat.matrix())
    }

    func baseline(_ raw: Matrix<Float>) -> BaselineBatch {
        let w = load(raw)
        model.forward(w, ForwardOptions(path: model.config.architecture.path("full")))
        return BaselineBatch(x: w.x.matrix(), z: w.z1.matrix(), xhat: w.xhat.matrix())
    }
}

/// The model's tensors the evaluation needs, in Double.
struct ModelGeometry {
    let bottomDecoder: Matrix<Double>  // m1×d  D¹ = bottom.W_dec
    let topDecoder: Matrix<Double>?    // m2×m1 W² = top.W_dec
    let gate: [Double]?                // m1    g = σ(gate.logits), 0.5 for a fixed gate
    let centre: [Double]               // d     bottom.b_dec

    init(_ model: HierarchicalSAE<Float>) {
        bottomDecoder = model.view(.bottomWDec).matrix().converted(to: Double.self)
        centre = model.view(.bottomBDec).array.map(Double.init)
        if model.config.isBaseline {
            topDecoder = nil
            gate = nil
        } else {
            topDecoder = model.view(.topWDec).matrix().converted(to: Double.self)
            let buffer = TensorBuffer<Float>(count: model.config.m1)  // owns the view's memory: keep it alive
            model.gateValues(.model, into: buffer.view(rows: 1, cols: model.config.m1))
            gate = buffer.array.map(Double.init)
        }
    }

    /// u = W² D¹: each top feature's direction in input space (m2×d).
    var topDirections: Matrix<Double>? {
        topDecoder.map { DictionaryGeometry.topDirections(topDecoder: $0, bottomDecoder: bottomDecoder) }
    }

    /// e_j = ((1 − g) ⊙ W²[j]) D¹: how X̂ moves per unit of z2_j (m2×d), for zero-ablation.
    var topEffectiveDirections: Matrix<Double>? {
        guard var w = topDecoder, let gate else { return nil }
        for j in 0..<w.rows { for i in 0..<w.cols { w[j, i] *= 1 - gate[i] } }
        return Matrix.product(w, bottomDecoder)
    }
}
