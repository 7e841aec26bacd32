import Foundation

/// `hsae export`: the model as SAELens 6 SAE directories plus what rebuilds the HSAE from them
/// (DESIGN §6, §8 "Export keeps the model's meaning"):
///
///     OUT/bottom/           cfg.json + sae_weights.safetensors — a stock SAELens SAE on raw x
///     OUT/top/              the top layer; its architecture is hsae_top_<kind>, whose decode()
///                           ends with the ReLU of DESIGN §2 (class in OUT/hsae_sae_lens.py)
///     OUT/gate.safetensors  `gate.logits` (m1); zeros for a fixed gate (σ(0) = 0.5)
///     OUT/hsae.json         layers, gate, recipe, provenance
///     OUT/hsae_sae_lens.py  registers the top architectures with SAELens; load(OUT).reconstruct(x)
///
/// The input scale c is folded into the bottom SAE, so it takes raw activations:
///
///     ours:    x̂ = (act((c·x − b_dec) W_enc + b_enc) W_dec + b_dec) / c
///     SAELens: x̂ = act((x − b_dec') W_enc' + b_enc') W_dec' + b_dec'
///     ⇒ W_enc' = c·W_enc, b_enc' = b_enc, W_dec' = W_dec / c, b_dec' = b_dec / c
///
/// Codes are unchanged by the folding, so the top SAE (which reads the bottom code) is exported
/// as trained, with apply_b_dec_to_input = false. The bottom decoder is affine, so decoding the
/// gated mix M with the bottom SAE gives X̂ of DESIGN §2 in raw units.
public enum SAELensExport {
    /// The SAELens release the cfg.json files are written for (6.x format: metadata block).
    public static let saeLensVersion = "6.54.12"
    public static let manifestName = "hsae.json"
    public static let gateFile = "gate.safetensors"
    public static let pythonModule = "hsae_sae_lens.py"

    public struct Written: Sendable {
        public let directories: [String]
    }

    /// Writes the export into `out` as a whole (staged, then renamed), under the output rule
    /// (`OutputDirectory`; `replace`: --force, `inputs`: what `out` must stay clear of). `provenance` fills SAELens's model_name, hook_name, hook_layer
    /// and context_size (see `provenance(fromDataset:)`).
    public static func export(_ model: HierarchicalSAE<Float>, to out: String, provenance: [String: String] = [:],
                              replace: Bool = false, inputs: [OutputDirectory.Input] = []) throws -> Written {
        try export(model, into: OutputDirectory(out, command: .export, intent: replace ? .replace : .create, inputs: inputs),
                   provenance: provenance)
    }

    /// Writes the export into an output already judged (`hsae export` judges it on every rank
    /// before the model is read); the directory is judged again right before the rename.
    public static func export(_ model: HierarchicalSAE<Float>, into output: OutputDirectory,
                              provenance: [String: String] = [:]) throws -> Written {
        if model.topReadsPreActivations {
            throw HSAEError.badConfig(option: "hsae export", message: "the model's top encoder reads the bottom pre-activations (topInput \"pre\" "
                + "in its configuration); a SAELens top SAE reads the bottom code, so this model cannot be exported (only topInput \"code\" can)")
        }
        if let kz = model.config.topDecodeK {
            throw HSAEError.badConfig(option: "hsae export", message: "the model's top reconstruction keeps the \(kz) largest entries a row "
                + "(topDecodeK \(kz) in its configuration, --top-decode-k); the exported top SAE's decode() ends with a plain ReLU, "
                + "so this model cannot be exported (only a model trained without --top-decode-k can)")
        }
        let staged = try StagedDirectory(output: output)
        do {
            try write(model, into: staged.staging, provenance: provenance)
            try staged.commit(marking: output)
        } catch {
            staged.discard()
            throw error
        }
        return Written(directories: [staged.target + "/bottom"] + (model.config.top == nil ? [] : [staged.target + "/top"]))
    }

