/// Geometry of dictionaries: cosines between directions, and what they say about recovery,
/// redundancy and the learned hierarchy. Inputs are plain matrices whose rows are directions.
///
/// Legend: G (n×d) true directions, D (f×d) decoder rows, W (p×c) an edge's weights from the
/// parent layer's p latents to the child layer's c (the HSAE: W² = top.W_dec, m2×m1), D_c (c×d)
/// the child's directions in input space, u_j = W[j] · D_c (p×d) a parent's direction there.
public enum DictionaryGeometry {
    /// Rows scaled to unit length (zero rows stay zero).
    public static func unitRows(_ a: Matrix<Double>) -> Matrix<Double> {
        var out = a
        let norms = a.rowNorms()
        for i in 0..<a.rows where norms[i] > 0 {
            for j in 0..<a.cols { out[i, j] /= norms[i] }
        }
        return out
    }

    /// cos(A_i, B_k) for every pair of rows: unit(A) · unit(B)ᵀ, rows(A)×rows(B).
    public static func cosines(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
        precondition(a.cols == b.cols, "cosines: widths \(a.cols) and \(b.cols) differ")
        return Matrix.product(unitRows(a), .none, unitRows(b), .transposed)
    }

    /// u = W · D_c: each parent latent's direction in input space (p×d; the HSAE: W² D¹, m2×d).
    public static func parentDirections(edgeWeights: Matrix<Double>, childDirections: Matrix<Double>) -> Matrix<Double> {
        Matrix.product(edgeWeights, childDirections)
    }

    /// MMCS = mean over the given rows n (true features) of max_f cos(G_n, D_f); signed cosine,
    /// since codes are non-negative and a direction's sign matters. nil when `rows` is empty.
    public static func meanMaxCosine(_ cos: Matrix<Double>, rows: [Int]? = nil) -> Double? {
        let selected = rows ?? Array(0..<cos.rows)
        guard !selected.isEmpty, cos.cols > 0 else { return nil }
        let best = selected.map { n in (0..<cos.cols).map { cos[n, $0] }.max()! }
        return best.reduce(0, +) / Double(best.count)
    }

    /// MCC: the mean |cos| over a one-to-one matching of true features to latents that maximises
    /// the total |cos| (Hungarian). Returns the value and the matched (true, latent) pairs.
    public static func matchedMeanCosine(_ cos: Matrix<Double>) -> (mcc: Double?, pairs: [FeatureMatch]) {
        let absolute = Matrix(rows: cos.rows, cols: cos.cols, storage: cos.storage.map(abs))
        let assignment = Hungarian.maximumWeightAssignment(absolute)
        let pairs = assignment.enumerated().compactMap { n, f in
            f.map { FeatureMatch(truth: n, latent: $0, cosine: cos[n, $0]) }
        }
        guard !pairs.isEmpty else { return (nil, []) }
        return (pairs.reduce(0) { $0 + abs($1.cosine) } / Double(pairs.count), pairs)
    }

    /// For each column (latent) the row (true feature) of largest cosine, or nil when that
    /// cosine is below `minimumCosine`.
    public static func bestTruthPerLatent(_ cos: Matrix<Double>, minimumCosine: Double = -.infinity) -> [Int?] {
        (0..<cos.cols).map { f in
            guard cos.rows > 0 else { return nil }
            let n = (0..<cos.rows).max { cos[$0, f] < cos[$1, f] }!
            return cos[n, f] >= minimumCosine ? n : nil
        }
    }

    /// Uniqueness: the number of distinct true features that are some latent's argmax, and that
    /// number over the number of latents (DESIGN §7.7; at most min(n, f)/f).
    public static func uniqueness(_ cos: Matrix<Double>) -> (distinct: Int, fraction: Double?) {
        let distinct = Set(bestTruthPerLatent(cos).compactMap { $0 }).count
        return (distinct, cos.cols > 0 ? Double(distinct) / Double(cos.cols) : nil)
    }

    /// Within-layer redundancy of a dictionary: mean over rows of the largest |cos| with any
    /// other row (1 = every feature has a duplicate, ≈ 0 = spread out).
    public static func decoderRedundancy(_ decoder: Matrix<Double>) -> Double? {
        offDiagonalMeanMax(cosines(decoder, decoder))
    }

    /// Within-layer redundancy of a code's firing: mean over latents of the largest ρ with any
    /// other latent of the same layer (from a symmetric correlation matrix).
    public static func offDiagonalMeanMax(_ symmetric: Matrix<Double>) -> Double? {
        let f = symmetric.rows
        guard f > 1 else { return nil }
        let best = (0..<f).map { i in (0..<f).filter { $0 != i }.map { abs(symmetric[i, $0]) }.max()! }
        return best.reduce(0, +) / Double(f)
    }

    /// The learned hierarchy of an edge: parent latent j → child latent i when W[j, i] > 0 and
    /// W[j, i] ≥ `relativeThreshold` · max_i W[j, i] (default 0.25; DESIGN keeps the HSAE's W² ≥ 0).
    public static func predictedEdges(edgeWeights: Matrix<Double>, relativeThreshold: Double = 0.25) -> [LatentEdge] {
        var edges: [LatentEdge] = []
        for j in 0..<edgeWeights.rows {
            let row = edgeWeights.row(j)
            guard let peak = row.max(), peak > 0 else { continue }
            for (i, w) in row.enumerated() where w > 0 && w >= relativeThreshold * peak {
                edges.append(LatentEdge(parent: j, child: i))
            }
        }
        return edges
    }

    /// The parent/child diagnostic of DESIGN §3: mean over learned edges of
    /// cos(d_child − u_parent, u_parent) (≈ 0 when a parent is orthogonal to child − parent).
    /// - Parameters: u (p×d) the parents' directions, d (c×d) the children's, both in input space.
    public static func parentChildGeometry(edges: [LatentEdge], parentDirections u: Matrix<Double>,
                                           childDirections d: Matrix<Double>) -> Double? {
        precondition(u.cols == d.cols, "parent/child geometry: u has width \(u.cols), D \(d.cols)")
        let values: [Double] = edges.compactMap { e in
            let parent = u.row(e.parent)
            let difference = zip(d.row(e.child), parent).map { $0 - $1 }
            let nu = parent.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let nd = difference.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard nu > 0, nd > 0 else { return nil }
            return zip(difference, parent).reduce(0) { $0 + $1.0 * $1.1 } / (nu * nd)
        }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}

/// A true feature matched to a latent, with their cosine.
public struct FeatureMatch: Codable, Equatable, Sendable {
    public var truth: Int
    public var latent: Int
    public var cosine: Double
    public init(truth: Int, latent: Int, cosine: Double) { self.truth = truth; self.latent = latent; self.cosine = cosine }
}
