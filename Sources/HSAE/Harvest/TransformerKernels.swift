import Foundation

/// The element-wise and row-wise pieces of a transformer layer, as plain loops the compiler
/// vectorises; the matrix products go through BLAS (`linear`, and the attention in BertEncoder).
/// Legend: N rows (tokens), n columns, row-major buffers.
enum TransformerKernels {
    /// y (N × out) ← x (N × in) · Wᵀ + b, plus `residual` (N × out) when given. W is out × in.
    static func linear(_ x: UnsafePointer<Float>, rows N: Int, inputs: Int, weight w: [Float], bias b: [Float],
                       residual: UnsafePointer<Float>? = nil, into y: UnsafeMutablePointer<Float>) {
        let out = b.count
        precondition(w.count == out * inputs, "linear: weight has \(w.count) values, expected \(out)×\(inputs)")
        b.withUnsafeBufferPointer { bias in
            for i in 0..<N {
                let row = y + i * out
                if let residual {
                    let r = residual + i * out
                    for j in 0..<out { row[j] = r[j] + bias[j] }
                } else {
                    for j in 0..<out { row[j] = bias[j] }
                }
            }
        }
        guard N > 0 else { return }
        w.withUnsafeBufferPointer { pw in
            Float.gemm(.none, .transposed, N, out, inputs, 1, x, inputs, pw.baseAddress!, inputs, 1, y, out)
        }
    }

    /// Each row of x (N × n) ← (row − mean) / sqrt(var + eps) · gain + bias (biased variance, as PyTorch).
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows N: Int, cols n: Int,
                          gain: [Float], bias: [Float], eps: Float) {
        gain.withUnsafeBufferPointer { g in
            bias.withUnsafeBufferPointer { b in
                for i in 0..<N {
                    let row = x + i * n
                    var sum: Float = 0
                    for j in 0..<n { sum += row[j] }
                    let mean = sum / Float(n)
                    var sq: Float = 0
                    for j in 0..<n { let c = row[j] - mean; sq += c * c }
                    let inv = 1 / (sq / Float(n) + eps).squareRoot()
                    for j in 0..<n { row[j] = (row[j] - mean) * inv * g[j] + b[j] }
                }
            }
        }
    }

    /// x ← x · Φ(x) = ½x(1 + erf(x/√2)), BERT's exact GELU.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let r: Float = 0.70710678118654752
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + FastMath.erf(v * r))
        }
    }

    /// Softmax of a row of n scores in place; keys with `keep[j] == false` get weight 0.
    static func softmax(_ row: UnsafeMutablePointer<Float>, count n: Int, keep: UnsafePointer<Bool>?) {
        if let keep { for j in 0..<n where !keep[j] { row[j] = -.infinity } }
        var m = -Float.infinity
        for j in 0..<n { m = max(m, row[j]) }
        if m == -.infinity { m = 0 }
        for j in 0..<n { row[j] = FastMath.exp(row[j] - m) }
        var sum: Float = 0
        for j in 0..<n { sum += row[j] }
        let inv = sum > 0 ? 1 / sum : 0
        for j in 0..<n { row[j] *= inv }
    }
}
