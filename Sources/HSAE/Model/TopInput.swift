/// What the top encoder reads (DESIGN §2: the bottom code Z1). An HSAE variant of issue 11
/// (`--top-input pre`, docs/DECISIONS.md "The top encoder on the bottom pre-activations").
public enum TopInput: String, Codable, Sendable, CaseIterable {
    /// Z1, the bottom layer's sparse code (DESIGN §2).
    case code
    /// P1 = (X − b_dec¹) W_enc¹ + b_enc¹, the bottom layer's pre-activations, dense: under a tight
    /// bottom budget the top layer still sees the directions the bottom code had no room for.
    ///
    ///     P2 = P1 W_enc² + b_enc²    (in place of Z1 W_enc² + b_enc²)
    ///
    /// Everything else is as DESIGN §2 (Ẑ1 reconstructs Z1, the mix, L_top on Z1 − Ẑ1).
    case pre
}

extension HierarchicalSAE {
    /// Whether the top encoder reads P1 instead of Z1.
    public var topReadsPreActivations: Bool { config.topInput == .pre && config.top != nil }

    /// Forward: keeps P1 = ws.z1 + b_enc¹ in ws.p1 (before act₁ overwrites ws.z1 with the code).
    func keepPreActivations(_ ws: Workspace<T>) {
        let bEnc = view(.bottomBEnc).base
        for i in 0..<ws.b {
            let (p, z) = (ws.p1.row(i), ws.z1.row(i))
            for j in 0..<config.m1 { p[j] = z[j] + bEnc[j] }
        }
    }

    /// Forward: P2 = P1 W_enc² into ws.z2 (act₂ adds b_enc²).
    func encodeTopFromPreActivations(_ ws: Workspace<T>) {
        Kernels.gemm(ws.p1, .none, view(.topWEnc), .none, ws.z2)
    }

    /// Backward through P2 = P1 W_enc² + b_enc², given ∂L/∂Z2 (dense in ws.dz2, or at Z2's entries in
    /// `dz2` for a sparse top code): dP2 = dZ2 ⊙ [Z2 > 0] into ws.dp2 (dense, kept for the bottom
    /// layer's ∂L/∂P1 += dP2 W_enc²ᵀ, `addTopEncoderGradient`), dW_enc² += P1ᵀ dP2, db_enc² += Σ_rows dP2.
    func topEncoderBackwardFromPreActivations(_ ws: Workspace<T>, dz2: [T], sparseTop: Bool, trainsTop: Bool, grads g: TensorBuffer<T>) {
        if sparseTop {
            SparseKernels.scatter(ws.code2, values: dz2, into: ws.dp2)
        } else {
            Activation.backward(ws.dz2, code: ws.z2, into: ws.dp2)
        }
        guard trainsTop else { return }
        Kernels.gemm(ws.p1, .transposed, ws.dp2, .none, layout.view(.topWEnc, in: g), beta: 1)
        Kernels.columnSums(ws.dp2, into: layout.view(.topBEnc, in: g).base)
    }

    /// Backward: ∂L/∂P1 += dP2 W_enc²ᵀ (P1 feeds the top encoder directly, unmasked by act₁).
    func addTopEncoderGradient(_ ws: Workspace<T>, into dp1: View<T>) {
        Kernels.gemm(ws.dp2, .none, view(.topWEnc), .transposed, dp1, beta: 1)
    }
}
