/// Every sum `hsae eval` streams over the evaluation rows (DESIGN §7.1–3, §7.6, §7.7), fed
/// batch by batch on each rank and reduced by one allreduce (`all`, always in the same order).
///
/// Legend: d input width, m_l latents of the model's layer l, mB the comparator's latents.
final class EvalAccumulators {
    let edges: [LayerEdge]                           // the model's
    let paths: [ReconstructionStats]                 // per reported path of the model: d each, its centre
    let codes: [CodeStats]                           // per layer: m_l
    let correlation: [CorrelationAccumulator]        // per edge: m_parent×m_child, ρ(Z_parent, Z_child)
    let firing: [CorrelationAccumulator]             // per edge: m_parent×m_child, firing indicators
    let selfFiring: [CorrelationAccumulator]         // per layer: m_l×m_l, firing redundancy
    let ablations: [LatentAblationStats]             // per layer: zero-ablation of every latent
    let comparator: ReconstructionStats?             // d, centre the comparator's
    let comparatorCode: CodeStats?                   // mB
    let comparatorSelf: CorrelationAccumulator?      // mB×mB
    let ablateComparator: LatentAblationStats?
    let groundTruth: GroundTruthAccumulators?

    init(model: ModelGeometry, comparator geometryB: ModelGeometry?, groundTruth: GroundTruthSetup?) {
        let d = model.centre.count, latents = model.decoders.map(\.rows)
        edges = model.architecture.edges
        paths = model.architecture.reportedPaths.map { _ in ReconstructionStats(d: d, centre: model.centre) }
        codes = latents.map { CodeStats(latents: $0) }
        correlation = edges.map { CorrelationAccumulator(p: latents[$0.parent], q: latents[$0.child]) }
        firing = edges.map { CorrelationAccumulator(p: latents[$0.parent], q: latents[$0.child]) }
        selfFiring = latents.map { CorrelationAccumulator(p: $0, q: $0) }
        ablations = model.effectiveDirections.map { LatentAblationStats(directions: $0) }
        comparator = geometryB.map { ReconstructionStats(d: d, centre: $0.centre) }
        let mB = geometryB?.decoders[0].rows
        comparatorCode = mB.map { CodeStats(latents: $0) }
        comparatorSelf = mB.map { CorrelationAccumulator(p: $0, q: $0) }
        ablateComparator = geometryB.map { LatentAblationStats(directions: $0.decoders[0]) }
        self.groundTruth = groundTruth?.accumulators()
    }

    /// In a fixed order: every rank passes the same list to the one allreduce. Paths, layer
    /// codes, edges (correlation, firing), layer self-firing, layer ablations; the comparator's;
    /// the ground truth's.
    var all: [any SumAccumulator] {
        var parts: [any SumAccumulator] = paths
        parts += codes as [any SumAccumulator]
        parts += (correlation + firing + selfFiring) as [any SumAccumulator]
        parts += ablations as [any SumAccumulator]
        if let comparator, let comparatorCode, let comparatorSelf, let ablateComparator {
            parts += [comparator, comparatorCode, comparatorSelf, ablateComparator] as [any SumAccumulator]
        }
        return parts + (groundTruth?.all ?? [])
    }

    /// Adds one batch of global rows `rows` (the ground truth is read for them).
    func add(rows: [Int], model b: ModelBatch, comparator: ModelBatch?) {
        for (stats, xhat) in zip(paths, b.paths) { stats.add(b.x, reconstruction: xhat) }
        for (stats, z) in zip(codes, b.codes) { stats.add(z) }
        let on = b.codes.map(Firing.indicators)
        for (k, edge) in edges.enumerated() {
            correlation[k].add(b.codes[edge.parent], b.codes[edge.child])
            firing[k].add(on[edge.parent], on[edge.child])
        }
        for (stats, indicators) in zip(selfFiring, on) { stats.add(indicators, indicators) }
        var residual = b.x  // x − x̂ of the full model
        residual.add(b.paths[0], scaledBy: -1)
        for (stats, z) in zip(ablations, b.codes) { stats.add(residual: residual, code: z) }
        if let c = comparator {
            let (z, xhat) = (c.codes[0], c.paths[0])
            self.comparator?.add(c.x, reconstruction: xhat)
            comparatorCode?.add(z)
            let on = Firing.indicators(z)
            comparatorSelf?.add(on, on)
            var r = c.x
            r.add(xhat, scaledBy: -1)
            ablateComparator?.add(residual: r, code: z)
        }
        groundTruth?.add(rows: rows, model: b, comparator: comparator)
    }
}
