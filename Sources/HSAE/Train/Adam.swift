import CKernels
import Foundation

/// Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8) over the flat parameter buffer, with global-norm
/// clipping. One loop over the trainable ranges; frozen ranges are untouched (parameters and
/// moments). Moments are reset at the start of each phase (a new objective).
///
///     m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
///     θ ← θ − lr · (m / (1−β1ᵗ)) / (sqrt(v / (1−β2ᵗ)) + ε)
public final class Adam {
    public let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    public let m: TensorBuffer<Float>
    public let v: TensorBuffer<Float>
    @exclusivity(unchecked) public var t: Int = 0

    public init(count: Int) {
        m = TensorBuffer(zeroedLazily: count)
        v = TensorBuffer(zeroedLazily: count)
    }

    public func reset() {
        m.zero()
        v.zero()
        t = 0
    }

    /// Whether every range's Σ g² (a float `sdot`) is finite (no NaN or ±∞, and no sum of squares
    /// past Float's range): the finiteness check where no conversion pass counts them (fast mode,
    /// the exponent probe). The norm the update clips by is TrainableSpace's.
    public static func normsAreFinite(_ grads: TensorBuffer<Float>, ranges: [Range<Int>]) -> Bool {
        ranges.allSatisfy { r in r.isEmpty || Float.dot(r.count, grads.base + r.lowerBound, 1, grads.base + r.lowerBound, 1).isFinite }
    }

    /// Clips to `maxNorm` (scales g when ‖g‖ > maxNorm), then takes one Adam step on `ranges`.
    /// Returns the pre-clip norm (TrainableSpace's: chunks of Σ g² in double, added in order).
    @discardableResult
    public func step(params: TensorBuffer<Float>, grads: TensorBuffer<Float>, ranges: [Range<Int>],
                     lr: Double, maxNorm: Double) -> Double {
        let norm = TrainableSpace(ranges: ranges).norm(grads)
        update(params: params, grads: grads, ranges: ranges, lr: lr, clip: Self.clip(norm: norm, maxNorm: maxNorm))
        return norm
    }

    /// The factor the gradient is scaled by: maxNorm/‖g‖ when ‖g‖ > maxNorm, else 1.
    public static func clip(norm: Double, maxNorm: Double) -> Float {
        norm > maxNorm && norm > 0 ? Float(maxNorm / norm) : 1
    }

    /// One Adam step on `ranges` with the gradient scaled by `clip`. Ranks that share the update
    /// each pass their slice's ranges, all with the global norm's clip.
    public func update(params: TensorBuffer<Float>, grads: TensorBuffer<Float>, ranges: [Range<Int>], lr: Double, clip: Float) {
        t += 1
        let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(t)))
        let c2 = 1 - Float(Foundation.pow(Double(beta2), Double(t)))
        let stepSize = Float(lr) / c1
        // The element-wise update runs in C (CKernels: AVX-512 where the CPU has it), every
        // operation rounded on its own, in this order:
        //     gi = g·clip;  m = b1·m + (1−b1)·gi;  v = b2·v + (1−b2)·gi·gi;  p −= (stepSize·m) / (√(v·invC2) + ε)
        let invC2 = 1 / c2
        for r in ranges where !r.isEmpty {
            let o = r.lowerBound
            hsae_adam_f32(r.count, params.base + o, grads.base + o, m.base + o, v.base + o, clip, beta1, beta2, stepSize, invC2, epsilon)
        }
    }
}
