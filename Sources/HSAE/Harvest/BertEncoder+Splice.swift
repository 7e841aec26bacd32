import Foundation

/// The rest of the encoder after a given layer, and sentence-transformers' pooling: what
/// `hsae eval --model` needs to splice a reconstruction into layer L and see the sentence
/// embedding that comes out.
///
///     h_L                 N × d   the states after layer L (any values: the original or a reconstruction)
///     h_final = layers L+1 … Lmax applied to h_L
///     e_b = normalise( mean over sequence b's tokens of h_final )        B × d
///
/// The pooling is sentence-transformers' `Pooling(mode="mean")` followed by `Normalize()` (what
/// all-MiniLM-L6-v2 ships): the mean over every token the attention mask keeps — [CLS] and [SEP]
/// included — then division by the L2 norm.
extension BertEncoder {
    /// Runs encoder layers `layer ..< weights.layers.count` (0-based: the layer after `layer`
    /// onwards) on `states`, the output of layer `layer` for `batch`. N × d → N × d.
    public func continueFrom(layer: Int, states: Matrix<Float>, batch: TokenBatch) -> Matrix<Float> {
        precondition(layer >= 0 && layer <= weights.layers.count,
                     "continue from layer \(layer): \(weights.layers.count) layers loaded")
        precondition(states.rows == batch.tokens && states.cols == config.hiddenSize,
                     "states \(states.rows)×\(states.cols) for \(batch.tokens) tokens of width \(config.hiddenSize)")
        return WorkSplit.withSingleThreadedBLAS {
            var h = states
            for l in layer ..< weights.layers.count { h = encoderLayer(weights.layers[l], h, batch) }
            return h
        }
    }

    /// Mean over each sequence's unmasked tokens, then L2-normalised (B × d). A sequence with no
    /// unmasked token, or whose mean is 0, gives a zero row.
    public static func meanPooled(_ states: Matrix<Float>, _ batch: TokenBatch) -> Matrix<Float> {
        let d = states.cols
        precondition(states.rows == batch.tokens, "states have \(states.rows) rows for \(batch.tokens) tokens")
        var out = Matrix<Float>(rows: batch.count, cols: d)
        for b in 0..<batch.count {
            var sum = [Double](repeating: 0, count: d)
            var kept = 0
            for i in batch.offsets[b] ..< batch.offsets[b + 1] where batch.keyMask?[i] ?? true {
                kept += 1
                for k in 0..<d { sum[k] += Double(states.storage[i * d + k]) }
            }
            let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()  // the 1/kept of the mean cancels
            guard kept > 0, norm > 0 else { continue }
            for k in 0..<d { out.storage[b * d + k] = Float(sum[k] / norm) }
        }
        return out
    }
}
