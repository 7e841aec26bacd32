/// DESIGN §7.7 for `hsae eval`: the true hierarchy of a synthetic data set against the model and
/// the comparator. Geometry (cosines, matchings, the latent standing for each true parent) is fixed
/// before the data pass; the pass only counts (`GroundTruthAccumulators`).
///
/// Legend: F true features (parents, children, singletons in `SyntheticLayout` order), d input
/// width, m_l latents of the model's layer l (all of them laid end to end: m), mB the comparator's
/// latents, B rows of a batch.
///
/// The model's dictionary is every layer's latents as directions in input space, layer after
/// layer (the HSAE: [D¹; u], u = W² D¹); its parent level ("top") is the layers that are an edge's
/// parent, and the learned edges are every edge's, in those latent indices.
/// True directions G (F×d): a child's or singleton's g_f; a parent's g_r under geometry A. Under
/// geometry B a parent has no direction of its own (it is the OR of its children), so it stands
/// for the unit mean of its children's directions — the direction a top feature u_j = W²[j]·D¹
/// spread evenly over those children would have. True activity (for parent detection) is the
/// per-row magnitude (under B the sum of the firing children's magnitudes).
struct GroundTruthSetup {
    let truth: GroundTruth
    let tree: GroundTruthTree
    let g: Matrix<Double>  // F×d
    let model: GroundTruthScoring.Dictionary
    let comparator: GroundTruthScoring.Dictionary?
    let modelParentLatents: [Int]        // per true edge, an index into the model's latents
    let comparatorParentLatents: [Int]?  // per true edge, a comparator latent
    /// The layers whose activity the parent detection reads: the first edge's parent and child.
    let detectionLayers: (parent: Int, child: Int)
    let layerLatents: [Int]  // m_l

    init(truth: GroundTruth, model geometry: ModelGeometry, comparator: ModelGeometry?) {
        self.truth = truth
        let layout = truth.layout
        tree = GroundTruthTree(parentOf: (0..<layout.featureCount).map { layout.parentOf($0) })
        g = Self.directions(truth)
        let architecture = geometry.architecture, latents = geometry.decoders.map(\.rows)
        layerLatents = latents
        let offsets = latents.indices.map { l in latents[..<l].reduce(0, +) }
        let parents = Set(architecture.edges.map(\.parent))
        var learned: [LatentEdge] = []
        for (k, edge) in architecture.edges.enumerated() {
            let local: [LatentEdge]
            if let w = geometry.edgeWeights[k] {
                local = DictionaryGeometry.predictedEdges(edgeWeights: w)
            } else if let assigned = geometry.assignedChildren[k] {
                local = assigned.enumerated().flatMap { j, children in children.map { LatentEdge(parent: j, child: $0.latent) } }
            } else {
                continue
            }
            learned += local.map { LatentEdge(parent: offsets[edge.parent] + $0.parent, child: offsets[edge.child] + $0.child) }
        }
        model = GroundTruthScoring.Dictionary(
            directions: .concatenatingRows(geometry.inputDirections),
            layerLatents: latents, parentLayers: parents,
            edges: architecture.edges.isEmpty ? nil : learned)
        let flat = comparator.map {
            GroundTruthScoring.Dictionary(directions: $0.decoders[0], layerLatents: [$0.decoders[0].rows], edges: nil)
        }
        let (tree, g, own) = (tree, g, model)
        self.comparator = flat
        modelParentLatents = GroundTruthScoring.parentLatents(tree: tree, truth: g, dictionary: own)
        comparatorParentLatents = flat.map { GroundTruthScoring.parentLatents(tree: tree, truth: g, dictionary: $0) }
        let first = architecture.edges.first
        detectionLayers = (first?.parent ?? 0, first?.child ?? 0)
    }

