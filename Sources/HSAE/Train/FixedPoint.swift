/// The conversions of exact mode (DESIGN §5), written so that the compiler vectorises them:
/// no branches, no trapping float-to-integer conversion.
enum FixedPoint {
    /// 1.5 · 2^52: adding it to a Double of magnitude < 2^51 rounds to an integer (to nearest,
    /// ties to even) and leaves that integer in the low mantissa bits, so that
    /// bits(v + magic) − bits(magic) is the rounded value as an Int64.
    static let magic = 6_755_399_441_055_744.0

    /// acc[i] += round(g[i] · scale), clamped to ±limit (limit ≤ 2^50), and in the same pass
    /// g[i] = 0 afterwards (the next microbatch adds into a zero gradient without a separate
    /// memset) and whether any g[i] was ±∞ or NaN (in place of a separate pass over the gradient).
    /// Returns how many values were clamped (exact mode saturating: the gradient exceeded the
    /// headroom of its exponent) and whether a non-finite value was seen.
    static func accumulateAndClear(_ g: UnsafeMutablePointer<Float>, count n: Int, scale: Double, limit: Int64,
                                   into acc: UnsafeMutablePointer<Int64>) -> (clamped: Int64, nonFinite: Bool) {
        precondition(limit <= Int64(1) << 50, "fixed-point limit \(limit) exceeds 2^50")
        let lim = Double(limit)
        let magicBits = Int64(bitPattern: magic.bitPattern)
        var clamped: Int64 = 0
        var exponentAllOnes: UInt32 = 0
        for i in 0..<n {
            let x = g[i]
            let v = Double(x) * scale
            let c = min(max(v, -lim), lim)
            clamped &+= abs(v) > lim ? 1 : 0
            acc[i] &+= Int64(bitPattern: (c + magic).bitPattern) &- magicBits
            exponentAllOnes |= (((x.bitPattern >> 23) & 0xFF) &+ 1) >> 8   // 1 exactly when the exponent is all ones: ±∞, NaN
            g[i] = 0
        }
        return (clamped, exponentAllOnes != 0)
    }

    /// acc[i] += g[i]; g[i] = 0 (fast mode's sum, `accumulateAndClear`'s other duties). Whether any
    /// g[i] was ±∞ or NaN.
    static func addAndClear(_ g: UnsafeMutablePointer<Float>, count n: Int, into acc: UnsafeMutablePointer<Float>) -> Bool {
        var exponentAllOnes: UInt32 = 0
        for i in 0..<n {
            let x = g[i]
            acc[i] += x
            exponentAllOnes |= (((x.bitPattern >> 23) & 0xFF) &+ 1) >> 8
            g[i] = 0
        }
        return exponentAllOnes != 0
    }

    /// g[i] = Float(acc[i] · scale).
    static func decode(_ acc: UnsafePointer<Int64>, count n: Int, scale: Double, into g: UnsafeMutablePointer<Float>) {
        for i in 0..<n { g[i] = Float(Double(acc[i]) * scale) }
    }
}
