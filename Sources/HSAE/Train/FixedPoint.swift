import CKernels

/// The conversions of exact mode (DESIGN §5): no branches, no trapping float-to-integer conversion.
enum FixedPoint {
    /// acc[i] += round(g[i] · scale), clamped to ±limit (limit ≤ 2^50); with `overwrite`,
    /// acc[i] = round(…) (the first microbatch of a step: no separate pass clears acc). Returns how
    /// many values were clamped (exact mode saturating: the gradient exceeded the headroom of its
    /// exponent) and how many g[i] were NaN or ±∞.
    static func accumulate(_ g: UnsafePointer<Float>, count n: Int, scale: Double, limit: Int64,
                           into acc: UnsafeMutablePointer<Int64>, overwrite: Bool = false) -> (clamped: Int64, nonFinite: Int64) {
        precondition(limit <= Int64(1) << 50, "fixed-point limit \(limit) exceeds 2^50")
        // In C (CKernels, AVX-512 where present; Swift compiles for SSE2): for each i,
        //     v = Double(g[i]) · scale;  c = min(max(v, −lim), lim);  clamped += |v| > lim
        //     acc[i] (+)= bits(c + magic) − bits(magic)
        // with magic = 1.5 · 2^52: adding it to a Double of magnitude < 2^51 rounds to an integer
        // (to nearest, ties to even) and leaves that integer in the low mantissa bits.
        var nonFinite: Int64 = 0
        let clamped = hsae_fixed_accumulate_f32(n, g, scale, Double(limit), acc, overwrite ? 1 : 0, &nonFinite)
        return (clamped, nonFinite)
    }

    /// g[i] = Float(acc[i] · scale).
    static func decode(_ acc: UnsafePointer<Int64>, count n: Int, scale: Double, into g: UnsafeMutablePointer<Float>) {
        for i in 0..<n { g[i] = Float(Double(acc[i]) * scale) }
    }
}
