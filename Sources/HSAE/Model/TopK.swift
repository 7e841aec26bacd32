/// Reusable buffers for `TopK.threshold` (one per workspace; never shared between threads).
public struct TopKScratch<T: BLASScalar> {
    var sample: [T] = []
    var candidates: [T] = []
    public init() {}
}

/// Finding the k-th largest of n values fast, for top-k activations (k ≪ n: 64 of 16 384).
///
/// A strided sample of the row estimates a value t that about 3k elements exceed; one pass
/// collects the elements ≥ t (a branch that is almost never taken), and a quickselect among
/// those few finds the exact k-th largest. If fewer than k elements reach t (an unlucky
/// sample), it falls back to a quickselect over the whole row, so the answer is always exact:
/// the k-th largest τ of the row, and how many elements equal to τ are kept (`ties`, taken in
/// index order) — the same selection as sorting the row.
public enum TopK {
    /// τ = the `keep`-th largest of x[0..<n] and ties = keep − #{x > τ}. keep ≥ n keeps all (τ = −∞).
    public static func threshold<T: BLASScalar>(_ x: UnsafePointer<T>, count n: Int, keep: Int,
                                                scratch: inout TopKScratch<T>) -> (value: T, ties: Int) {
        precondition(keep >= 1, "top-k needs k >= 1, got \(keep)")
        guard keep < n else { return (-T.infinity, 0) }
        let tau = estimateThenSelect(x, n, keep, &scratch) ?? selectAll(x, n, keep, &scratch)
        var above = 0
        for i in 0..<n where x[i] > tau { above += 1 }
        return (tau, keep - above)
    }

    /// nil when the sampled bound lets fewer than `keep` elements through.
    private static func estimateThenSelect<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int, _ keep: Int,
                                                          _ s: inout TopKScratch<T>) -> T? {
        let samples = min(n, 1024)
        let stride = n / samples
        // Rank in the sample of the value that ≈ 3·keep elements of the row exceed.
        let rank = 3 * keep * samples / n
        guard rank < samples / 2 else { return nil }  // k is not small against n: select directly
        s.sample.removeAll(keepingCapacity: true)
        for t in 0..<samples { s.sample.append(x[t * stride]) }
        let bound = s.sample.withUnsafeMutableBufferPointer { select($0.baseAddress!, samples, rank: rank) }
        s.candidates.removeAll(keepingCapacity: true)
        for i in 0..<n where x[i] >= bound { s.candidates.append(x[i]) }
        let found = s.candidates.count
        guard found >= keep else { return nil }
        return s.candidates.withUnsafeMutableBufferPointer { select($0.baseAddress!, found, rank: keep - 1) }
    }

    private static func selectAll<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int, _ keep: Int, _ s: inout TopKScratch<T>) -> T {
        s.candidates.removeAll(keepingCapacity: true)
        s.candidates.append(contentsOf: UnsafeBufferPointer(start: x, count: n))
        return s.candidates.withUnsafeMutableBufferPointer { select($0.baseAddress!, n, rank: keep - 1) }
    }

    /// The element that would sit at index `rank` if a[0..<n] were sorted in descending
    /// order (quickselect, median-of-three pivots; deterministic). Reorders a.
    static func select<T: BLASScalar>(_ a: UnsafeMutablePointer<T>, _ n: Int, rank: Int) -> T {
        var lo = 0, hi = n - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let x = a[lo], y = a[mid], z = a[hi]
            let pivot = max(min(x, y), min(max(x, y), z))
            var i = lo, j = hi
            while i <= j {
                while a[i] > pivot { i += 1 }
                while a[j] < pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if rank <= j { hi = j } else if rank >= i { lo = i } else { return a[rank] }
        }
        return a[lo]
    }
}

extension UnsafeMutablePointer {
    @inline(__always) func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
