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
/// end. Across batches and ranks the sums are added exactly (`ExactAccumulation`), which is what
/// makes a multi-rank evaluation give the single-rank numbers bit for bit. Counts stay exact in
/// Double up to 2⁵³.
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

/// A bare buffer of sums, for totals that need no structure (spliced fidelity's Σx² and tokens).
public final class PlainSums: SumAccumulator {
    @exclusivity(unchecked) public var sums: [Double]
    public init(count: Int) { sums = [Double](repeating: 0, count: count) }
}

/// Sums several accumulators over batches and ranks exactly, so that the totals do not depend
/// on how the rows were split (rank count) or in which order the partials arrive.
///
/// The caller feeds one batch at a time: `beginBatch` zeroes every part, the part's `add` fills
/// it with that batch's partial sums (Double, computed from the batch alone), and `endBatch`
/// folds those partials into fixed-point integers. Integer addition is associative, so the
/// totals after `allreduce` are the same bits for every W and every order, provided each batch's
/// partial is (batches on a grid that does not depend on W: `EvalInputs.batches`).
///
/// Fixed point in two Int64 limbs per sum. A partial v, |v| < 2^40, is carried as
///
///     h = round(v · 2^16)                    |h| < 2^56
///     l = round((v − h · 2^−16) · 2^56)      |v − h·2^−16| ≤ 2^−17, so |l| ≤ 2^39
///
/// v − h·2^−16 is exact in Double (Sterbenz: the two are within a factor 2, or h = 0), so the
/// only rounding is l's: at most 2^−57 per partial, absolute. A total decodes as
/// Double(H)·2^−16 + Double(L)·2^−56. Headroom: a rank's |H| and |L| must stay below 2^62 / W so
/// that MPI's integer sum cannot wrap; a partial beyond 2^40, a non-finite one, or a rank's
/// total beyond that bound is counted, the count reduced with the sums, and every rank throws
/// the same error (`ExactAccumulation.RangeError`).
public final class ExactAccumulation {
    public let parts: [any SumAccumulator]
    /// Where each part's sums start in `high`/`low`.
    let offsets: [Int]
    @exclusivity(unchecked) var high: [Int64]
    @exclusivity(unchecked) var low: [Int64]
    /// Partials or totals that left the fixed-point range (see the type's comment).
    @exclusivity(unchecked) var outOfRange: Int64 = 0
    let limit: Int64

    static let highScale = 0x1p16, lowScale = 0x1p56
    static let partialLimit = 0x1p40

    /// Every rank must pass accumulators of the same shapes in the same order; `ranks` is W.
    public init(_ parts: [any SumAccumulator], ranks: Int) {
        precondition(ranks >= 1, "ExactAccumulation over \(ranks) ranks")
        self.parts = parts
        var offsets = [Int](), n = 0
        for part in parts { offsets.append(n); n += part.sums.count }
        self.offsets = offsets
        high = [Int64](repeating: 0, count: n)
        low = [Int64](repeating: 0, count: n)
        limit = (Int64(1) << 62) / Int64(ranks)
    }

    /// Zeroes every part: its `add` calls until `endBatch` are one partial.
    public func beginBatch() {
        for part in parts { part.sums.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    /// Adds every part's current sums (one partial) to the fixed-point totals.
    public func endBatch() {
        for (part, offset) in zip(parts, offsets) {
            part.sums.withUnsafeBufferPointer { v in add(v, at: offset) }
        }
    }

    func add(_ v: UnsafeBufferPointer<Double>, at offset: Int) {
        var bad: Int64 = 0
        let limit = limit
        high.withUnsafeMutableBufferPointer { h in
            low.withUnsafeMutableBufferPointer { l in
                for i in 0..<v.count {
                    let x = v[i]
                    guard x != 0 else { continue }
                    guard abs(x) < Self.partialLimit else { bad += 1; continue }  // also NaN
                    let top = (x * Self.highScale).rounded(.toNearestOrEven)
                    let rest = ((x - top / Self.highScale) * Self.lowScale).rounded(.toNearestOrEven)
                    let hi = h[offset + i] + Int64(top), lo = l[offset + i] + Int64(rest)
                    if abs(hi) >= limit || abs(lo) >= limit { bad += 1; continue }
                    h[offset + i] = hi
                    l[offset + i] = lo
                }
            }
        }
        outOfRange += bad
    }

    /// The totals as Double (what `allreduce` writes back into the parts).
    func decoded() -> [Double] {
        zip(high, low).map { Double($0) / Self.highScale + Double($1) / Self.lowScale }
    }

    /// Sums the integers over every rank (one collective) and writes the totals into every part,
    /// on every rank; throws on every rank alike if any rank left the fixed-point range.
    public func allreduce(over comm: Communicator) throws {
        var flat = high + low + [outOfRange]
        try comm.allreduce(&flat)
        let n = high.count
        high = Array(flat[0..<n])
        low = Array(flat[n ..< 2 * n])
        outOfRange = flat[2 * n]
        try writeTotals()
    }

    /// This rank's totals into the parts (what `allreduce` does after the collective).
    public func writeTotals() throws {
        guard outOfRange == 0 else { throw RangeError(count: outOfRange) }
        let totals = decoded()
        for (part, offset) in zip(parts, offsets) {
            let n = part.sums.count
            part.sums = Array(totals[offset ..< offset + n])
        }
    }

    public struct RangeError: Error, CustomStringConvertible {
        public let count: Int64
        public var description: String {
            "\(count) evaluation sum(s) are not finite or exceed the exact range (|partial| < 2^40, total < 2^46 / ranks): "
                + "the model produces non-finite or enormous values on these rows"
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
