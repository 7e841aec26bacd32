/// The layers of a model as training, its statistics and its checkpoints see them, bottom first
/// (docs/MODEL-PROTOCOL.md, step 1). Each model type declares them (`SAEArchitecture.layers`).
/// Code outside Model/ loops over `ModelConfig.layers` and indexes its per-layer arrays (λ and
/// controllers in TrainerState, StepStats, the inference thresholds) by `ModelLayer.index`.
public struct ModelLayer: Sendable {
    /// Its position in `ModelConfig.layers`: the index of its λ, its controller, its statistics.
    public let index: Int
    /// "bottom", "top": metrics.jsonl's `l0_<name>`, `sparsity_<name>`, `dead_<name>`.
    public let name: String
    /// Width, activation, sparsity target.
    public let spec: LayerSpec
    /// Its first latent among the model's latents laid end to end, layer after layer (firing
    /// counts, steps since a latent fired: optimizer.safetensors' `dead.steps_since_fired`).
    public let latentOffset: Int
    /// Its adaptive L1 term: the term's weight is the layer's λ, adapted by its controller.
    public let l1Term: LossTerm
    /// Its encoder bias (what the phase-3 bias control shifts).
    public let encoderBias: TensorID
    /// Before "L0" in the progress line ("" for the bottom layer, "top ").
    public let progressLabel: String

    public var latents: Int { spec.latents }
    public var latentRange: Range<Int> { latentOffset ..< latentOffset + spec.latents }

    /// The key of layer `index`'s λ in state.json and metrics.jsonl: `lambda1`, `lambda2`, … (the
    /// keys of the L1 terms' weights in config.json).
    public static func lambdaKey(_ index: Int) -> String { "lambda\(index + 1)" }

    /// "λ1", "λ2", … in the progress line.
    public static func lambdaLabel(_ index: Int) -> String { "λ\(index + 1)" }
}

extension ModelConfig {
    /// The model's layers, bottom first (one for a single-layer model): its type's.
    public var layers: [ModelLayer] { architecture.layers }

    /// Every layer's latents, laid end to end.
    public var latentCount: Int { layers.reduce(0) { $0 + $1.latents } }

    /// The layers' widths for messages: "m1 8, m2 2" (layer i's width is m(i+1)).
    public var layerWidths: String { layers.map { "m\($0.index + 1) \($0.latents)" }.joined(separator: ", ") }

    /// Their sum for messages: "m1 + m2 = 10".
    public var latentSum: String { layers.map { "m\($0.index + 1)" }.joined(separator: " + ") + " = \(latentCount)" }

    /// The counts a step sums besides the layers' (`HierarchicalSAE.stepCounts`): its type's.
    public var stepCounts: [StepCount] { architecture.stepCounts }
}

extension HierarchicalSAE {
    /// Layer `index`'s code after `forward` (sparse rows).
    public func code(layer index: Int, in ws: Workspace<T>) -> SparseCode<T> {
        precondition(index < architecture.layers.count, "layer \(index) of a model with \(architecture.layers.count)")
        return ws.layers[index].code
    }

    /// The values of `config.stepCounts` counted by the last `forward` (0 where it did not run the layer).
    public func stepCounts(_ ws: Workspace<T>) -> [Double] { architecture.stepCounts(ws) }
}

extension BatchThresholds {
    /// Layer `index`'s threshold (nil for kinds that do not select per batch, or a layer not run).
    public subscript(layer index: Int) -> Double? { index == 0 ? bottom : top }
}