    /// G: unit true directions, F×d (geometry-B parents: the unit mean of their children's).
    static func directions(_ truth: GroundTruth) -> Matrix<Double> {
        let layout = truth.layout, d = truth.config.d
        var g = Matrix<Double>(rows: layout.featureCount, cols: d)
        for f in 0..<layout.featureCount {
            if let v = truth.direction(of: f) { for j in 0..<d { g[f, j] = Double(v[j]) } }
        }
        for c in layout.childRange where truth.parentDirections == nil {
            let parent = layout.parentOf(c)!
            for j in 0..<d { g[parent, j] += g[c, j] }
        }
        return DictionaryGeometry.unitRows(g)
    }

    func accumulators() -> GroundTruthAccumulators {
        GroundTruthAccumulators(setup: self)
    }

    /// The §7.7 section from the reduced accumulators.
    func section(_ acc: GroundTruthAccumulators) -> GroundTruthSection {
        var models = [GroundTruthScoring.score(model: "hsae", tree: tree, truth: g, dictionary: model,
                                               firing: acc.modelFiring, absorption: acc.modelAbsorption)]
        if let comparator, let firing = acc.comparatorFiring, let absorption = acc.comparatorAbsorption {
            models.append(GroundTruthScoring.score(model: "baseline", tree: tree, truth: g, dictionary: comparator,
                                                   firing: firing, absorption: absorption))
        }
        let detection = GroundTruthScoring.parentDetection(tree: tree, top: acc.activity[detectionLayers.parent].pearson(),
                                                           bottom: acc.activity[detectionLayers.child].pearson(),
                                                           baseline: acc.comparatorActivity?.pearson())
        return GroundTruthSection(tree: tree, models: models, parentDetection: detection)
    }
}

/// The streamed part of §7.7: firing co-occurrence of truth and latents, truth activity against
/// each code, absorption counts — all sums, reduced with the other accumulators.
final class GroundTruthAccumulators {
    let setup: GroundTruthSetup
    let modelFiring: CorrelationAccumulator         // F × m, indicators
    let comparatorFiring: CorrelationAccumulator?   // F × mB, indicators
    let activity: [CorrelationAccumulator]          // per layer: F × m_l, magnitudes against its code
    let comparatorActivity: CorrelationAccumulator? // F × mB
    let modelAbsorption: AbsorptionAccumulator
    let comparatorAbsorption: AbsorptionAccumulator?

    init(setup: GroundTruthSetup) {
        self.setup = setup
        let f = setup.tree.count, m = setup.model.directions.rows
        modelFiring = CorrelationAccumulator(p: f, q: m)
        activity = setup.layerLatents.map { CorrelationAccumulator(p: f, q: $0) }
        modelAbsorption = AbsorptionAccumulator(edges: setup.tree.edges, parentLatent: setup.modelParentLatents)
        let mB = setup.comparator?.directions.rows
        comparatorFiring = mB.map { CorrelationAccumulator(p: f, q: $0) }
        comparatorActivity = mB.map { CorrelationAccumulator(p: f, q: $0) }
        comparatorAbsorption = setup.comparatorParentLatents.map { AbsorptionAccumulator(edges: setup.tree.edges, parentLatent: $0) }
    }

    var all: [any SumAccumulator] {
        var parts: [any SumAccumulator] = [modelFiring]
        parts += activity as [any SumAccumulator]
        parts.append(modelAbsorption)
        if let comparatorFiring, let comparatorActivity, let comparatorAbsorption {
            parts += [comparatorFiring, comparatorActivity, comparatorAbsorption] as [any SumAccumulator]
        }
        return parts
    }

    /// Adds the batch of global rows `rows`.
    func add(rows: [Int], model: ModelBatch, comparator: ModelBatch?) {
        let activity = setup.truth.magnitudes(rows: rows)  // B×F
        let on = Firing.indicators(activity)
        let all = Matrix.concatenatingColumns(model.codes)
        modelFiring.add(on, Firing.indicators(all))
        for (stats, z) in zip(self.activity, model.codes) { stats.add(activity, z) }
        modelAbsorption.add(truth: activity, code: all)
        if let comparator {
            let z = comparator.codes[0]
            comparatorFiring?.add(on, Firing.indicators(z))
            comparatorActivity?.add(activity, z)
            comparatorAbsorption?.add(truth: activity, code: z)
        }
    }
}
