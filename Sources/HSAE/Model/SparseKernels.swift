/// Kernels over a `SparseCode` (b rows, m latents, nnz active entries): the products a dense
/// GEMM would compute with a mostly-zero operand, at the cost of the active entries only.
/// Each is checked against its dense GEMM in SparseKernelTests. Legend: Z the sparse code
/// (b × m), e an entry (row i, latent j), W a latent-major matrix (m × n, row j contiguous),
/// Y a row-major b × n matrix, u a value per entry (Z's own values, or a gradient at Z's entries).
/// Entries are visited latent by latent, in row order within a latent (`forEachEntryByLatent`):
/// each W[j] (or dW[j]) is read or updated once while its entries use it, instead of once per
/// entry from memory — at m1 = 16k a row is 64 KB, and the top decoder's three products moved
/// ~1 GB a microbatch in row order. Every output element still receives its terms in the same
/// order as a row-by-row pass would give them (ascending j within a row of `out`, ascending i
/// within a row of dW), so results are the same to the bit; the order is fixed, so deterministic.
public enum SparseKernels {
    /// out ← β·out + Σ_e u_e · W[j_e] into row i_e:  out = U W, U the b × m matrix with u at Z's entries.   (b·k·n)
    public static func product<T>(_ code: SparseCode<T>, values u: [T], _ w: View<T>, into out: View<T>, beta: T = 0) {
        precondition(u.count == code.count && w.rows == code.latents && out.rows == code.rows && out.cols == w.cols,
                     "sparse product: \(code.rows)×\(code.latents) code (\(code.count) entries, \(u.count) values), "
                     + "W \(w.rows)×\(w.cols), out \(out.rows)×\(out.cols)")
        let n = w.cols
        if beta == 0 { out.zero() } else if beta != 1 { T.scal(out.count, beta, out.base) }
        u.withUnsafeBufferPointer { val in
            code.forEachEntryByLatent { j, e, i in T.axpy(n, val[e], w.row(j), out.row(i)) }
        }
    }

    /// dW[j_e] += u_e · Y[i_e]:  dW += Uᵀ Y.   (b·k·n)
    public static func scatterOuter<T>(_ code: SparseCode<T>, values u: [T], _ y: View<T>, into dw: View<T>) {
        precondition(u.count == code.count && dw.rows == code.latents && y.rows == code.rows && y.cols == dw.cols,
                     "sparse outer product: \(code.rows)×\(code.latents) code (\(u.count) values), Y \(y.rows)×\(y.cols), "
                     + "dW \(dw.rows)×\(dw.cols)")
        let n = y.cols
        u.withUnsafeBufferPointer { val in
            code.forEachEntryByLatent { j, e, i in
                if val[e] != 0 { T.axpy(n, val[e], y.row(i), dw.row(j)) }
            }
        }
    }

    /// g_e = Y[i_e] · W[j_e]: the entries of Y Wᵀ at Z's active positions only.   (b·k·n)
    public static func gatherDots<T>(_ code: SparseCode<T>, _ y: View<T>, _ w: View<T>) -> [T] {
        precondition(w.rows == code.latents && y.rows == code.rows && y.cols == w.cols,
                     "sparse dots: \(code.rows)×\(code.latents) code, Y \(y.rows)×\(y.cols), W \(w.rows)×\(w.cols)")
        var g = [T](repeating: 0, count: code.count)
        let n = y.cols
        g.withUnsafeMutableBufferPointer { out in
            code.forEachEntryByLatent { j, e, i in out[e] = T.dot(n, y.row(i), 1, w.row(j), 1) }
        }
        return g
    }

    /// The entries of a dense b × m matrix at Z's active positions.
    public static func gather<T>(_ code: SparseCode<T>, _ y: View<T>) -> [T] {
        precondition(y.rows == code.rows && y.cols == code.latents, "gather: code \(code.rows)×\(code.latents), Y \(y.rows)×\(y.cols)")
        var g = [T](repeating: 0, count: code.count)
        for i in 0..<code.rows {
            let yi = y.row(i)
            for e in code.start[i] ..< code.start[i + 1] { g[e] = yi[Int(code.index[e])] }
        }
        return g
    }

    /// out[j] += α · Σ_{e at latent j} u_e: column sums of U (bias gradients).
    public static func columnSums<T>(_ code: SparseCode<T>, values u: [T], into out: UnsafeMutablePointer<T>, alpha: T = 1) {
        precondition(u.count == code.count, "column sums: \(u.count) values for \(code.count) entries")
        for e in 0..<code.count { out[Int(code.index[e])] += alpha * u[e] }
    }
}

extension SparseKernels {
    /// out = b + Σ_e z_e · W[j_e] into row i_e (a layer's decoder): the bias in every row, then
    /// `product` over the code's own values onto it (latent by latent).
    public static func decodeByLatent<T>(_ code: SparseCode<T>, _ w: View<T>, bias: UnsafePointer<T>, into out: View<T>) {
        precondition(w.rows == code.latents && out.rows == code.rows && out.cols == w.cols,
                     "decode: code \(code.rows)×\(code.latents), W \(w.rows)×\(w.cols), out \(out.rows)×\(out.cols)")
        for i in 0..<out.rows { out.row(i).update(from: bias, count: w.cols) }
        product(code, values: code.value, w, into: out, beta: 1)
    }

