import Foundation

/// exp and erf for Float as branch-free arithmetic that the compiler vectorises over a loop
/// (libm's `expf`/`erff` are calls, which keep softmax and GELU scalar: together they were a
/// fifth of the forward pass). Accuracy: exp within 2e-7 relative, erf within 3e-7 absolute
/// (`FastMathTests` checks both against Foundation over their whole useful range).
enum FastMath {
    /// e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 Taylor polynomial, 2^n through
    /// the exponent bits. Inputs below −87 give 0 (softmax's masked keys), above 88 clamp.
    @inline(__always) static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87.0), 88.0)
        // Round to nearest by adding 1.5·2²³ (no rint call, no checked Int conversion: both stop
        // vectorisation); the low mantissa bits of `shifted` then hold n as a two's-complement integer.
        let magic: Float = 12_582_912
        let shifted = clamped * 1.44269504088896341 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693145751953125 - n * 1.428606765330187045e-06  // ln2 split hi + lo
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (shifted.bitPattern &- magic.bitPattern) &+ 127
        let scale = Float(bitPattern: exponent &<< 23)
        return x < -87 ? 0 : p * scale
    }

    /// erf(x) = 1 − t·e^(−x² + P(t)), t = 1/(1 + |x|/2): the Chebyshev fit of Numerical Recipes
    /// (erfc with fractional error < 1.2e-7), odd-extended.
    @inline(__always) static func erf(_ x: Float) -> Float {
        let z = abs(x)
        let t = 1 / (1 + 0.5 * z)
        var p: Float = 0.17087277
        p = p * t - 0.82215223
        p = p * t + 1.48851587
        p = p * t - 1.13520398
        p = p * t + 0.27886807
        p = p * t - 0.18628806
        p = p * t + 0.09678418
        p = p * t + 0.37409196
        p = p * t + 1.00002368
        p = p * t - 1.26551223
        let erfc = t * exp(-z * z + p)
        let e = 1 - erfc
        return x < 0 ? -e : e
    }
}
