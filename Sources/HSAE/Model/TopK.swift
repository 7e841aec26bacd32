/// Reusable buffers for top-k selection (one per workspace; never shared between threads).
public struct TopKScratch<T: BLASScalar> {
    var heap: [T] = []
    var rowIndex: [Int32] = []
    var rowValue: [T] = []
    /// The values that pass `TopK`'s prefilter (at most rows × cols).
    var candidates: [T] = []
    public init() {}
}

/// Finding the k-th largest of n values, for top-k activations (k ≪ n: 64 of 16 384).
///
/// One pass with a min-heap of the k largest values seen so far: almost every element is
/// rejected by one comparison with the heap's root (a well-predicted branch), and the expected
/// number of insertions in random order is only k·ln(n/k). The answer is exact: the k-th
/// largest τ of the row, and how many elements equal to τ are kept (`ties`, taken in index
/// order) — the same selection as sorting the row.
///
/// When the heap's insertions would dominate (n ≥ `prefilterRatio`·k: 21 of 640 at the demo's
/// shapes, where the heap alone was a quarter of a training step), a cheaper pass first bounds τ
/// from below: split the values into whole groups of g = n / k (at least k of them); every
/// group's maximum is at least L, the smallest of them, so at least k values are ≥ L and τ ≥ L. The values ≥ L (a few k,
/// copied out branch-free) hold everything the selection keeps, and the heap runs over them only.
/// Same τ and ties, exactly; a row with a NaN takes the plain path, so that NaN is handled as before.
/// Among at most `countingLimit` candidates, a vector kernel (where T has one) finds τ by counting
/// instead of the heap: the heap's sift-downs were a tenth of a step at the demo's shapes. Both give
/// the same τ and ties, up to the sign of a zero τ, which only ever meets comparisons.
public enum TopK {
    /// The prefilter runs when the values number at least this many times `keep`.
    public static let prefilterRatio = 8

    /// τ = the `keep`-th largest of x[0..<n] and ties = keep − #{x > τ}. keep ≥ n keeps all (τ = −∞).
    public static func threshold<T: BLASScalar>(_ x: UnsafePointer<T>, count n: Int, keep: Int,
                                                scratch: inout TopKScratch<T>) -> (value: T, ties: Int) {
        threshold(x, rows: 1, cols: n, bias: nil, keep: keep, scratch: &scratch)
    }

    /// The same over the values x[i, j] + c[j] of a rows × cols matrix (the bias added on the fly,
    /// nothing written), in row-major order: per row for top-k, over the whole microbatch for
    /// batch-top-k. The heap ends holding the k largest values, so the ties are its entries equal
    /// to τ — no second pass over the data.
    public static func threshold<T: BLASScalar>(_ x: UnsafePointer<T>, rows: Int, cols: Int, bias c: UnsafePointer<T>?, keep: Int,
                                                scratch: inout TopKScratch<T>) -> (value: T, ties: Int) {
        precondition(keep >= 1, "top-k needs k >= 1, got \(keep)")
        let n = rows * cols
        guard keep < n else { return (-T.infinity, 0) }
        if n >= prefilterRatio * keep, let found = prefiltered(x, rows: rows, cols: cols, bias: c, keep: keep, scratch: &scratch) {
            return found
        }
        return heapSelect(x, rows: rows, cols: cols, bias: c, keep: keep, scratch: &scratch)
    }

    /// `threshold` over the values ≥ L (see the type's comment); nil when a value is NaN. A row
    /// (rows == 1) is prefiltered by the vector kernel where T has one (`prefilterRowKernel`),
    /// which computes the same L and candidates as the loops here.
    private static func prefiltered<T: BLASScalar>(_ x: UnsafePointer<T>, rows: Int, cols: Int, bias c: UnsafePointer<T>?, keep: Int,
                                                   scratch: inout TopKScratch<T>) -> (value: T, ties: Int)? {
        let n = rows * cols
        if scratch.candidates.count < n { scratch.candidates = [T](repeating: 0, count: n) }
        let count = scratch.candidates.withUnsafeMutableBufferPointer { out -> Int in
            let o = out.baseAddress!
            if rows == 1, let count = T.prefilterRowKernel(x, bias: c, count: n, keep: keep, into: o) { return count }
            return prefilterLoops(x, rows: rows, cols: cols, bias: c, keep: keep, into: o)
        }
        guard count >= 0 else { return nil }
        precondition(count >= keep, "top-k prefilter kept \(count) values, fewer than k = \(keep)")
        let candidates = scratch.candidates
        return candidates.withUnsafeBufferPointer {
            if count <= countingLimit, let found = T.selectKernel($0.baseAddress!, count: count, keep: keep) { return found }
            return heapSelect($0.baseAddress!, rows: 1, cols: count, bias: nil, keep: keep, scratch: &scratch)
        }
    }

