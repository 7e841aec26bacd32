import Foundation

/// `hsae export`: the model as SAELens 6 SAE directories plus what rebuilds the model from them
/// (DESIGN §6, §8 "Export keeps the model's meaning"). What is written is the model type's
/// `ExportPlan` (Model/ExportPlan.swift); for the HSAE (HierarchicalArchitecture+Export.swift):
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
    /// before the model is read); the directory is judged again right before the rename. The
    /// model's type says what is written (`exportPlan`) or why it cannot be exported.
    public static func export(_ model: HierarchicalSAE<Float>, into output: OutputDirectory,
                              provenance: [String: String] = [:]) throws -> Written {
        let plan = try model.config.architecture.exportPlan(model)
        let staged = try StagedDirectory(output: output)
        do {
            try write(model, plan, into: staged.staging, provenance: provenance)
            try staged.commit(marking: output)
        } catch {
            staged.discard()
            throw error
        }
        return Written(directories: plan.layers.map { staged.target + "/" + $0.directory })
    }

    static func write(_ model: HierarchicalSAE<Float>, _ plan: ExportPlan, into dir: String, provenance: [String: String]) throws {
        let c = model.inputScale
        let common = commonMetadata(provenance)
        for layer in plan.layers {
            func values(_ role: TensorRole) -> [Float] { model.fileValues(TensorID(group: layer.group, role: role)) }
            let tensors = layer.readsInput
                ? LayerTensors(wEnc: values(.wEnc).map { $0 * c }, bEnc: values(.bEnc), wDec: values(.wDec).map { $0 / c },
                               bDec: values(.bDec).map { $0 / c })
                : LayerTensors(wEnc: values(.wEnc), bEnc: values(.bEnc), wDec: values(.wDec), bDec: values(.bDec))
            try writeLayer(dir + "/" + layer.directory, spec: layer.spec, dIn: layer.dIn, dSae: layer.dSae, tensors: tensors,
                           threshold: model.thresholds[layer.layer], applyBDec: layer.readsInput, architecturePrefix: layer.architecturePrefix,
                           metadata: common.merging(layer.metadata) { a, _ in a })
        }
        for file in plan.files {
            var w = SafeTensorsWriter(metadata: file.metadata)
            for t in file.tensors { w.add(t.name, shape: t.shape, values: t.values) }
            try AtomicFile.write(w.serialized(), to: dir + "/" + file.name)
        }
        var manifest: [String: Any] = [
            "format": "hsae-export", "version": 1, "hsae_version": HSAEVersion.string, "sae_lens_version": saeLensVersion,
            "d": model.config.d, "input_scale_folded": Double(c), "provenance": provenance,
            "layers": Dictionary(uniqueKeysWithValues: plan.layers.map { ($0.directory, $0.directory) }),
        ]
        manifest.merge(plan.manifest) { _, model in model }
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: manifest, options: JSONFormat.prettyObject),
                             to: dir + "/" + manifestName)
        try AtomicFile.write(Data(SAELensPythonModule.source.utf8), to: dir + "/" + pythonModule)
    }

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
    public static func provenance(of run: Run) -> [String: String] {
        provenance(fromDataset: run.datasetProvenance())
    }

    static func writeLayer(_ dir: String, spec: LayerSpec, dIn: Int, dSae: Int, tensors: LayerTensors, threshold: Float,
                           applyBDec: Bool, architecturePrefix: String, metadata: [String: Any]) throws {
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
        cfg["architecture"] = architecturePrefix + base
        try AtomicFile.write(w.serialized(), to: dir + "/sae_weights.safetensors")
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: cfg, options: JSONFormat.prettyObject), to: dir + "/cfg.json")
    }
}
