/// Streaming feature-absorption counts per true parent→child edge (DESIGN §7.7).
///
/// Legend: for true edge e = (P, C) and ℓ_e the latent that stands for P (e.g. the top latent
/// whose direction best matches G_P), over rows where P is on (true activity > 0):
///
///     gap_e = P(ℓ_e fires | P on, C off) − P(ℓ_e fires | P on, C on)
///
/// A gap near 0 means the parent latent fires whenever the parent is present; a positive gap
/// means the child's latent has absorbed the parent direction and the parent latent falls
/// silent exactly when the child is present. State per edge: four counts.
public final class AbsorptionAccumulator: SumAccumulator {
    @exclusivity(unchecked) public var sums: [Double]  // 4 per edge: [on/off rows, on/off with ℓ firing, on/on rows, on/on with ℓ firing]
    public let edges: [LatentEdge]  // true (parent, child) feature indices
    public let parentLatent: [Int]  // per edge: the latent standing for the parent

    public init(edges: [LatentEdge], parentLatent: [Int]) {
        precondition(edges.count == parentLatent.count, "absorption: \(edges.count) edges, \(parentLatent.count) parent latents")
        self.edges = edges
        self.parentLatent = parentLatent
        sums = [Double](repeating: 0, count: 4 * edges.count)
    }

    /// Adds a batch: `truth` (B×n) true activities, `code` (B×m) the code holding the parent latents.
    public func add<T: BLASScalar, U: BLASScalar>(truth: Matrix<T>, code: Matrix<U>) {
        precondition(truth.rows == code.rows, "absorption: truth has \(truth.rows) rows, code \(code.rows)")
        for (e, edge) in edges.enumerated() {
            precondition(edge.parent < truth.cols && edge.child < truth.cols && parentLatent[e] < code.cols,
                         "absorption: edge \(edge) / latent \(parentLatent[e]) outside truth \(truth.cols), code \(code.cols)")
        }
        for r in 0..<truth.rows {
            for (e, edge) in edges.enumerated() where truth[r, edge.parent] > 0 {
                let slot = 4 * e + (truth[r, edge.child] > 0 ? 2 : 0)
                sums[slot] += 1
                if code[r, parentLatent[e]] > 0 { sums[slot + 1] += 1 }
            }
        }
    }

    /// The gap of every edge (nil where the parent was never on both with and without the child).
    public func gaps() -> [AbsorptionGap] {
        edges.enumerated().map { e, edge in
            let s = Array(sums[4 * e ..< 4 * e + 4])
            let alone = s[0] > 0 ? s[1] / s[0] : nil
            let withChild = s[2] > 0 ? s[3] / s[2] : nil
            var gap: Double?
            if let alone, let withChild { gap = alone - withChild }
            return AbsorptionGap(parent: edge.parent, child: edge.child, parentLatent: parentLatent[e],
                                 firesWithoutChild: alone, firesWithChild: withChild, gap: gap)
        }
    }

    /// Mean gap over the edges where it is defined.
    public func meanGap() -> Double? {
        let defined = gaps().compactMap(\.gap)
        return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
    }
}

/// One edge's absorption numbers.
public struct AbsorptionGap: Codable, Equatable, Sendable {
    public var parent: Int
    public var child: Int
    public var parentLatent: Int
    /// P(ℓ fires | P on, C off)
    public var firesWithoutChild: Double?
    /// P(ℓ fires | P on, C on)
    public var firesWithChild: Double?
    public var gap: Double?
}
