/// Every sum `hsae eval` streams over the evaluation rows (DESIGN §7.1–3, §7.6, §7.7), fed
/// batch by batch on each rank and reduced by one allreduce (`all`, always in the same order).
///
/// Legend: d input width, m1/m2 HSAE latents, mB baseline latents.
final class EvalAccumulators {
    let full, skipOnly, topOnly: ReconstructionStats    // d each, centre b_dec
    let baseline: ReconstructionStats?                   // d, centre the baseline's b_dec
    let bottom, top: CodeStats                           // m1, m2
    let baselineCode: CodeStats?                         // mB
    let correlation: CorrelationAccumulator              // m2×m1, ρ(Z2, Z1)
    let firing: CorrelationAccumulator                   // m2×m1, firing indicators of Z2, Z1
    let bottomSelf, topSelf: CorrelationAccumulator      // m1×m1, m2×m2: firing redundancy
    let baselineSelf: CorrelationAccumulator?            // mB×mB
    let ablateBottom, ablateTop: LatentAblationStats     // zero-ablation of every latent
    let ablateBaseline: LatentAblationStats?
    let groundTruth: GroundTruthAccumulators?

    init(model: ModelGeometry, baseline geometryB: ModelGeometry?, groundTruth: GroundTruthSetup?) {
        let d = model.centre.count, m1 = model.bottomDecoder.rows, m2 = model.topDecoder!.rows
        full = ReconstructionStats(d: d, centre: model.centre)
        skipOnly = ReconstructionStats(d: d, centre: model.centre)
        topOnly = ReconstructionStats(d: d, centre: model.centre)
        bottom = CodeStats(latents: m1)
        top = CodeStats(latents: m2)
        correlation = CorrelationAccumulator(p: m2, q: m1)
        firing = CorrelationAccumulator(p: m2, q: m1)
        bottomSelf = CorrelationAccumulator(p: m1, q: m1)
        topSelf = CorrelationAccumulator(p: m2, q: m2)
        ablateBottom = LatentAblationStats(directions: model.bottomDecoder)
        ablateTop = LatentAblationStats(directions: model.topEffectiveDirections!)
        baseline = geometryB.map { ReconstructionStats(d: d, centre: $0.centre) }
        let mB = geometryB?.bottomDecoder.rows
        baselineCode = mB.map { CodeStats(latents: $0) }
        baselineSelf = mB.map { CorrelationAccumulator(p: $0, q: $0) }
        ablateBaseline = geometryB.map { LatentAblationStats(directions: $0.bottomDecoder) }
        self.groundTruth = groundTruth?.accumulators()
    }

    /// In a fixed order: every rank passes the same list to the one allreduce.
    var all: [any SumAccumulator] {
        var parts: [any SumAccumulator] = [full, skipOnly, topOnly, bottom, top, correlation, firing, bottomSelf, topSelf,
                                           ablateBottom, ablateTop]
        if let baseline, let baselineCode, let baselineSelf, let ablateBaseline {
            parts += [baseline, baselineCode, baselineSelf, ablateBaseline] as [any SumAccumulator]
        }
        return parts + (groundTruth?.all ?? [])
    }

    /// Adds one batch of global rows `rows` (the ground truth is read for them).
    func add(rows: [Int], hsae b: HSAEBatch, baseline: BaselineBatch?) {
        full.add(b.x, reconstruction: b.full)
        skipOnly.add(b.x, reconstruction: b.skipOnly)
        topOnly.add(b.x, reconstruction: b.topOnly)
        bottom.add(b.z1)
        top.add(b.z2)
        correlation.add(b.z2, b.z1)
        let (on1, on2) = (Firing.indicators(b.z1), Firing.indicators(b.z2))
        firing.add(on2, on1)
        bottomSelf.add(on1, on1)
        topSelf.add(on2, on2)
        var residual = b.x  // x − x̂ of the full model
        residual.add(b.full, scaledBy: -1)
        ablateBottom.add(residual: residual, code: b.z1)
        ablateTop.add(residual: residual, code: b.z2)
        if let c = baseline {
            self.baseline?.add(c.x, reconstruction: c.xhat)
            baselineCode?.add(c.z)
            let on = Firing.indicators(c.z)
            baselineSelf?.add(on, on)
            var r = c.x
            r.add(c.xhat, scaledBy: -1)
            ablateBaseline?.add(residual: r, code: c.z)
        }
        groundTruth?.add(rows: rows, hsae: b, baseline: baseline)
    }
}
