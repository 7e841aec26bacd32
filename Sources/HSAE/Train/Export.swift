import Foundation

/// `hsae export`: each layer as a SAELens-loadable SAE directory (cfg.json +
/// sae_weights.safetensors with W_enc, b_enc, W_dec, b_dec), with the input scale c folded in
/// so the bottom SAE takes raw activations:
///
///     ours:    x̂ = (act((c·x − b_dec) W_enc + b_enc) W_dec + b_dec) / c
///     SAELens: x̂ = act((x − b_dec') W_enc' + b_enc') W_dec' + b_dec'
///     ⇒ W_enc' = c·W_enc, b_enc' = b_enc, W_dec' = W_dec / c, b_dec' = b_dec / c
///
/// The top SAE reads the bottom SAE's code (d_in = m1) and does not subtract its b_dec from
/// its input (apply_b_dec_to_input = false); SAELens has no ReLU on a decoder output, so its
/// reconstruction of the bottom code is ẑ1 before the ReLU (documented in cfg.json).
public enum SAELensExport {
    public struct Written: Sendable {
        public let directories: [String]
    }

    public static func export(_ model: HierarchicalSAE<Float>, to out: String, provenance: [String: String] = [:]) throws -> Written {
        var written: [String] = []
        let c = model.inputScale
        let d = model.config.d, m1 = model.config.m1
        let wEnc = model.fileValues(.bottomWEnc).map { $0 * c }
        let bEnc = model.view(.bottomBEnc).array
        let wDec = model.view(.bottomWDec).array.map { $0 / c }
        let bDec = model.view(.bottomBDec).array.map { $0 / c }
        let bottomDir = out + "/bottom"
        try writeLayer(bottomDir, spec: model.config.bottom, dIn: d, dSae: m1, tensors: (wEnc, bEnc, wDec, bDec),
                       threshold: model.bottomThreshold, applyBDec: true,
                       extra: ["hsae_layer": "bottom", "hsae_input_scale_folded": String(c)].merging(provenance) { a, _ in a })
        written.append(bottomDir)
        if let top = model.config.top {
            let topDir = out + "/top"
            try writeLayer(topDir, spec: top, dIn: m1, dSae: model.config.m2,
                           tensors: (model.view(.topWEnc).array, model.view(.topBEnc).array,
                                     model.view(.topWDec).array, model.view(.topBDec).array),
                           threshold: model.topThreshold, applyBDec: false,
                           extra: ["hsae_layer": "top", "hsae_input": "the bottom SAE's feature activations (d_in = m1)",
                                   "hsae_output_relu": "HSAE applies ReLU to this SAE's decoder output; SAELens does not"]
                            .merging(provenance) { a, _ in a })
            written.append(topDir)
        }
        return Written(directories: written)
    }

    static func writeLayer(_ dir: String, spec: LayerSpec, dIn: Int, dSae: Int,
                           tensors: ([Float], [Float], [Float], [Float]), threshold: Float, applyBDec: Bool,
                           extra: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var w = SafeTensorsWriter(metadata: ["format": "pt"])
        w.add("W_enc", shape: [dIn, dSae], values: tensors.0)
        w.add("b_enc", shape: [dSae], values: tensors.1)
        w.add("W_dec", shape: [dSae, dIn], values: tensors.2)
        w.add("b_dec", shape: [dIn], values: tensors.3)
        var cfg: [String: Any] = [
            "d_in": dIn, "d_sae": dSae, "dtype": "float32", "device": "cpu",
            "apply_b_dec_to_input": applyBDec, "normalize_activations": "none",
            "finetuning_scaling_factor": false, "hook_head_index": NSNull(),
            "model_name": extra["model_name"] ?? "unknown", "hook_name": extra["hook_name"] ?? "unknown",
            "hook_layer": Int(extra["hook_layer"] ?? "") ?? 0, "context_size": 128, "prepend_bos": true,
            "metadata": extra,
        ]
        switch spec.activation {
        case .relu:
            cfg["architecture"] = "standard"
            cfg["activation_fn_str"] = "relu"
            cfg["activation_fn"] = "relu"
            cfg["activation_fn_kwargs"] = [String: Any]()
        case .topk:
            let k = spec.target.k(latents: dSae)
            cfg["architecture"] = "topk"
            cfg["activation_fn_str"] = "topk"
            cfg["activation_fn"] = "topk"
            cfg["k"] = k
            cfg["activation_fn_kwargs"] = ["k": k]
        case .batchtopk:
            // At inference batchtopk is a threshold on every latent: SAELens's JumpReLU.
            cfg["architecture"] = "jumprelu"
            cfg["activation_fn_str"] = "relu"
            cfg["activation_fn"] = "relu"
            cfg["activation_fn_kwargs"] = [String: Any]()
            w.add("threshold", shape: [dSae], values: [Float](repeating: threshold, count: dSae))
        }
        try AtomicFile.write(w.serialized(), to: dir + "/sae_weights.safetensors")
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: cfg, options: [.prettyPrinted, .sortedKeys]), to: dir + "/cfg.json")
    }
}
