/// Which top latents the orthogonality term looks at in a step (LossWeights.orthSample).
///
/// At m2 = 4096 and m1 = 16384 the exact term costs 2·m2²·m1 ≈ 550 GFLOP a step, ten times the
/// bottom encoder; a sample of s latents keeps the estimate of the mean over pairs unbiased at
/// (s/m2)² of the cost. The sample is a function of the seed and the global step, so every rank
/// draws the same one and a resumed run draws what the uninterrupted run would have.
public enum OrthogonalitySample {
    /// nil (all latents, exact) when `sample` is 0 or ≥ `latents`; otherwise `sample` distinct
    /// latents in increasing order.
    public static func rows(latents m2: Int, sample: Int, seed: UInt64, step: Int) -> [Int]? {
        guard sample > 0, sample < m2 else { return nil }
        var rng = SplitMix64(seed: seed ^ 0x6F72_7468 ^ (UInt64(truncatingIfNeeded: step) &* 0x9E37_79B9_7F4A_7C15))
        var pool = Array(0..<m2)
        for i in 0..<sample {  // partial Fisher–Yates
            let j = i + Int(rng.next() % UInt64(m2 - i))
            pool.swapAt(i, j)
        }
        return pool[0..<sample].sorted()
    }
}