    /// The whole backward pass of a layer without a top layer above it (phase 1, the baselines),
    /// latent by latent, so that each latent's four rows (W_dec[j], W_enc[:, j] held as a row,
    /// and their gradients) are read and written once per microbatch instead of once per entry:
    ///
    ///     dz_e = dX̂_i · W_dec[j] + l1_j          (∂L/∂z at the entry; dP = dZ where z > 0)
    ///     dW_dec[j] += z_e dX̂_i    dW_encᵀ[j] += dz_e Xc_i    db_enc[j] += dz_e
    ///     Σ_rows dXc = Σ_j (Σ_e dz_e) W_encᵀ[j]    (only the column sums of dXc are needed: b_dec's gradient)
    ///
    /// Returns Σ_rows dXc (length n). Equals the dense path (Zᵀ dX̂, dX̂ W_decᵀ ⊙ [Z > 0], dPᵀ Xc, dP W_encᵀ).
    public static func layerBackward<T>(_ code: SparseCode<T>, dxhat: View<T>, xc: View<T>, wDec: View<T>, wEncT: View<T>,
                                        l1: [T]?, dWDec: View<T>, dWEncT: View<T>, dBEnc: UnsafeMutablePointer<T>) -> [T] {
        precondition(wDec.rows == code.latents && wEncT.rows == code.latents && dxhat.rows == code.rows && xc.rows == code.rows
                     && wDec.cols == dxhat.cols && wEncT.cols == xc.cols,
                     "layer backward: code \(code.rows)×\(code.latents), dX̂ \(dxhat.rows)×\(dxhat.cols), Xc \(xc.rows)×\(xc.cols), "
                     + "W_dec \(wDec.rows)×\(wDec.cols), W_encᵀ \(wEncT.rows)×\(wEncT.cols)")
        let n = wDec.cols
        code.buildColumns()
        var dxcSum = [T](repeating: 0, count: xc.cols)
        for j in 0..<code.latents where code.latentStart[j] < code.latentStart[j + 1] {
            let (wd, gd, ge) = (wDec.row(j), dWDec.row(j), dWEncT.row(j))
            let penalty = l1?[j] ?? 0
            var dzSum: T = 0
            for s in code.latentStart[j] ..< code.latentStart[j + 1] {
                let e = Int(code.byLatent[s])
                let i = Int(code.entryRow[e])
                let (dx, x) = (dxhat.row(i), xc.row(i))
                let dz = T.dot(n, dx, 1, wd, 1) + penalty
                T.axpy(n, code.value[e], dx, gd)
                T.axpy(n, dz, x, ge)
                dzSum += dz
            }
            dBEnc[j] += dzSum
            T.axpy(xc.cols, dzSum, wEncT.row(j), &dxcSum)
        }
        return dxcSum
    }
}

extension SparseKernels {
    /// dW[j1, j2] += z1_e1 · u_e2 for every pair of entries of the same row: dW += Z1ᵀ U, U the
    /// b × m2 matrix with u at Z2's entries (the top encoder's or decoder's gradient).   (b·k1·k2)
    /// code1's latents are visited in order, so that each row of dW is in cache while its entries are
    /// added (dW is m1 × m2: 256 MB at 16k × 4k); every element receives its additions in row order.
    public static func outerOfCodes<T>(_ code1: SparseCode<T>, _ code2: SparseCode<T>, values u: [T], into dw: View<T>) {
        precondition(code1.rows == code2.rows && u.count == code2.count && dw.rows == code1.latents && dw.cols == code2.latents,
                     "outer of codes: \(code1.rows)×\(code1.latents) and \(code2.rows)×\(code2.latents) (\(u.count) values), dW \(dw.rows)×\(dw.cols)")
        code1.forEachEntryByLatent { j1, e1, i in
            let (row, z) = (dw.row(j1), code1.value[e1])
            for e2 in code2.start[i] ..< code2.start[i + 1] { row[Int(code2.index[e2])] += z * u[e2] }
        }
    }

    /// g_e1 = Σ_{e2 in the same row} u_e2 · W[j1, j2]: (U Wᵀ) at Z1's entries, W m1 × m2.   (b·k1·k2)
    /// code1's latents are visited in order (each row of W read while in cache).
    public static func rowDotsOfCodes<T>(_ code1: SparseCode<T>, _ code2: SparseCode<T>, values u: [T], _ w: View<T>) -> [T] {
        precondition(code1.rows == code2.rows && u.count == code2.count && w.rows == code1.latents && w.cols == code2.latents,
                     "row dots of codes: \(code1.rows)×\(code1.latents) and \(code2.rows)×\(code2.latents), W \(w.rows)×\(w.cols)")
        var g = [T](repeating: 0, count: code1.count)
        code1.forEachEntryByLatent { j1, e1, i in
            let row = w.row(j1)
            var sum: T = 0
            for e2 in code2.start[i] ..< code2.start[i + 1] { sum += u[e2] * row[Int(code2.index[e2])] }
            g[e1] = sum
        }
        return g
    }

    /// out = U: the b × m matrix with u at the code's entries and zeros elsewhere.
    public static func scatter<T>(_ code: SparseCode<T>, values u: [T], into out: View<T>) {
        precondition(u.count == code.count && out.rows == code.rows && out.cols == code.latents,
                     "scatter: code \(code.rows)×\(code.latents) (\(u.count) values) into \(out.rows)×\(out.cols)")
        out.zero()
        for i in 0..<code.rows {
            let row = out.row(i)
            for e in code.start[i] ..< code.start[i + 1] { row[Int(code.index[e])] = u[e] }
        }
    }
}
