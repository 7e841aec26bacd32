import Foundation

/// Compression efficiency of a code (DESIGN §7.5).
///
/// A token is sent as the indices and values of its active latents:
///
///     bits/token = Σ_codes L0 · (⌈log2 m⌉ + q)      q bits per value (default 8)
///     raw bits/token = d · 16                        the activation in half precision
///
/// and the point's FVU is that of the reconstruction those codes allow (full model: Z1 and Z2;
/// top-only: Z2; skip-only: Z1; baseline: its own code), with unquantised values.
public struct CompressionPoint: Codable, Equatable, Sendable {
    /// "full", "top_only", "skip_only", "baseline".
    public var name: String
    public var meanL0: Double
    public var bitsPerToken: Double
    public var rawBitsPerToken: Double
    /// raw / bits: how many times smaller the code is than the activation.
    public var ratio: Double?
    public var fvu: Double?

    /// - Parameter codes: (mean L0, latents m) of each code the reconstruction needs.
    public init(name: String, codes: [(meanL0: Double, latents: Int)], d: Int, valueBits q: Int = 8, fvu: Double?) {
        self.name = name
        meanL0 = codes.reduce(0) { $0 + $1.meanL0 }
        bitsPerToken = codes.reduce(0) { $0 + Self.bitsPerToken(meanL0: $1.meanL0, latents: $1.latents, valueBits: q) }
        rawBitsPerToken = Double(d * 16)
        ratio = bitsPerToken > 0 ? rawBitsPerToken / bitsPerToken : nil
        self.fvu = fvu
    }

    /// L0 · (⌈log2 m⌉ + q).
    public static func bitsPerToken(meanL0: Double, latents m: Int, valueBits q: Int) -> Double {
        let indexBits = m > 1 ? ceil(log2(Double(m))) : 0
        return meanL0 * (indexBits + Double(q))
    }
}
