import Foundation

/// `hsae explain`: a text through the language model and the HSAE, token by token.
/// Legend: T tokens, d model width, m_l latents of layer l.
///
/// The text is tokenised and cut into windows exactly as `hsae harvest` cuts a document
/// (`HarvestPlan`: at most window − 2 tokens, each run as [CLS] … [SEP], special tokens not kept),
/// the chosen layer's hidden states are the rows, and the codes come from the model's public
/// forward pass at inference — the same computation `hsae eval` applies to harvested rows.
public struct Explanation {
    public let tokens: [String]      // T WordPiece tokens
    public let ids: [Int32]          // T
    /// The model's layers, bottom first.
    public let layers: [FeatureCatalog.Layer]
    /// Per layer, its codes: T×m_l.
    public let codes: [Matrix<Float>]

    /// The layers top first: the order of the columns.
    public var displayLayers: [FeatureCatalog.Layer] { layers.reversed() }
    /// The highest layer (the HSAE: top), whose latents summarise the text.
    public var summaryLayer: FeatureCatalog.Layer { layers[layers.count - 1] }

    /// The active latents of token t, largest first (ties by index).
    public static func active(_ codes: Matrix<Float>, token t: Int) -> [(latent: Int, value: Float)] {
        codes.row(t).enumerated().filter { $0.element > 0 }.map { ($0.offset, $0.element) }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.latent < $1.latent }
    }

    /// The summary layer's latents over the whole text: (latent, Σ activation, tokens firing), by Σ descending.
    public func summaryOverText(_ n: Int = 10) -> [(latent: Int, total: Double, tokens: Int)] {
        let top = codes[summaryLayer.index]
        return (0..<top.cols).compactMap { j -> (latent: Int, total: Double, tokens: Int)? in
            var total = 0.0, count = 0
            for t in 0..<top.rows where top[t, j] > 0 { total += Double(top[t, j]); count += 1 }
            return count > 0 ? (j, total, count) : nil
        }.sorted { $0.total != $1.total ? $0.total > $1.total : $0.latent < $1.latent }.prefix(n).map { $0 }
    }
}

public enum Explainer {
    /// The layer and window of the harvest a run was trained on (from RUN/config.json → the data
    /// set's provenance), each nil when it cannot be found.
    public static func harvestSettings(of run: Run) -> (layer: Int?, window: Int?) {
        let provenance = run.datasetProvenance()
        return (provenance?["layer"].flatMap { Int($0) }, provenance?["window"].flatMap { Int($0) })
    }

    public static func explain(_ text: String, languageModel lm: BertModelDirectory, layer: Int, window: Int?,
                               model: HierarchicalSAE<Float>) throws -> Explanation {
        guard (0...lm.config.layers).contains(layer) else {
            throw HSAEError.badConfig(option: "--layer", message: "\(layer) is outside 0...\(lm.config.layers) for \(lm.path)")
        }
        guard lm.config.hiddenSize == model.config.d else {
            throw HSAEError.badInput(path: lm.path, message: "has d = \(lm.config.hiddenSize), but the HSAE reads d = \(model.config.d)")
        }
        let ids = lm.tokenizer.tokenize(text)
        guard !ids.isEmpty else { throw HSAEError.badConfig(option: "TEXT", message: "'\(text)' holds no tokens") }
        let content = (window ?? lm.config.maxPositions) - 2
        guard content >= 1, content + 2 <= lm.config.maxPositions else {
            throw HSAEError.badConfig(option: "--window", message: "\(content + 2) is outside 3...\(lm.config.maxPositions)")
        }
        let pieces = stride(from: 0, to: ids.count, by: content).map { Array(ids[$0 ..< min(ids.count, $0 + content)]) }
        let batch = TokenBatch(sequences: pieces.map { [lm.tokenizer.cls] + $0 + [lm.tokenizer.sep] })
        let encoder = BertEncoder(weights: try lm.weights(layers: layer))
        let states = encoder.hiddenStates(batch, layer: layer)[0]  // (T + 2·windows)×d
        let d = model.config.d
        var rows = Matrix<Float>(rows: ids.count, cols: d)  // T×d, content tokens only
        var t = 0
        for (b, piece) in pieces.enumerated() {
            for p in 1...piece.count {
                let src = (batch.offsets[b] + p) * d
                for k in 0..<d { rows.storage[t * d + k] = states.storage[src + k] }
                t += 1
            }
        }
        let ws = Workspace<Float>(config: model.config, rows: ids.count)
        let c = model.inputScale
        for i in 0..<rows.storage.count { ws.x.base[i] = c * rows.storage[i] }
        model.forward(ws, ForwardOptions(path: model.config.architecture.path("full")))
        let layers = model.config.layers
        return Explanation(tokens: ids.map { lm.tokenizer.vocabulary[Int($0)] }, ids: ids, layers: layers.map(FeatureCatalog.Layer.init),
                           codes: layers.map { model.denseCode(layer: $0.index, in: ws).matrix() })
    }
}
