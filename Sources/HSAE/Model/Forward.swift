/// Where the gate value comes from in a forward pass.
public enum GateSource: Equatable, Sendable {
    /// g = σ(gate.logits) (or 0.5 when the model's gate is fixed).
    case model
    /// g ≡ value: 1 is skip-only (the bottom layer alone), 0 is top-only.
    case constant(Double)
}

/// How to run a forward pass.
public struct ForwardOptions: Equatable, Sendable {
    /// Whether the top layer runs at all (false in phase 1 and for the baseline: X̂ = Z1 W_dec¹ + b_dec).
    public var usesTop: Bool
    public var gate: GateSource
    /// batchtopk selects per microbatch in training and uses the learned threshold otherwise.
    public var training: Bool

    public init(usesTop: Bool, gate: GateSource = .model, training: Bool = true) {
        self.usesTop = usesTop
        self.gate = gate
        self.training = training
    }
}

/// batchtopk thresholds seen in a training forward pass (nil for other kinds).
public struct BatchThresholds: Equatable, Sendable {
    public var bottom: Double?
    public var top: Double?
}

extension HierarchicalSAE {
    /// Runs the forward pass on `ws.x` (already scaled by c), filling every intermediate.
    @discardableResult
    public func forward(_ ws: Workspace<T>, _ options: ForwardOptions) -> BatchThresholds {
        precondition(ws.x.cols == config.d, "workspace width \(ws.x.cols) vs model d \(config.d)")
        var seen = BatchThresholds()
        let bDec = view(.bottomBDec)
        ws.xc.copy(from: ws.x)
        Kernels.addRow(ws.xc, bDec.base, scale: -1)
        Kernels.gemm(ws.xc, .none, view(.bottomWEnc), .none, ws.p1)
        Kernels.addRow(ws.p1, view(.bottomBEnc).base)
        let bottom = config.bottom
        let t1 = Activation.apply(bottom.activation, ws.p1, into: ws.z1, k: bottom.target.k(latents: config.m1),
                                  threshold: options.training ? nil : bottomThreshold, scratch: &ws.scratch)
        seen.bottom = t1.map { Double($0) }

        guard options.usesTop, let top = config.top else {
            ws.mix.copy(from: ws.z1)
            decode(ws)
            return seen
        }
        Kernels.gemm(ws.z1, .none, view(.topWEnc), .none, ws.p2)
        Kernels.addRow(ws.p2, view(.topBEnc).base)
        let t2 = Activation.apply(top.activation, ws.p2, into: ws.z2, k: top.target.k(latents: config.m2),
                                  threshold: options.training ? nil : topThreshold, scratch: &ws.scratch)
        seen.top = t2.map { Double($0) }
        Kernels.gemm(ws.z2, .none, view(.topWDec), .none, ws.q)
        Kernels.addRow(ws.q, view(.topBDec).base)
        Activation.relu(ws.q, into: ws.zhat)
        gateValues(options.gate, into: ws.gate)
        let g = ws.gate.base
        for i in 0..<ws.b {
            let (z1, zh, m, r) = (ws.z1.row(i), ws.zhat.row(i), ws.mix.row(i), ws.r.row(i))
            for j in 0..<config.m1 {
                m[j] = g[j] * z1[j] + (1 - g[j]) * zh[j]
                r[j] = z1[j] - zh[j]
            }
        }
        decode(ws)
        Kernels.gemm(ws.r, .none, view(.bottomWDec), .none, ws.t)
        return seen
    }

    /// X̂ = M W_dec¹ + b_dec.
    private func decode(_ ws: Workspace<T>) {
        Kernels.gemm(ws.mix, .none, view(.bottomWDec), .none, ws.xhat)
        Kernels.addRow(ws.xhat, view(.bottomBDec).base)
    }

    /// g per bottom latent: σ(logits), 0.5 for a fixed gate, or a constant.
    public func gateValues(_ source: GateSource, into g: View<T>) {
        switch source {
        case .constant(let v):
            g.fill(T(v))
        case .model where config.gate == .fixed:
            g.fill(0.5)
        case .model:
            let logits = view(.gateLogits)
            for j in 0..<g.count { g[j] = 1 / (1 + T.exp(-logits[j])) }
        }
    }
}
