import Foundation

/// A histogram with explicit bin edges: bin b counts values v with edges[b] ≤ v < edges[b+1]
/// (the last bin also takes v = edges.last). Values outside every bin are counted in
/// `underflow` / `overflow`, never dropped silently.
public struct Histogram: Codable, Equatable, Sendable {
    /// What the values are, e.g. "log10 firing frequency".
    public var quantity: String
    public var edges: [Double]   // bins + 1, increasing
    public var counts: [Int]     // bins
    public var underflow: Int
    public var overflow: Int

    public init(quantity: String, edges: [Double], values: [Double]) {
        precondition(edges.count >= 2 && zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 },
                     "histogram edges must be ≥ 2 increasing values, got \(edges)")
        self.quantity = quantity
        self.edges = edges
        counts = [Int](repeating: 0, count: edges.count - 1)
        underflow = 0
        overflow = 0
        for v in values {
            if v < edges[0] || v.isNaN { underflow += 1; continue }
            if v > edges[edges.count - 1] { overflow += 1; continue }
            // Binary search for the last edge ≤ v.
            var lo = 0, hi = edges.count - 2
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if edges[mid] <= v { lo = mid } else { hi = mid - 1 }
            }
            counts[lo] += 1
        }
    }

    /// `bins` equal bins over [lower, upper].
    public static func uniformEdges(_ lower: Double, _ upper: Double, bins: Int) -> [Double] {
        precondition(bins >= 1 && upper > lower, "uniform edges: \(bins) bins over [\(lower), \(upper)]")
        return (0...bins).map { lower + (upper - lower) * Double($0) / Double(bins) }
    }

    /// The usual SAE density plot: log10 of each latent's firing frequency, 0.25-wide bins over
    /// [−8, 0]. Dead latents (frequency 0) have log10 = −∞ and land in `underflow`.
    public static func logFrequency(_ frequencies: [Double]) -> Histogram {
        Histogram(quantity: "log10 firing frequency", edges: uniformEdges(-8, 0, bins: 32),
                  values: frequencies.map { $0 > 0 ? log10($0) : -.infinity })
    }

    /// Distribution of gate values g ∈ [0, 1] in 20 bins.
    public static func gate(_ g: [Double]) -> Histogram {
        Histogram(quantity: "gate value g", edges: uniformEdges(0, 1, bins: 20), values: g)
    }
}
