import Foundation

/// `model.safetensors`: the tensors of DESIGN §2 (F32, normative names) plus metadata
/// (format version, d, input scale c, the model's configuration, and what its type declares:
/// for today's models m1, m2, activation kinds, gate mode and the layers' batchtopk thresholds).
/// Everything needed to run the model, nothing about training.
public enum ModelFile {
    public static func serialize(_ model: HierarchicalSAE<Float>) throws -> Data {
        let c = model.config
        let configJSON = String(decoding: try JSONFormat.encoder(.pretty).encode(c), as: UTF8.self)
        var metadata = c.architecture.fileMetadata(thresholds: model.thresholds)
        metadata.merge(["format": "hsae-model", "format_version": String(HSAEVersion.checkpointFormat), "d": String(c.d),
                        "input_scale": String(model.inputScale), "model_config": configJSON]) { _, own in own }
        var writer = SafeTensorsWriter(metadata: metadata)
        for e in model.layout.entries {
            writer.add(e.name, shape: e.fileShape, values: e.fileOrder(UnsafeBufferPointer(rebasing: model.params.buffer[e.range])))
        }
        return writer.serialized()
    }

    public static func load(path: String) throws -> HierarchicalSAE<Float> {
        let file = try SafeTensorsFile(path: path)
        func bad(_ message: String) -> HSAEError { .badInput(path: path, message: message) }
        guard file.metadata["format"] == "hsae-model" else { throw bad("not an HSAE model file (metadata format is '\(file.metadata["format"] ?? "missing")')") }
        guard file.metadata["format_version"] == String(HSAEVersion.checkpointFormat) else {
            throw bad("model format version \(file.metadata["format_version"] ?? "?") is not supported by this hsae (expects \(HSAEVersion.checkpointFormat))")
        }
        guard let json = file.metadata["model_config"], let config = try? JSONFormat.decoder().decode(ModelConfig.self, from: Data(json.utf8)) else {
            throw bad("model metadata has no valid model_config")
        }
        try checkShapes(config, in: file)
        let model = HierarchicalSAE<Float>(config: config)
        for e in model.layout.entries {
            let values = try file.values(e.name, as: Float.self)
            let info = try file.info(e.name)
            guard info.shape == e.fileShape else { throw bad("tensor '\(e.name)' has shape \(info.shape), expected \(e.fileShape)") }
            let memory = values.withUnsafeBufferPointer { e.memoryOrder($0) }
            memory.withUnsafeBufferPointer { (model.params.base + e.offset).update(from: $0.baseAddress!, count: e.count) }
        }
        let architecture = config.architecture
        let thresholds = architecture.layers.indices.map { file.metadata[architecture.thresholdKey(layer: $0)].flatMap(Float.init) }
        guard let scale = file.metadata["input_scale"].flatMap(Float.init), thresholds.allSatisfy({ $0 != nil }) else {
            throw bad("model metadata lacks input_scale or thresholds")
        }
        model.inputScale = scale
        model.thresholds = thresholds.map { $0! }
        return model
    }
}
