/// The layer activations of DESIGN §2. Legend: p pre-activations (b × m), z code (b × m).
/// In every kind the code is z = p where a latent is kept and p > 0, else 0, so the
/// backward mask is simply z > 0.
public enum Activation {
    /// z = act(p). `k` is per row (topk) or per row on average (batchtopk, keeping b·k
    /// over the whole microbatch). `threshold` (batchtopk inference only) keeps p > threshold.
    /// Returns, for batchtopk in training, the smallest kept positive value (the batch's
    /// threshold, which trains the inference threshold's running estimate); otherwise nil.
    @discardableResult
    public static func apply<T>(_ kind: ActivationKind, _ p: View<T>, into z: View<T>, k: Int,
                                threshold: T? = nil, scratch: inout [T]) -> T? {
        precondition(p.rows == z.rows && p.cols == z.cols, "activation shapes \(p.rows)×\(p.cols) vs \(z.rows)×\(z.cols)")
        switch kind {
        case .relu:
            relu(p, into: z)
            return nil
        case .topk:
            for i in 0..<p.rows {
                keepLargest(p.row(i), count: p.cols, keep: k, into: z.row(i), scratch: &scratch)
            }
            return nil
        case .batchtopk:
            if let threshold {
                for i in 0..<p.count { z.base[i] = p.base[i] > threshold && p.base[i] > 0 ? p.base[i] : 0 }
                return nil
            }
            keepLargest(p.base, count: p.count, keep: k * p.rows, into: z.base, scratch: &scratch)
            var smallest = T.infinity
            for i in 0..<z.count where z.base[i] > 0 { smallest = min(smallest, z.base[i]) }
            return smallest.isFinite ? smallest : 0
        }
    }

    public static func relu<T>(_ p: View<T>, into z: View<T>) {
        for i in 0..<p.count { z.base[i] = max(p.base[i], 0) }
    }

    /// dP = dZ ⊙ [z > 0] (in place into dp).
    public static func backward<T>(_ dz: View<T>, code z: View<T>, into dp: View<T>) {
        for i in 0..<z.count { dp.base[i] = z.base[i] > 0 ? dz.base[i] : 0 }
    }

    /// Keeps the `keep` largest of x[0..<n] (ties broken by lower index), ReLU'd, into out; zeros elsewhere.
    static func keepLargest<T: BLASScalar>(_ x: UnsafePointer<T>, count n: Int, keep: Int,
                                           into out: UnsafeMutablePointer<T>, scratch: inout [T]) {
        guard keep < n else {
            for i in 0..<n { out[i] = max(x[i], 0) }
            return
        }
        if scratch.count < n { scratch = [T](repeating: 0, count: n) }
        let tau: T = scratch.withUnsafeMutableBufferPointer { s in
            s.baseAddress!.update(from: x, count: n)
            return select(s.baseAddress!, n, rank: keep - 1)
        }
        var above = 0
        for i in 0..<n where x[i] > tau { above += 1 }
        var tiesLeft = keep - above
        for i in 0..<n {
            let v = x[i]
            var kept = v > tau
            if !kept, v == tau, tiesLeft > 0 { kept = true; tiesLeft -= 1 }
            out[i] = kept && v > 0 ? v : 0
        }
    }

    /// The element that would sit at index `rank` if a[0..<n] were sorted in descending
    /// order (quickselect, median-of-three pivots; deterministic). Reorders a.
    static func select<T: BLASScalar>(_ a: UnsafeMutablePointer<T>, _ n: Int, rank: Int) -> T {
        var lo = 0, hi = n - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // median of three as pivot
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
