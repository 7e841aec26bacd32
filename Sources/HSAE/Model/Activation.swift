/// The layer activations of DESIGN §2. Legend: p pre-activations without the encoder bias
/// (b × m), c the bias (m), z the code (b × m). In every kind the code is z = p + c where a
/// latent is kept and p + c > 0, else 0, so the backward mask is simply z > 0.
public enum Activation {
    /// z = act(p + c), written whole (no separate zeroing pass; z may be p itself), and the same
    /// code as sparse rows.
    /// `k` is per row (topk) or per row on average (batchtopk, keeping b·k over the whole
    /// microbatch). `threshold` (batchtopk inference only) keeps p + c > threshold.
    /// Returns, for batchtopk in training, the smallest kept positive value (the batch's
    /// threshold, which trains the inference threshold's running estimate); otherwise nil.
    @discardableResult
    public static func apply<T>(_ kind: ActivationKind, _ p: View<T>, bias c: UnsafePointer<T>, into z: View<T>,
                                code: SparseCode<T>, k: Int, threshold: T? = nil, scratch: inout TopKScratch<T>) -> T? {
        precondition(p.rows == z.rows && p.cols == z.cols && code.latents == p.cols,
                     "activation shapes \(p.rows)×\(p.cols) vs \(z.rows)×\(z.cols), code of \(code.latents) latents")
        let (b, m) = (p.rows, p.cols)
        code.reset(reservingPerRow: kind == .relu ? 0 : k, rows: b)
        switch kind {
        case .relu:
            keep(p, bias: c, above: 0, into: z, code: code)
            return nil
        case .topk:
            for i in 0..<b {
                let tau = TopK.threshold(p.row(i), rows: 1, cols: m, bias: c, keep: k, scratch: &scratch)
                var ties = tau.ties
                keep(p.row(i), bias: c, count: m, tau: tau.value, ties: &ties, into: z.row(i), code: code, scratch: &scratch)
            }
            return nil
        case .batchtopk:
            if let threshold {
                keep(p, bias: c, above: max(threshold, 0), into: z, code: code)
                return nil
            }
            let tau = TopK.threshold(p.base, rows: b, cols: m, bias: c, keep: k * b, scratch: &scratch)
            var ties = tau.ties
            var smallest = T.infinity
            for i in 0..<b {
                keep(p.row(i), bias: c, count: m, tau: tau.value, ties: &ties, into: z.row(i), code: code, scratch: &scratch)
            }
            for v in code.value { smallest = min(smallest, v) }
            return smallest.isFinite ? smallest : 0
        }
    }

    /// z ← p + c where that exceeds floor, else 0 (all rows), recording the kept entries.
    private static func keep<T>(_ p: View<T>, bias c: UnsafePointer<T>, above floor: T, into z: View<T>, code: SparseCode<T>) {
        var rowIndex = [Int32](repeating: 0, count: z.cols), rowValue = [T](repeating: 0, count: z.cols)
        rowIndex.withUnsafeMutableBufferPointer { ri in
            rowValue.withUnsafeMutableBufferPointer { rv in
                for i in 0..<z.rows {
                    let (pr, zr) = (p.row(i), z.row(i))
                    var n = 0
                    for j in 0..<z.cols {
                        let v = pr[j] + c[j]
                        if v > floor { ri[n] = Int32(truncatingIfNeeded: j); rv[n] = v; n += 1; zr[j] = v } else { zr[j] = 0 }
                    }
                    code.appendRow(index: UnsafeBufferPointer(rebasing: ri[0..<n]), value: UnsafeBufferPointer(rebasing: rv[0..<n]))
                }
            }
        }
    }

    /// One row of a top-k selection over v = p + c: keeps v > τ, and v == τ while `ties` last
    /// (lower index first), ReLU'd, into z (which may be p); zeros the rest; records the kept
    /// entries and closes the row.
    @inline(__always)
    private static func keep<T>(_ p: UnsafeMutablePointer<T>, bias c: UnsafePointer<T>, count m: Int, tau: T, ties: inout Int,
                                into z: UnsafeMutablePointer<T>, code: SparseCode<T>, scratch: inout TopKScratch<T>) {
        if scratch.rowIndex.count < m {
            scratch.rowIndex = [Int32](repeating: 0, count: m)
            scratch.rowValue = [T](repeating: 0, count: m)
        }
        var n = 0
        scratch.rowIndex.withUnsafeMutableBufferPointer { ri in
            scratch.rowValue.withUnsafeMutableBufferPointer { rv in
                for j in 0..<m {
                    let v = p[j] + c[j]
                    var kept = v > tau
                    if !kept, v == tau, ties > 0 { kept = true; ties -= 1 }
                    if kept, v > 0 { ri[n] = Int32(truncatingIfNeeded: j); rv[n] = v; n += 1; z[j] = v } else { z[j] = 0 }
                }
                code.appendRow(index: UnsafeBufferPointer(rebasing: ri[0..<n]), value: UnsafeBufferPointer(rebasing: rv[0..<n]))
            }
        }
    }

    public static func relu<T>(_ p: View<T>, into z: View<T>) {
        for i in 0..<p.count { z.base[i] = max(p.base[i], 0) }
    }

    /// dP = dZ ⊙ [z > 0] (in place into dp).
    public static func backward<T>(_ dz: View<T>, code z: View<T>, into dp: View<T>) {
        for i in 0..<z.count { dp.base[i] = z.base[i] > 0 ? dz.base[i] : 0 }
    }
}
