import Foundation

/// Per-latent sums of one layer's code over the rows `hsae features` scans, in integers so that
/// the allreduce over ranks is exact and the site is byte-identical for any rank count.
/// Legend: m latents, H histogram bins, n_k classes of label kind k.
///
/// Activations enter as fixed point (`ActivationFixedPoint.scale`), so the sums do not depend on the
/// order in which rows are added. Memory is O(m·(H + Σ n_k)), independent of the row count.
public struct LatentStats: Sendable {
    public let latents: Int
    public var firings: [Int64]       // m   rows with z > 0
    public var sum: [Int64]           // m   Σ z, fixed point
    public var sumSquares: [Int64]    // m   Σ z², fixed point
    public var histogram: [Int64]     // m×(H + 2): underflow, H bins, overflow (`ActivationBins`)
    /// Per label kind: firings and Σ z per (class, latent), class-major (n_k×m).
    public var classFirings: [[Int64]]
    public var classSum: [[Int64]]

    public init(latents m: Int, classCounts: [Int]) {
        latents = m
        firings = [Int64](repeating: 0, count: m)
        sum = firings
        sumSquares = firings
        histogram = [Int64](repeating: 0, count: m * ActivationBins.slots)
        classFirings = classCounts.map { [Int64](repeating: 0, count: $0 * m) }
        classSum = classFirings
    }

    /// Adds one row's firing latent j with value z (> 0) and the row's class per label kind (-1 = missing).
    @inline(__always) mutating func add(latent j: Int, value z: Float, classes: [Int]) {
        let q = ActivationFixedPoint.quantise(Double(z))
        firings[j] += 1
        sum[j] += q
        sumSquares[j] += ActivationFixedPoint.quantise(Double(z) * Double(z))
        histogram[j * ActivationBins.slots + ActivationBins.slot(z)] += 1
        for (k, c) in classes.enumerated() where c >= 0 {
            classFirings[k][c * latents + j] += 1
            classSum[k][c * latents + j] += q
        }
    }

    /// Every integer array, in a fixed order (the allreduce buffer).
    var parts: [[Int64]] { [firings, sum, sumSquares, histogram] + classFirings + classSum }

    mutating func replaceParts(_ new: [[Int64]]) {
        precondition(new.count == 4 + 2 * classFirings.count, "latent stats: \(new.count) parts")
        firings = new[0]; sum = new[1]; sumSquares = new[2]; histogram = new[3]
        let k = classFirings.count
        classFirings = Array(new[4 ..< 4 + k])
        classSum = Array(new[4 + k ..< 4 + 2 * k])
    }
}

/// Fixed point for exact, order-independent sums: round(v · 2^20) as Int64.
/// Precision 1e-6; an Int64 holds sums up to ≈ 8.8e12 in value units (e.g. 1e6 rows of z² ≤ 8e6).
public enum ActivationFixedPoint {
    public static let scale = 1_048_576.0  // 2^20
    @inline(__always) public static func quantise(_ v: Double) -> Int64 { Int64((v * scale).rounded()) }
    @inline(__always) public static func value(_ q: Int64) -> Double { Double(q) / scale }
}

/// The fixed activation bins of every latent's histogram, the same for every latent and rank:
/// 48 bins of width 1/8 in log10 z over [1e-3, 1e3), plus an underflow (0 < z < 1e-3) and an
/// overflow (z ≥ 1e3) slot. Slot 0 = underflow, 1…48 the bins, 49 = overflow.
public enum ActivationBins {
    public static let bins = 48
    public static let slots = bins + 2
    public static let lowerLog10 = -3.0
    public static let binsPerDecade = 8.0

    @inline(__always) static func slot(_ z: Float) -> Int {
        let b = (log10(Double(z)) - lowerLog10) * binsPerDecade
        if b < 0 { return 0 }
        if b >= Double(bins) { return bins + 1 }
        return 1 + Int(b)
    }

    /// Lower edge of bin b (0 ..< bins) in activation units.
    public static func lowerEdge(_ b: Int) -> Double { pow(10, lowerLog10 + Double(b) / binsPerDecade) }
}
