import Foundation

/// The tensors of a BERT encoder as Float arrays, read from a memory-mapped `model.safetensors`.
/// Linear weights keep PyTorch's orientation, out × in (y = x Wᵀ + b).
public struct BertWeights: Sendable {
    public struct Layer: Sendable {
        public var qkv: [Float]        // 3d × d: query, key and value weights stacked
        public var qkvBias: [Float]    // 3d
        public var attnOut: [Float]    // d × d
        public var attnOutBias: [Float]
        public var attnNorm: (gain: [Float], bias: [Float])
        public var ffnIn: [Float]      // f × d
        public var ffnInBias: [Float]  // f
        public var ffnOut: [Float]     // d × f
        public var ffnOutBias: [Float]
        public var ffnNorm: (gain: [Float], bias: [Float])
    }

    public let config: BertConfig
    public var wordEmbeddings: [Float]      // vocab × d
    public var positionEmbeddings: [Float]  // maxPositions × d
    public var tokenTypeEmbedding: [Float]  // d: type 0 (single-segment input)
    public var embeddingNorm: (gain: [Float], bias: [Float])
    public var layers: [Layer]              // only the first `loadedLayers` of config.layers

    /// Checks every tensor of the checkpoint against `config` (names and shapes, before reading
    /// any data), then reads the embeddings and the first `layers` encoder layers.
    /// Tensor names may carry a `bert.` prefix (checkpoints saved from a task model).
    public init(file: SafeTensorsFile, config: BertConfig, layers count: Int) throws {
        precondition((0...config.layers).contains(count), "layers \(count) outside 0...\(config.layers)")
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil
            && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        for (name, shape) in config.expectedShapes {
            guard let t = file.tensors[prefix + name] else {
                throw HSAEError.badInput(path: file.path, message: "has no tensor '\(prefix + name)' (expected shape \(shape) "
                                         + "for the config.json beside it); is this a BERT checkpoint?")
            }
            guard t.shape == shape else {
                throw HSAEError.badInput(path: file.path, message: "tensor '\(prefix + name)' has shape \(t.shape), "
                                         + "expected \(shape) from config.json")
            }
            guard t.dtype.isFloatingPoint else {
                throw HSAEError.badInput(path: file.path, message: "tensor '\(prefix + name)' is \(t.dtype.rawValue), expected F32, F16 or BF16")
            }
        }
        func read(_ name: String) throws -> [Float] { try file.floats(prefix + name) }
        self.config = config
        wordEmbeddings = try read("embeddings.word_embeddings.weight")
        positionEmbeddings = try read("embeddings.position_embeddings.weight")
        tokenTypeEmbedding = Array(try read("embeddings.token_type_embeddings.weight").prefix(config.hiddenSize))
        embeddingNorm = (try read("embeddings.LayerNorm.weight"), try read("embeddings.LayerNorm.bias"))
        layers = try (0..<count).map { l in
            let p = "encoder.layer.\(l)."
            return Layer(
                qkv: try read(p + "attention.self.query.weight") + read(p + "attention.self.key.weight")
                    + read(p + "attention.self.value.weight"),
                qkvBias: try read(p + "attention.self.query.bias") + read(p + "attention.self.key.bias")
                    + read(p + "attention.self.value.bias"),
                attnOut: try read(p + "attention.output.dense.weight"),
                attnOutBias: try read(p + "attention.output.dense.bias"),
                attnNorm: (try read(p + "attention.output.LayerNorm.weight"), try read(p + "attention.output.LayerNorm.bias")),
                ffnIn: try read(p + "intermediate.dense.weight"),
                ffnInBias: try read(p + "intermediate.dense.bias"),
                ffnOut: try read(p + "output.dense.weight"),
                ffnOutBias: try read(p + "output.dense.bias"),
                ffnNorm: (try read(p + "output.LayerNorm.weight"), try read(p + "output.LayerNorm.bias")))
        }
    }
}

/// A BERT checkpoint directory: `config.json`, `vocab.txt`, `model.safetensors`
/// (`tokenizer_config.json` optional).
public struct BertModelDirectory {
    public static let requiredFiles = ["config.json", "vocab.txt", "model.safetensors"]

    public let path: String
    public let config: BertConfig
    public let tokenizer: BertTokenizer
    public let file: SafeTensorsFile

    /// Opens and validates everything cheap to check: files present, config sane, vocabulary size
    /// equal to `vocab_size`, every tensor's name and shape. No weights are converted yet.
    public init(path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw HSAEError.badInput(path: path, message: "is not a model directory (run scripts/get-model to fetch MiniLM-L6 "
                                     + "into models/minilm-l6)")
        }
        let missing = Self.requiredFiles.filter { !FileManager.default.fileExists(atPath: path + "/" + $0) }
        guard missing.isEmpty else {
            throw HSAEError.badInput(path: path, message: "is missing \(missing.joined(separator: ", ")); a BERT model directory "
                                     + "needs \(Self.requiredFiles.joined(separator: ", "))")
        }
        self.path = path
        config = try BertConfig(path: path + "/config.json")
        tokenizer = try BertTokenizer(modelDirectory: path)
        guard tokenizer.count == config.vocabSize else {
            throw HSAEError.badInput(path: path + "/vocab.txt", message: "has \(tokenizer.count) tokens, but config.json says "
                                     + "vocab_size = \(config.vocabSize)")
        }
        file = try SafeTensorsFile(path: path + "/model.safetensors")
        // Shape checks of every layer happen here, before any output is written.
        _ = try BertWeights(file: file, config: config, layers: 0)
    }

    /// The weights of the embeddings and the first `layers` encoder layers.
    public func weights(layers: Int) throws -> BertWeights {
        try BertWeights(file: file, config: config, layers: layers)
    }
}
