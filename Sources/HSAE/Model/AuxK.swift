/// The auxiliary dead-latent loss of top-k SAEs (AuxK; Gao et al. 2024, "Scaling and evaluating
/// sparse autoencoders", §2.4 and appendix B.1; as in the sparsify and SAELens top-k trainers),
/// for the bottom layer of the HSAE and the single-layer baselines:
///
///     D      the dead latents (no firing within the dead window; the trainer's global counters)
///     A      the pre-activations P1 + b_enc¹ of D only, captured by `forward` before the code overwrites them
///     Z_aux  per row the k_aux largest entries of A, sign kept (k_aux = min(d/2, |D|)), as SAELens's
///            `_calculate_topk_aux_acts`: dead latents' pre-activations are mostly negative, and ReLU'd
///            they would give no gradient (measured: docs/RESULTS.md, "Dead-latent revival (AuxK)")
///     Ê      Z_aux W_dec¹[D]                           what the dead latents would reconstruct (no bias)
///     E      X − X̂                                       the residual of the model, held constant (stop-gradient)
///     L_aux  α · min(|D| / (d/2), 1) · mean over microbatches of Σ_rows ‖Ê − E‖² / Σ_rows ‖E‖²
///
/// The ‖E‖² normalisation is Gao et al.'s normalised MSE, taken over the microbatch (a constant of the
/// data, so the term is a function of the data and b, never of the rank count, DESIGN §5); the factor
/// min(|D|/(d/2), 1) is sparsify's down-weighting when few latents are dead. Gradients reach only the
/// dead latents' decoder rows, encoder columns and biases, and b_dec through the encoder's centring.
/// A relu bottom layer takes ghost grads through the same code path (`auxKTerm`), when asked.
extension HierarchicalSAE {
    /// k_aux of Gao et al. appendix B.1 as sparsify sets it: half the input width.
    public var auxKLatents: Int { max(1, config.d / 2) }

    /// Copies the dead latents' pre-activations A (b × |D|, row-major) out of P1 before the
    /// activation overwrites it in place. `pre` holds P1 without the encoder bias.
    func captureDeadPreActivations(_ ws: Workspace<T>) {
        let dead = ws.deadLatents
        guard !dead.isEmpty else { ws.deadPre.removeAll(keepingCapacity: true); return }
        let n = dead.count
        let bias = view(.bottomBEnc)
        ws.deadPre.removeAll(keepingCapacity: true)
        ws.deadPre.reserveCapacity(ws.b * n)
        for i in 0..<ws.b {
            let p = ws.z1.row(i)
            for s in 0..<n { let j = Int(dead[s]); ws.deadPre.append(p[j] + bias[j]) }
        }
    }