    static func write(_ model: HierarchicalSAE<Float>, into dir: String, provenance: [String: String]) throws {
        let c = model.inputScale
        let d = model.config.d, m1 = model.config.m1
        let common = commonMetadata(provenance)
        let bottom = LayerTensors(wEnc: model.fileValues(.bottomWEnc).map { $0 * c }, bEnc: model.view(.bottomBEnc).array,
                                  wDec: model.view(.bottomWDec).array.map { $0 / c }, bDec: model.view(.bottomBDec).array.map { $0 / c })
        try writeLayer(dir + "/bottom", spec: model.config.bottom, dIn: d, dSae: m1, tensors: bottom,
                       threshold: model.bottomThreshold, applyBDec: true, top: false,
                       metadata: common.merging(["hsae_layer": "bottom", "hsae_input_scale_folded": Double(c),
                                                 "hsae_input": "raw activations (the input scale c is folded into W_enc, W_dec, b_dec)"]) { a, _ in a })
        var manifest: [String: Any] = [
            "format": "hsae-export", "version": 1, "hsae_version": HSAEVersion.string, "sae_lens_version": saeLensVersion,
            "d": d, "m1": m1, "input_scale_folded": Double(c), "layers": ["bottom": "bottom"],
            "provenance": provenance,
        ]
        if let top = model.config.top {
            let tensors = LayerTensors(wEnc: model.view(.topWEnc).array, bEnc: model.view(.topBEnc).array,
                                       wDec: model.view(.topWDec).array, bDec: model.view(.topBDec).array)
            try writeLayer(dir + "/top", spec: top, dIn: m1, dSae: model.config.m2, tensors: tensors,
                           threshold: model.topThreshold, applyBDec: false, top: true,
                           metadata: common.merging(["hsae_layer": "top", "hsae_decoder_output": "relu",
                                                     "hsae_input": "the bottom SAE's feature activations z1 (d_in = m1)",
                                                     "hsae_load": "import hsae_sae_lens (next to this directory) before SAE.load_from_disk: "
                                                        + "it registers this architecture, whose decode() ends with ReLU"]) { a, _ in a })
            let logits = model.config.gate == .fixed ? [Float](repeating: 0, count: m1) : model.view(.gateLogits).array
            var gate = SafeTensorsWriter(metadata: ["format": "pt", "gate_mode": model.config.gate.rawValue])
            gate.add("gate.logits", shape: [m1], values: logits)
            try AtomicFile.write(gate.serialized(), to: dir + "/" + gateFile)
            manifest["m2"] = model.config.m2
            manifest["layers"] = ["bottom": "bottom", "top": "top"]
            manifest["gate"] = ["file": gateFile, "tensor": "gate.logits", "mode": model.config.gate.rawValue,
                                "g": model.config.gate == .fixed ? "0.5 (fixed gate; the logits are written as 0)" : "sigmoid(gate.logits)"]
            manifest["recipe"] = recipe
        } else {
            manifest["recipe"] = ["single-layer model: x_hat = bottom.decode(bottom.encode(x))"]
        }
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: manifest, options: JSONFormat.prettyObject),
                             to: dir + "/" + manifestName)
        try AtomicFile.write(Data(SAELensPythonModule.source.utf8), to: dir + "/" + pythonModule)
    }

    /// X̂ of DESIGN §2 from the exported files (also in hsae.json and docs/EXPORT.md).
    public static let recipe = [
        "z1 = bottom.encode(x)                  # bottom code, raw x in",
        "z2 = top.encode(z1)                    # top code",
        "z1_hat = top.decode(z2)                # = relu(z2 @ top.W_dec + top.b_dec)",
        "g = sigmoid(gate.logits)               # gate.safetensors",
        "x_hat = bottom.decode(g * z1 + (1 - g) * z1_hat)",
    ]

    struct LayerTensors {
        var wEnc: [Float], bEnc: [Float], wDec: [Float], bDec: [Float]
    }

    /// SAELens's metadata block: version, model and hook from the data set's provenance.
    static func commonMetadata(_ provenance: [String: String]) -> [String: Any] {
        var m: [String: Any] = [
            "sae_lens_version": saeLensVersion, "sae_lens_training_version": NSNull(),
            "model_name": provenance["model_name"] ?? "unknown", "hook_name": provenance["hook_name"] ?? "unknown",
            "hook_head_index": NSNull(), "hsae_version": HSAEVersion.string,
        ]
        if let layer = provenance["hook_layer"].flatMap(Int.init) { m["hook_layer"] = layer }
        if let context = provenance["context_size"].flatMap(Int.init) { m["context_size"] = context }
        return m
    }

    /// model_name, hook_name, hook_layer and context_size from a data set's provenance: as
    /// recorded by scripts/harvest-hf.py (and hsae harvest from issue 13 on), or derived from an
    /// older `hsae harvest` record (model directory, BERT layer L = output of `encoder.layer.{L-1}`).
    public static func provenance(fromDataset record: [String: String]?) -> [String: String] {
        guard let record else { return [:] }
        var p: [String: String] = [:]
        for key in ["model_name", "hook_name", "hook_layer", "context_size"] { p[key] = record[key] }
        if record["generator"] == "hsae harvest" {
            if p["model_name"] == nil, let model = record["model"] { p["model_name"] = (model as NSString).lastPathComponent }
            if let layer = record["layer"].flatMap(Int.init) {
                p["hook_layer"] = p["hook_layer"] ?? String(HarvestHook.block(layer: layer))
                p["hook_name"] = p["hook_name"] ?? HarvestHook.name(layer: layer)
            }
            if p["context_size"] == nil, let window = record["window"] { p["context_size"] = window }
        }
        return p
    }

    /// The provenance of the data set a run was trained on (RUN/config.json names it); empty for a
    /// bare model file or when the data set is not readable here.
    public static func provenance(forRun run: String) -> [String: String] {
        guard let record = try? RunRecord.read(run: run),
              let manifest = try? DatasetManifest.read(from: record.dataset) else { return [:] }
        return provenance(fromDataset: manifest.provenance)
    }

    static func writeLayer(_ dir: String, spec: LayerSpec, dIn: Int, dSae: Int, tensors: LayerTensors, threshold: Float,
                           applyBDec: Bool, top: Bool, metadata: [String: Any]) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var w = SafeTensorsWriter(metadata: ["format": "pt"])
        w.add("W_enc", shape: [dIn, dSae], values: tensors.wEnc)
        w.add("b_enc", shape: [dSae], values: tensors.bEnc)
        w.add("W_dec", shape: [dSae, dIn], values: tensors.wDec)
        w.add("b_dec", shape: [dIn], values: tensors.bDec)
        var cfg: [String: Any] = [
            "d_in": dIn, "d_sae": dSae, "dtype": "float32", "device": "cpu",
            "apply_b_dec_to_input": applyBDec, "normalize_activations": "none", "reshape_activations": "none",
            "sae_lens_version": saeLensVersion, "metadata": metadata,
        ]
        let base: String
        switch spec.activation.traits.export {
        case .standard:
            base = "standard"
        case .topK:
            base = "topk"
            cfg["k"] = spec.target.k(latents: dSae)
            cfg["rescale_acts_by_decoder_norm"] = false
        case .jumpReLU:
            // At inference batchtopk keeps p > max(θ, 0): SAELens's JumpReLU with that threshold.
            base = "jumprelu"
            w.add("threshold", shape: [dSae], values: [Float](repeating: max(threshold, 0), count: dSae))
        }
        cfg["architecture"] = top ? "hsae_top_" + base : base
        try AtomicFile.write(w.serialized(), to: dir + "/sae_weights.safetensors")
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: cfg, options: JSONFormat.prettyObject), to: dir + "/cfg.json")
    }
}

/// The module name of a BERT layer's output in Hugging Face transformers: hsae harvest's layer
/// L (0 = embeddings, L = output of encoder layer L) is `hidden_states[L]`, the output of module
/// `encoder.layer.{L-1}`. SAELens's hook_layer is the block index in the hook name (TransformerLens:
/// `blocks.6.hook_resid_post` → 6), so layer L has hook_layer L − 1 (0 for the embeddings).
public enum HarvestHook {
    public static func name(layer: Int) -> String { layer == 0 ? "embeddings" : "encoder.layer.\(layer - 1)" }
    public static func block(layer: Int) -> Int { max(layer - 1, 0) }
}
