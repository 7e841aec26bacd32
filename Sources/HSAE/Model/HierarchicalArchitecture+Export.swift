/// The HSAE's files: model.safetensors' metadata and `hsae export`'s plan (DESIGN §6, docs/EXPORT.md).
extension HierarchicalArchitecture {
    public func fileMetadata(thresholds: [Float]) -> [String: String] { legacyFileMetadata(thresholds: thresholds) }

    /// bottom/ as a stock SAELens SAE on raw x; top/ as trained (it reads the code, which the folding
    /// of c leaves unchanged), as hsae_top_<kind> whose decode() ends with the ReLU of DESIGN §2;
    /// gate.safetensors; the recipe. Refused for a top encoder that reads pre-activations or a top
    /// reconstruction that keeps k entries a row: SAELens's top SAE cannot express either.
    public func exportPlan(_ model: HierarchicalSAE<Float>) throws -> ExportPlan {
        if model.topReadsPreActivations {
            throw HSAEError.badConfig(option: "hsae export", message: "the model's top encoder reads the bottom pre-activations (topInput \"pre\" "
                + "in its configuration); a SAELens top SAE reads the bottom code, so this model cannot be exported (only topInput \"code\" can)")
        }
        if let kz = config.topDecodeK {
            throw HSAEError.badConfig(option: "hsae export", message: "the model's top reconstruction keeps the \(kz) largest entries a row "
                + "(topDecodeK \(kz) in its configuration, --top-decode-k); the exported top SAE's decode() ends with a plain ReLU, "
                + "so this model cannot be exported (only a model trained without --top-decode-k can)")
        }
        let m1 = config.m1
        let topLayer = ExportLayer(model, layer: 1, readsInput: false, architecturePrefix: "hsae_top_",
                                   metadata: ["hsae_layer": "top", "hsae_decoder_output": "relu",
                                              "hsae_input": "the bottom SAE's feature activations z1 (d_in = m1)",
                                              "hsae_load": "import hsae_sae_lens (next to this directory) before SAE.load_from_disk: "
                                                 + "it registers this architecture, whose decode() ends with ReLU"])
        let logits = config.gate == .fixed ? [Float](repeating: 0, count: m1) : model.view(.gateLogits).array
        let gate = ExportFile(name: Self.gateFile, metadata: ["format": "pt", "gate_mode": config.gate.rawValue],
                              tensors: [("gate.logits", [m1], logits)])
        return ExportPlan(layers: [.reading(model, layer: 0), topLayer], files: [gate],
                          manifest: ["m1": m1, "m2": top.latents, "recipe": Self.recipe,
                                     "gate": ["file": Self.gateFile, "tensor": "gate.logits", "mode": config.gate.rawValue,
                                              "g": config.gate == .fixed ? "0.5 (fixed gate; the logits are written as 0)" : "sigmoid(gate.logits)"]])
    }

    public static let gateFile = "gate.safetensors"

    /// X̂ of DESIGN §2 from the exported files (also in hsae.json and docs/EXPORT.md).
    public static let recipe = [
        "z1 = bottom.encode(x)                  # bottom code, raw x in",
        "z2 = top.encode(z1)                    # top code",
        "z1_hat = top.decode(z2)                # = relu(z2 @ top.W_dec + top.b_dec)",
        "g = sigmoid(gate.logits)               # gate.safetensors",
        "x_hat = bottom.decode(g * z1 + (1 - g) * z1_hat)",
    ]
}
