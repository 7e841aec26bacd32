import Foundation

/// Sequences of token ids packed row after row (no padding rows between them).
///
///     ids      N           all tokens, sequence b at offsets[b] ..< offsets[b+1]
///     keyMask  N or nil    false: this position is padding; no query attends to it
///
/// A padded batch (B × T ids plus an attention mask, as transformers takes) is B sequences of
/// length T with a key mask; harvesting packs unpadded sequences instead, so that padding costs
/// nothing, and both give the same states for the real tokens.
public struct TokenBatch: Sendable {
    public var ids: [Int32]
    public var offsets: [Int]
    public var keyMask: [Bool]?

    /// Unpadded sequences.
    public init(sequences: [[Int32]]) {
        ids = sequences.flatMap { $0 }
        offsets = [0]
        for s in sequences { offsets.append(offsets.last! + s.count) }
        keyMask = nil
    }

    /// A padded batch: every row has the same length; mask 1 = real token, 0 = padding.
    public init(padded: [[Int32]], attentionMask: [[Int32]]) {
        precondition(padded.count == attentionMask.count && zip(padded, attentionMask).allSatisfy { $0.count == $1.count },
                     "padded batch: ids and attention mask differ in shape")
        self.init(sequences: padded)
        keyMask = attentionMask.flatMap { $0.map { $0 != 0 } }
    }

    public var count: Int { offsets.count - 1 }
    public var tokens: Int { ids.count }
}

/// BERT's encoder (post-LayerNorm, as `BertModel`) over packed sequences, Float32, OpenBLAS.
///
///     h0 = LN(word[id] + position[p] + type[0])                          layer 0: embeddings
///     a  = LN(h + Attention(h) W_oᵀ + b_o)                                per layer l = 1...L
///     h' = LN(a + GELU(a W_iᵀ + b_i) W_o2ᵀ + b_o2)
///     Attention: per sequence and head, softmax(Q Kᵀ/√dh, masked keys → 0) V
///
/// Legend: N tokens in the batch, d hidden size, f FFN size, H heads, dh = d/H, T a sequence's length.
public final class BertEncoder {
    public let weights: BertWeights
    public var config: BertConfig { weights.config }
    /// Cores this rank uses (OpenBLAS's thread count when created).
    @exclusivity(unchecked) public var threads: Int

    public init(weights: BertWeights, threads: Int = BLASRuntime.threads) {
        self.weights = weights
        self.threads = max(1, threads)
    }

    /// The hidden states after `layer` (0 = embeddings), N × d; with `all`, those of every layer 0...layer.
    public func hiddenStates(_ batch: TokenBatch, layer: Int, all: Bool = false) -> [Matrix<Float>] {
        precondition(layer >= 0 && layer <= weights.layers.count,
                     "layer \(layer) needs \(layer) loaded layers, have \(weights.layers.count)")
        for b in 0..<batch.count {
            let T = batch.offsets[b + 1] - batch.offsets[b]
            precondition(T <= config.maxPositions, "sequence \(b) has \(T) tokens, the model takes at most \(config.maxPositions)")
        }
        return WorkSplit.withSingleThreadedBLAS {
            var h = embed(batch)
            var out: [Matrix<Float>] = all ? [h] : []
            for l in 0..<layer {
                h = encoderLayer(weights.layers[l], h, batch)
                if all { out.append(h) }
            }
            return all ? out : [h]
        }
    }

    func embed(_ batch: TokenBatch) -> Matrix<Float> {
        let d = config.hiddenSize
        var h = Matrix<Float>(rows: batch.tokens, cols: d)  // N × d
        weights.wordEmbeddings.withUnsafeBufferPointer { word in
            weights.positionEmbeddings.withUnsafeBufferPointer { pos in
                weights.tokenTypeEmbedding.withUnsafeBufferPointer { type in
                    h.storage.withUnsafeMutableBufferPointer { out in
                        for b in 0..<batch.count {
                            for (p, i) in (batch.offsets[b] ..< batch.offsets[b + 1]).enumerated() {
                                let id = Int(batch.ids[i])
                                precondition(id >= 0 && id < config.vocabSize, "token id \(id) outside the vocabulary 0..<\(config.vocabSize)")
                                let row = out.baseAddress! + i * d
                                let w = word.baseAddress! + id * d, q = pos.baseAddress! + p * d
                                for j in 0..<d { row[j] = w[j] + q[j] + type[j] }
                            }
                        }
                        TransformerKernels.layerNorm(out.baseAddress!, rows: batch.tokens, cols: d,
                                                     gain: weights.embeddingNorm.gain, bias: weights.embeddingNorm.bias,
                                                     eps: config.layerNormEps)
                    }
                }
            }
        }
        return h
    }

