/// Streaming reconstruction quality of one model path (full, skip-only, top-only, baseline).
///
/// Legend: n rows seen, d input width, x a row of the input, x̂ its reconstruction, c a fixed
/// centre (the same on every rank, e.g. b_dec; it only improves numerical stability).
///
///     SSE  = Σ_rows ‖x − x̂‖²
///     SST  = Σ_rows ‖x − x̄‖² = Σ_rows ‖x − c‖² − ‖Σ_rows (x − c)‖² / n     (exact, from sums)
///     FVU  = SSE / SST                        fraction of variance unexplained
///     MSE  = SSE / n                          mean squared error per token (= L_rec)
///     cos  = mean over rows with x ≠ 0 of ⟨x, x̂⟩ / (‖x‖‖x̂‖)   (0 where x̂ = 0)
///     shrinkage = mean over rows with x ≠ 0 of ‖x̂‖ / ‖x‖
///
/// Because SST is formed from Σ(x − c) and Σ‖x − c‖², merging the sums of two halves gives
/// exactly the FVU of the whole (unlike averaging per-rank FVUs).
public final class ReconstructionStats: SumAccumulator {
    @exclusivity(unchecked) public var sums: [Double]  // 6 + d: see `Slot`
    public let d: Int
    let centre: [Double]  // d

    enum Slot {
        static let rows = 0, sse = 1, centredSquares = 2, cosine = 3, shrinkage = 4, nonzeroRows = 5
        static let columnSums = 6  // d values: Σ_rows (x − c)
    }

    /// - Parameter centre: subtracted before summing (length d; zeros when nil). Must be the same on every rank.
    public init(d: Int, centre: [Double]? = nil) {
        precondition(centre == nil || centre!.count == d, "centre has \(centre!.count) values, d = \(d)")
        self.d = d
        self.centre = centre ?? [Double](repeating: 0, count: d)
        sums = [Double](repeating: 0, count: Slot.columnSums + d)
    }

    /// Adds a batch: `x` and `reconstruction` are B×d.
    public func add<T: BLASScalar>(_ x: Matrix<T>, reconstruction: Matrix<T>) {
        precondition(x.rows == reconstruction.rows && x.cols == d && reconstruction.cols == d,
                     "reconstruction stats: x \(x.rows)×\(x.cols), x̂ \(reconstruction.rows)×\(reconstruction.cols), d = \(d)")
        let xd = BatchMath.double(x)                 // B×d
        let xh = BatchMath.double(reconstruction)    // B×d
        var residual = xd                             // B×d, x − x̂
        residual.add(xh, scaledBy: -1)
        var centred = xd                              // B×d, x − c
        let ones = Matrix<Double>(rows: x.rows, cols: 1, repeating: 1)
        Matrix.gemm(ones, Matrix(rows: 1, cols: d, storage: centre), into: &centred, alpha: -1, beta: 1)

        let xNorms = xd.rowNorms(), hatNorms = xh.rowNorms()
        var cosine = 0.0, shrink = 0.0, nonzero = 0.0
        xd.storage.withUnsafeBufferPointer { px in
            xh.storage.withUnsafeBufferPointer { ph in
                for i in 0..<x.rows where xNorms[i] > 0 {
                    let inner = Double.dot(d, px.baseAddress! + i * d, 1, ph.baseAddress! + i * d, 1)
                    cosine += hatNorms[i] > 0 ? inner / (xNorms[i] * hatNorms[i]) : 0
                    shrink += hatNorms[i] / xNorms[i]
                    nonzero += 1
                }
            }
        }
        sums[Slot.rows] += Double(x.rows)
        sums[Slot.sse] += residual.dot(residual)
        sums[Slot.centredSquares] += centred.dot(centred)
        sums[Slot.cosine] += cosine
        sums[Slot.shrinkage] += shrink
        sums[Slot.nonzeroRows] += nonzero
        BatchMath.accumulate(BatchMath.columnSums(centred), into: &sums, at: Slot.columnSums)
    }

    public var rows: Int { Int(sums[Slot.rows]) }
    public var sse: Double { sums[Slot.sse] }

    /// Σ_rows ‖x − x̄‖², the total variance times n.
    public var sst: Double {
        let n = sums[Slot.rows]
        guard n > 0 else { return 0 }
        let colSums = sums[Slot.columnSums ..< Slot.columnSums + d]
        let meanPart = colSums.reduce(0) { $0 + $1 * $1 } / n
        return max(0, sums[Slot.centredSquares] - meanPart)
    }

    /// SSE / SST; nil when there is no variance (or no rows).
    public var fvu: Double? { sst > 0 ? sse / sst : nil }

    /// The numbers a report shows, under `name` ("full", "skip_only", "top_only", "baseline").
    public func summary(name: String) -> ReconstructionSummary {
        let n = sums[Slot.rows], nz = sums[Slot.nonzeroRows]
        return ReconstructionSummary(
            name: name, rows: rows, fvu: fvu,
            mse: n > 0 ? sse / n : nil,
            cosine: nz > 0 ? sums[Slot.cosine] / nz : nil,
            shrinkage: nz > 0 ? sums[Slot.shrinkage] / nz : nil)
    }
}

/// Reconstruction quality of one model path, as reported (`ReconstructionStats` defines each field).
public struct ReconstructionSummary: Codable, Equatable, Sendable {
    public var name: String
    public var rows: Int
    public var fvu: Double?
    public var mse: Double?
    public var cosine: Double?
    public var shrinkage: Double?

    public init(name: String, rows: Int, fvu: Double?, mse: Double?, cosine: Double?, shrinkage: Double?) {
        self.name = name; self.rows = rows; self.fvu = fvu; self.mse = mse; self.cosine = cosine; self.shrinkage = shrinkage
    }
}