    /// L_aux for one microbatch after `forward` (which captured A for `ws.deadLatents`), with
    /// `error` = X̂ − X (b × d, held constant) and `weight` = α · (the microbatch's share, 1/n).
    /// When `grads` is given, adds ∂L_aux/∂θ for the bottom layer's tensors. Returns the value.
    ///
    /// A relu bottom layer uses ghost grads instead of the top-k selection (Anthropic, "Circuits
    /// Updates", January 2024): a dead relu latent has no positive pre-activation to select, so every
    /// dead latent enters with exp(a), and row i of Ê is rescaled to half the residual's norm,
    /// s_i = ‖E_i‖ / (2‖Ê_i‖) (held constant, as there). The normalisation is AuxK's.
    ///
    ///     u_e = s_i · v_e (v = a of the selected, or exp(a))     Ê = U W_dec¹[D]
    ///     G = Ê + (X̂ − X)   (= Ê − E)        c = weight · min(|D|/k_aux, 1) / Σ‖E‖²  (ghost: no min)      L = c Σ‖G‖²
    ///     dÊ = 2c G     dW_dec¹[j] += Σ u_e dÊ_i      dA_e = s_i · v'_e · (dÊ_i · W_dec¹[j])   (v' = 1 selected, exp(a) ghost)
    ///     (a selected entry that is exactly 0 is left out of the code; its gradient dA_e is then lost — measure zero)
    ///     dW_enc¹ᵀ[j] += Σ dA · Xc      db_enc¹[j] += Σ dA      db_dec −= Σ dA · W_enc¹ᵀ[j]
    @discardableResult
    public func auxKTerm(_ ws: Workspace<T>, error: UnsafePointer<T>, weight: T, grads: TensorBuffer<T>?) -> T {
        let dead = ws.deadLatents
        let (b, d, n) = (ws.b, config.d, dead.count)
        guard n > 0, weight > 0 else { return 0 }
        precondition(ws.deadPre.count == b * n, "AuxK: \(ws.deadPre.count) captured pre-activations for \(b) rows × \(n) dead latents")
        let ghost = config.bottom.activation.traits.deadLatentRevival == .ghostGrads
        let kNominal = auxKLatents
        let k = min(kNominal, n)
        let code = ws.auxCode
        code.reset(reservingPerRow: ghost ? n : k, rows: b)
        ws.deadPre.withUnsafeBufferPointer { a in
            for i in 0..<b {
                let row = a.baseAddress! + i * n
                if ghost {
                    for s in 0..<n { code.append(Int(dead[s]), T.exp(row[s])) }
                } else {
                    // The k largest of A (ties in index order, as the top-k activation), with their sign: a dead
                    // latent's pre-activations are mostly negative, and a ReLU here would leave it no gradient.
                    let tau = TopK.threshold(row, count: n, keep: k, scratch: &ws.scratch)
                    var ties = tau.ties
                    for s in 0..<n {
                        let v = row[s]
                        var kept = v > tau.value
                        if !kept, v == tau.value, ties > 0 { kept = true; ties -= 1 }
                        if kept, v != 0 { code.append(Int(dead[s]), v) }
                    }
                }
                code.endRow()
            }
        }
        let energy = Kernels.sumOfSquares(b * d, error)
        guard energy > 0 else { return 0 }
        let c = weight * (ghost ? 1 : T(min(Double(n) / Double(kNominal), 1))) / energy
        // G = Ê + (X̂ − X) in ws.dxc (free until the bottom layer's backward pass writes it whole).
        let wDec = view(.bottomWDec)
        let g = ws.dxc
        SparseKernels.product(code, values: code.value, wDec, into: g, beta: 0)
        var u = code.value
        var rowScale = [T](repeating: 1, count: b)
        if ghost {
            for i in 0..<b {
                let norm = T.nrm2(d, g.row(i))
                guard norm > 0 else { continue }
                rowScale[i] = T.nrm2(d, error + i * d) / (2 * norm)
                T.scal(d, rowScale[i], g.row(i))
                for e in code.start[i] ..< code.start[i + 1] { u[e] *= rowScale[i] }
            }
        }
        T.axpy(b * d, 1, error, g.base)
        let value = c * Kernels.sumOfSquares(b * d, g.base)
        guard let grads else { return value }
        T.scal(b * d, 2 * c, g.base)
        SparseKernels.scatterOuter(code, values: u, g, into: layout.view(.bottomWDec, in: grads))
        var dA = SparseKernels.gatherDots(code, g, wDec)
        if ghost {
            for i in 0..<b { for e in code.start[i] ..< code.start[i + 1] { dA[e] *= u[e] } }   // s_i · exp(a) = u_e
        }
        SparseKernels.scatterOuter(code, values: dA, ws.xc, into: layout.view(.bottomWEnc, in: grads))
        SparseKernels.columnSums(code, values: dA, into: layout.view(.bottomBEnc, in: grads).base)
        let wEncT = view(.bottomWEnc)
        let dBDec = layout.view(.bottomBDec, in: grads).base
        for e in 0..<code.count { T.axpy(d, -dA[e], wEncT.row(Int(code.index[e])), dBDec) }
        return value
    }
}

/// The AuxK (or ghost-grads) term as `LossTerm.auxK` computes it: weight α · (the microbatch's
/// share, 1/n), over the dead latents the trainer put in `ws.deadLatents` (none: 0).
struct AuxKTerm: ResidualTerm {
    @_specialize(where T == Float)
    func evaluate<T: BLASScalar>(_ model: HierarchicalSAE<T>, _ ws: Workspace<T>, residual: UnsafePointer<T>, weight: Double,
                                 microbatch mw: MicrobatchWeights, grads: TensorBuffer<T>?) -> T {
        guard !ws.deadLatents.isEmpty else { return 0 }
        return model.auxKTerm(ws, error: residual, weight: T(weight * mw.miWeight), grads: grads)
    }
}