    /// Up to this many candidates, selection among them counts for each how many are greater
    /// (`selectKernel`, n² vector comparisons) rather than running the heap.
    public static let countingLimit = 128

    /// The prefilter's L and candidates (into o, room for rows × cols) in Swift: their count, or
    /// −1 when a value is NaN.
    private static func prefilterLoops<T: BLASScalar>(_ x: UnsafePointer<T>, rows: Int, cols: Int, bias c: UnsafePointer<T>?, keep: Int,
                                                      into o: UnsafeMutablePointer<T>) -> Int {
        let g = rows * cols / keep
        // L = min over groups of the group maximum (groups of g consecutive values in row-major order).
        var bound = T.infinity, groupMax = -T.infinity, inGroup = 0, groups = 0
        // Groups past the k-th (to the end of that row) only lower L, which stays a bound.
        forEachValue(x, rows: rows, cols: cols, bias: c, while: { groups < keep }) { v in
            groupMax = v > groupMax ? v : groupMax
            inGroup += 1
            if inGroup == g {
                bound = groupMax < bound ? groupMax : bound
                (groupMax, inGroup, groups) = (-T.infinity, 0, groups + 1)
            }
        }
        var count = 0, nans = 0
        forEachValue(x, rows: rows, cols: cols, bias: c) { v in
            o[count] = v
            count += v >= bound ? 1 : 0
            nans += v.isNaN ? 1 : 0
        }
        return nans > 0 ? -1 : count
    }

    /// The heap selection alone (see the type's comment): `threshold` without the prefilter, the
    /// reference the prefilter is tested against.
    public static func heapSelect<T: BLASScalar>(_ x: UnsafePointer<T>, rows: Int, cols: Int, bias c: UnsafePointer<T>?, keep: Int,
                                                  scratch: inout TopKScratch<T>) -> (value: T, ties: Int) {
        if scratch.heap.count < keep { scratch.heap = [T](repeating: 0, count: keep) }
        return scratch.heap.withUnsafeMutableBufferPointer { h in
            let heap = h.baseAddress!
            var filled = 0
            @inline(__always) func consider(_ v: T) {
                if filled < keep {
                    heap[filled] = v
                    filled += 1
                    if filled == keep { for s in stride(from: keep / 2 - 1, through: 0, by: -1) { siftDown(heap, keep, s) } }
                } else if v > heap[0] {
                    heap[0] = v
                    siftDown(heap, keep, 0)
                }
            }
            forEachValue(x, rows: rows, cols: cols, bias: c, consider)
            let tau = heap[0]
            var ties = 0
            for s in 0..<keep where heap[s] == tau { ties += 1 }
            return (tau, ties)
        }
    }

    /// Calls body(x[i, j] + c[j]) (or x[i, j] without a bias) in row-major order; `more` is asked
    /// before each row, and a false answer ends the pass.
    @inline(__always)
    private static func forEachValue<T: BLASScalar>(_ x: UnsafePointer<T>, rows: Int, cols: Int, bias c: UnsafePointer<T>?,
                                                    while more: () -> Bool = { true }, _ body: (T) -> Void) {
        for i in 0..<rows where more() {
            let row = x + i * cols
            if let c { for j in 0..<cols { body(row[j] + c[j]) } } else { for j in 0..<cols { body(row[j]) } }
        }
    }

    /// Restores the min-heap property below position i of heap[0..<n].
    @inline(__always)
    private static func siftDown<T: BLASScalar>(_ heap: UnsafeMutablePointer<T>, _ n: Int, _ start: Int) {
        var i = start
        let v = heap[i]
        while true {
            var child = 2 * i + 1
            guard child < n else { break }
            if child + 1 < n, heap[child + 1] < heap[child] { child += 1 }
            guard heap[child] < v else { break }
            heap[i] = heap[child]
            i = child
        }
        heap[i] = v
    }
}
