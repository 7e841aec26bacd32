import Foundation

/// Co-occurrence statistics of two firing patterns, read from a `CorrelationAccumulator` that
/// was fed 0/1 indicators (A = parent-side code, e.g. Z2; B = child-side code, e.g. Z1).
///
/// The 2×2 table of latents a_j, b_i over n rows:
///
///     n11 = Σ a_j b_i     n10 = Σa_j − n11     n01 = Σb_i − n11     n00 = n − n11 − n10 − n01
///     P(a_j | b_i) = n11 / Σb_i
///     I(a_j; b_i) = Σ_{x,y ∈ {0,1}} (n_xy/n) log2(n·n_xy / (n_x· n_·y))   bits, 0·log 0 = 0
extension CorrelationAccumulator {
    /// P(a_j fires | b_i fires); nil when b_i never fired.
    public func conditionalProbability(_ j: Int, given i: Int) -> Double? {
        let childCount = sums[sumB + i]
        return childCount > 0 ? sums[cross + j * q + i] / childCount : nil
    }

    /// Mutual information between the firing of a_j and b_i, in bits.
    public func firingMutualInformation(_ j: Int, _ i: Int) -> Double {
        let n = rows
        guard n > 0 else { return 0 }
        let n11 = sums[cross + j * q + i]
        let aCount = sums[sumA + j], bCount = sums[sumB + i]
        let table = [(n11, aCount, bCount), (aCount - n11, aCount, n - bCount),
                     (bCount - n11, n - aCount, bCount), (n - aCount - bCount + n11, n - aCount, n - bCount)]
        var information = 0.0
        for (joint, marginalA, marginalB) in table where joint > 0 {
            information += joint / n * log2(n * joint / (marginalA * marginalB))
        }
        return max(0, information)
    }

    /// Hierarchy consistency over parent→child edges (j in A, i in B): the mean of
    /// P(a_j fires | b_i fires) over edges whose child fired at least once.
    public func hierarchyConsistency(edges: [LatentEdge]) -> EdgeStatistic {
        let values = edges.compactMap { conditionalProbability($0.parent, given: $0.child) }
        return EdgeStatistic(edges: edges.count, evaluated: values.count, mean: Self.mean(values))
    }

    /// Mean firing MI (bits) over the given edges.
    public func firingMutualInformation(edges: [LatentEdge]) -> EdgeStatistic {
        let values = edges.map { firingMutualInformation($0.parent, $0.child) }
        return EdgeStatistic(edges: edges.count, evaluated: values.count, mean: Self.mean(values))
    }

    /// Mean firing MI (bits) over all p·q pairs: the between-layer diagnostic of DESIGN §3.
    public func meanFiringMutualInformation() -> Double {
        guard p > 0, q > 0 else { return 0 }
        var total = 0.0
        for j in 0..<p { for i in 0..<q { total += firingMutualInformation(j, i) } }
        return total / Double(p * q)
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}

/// A parent→child edge between two codes' latents (e.g. top latent → bottom latent).
public struct LatentEdge: Codable, Equatable, Hashable, Sendable {
    public var parent: Int
    public var child: Int
    public init(parent: Int, child: Int) { self.parent = parent; self.child = child }
}

/// A mean over edges, with how many edges there were and how many had data.
public struct EdgeStatistic: Codable, Equatable, Sendable {
    public var edges: Int
    public var evaluated: Int
    public var mean: Double?
}
