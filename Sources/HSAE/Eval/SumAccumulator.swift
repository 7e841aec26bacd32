import Dist

/// A streaming statistic whose whole state is a flat buffer of sums.
///
/// Everything the evaluation accumulates over rows (counts, Σx, Σx², ΣaᵀB, …) adds across
/// batches and across ranks, so the state of any accumulator is one `[Double]` and merging is
/// element-wise addition:
///
///     state(rows₁ ∪ rows₂) = state(rows₁) + state(rows₂)
///
/// Derived quantities (FVU, correlations, frequencies) are computed from the sums only at the
/// end, which is what makes a multi-rank evaluation give the single-rank numbers (up to the
/// order of floating-point additions). Counts stay exact in Double up to 2⁵³.
public protocol SumAccumulator: AnyObject {
    /// The state: sums that add across batches and ranks. Layout is the conformer's business.
    var sums: [Double] { get set }
}

extension SumAccumulator {
    /// self ← self + other. Both must have the same layout (same shapes).
    public func merge(from other: Self) {
        precondition(sums.count == other.sums.count,
                     "merging accumulators of \(sums.count) and \(other.sums.count) sums (different shapes)")
        let n = sums.count
        guard n > 0 else { return }
        other.sums.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { y in Double.axpy(n, 1, x.baseAddress!, y.baseAddress!) }
        }
    }

    /// A copy of the state (for a flat buffer of several accumulators).
    public func flatten() -> [Double] { sums }
}

/// Reduces several accumulators across ranks with a single allreduce of one flat buffer.
public enum AccumulatorReduction {
    /// Concatenates the sums of `parts`, sums them over all ranks in one collective, and writes
    /// the totals back, so that afterwards every rank holds the global statistics.
    /// Every rank must pass accumulators of the same shapes in the same order.
    public static func allreduce(_ parts: [any SumAccumulator], over comm: Communicator) throws {
        var flat = [Double]()
        flat.reserveCapacity(parts.reduce(0) { $0 + $1.sums.count })
        for part in parts { flat.append(contentsOf: part.sums) }
        try comm.allreduce(&flat)
        var offset = 0
        for part in parts {
            let n = part.sums.count
            part.sums = Array(flat[offset ..< offset + n])
            offset += n
        }
    }
}

/// Helpers shared by the accumulators: Float or Double batches are summed in Double.
enum BatchMath {
    /// The batch in Double: the matrix itself when it already is (no copy), else converted.
    static func double<T: BLASScalar>(_ m: Matrix<T>) -> Matrix<Double> {
        (m as? Matrix<Double>) ?? m.converted(to: Double.self)
    }

    /// Column sums of a row-major B×n matrix, Σ_rows A, in Double (via gemm with a row of ones).
    static func columnSums(_ a: Matrix<Double>) -> [Double] {
        guard a.rows > 0 else { return [Double](repeating: 0, count: a.cols) }
        let ones = Matrix<Double>(rows: 1, cols: a.rows, repeating: 1)
        return Matrix.product(ones, a).storage
    }

    /// Adds `values` into `sums[offset ..< offset + values.count]`.
    static func accumulate(_ values: [Double], into sums: inout [Double], at offset: Int) {
        let n = values.count
        guard n > 0 else { return }
        precondition(offset + n <= sums.count, "accumulate: \(n) values at \(offset) into \(sums.count) sums")
        values.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { y in Double.axpy(n, 1, x.baseAddress!, y.baseAddress! + offset) }
        }
    }
}
