/// Reusable buffers for top-k selection (one per workspace; never shared between threads).
public struct TopKScratch<T: BLASScalar> {
    var heap: [T] = []
    var rowIndex: [Int32] = []
    var rowValue: [T] = []
    public init() {}
}

/// Finding the k-th largest of n values, for top-k activations (k ≪ n: 64 of 16 384).
///
/// One pass with a min-heap of the k largest values seen so far: almost every element is
/// rejected by one comparison with the heap's root (a well-predicted branch), and the expected
/// number of insertions in random order is only k·ln(n/k). The answer is exact: the k-th
/// largest τ of the row, and how many elements equal to τ are kept (`ties`, taken in index
/// order) — the same selection as sorting the row.
public enum TopK {
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
            for i in 0..<rows {
                let row = x + i * cols
                if let c { for j in 0..<cols { consider(row[j] + c[j]) } } else { for j in 0..<cols { consider(row[j]) } }
            }
            let tau = heap[0]
            var ties = 0
            for s in 0..<keep where heap[s] == tau { ties += 1 }
            return (tau, ties)
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
