/// DESIGN §7.7 for `hsae eval`: the true hierarchy of a synthetic data set against the HSAE and
/// the baseline. Geometry (cosines, matchings, the latent standing for each true parent) is fixed
/// before the data pass; the pass only counts (`GroundTruthAccumulators`).
///
/// Legend: F true features (parents, children, singletons in `SyntheticLayout` order), d input
/// width, m1/m2 HSAE latents, mB baseline latents, B rows of a batch.
///
/// True directions G (F×d): a child's or singleton's g_f; a parent's g_r under geometry A. Under
/// geometry B a parent has no direction of its own (it is the OR of its children), so it stands
/// for the unit mean of its children's directions — the direction a top feature u_j = W²[j]·D¹
/// spread evenly over those children would have. True activity (for parent detection) is the
/// per-row magnitude (under B the sum of the firing children's magnitudes).
struct GroundTruthSetup {
    let truth: GroundTruth
    let tree: GroundTruthTree
    let g: Matrix<Double>  // F×d
    let hsae: GroundTruthScoring.Dictionary
    let baseline: GroundTruthScoring.Dictionary?
    let hsaeParentLatents: [Int]       // per true edge, an index into [Z1 Z2]
    let baselineParentLatents: [Int]?  // per true edge, a baseline latent

    init(truth: GroundTruth, model: ModelGeometry, baseline: ModelGeometry?) {
        self.truth = truth
        let layout = truth.layout
        tree = GroundTruthTree(parentOf: (0..<layout.featureCount).map { layout.parentOf($0) })
        g = Self.directions(truth)
        let (m1, m2) = (model.bottomDecoder.rows, model.topDecoder!.rows)
        let edges = DictionaryGeometry.predictedEdges(topDecoder: model.topDecoder!)
        hsae = GroundTruthScoring.Dictionary(
            directions: .concatenatingRows([model.bottomDecoder, model.topDirections!]),
            isTop: [Bool](repeating: false, count: m1) + [Bool](repeating: true, count: m2),
            edges: edges.map { LatentEdge(parent: m1 + $0.parent, child: $0.child) })
        let flat = baseline.map {
            GroundTruthScoring.Dictionary(directions: $0.bottomDecoder, isTop: [Bool](repeating: false, count: $0.bottomDecoder.rows), edges: nil)
        }
        let (tree, g) = (tree, g)
        self.baseline = flat
        hsaeParentLatents = GroundTruthScoring.parentLatents(tree: tree, truth: g, dictionary: hsae)
        baselineParentLatents = flat.map { GroundTruthScoring.parentLatents(tree: tree, truth: g, dictionary: $0) }
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
        var models = [GroundTruthScoring.score(model: "hsae", tree: tree, truth: g, dictionary: hsae,
                                               firing: acc.hsaeFiring, absorption: acc.hsaeAbsorption)]
        if let baseline, let firing = acc.baselineFiring, let absorption = acc.baselineAbsorption {
            models.append(GroundTruthScoring.score(model: "baseline", tree: tree, truth: g, dictionary: baseline,
                                                   firing: firing, absorption: absorption))
        }
        let detection = GroundTruthScoring.parentDetection(tree: tree, top: acc.activityTop.pearson(), bottom: acc.activityBottom.pearson(),
                                                           baseline: acc.activityBaseline?.pearson())
        return GroundTruthSection(tree: tree, models: models, parentDetection: detection)
    }
}

/// The streamed part of §7.7: firing co-occurrence of truth and latents, truth activity against
/// each code, absorption counts — all sums, reduced with the other accumulators.
final class GroundTruthAccumulators {
    let setup: GroundTruthSetup
    let hsaeFiring: CorrelationAccumulator          // F × (m1 + m2), indicators
    let baselineFiring: CorrelationAccumulator?     // F × mB, indicators
    let activityTop: CorrelationAccumulator         // F × m2, magnitudes against Z2
    let activityBottom: CorrelationAccumulator      // F × m1
    let activityBaseline: CorrelationAccumulator?   // F × mB
    let hsaeAbsorption: AbsorptionAccumulator
    let baselineAbsorption: AbsorptionAccumulator?

    init(setup: GroundTruthSetup) {
        self.setup = setup
        let f = setup.tree.count, m = setup.hsae.directions.rows
        let m2 = setup.hsae.isTop.filter { $0 }.count
        hsaeFiring = CorrelationAccumulator(p: f, q: m)
        activityTop = CorrelationAccumulator(p: f, q: m2)
        activityBottom = CorrelationAccumulator(p: f, q: m - m2)
        hsaeAbsorption = AbsorptionAccumulator(edges: setup.tree.edges, parentLatent: setup.hsaeParentLatents)
        let mB = setup.baseline?.directions.rows
        baselineFiring = mB.map { CorrelationAccumulator(p: f, q: $0) }
        activityBaseline = mB.map { CorrelationAccumulator(p: f, q: $0) }
        baselineAbsorption = setup.baselineParentLatents.map { AbsorptionAccumulator(edges: setup.tree.edges, parentLatent: $0) }
    }

    var all: [any SumAccumulator] {
        var parts: [any SumAccumulator] = [hsaeFiring, activityTop, activityBottom, hsaeAbsorption]
        if let baselineFiring, let activityBaseline, let baselineAbsorption {
            parts += [baselineFiring, activityBaseline, baselineAbsorption] as [any SumAccumulator]
        }
        return parts
    }

    /// Adds the batch of global rows `rows`.
    func add(rows: [Int], hsae: HSAEBatch, baseline: BaselineBatch?) {
        let activity = setup.truth.magnitudes(rows: rows)  // B×F
        let on = Firing.indicators(activity)
        let both = Matrix.concatenatingColumns([hsae.z1, hsae.z2])
        hsaeFiring.add(on, Firing.indicators(both))
        activityTop.add(activity, hsae.z2)
        activityBottom.add(activity, hsae.z1)
        hsaeAbsorption.add(truth: activity, code: both)
        if let baseline {
            baselineFiring?.add(on, Firing.indicators(baseline.z))
            activityBaseline?.add(activity, baseline.z)
            baselineAbsorption?.add(truth: activity, code: baseline.z)
        }
    }
}