    func encoderLayer(_ w: BertWeights.Layer, _ h: Matrix<Float>, _ batch: TokenBatch) -> Matrix<Float> {
        let N = batch.tokens, d = config.hiddenSize, f = config.intermediateSize
        var qkv = [Float](repeating: 0, count: N * 3 * d)   // N × 3d
        var context = [Float](repeating: 0, count: N * d)   // N × d
        var a = Matrix<Float>(rows: N, cols: d)             // N × d
        var inner = [Float](repeating: 0, count: N * f)     // N × f
        var out = Matrix<Float>(rows: N, cols: d)           // N × d
        h.storage.withUnsafeBufferPointer { x in
            qkv.withUnsafeMutableBufferPointer { qkvp in
                linear(x.baseAddress!, rows: N, inputs: d, weight: w.qkv, bias: w.qkvBias, into: qkvp.baseAddress!)
                context.withUnsafeMutableBufferPointer { ctx in
                    attention(UnsafePointer(qkvp.baseAddress!), batch, into: ctx.baseAddress!)
                    a.storage.withUnsafeMutableBufferPointer { ap in
                        linear(ctx.baseAddress!, rows: N, inputs: d, weight: w.attnOut, bias: w.attnOutBias,
                                                  residual: x.baseAddress!, into: ap.baseAddress!)
                        layerNorm(ap.baseAddress!, rows: N, w.attnNorm)
                    }
                }
            }
        }
        a.storage.withUnsafeBufferPointer { ap in
            inner.withUnsafeMutableBufferPointer { ip in
                linear(ap.baseAddress!, rows: N, inputs: d, weight: w.ffnIn, bias: w.ffnInBias, into: ip.baseAddress!)
                WorkSplit.run(N, threads: threads) { rows in
                    TransformerKernels.gelu(ip.baseAddress! + rows.lowerBound * f, count: rows.count * f)
                }
                out.storage.withUnsafeMutableBufferPointer { op in
                    linear(ip.baseAddress!, rows: N, inputs: f, weight: w.ffnOut, bias: w.ffnOutBias,
                                              residual: ap.baseAddress!, into: op.baseAddress!)
                    layerNorm(op.baseAddress!, rows: N, w.ffnNorm)
                }
            }
        }
        return out
    }

    /// `TransformerKernels.linear` on row blocks, one per core.
    func linear(_ x: UnsafePointer<Float>, rows N: Int, inputs: Int, weight: [Float], bias: [Float],
                residual: UnsafePointer<Float>? = nil, into y: UnsafeMutablePointer<Float>) {
        let out = bias.count
        WorkSplit.run(N, threads: threads) { rows in
            TransformerKernels.linear(x + rows.lowerBound * inputs, rows: rows.count, inputs: inputs, weight: weight, bias: bias,
                                      residual: residual.map { $0 + rows.lowerBound * out }, into: y + rows.lowerBound * out)
        }
    }

    func layerNorm(_ x: UnsafeMutablePointer<Float>, rows N: Int, _ norm: (gain: [Float], bias: [Float])) {
        let d = config.hiddenSize
        WorkSplit.run(N, threads: threads) { rows in
            TransformerKernels.layerNorm(x + rows.lowerBound * d, rows: rows.count, cols: d, gain: norm.gain, bias: norm.bias,
                                         eps: config.layerNormEps)
        }
    }

    /// Scaled dot-product attention of every sequence and head: two GEMMs each, reading Q, K, V
    /// in place from the packed N × 3d projection (leading dimension 3d).
    func attention(_ qkv: UnsafePointer<Float>, _ batch: TokenBatch, into context: UnsafeMutablePointer<Float>) {
        let d = config.hiddenSize, H = config.heads, dh = config.headSize
        let scale = 1 / Float(dh).squareRoot()
        let longest = (0..<batch.count).map { batch.offsets[$0 + 1] - batch.offsets[$0] }.max() ?? 0
        let pairs = batch.count * H  // (sequence, head)
        WorkSplit.run(pairs, threads: threads) { part in
            var scores = [Float](repeating: 0, count: longest * longest)  // T × T
            scores.withUnsafeMutableBufferPointer { sp in
                let s = sp.baseAddress!
                for pair in part {
                    let b = pair / H, head = pair % H
                    let o = batch.offsets[b], T = batch.offsets[b + 1] - o
                    guard T > 0 else { continue }
                    let q = qkv + o * 3 * d + head * dh
                    let k = q + d, v = q + 2 * d
                    Float.gemm(.none, .transposed, T, T, dh, scale, q, 3 * d, k, 3 * d, 0, s, T)
                    for i in 0..<T {
                        if let mask = batch.keyMask {
                            mask.withUnsafeBufferPointer { TransformerKernels.softmax(s + i * T, count: T, keep: $0.baseAddress! + o) }
                        } else {
                            TransformerKernels.softmax(s + i * T, count: T, keep: nil)
                        }
                    }
                    Float.gemm(.none, .none, T, dh, T, 1, s, T, v, 3 * d, 0, context + o * d + head * dh, d)
                }
            }
        }
    }
}
