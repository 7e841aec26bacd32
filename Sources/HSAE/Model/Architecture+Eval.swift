/// What `hsae eval` reads of a model besides SAEArchitecture's declarations (docs/MODEL-PROTOCOL.md
/// §1.5, §1.9, step 9): each layer's decoder and code, where x̂ is centred, the gate of the full
/// path, and the report facts a model type adds. Eval loops over `layers`, `edges` and `paths`
/// with these; it names no layer.
extension ModelLayer {
    /// Its decoder W_dec (latents × the layer's inputs: x for a layer reading x, the child's code
    /// for an edge's parent) and decoder bias b_dec: its parameter group's.
    public var decoder: TensorID { TensorID(group: encoderBias.group, role: .wDec) }
    public var decoderBias: TensorID { TensorID(group: encoderBias.group, role: .bDec) }

    /// Its code's name in the report's probes and heatmap titles: "Z1", "Z2", …
    public var codeName: String { "Z\(index + 1)" }
}

extension SAEArchitecture {
    /// The paths report.json lists, in report order (the first is "full").
    public var reportedPaths: [ReconstructionPath] { paths.filter(\.reported) }

    /// Where x̂ is centred (report.json's FVU about it): the decoder bias of the layer reading x,
    /// layer 0 in every model so far.
    public var centre: TensorID { layers[0].decoderBias }

    /// None by default (SAEArchitecture.reportFacts).
    public var reportFacts: [String: String] { [:] }
}

extension HierarchicalArchitecture {
    /// How the gate mixes, and whether the top decoder (the edge's weights) is kept ≥ 0.
    public var reportFacts: [String: String] {
        ["gate": config.gate.rawValue, "top_decoder_non_negative": "\(config.topDecoderNonNegative)"]
    }
}

extension HierarchicalSAE where T == Float {
    /// The gate g of the full path (GateSource.model) per latent of an edge's child: the child's
    /// own code enters x̂ with weight g, its reconstruction through the edge with 1 − g (the HSAE:
    /// σ(gate.logits), 0.5 for a fixed gate). nil for a model without a gate.
    public func fullPathGate() -> [Double]? {
        guard layout.contains(.gateLogits) else { return nil }
        let count = layout.entry(.gateLogits).cols
        let buffer = TensorBuffer<Float>(count: count)  // owns the view's memory: keep it alive
        gateValues(.model, into: buffer.view(rows: 1, cols: count))
        return buffer.array.map(Double.init)
    }
}
