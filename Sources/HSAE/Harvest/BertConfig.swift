import Foundation

/// The fields of a BERT `config.json` that the forward pass needs, validated.
public struct BertConfig: Equatable, Sendable {
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var vocabSize: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float

    public var headSize: Int { hiddenSize / heads }

    public init(hiddenSize: Int, layers: Int, heads: Int, intermediateSize: Int, maxPositions: Int,
                vocabSize: Int, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12) {
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.heads = heads
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.vocabSize = vocabSize
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
    }

    /// Reads and checks `config.json`: a BERT (`model_type` "bert", absolute positions, erf GELU).
    public init(path: String) throws {
        func bad(_ message: String) -> HSAEError { .badInput(path: path, message: message) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw bad("cannot read (a BERT model directory needs config.json, vocab.txt and model.safetensors)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw bad("is not a JSON object")
        }
        // Upper bounds far above any BERT (sizes come from an untrusted file; the tensor list
        // and the weights are sized from them).
        func int(_ key: String, default value: Int? = nil, max: Int = 1 << 24) throws -> Int {
            guard let v = json[key] else {
                if let value { return value }
                throw bad("has no '\(key)', expected a positive integer")
            }
            guard let number = v as? NSNumber, let n = Int(exactly: number), n > 0, n <= max else {
                throw bad("'\(key)' is \(v), expected an integer in 1...\(max)")
            }
            return n
        }
        if let type = json["model_type"] as? String, type != "bert" {
            throw bad("model_type is '\(type)', expected 'bert' (a BERT-family checkpoint with BertModel tensor names)")
        }
        if let act = json["hidden_act"] as? String, act != "gelu" {
            throw bad("hidden_act is '\(act)', expected 'gelu' (the erf form, as BERT uses)")
        }
        if let pos = json["position_embedding_type"] as? String, pos != "absolute" {
            throw bad("position_embedding_type is '\(pos)', expected 'absolute'")
        }
        hiddenSize = try int("hidden_size")
        layers = try int("num_hidden_layers", max: 1024)
        heads = try int("num_attention_heads", max: 1024)
        intermediateSize = try int("intermediate_size")
        maxPositions = try int("max_position_embeddings")
        vocabSize = try int("vocab_size")
        typeVocabSize = try int("type_vocab_size", default: 2, max: 1 << 16)
        layerNormEps = Float((json["layer_norm_eps"] as? Double) ?? 1e-12)
        guard hiddenSize % heads == 0 else {
            throw bad("hidden_size \(hiddenSize) is not divisible by num_attention_heads \(heads)")
        }
    }

    /// Every tensor the forward pass reads, with its expected shape (HF `BertModel` names, no prefix).
    public var expectedShapes: [(name: String, shape: [Int])] {
        let d = hiddenSize, f = intermediateSize
        var out: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [vocabSize, d]),
            ("embeddings.position_embeddings.weight", [maxPositions, d]),
            ("embeddings.token_type_embeddings.weight", [typeVocabSize, d]),
            ("embeddings.LayerNorm.weight", [d]), ("embeddings.LayerNorm.bias", [d]),
        ]
        for l in 0..<layers { out += Self.layerShapes(l, d: d, f: f) }
        return out
    }

    static func layerShapes(_ l: Int, d: Int, f: Int) -> [(String, [Int])] {
        let p = "encoder.layer.\(l)."
        return [
            (p + "attention.self.query.weight", [d, d]), (p + "attention.self.query.bias", [d]),
            (p + "attention.self.key.weight", [d, d]), (p + "attention.self.key.bias", [d]),
            (p + "attention.self.value.weight", [d, d]), (p + "attention.self.value.bias", [d]),
            (p + "attention.output.dense.weight", [d, d]), (p + "attention.output.dense.bias", [d]),
            (p + "attention.output.LayerNorm.weight", [d]), (p + "attention.output.LayerNorm.bias", [d]),
            (p + "intermediate.dense.weight", [f, d]), (p + "intermediate.dense.bias", [f]),
            (p + "output.dense.weight", [d, f]), (p + "output.dense.bias", [d]),
            (p + "output.LayerNorm.weight", [d]), (p + "output.LayerNorm.bias", [d]),
        ]
    }
}
