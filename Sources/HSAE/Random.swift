import Foundation

/// SplitMix64: a small, fast, splittable generator whose whole state is one UInt64, so it
/// is trivially checkpointed and identical on every rank and platform.
public struct SplitMix64: RandomNumberGenerator, Codable, Equatable, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [-1, 1).
    public mutating func nextSigned() -> Double { 2 * nextUnit() - 1 }

    /// Standard normal (Box–Muller; one of the pair is discarded to keep the state simple).
    public mutating func nextGaussian() -> Double {
        var u = nextUnit()
        while u <= .leastNonzeroMagnitude { u = nextUnit() }
        let v = nextUnit()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * .pi * v)
    }

    /// A generator for an independent stream derived from this seed and a key (e.g. a rank
    /// or an epoch), without advancing this one.
    public func derived(_ key: UInt64) -> SplitMix64 {
        var g = SplitMix64(seed: state ^ (key &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return g
    }
}
