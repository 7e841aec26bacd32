/// What `hsae export` writes for a model, declared by its type (`SAEArchitecture.exportPlan`) and
/// written by Train/Export.swift: one SAELens SAE directory per exported layer, extra safetensors
/// files, and the manifest's (hsae.json's) entries about the model (docs/MODEL-PROTOCOL.md §1.9).
public struct ExportPlan {
    public var layers: [ExportLayer]
    public var files: [ExportFile]
    /// hsae.json's entries besides format, version, hsae_version, sae_lens_version, d,
    /// input_scale_folded, layers and provenance (which the writer adds).
    public var manifest: [String: Any]

    /// A single-layer model's export: its layer as a stock SAELens SAE on raw x.
    public static func singleLayer(_ model: HierarchicalSAE<Float>) -> ExportPlan {
        ExportPlan(layers: [.reading(model, layer: 0)], files: [],
                   manifest: ["m1": model.config.m1, "recipe": ["single-layer model: x_hat = bottom.decode(bottom.encode(x))"]])
    }
}

/// One SAELens SAE directory: `directory`/cfg.json and sae_weights.safetensors.
public struct ExportLayer {
    /// The directory's name, and the layer's key in hsae.json's "layers".
    public let directory: String
    public let spec: LayerSpec
    public let dIn: Int
    public let dSae: Int
    /// The group whose W_enc, b_enc, W_dec, b_dec it exports (file orientation: W_enc d_in × d_sae).
    public let group: Int
    /// The layer whose inference threshold a jumprelu export takes.
    public let layer: Int
    /// It reads x: the input scale c is folded into it (W_enc·c, W_dec/c, b_dec/c) and b_dec is
    /// subtracted from its input (apply_b_dec_to_input); otherwise it is exported as trained.
    public let readsInput: Bool
    /// Before the SAELens architecture's name: "" for a stock SAE, "hsae_top_" for one that
    /// OUT/hsae_sae_lens.py registers.
    public let architecturePrefix: String
    /// cfg.json's metadata entries besides SAELens's and hsae_version.
    public let metadata: [String: Any]

    /// Layer `index` of `model`: its name, width and activation, its parameter group, and d_in
    /// from its encoder's shape (W_enc is d_in × d_sae in files).
    public init(_ model: HierarchicalSAE<Float>, layer index: Int, readsInput: Bool, architecturePrefix: String, metadata: [String: Any]) {
        let l = model.config.layers[index]
        directory = l.name
        spec = l.spec
        group = l.encoderBias.group
        dIn = model.layout.entry(TensorID(group: group, role: .wEnc)).fileShape[0]
        dSae = l.latents
        layer = index
        self.readsInput = readsInput
        self.architecturePrefix = architecturePrefix
        self.metadata = metadata
    }

    /// Layer `index` of a model, reading x: a stock SAELens SAE with c folded in.
    public static func reading(_ model: HierarchicalSAE<Float>, layer index: Int) -> ExportLayer {
        let name = model.config.layers[index].name
        return ExportLayer(model, layer: index, readsInput: true, architecturePrefix: "",
                           metadata: ["hsae_layer": name, "hsae_input_scale_folded": Double(model.inputScale),
                                      "hsae_input": "raw activations (the input scale c is folded into W_enc, W_dec, b_dec)"])
    }
}

/// A safetensors file beside the layer directories (the HSAE's gate.safetensors).
public struct ExportFile {
    public let name: String
    public let metadata: [String: String]
    public let tensors: [(name: String, shape: [Int], values: [Float])]
}

extension SAEArchitecture {
    /// model.safetensors' metadata about the model, besides format, format_version, d, input_scale
    /// and model_config: the keys of the models written before the model protocol (m1, m2, both
    /// activations, gate, bottom_threshold, top_threshold; a single-layer model writes m2 0,
    /// top_activation "none", top_threshold 0). A new model type declares its own.
    public func legacyFileMetadata(thresholds: [Float]) -> [String: String] {
        var m = ["m1": String(config.m1), "m2": String(config.m2), "bottom_activation": config.bottom.activation.rawValue,
                 "top_activation": config.top?.activation.rawValue ?? "none", "gate": config.gate.rawValue]
        for i in layers.indices { m[thresholdKey(layer: i)] = String(thresholds[i]) }
        if m["top_threshold"] == nil { m["top_threshold"] = String(Float(0)) }  // a single-layer model's legacy key
        return m
    }

    /// The metadata key of layer `index`'s inference threshold in model.safetensors.
    public func thresholdKey(layer index: Int) -> String { layers[index].name + "_threshold" }
}
