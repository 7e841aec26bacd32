import Foundation

extension FeatureCatalog {
    /// Builds the catalog from the global scan (rank 0). `labelNames[k]` names scan kind k and
    /// `classNames[k]` its classes.
    public init(scan: FeatureScan, model: HierarchicalSAE<Float>, labelNames: [String], classNames: [[String]]) {
        let architecture = model.config.architecture
        let modelEdges = architecture.edges
        // Per edge: each parent latent's children (ranked) and each child latent's parents (unranked).
        var childrenOf: [[[Link]]] = [], parentsOf: [[[Link]]] = []
        for (k, edge) in modelEdges.enumerated() {
            let (mp, mc) = (scan.latents[edge.parent], scan.latents[edge.child])
            var children: [[Link]] = [], parents = [[Link]](repeating: [], count: mc)
            if let weights = edge.weights {
                let decoder = model.view(weights).matrix()  // m_parent × m_child (the HSAE: non-negative)
                for j in 0..<mp {
                    let row = decoder.row(j)
                    let peak = Double(row.max() ?? 0)
                    var links: [Link] = []
                    if peak > 0 {
                        for (i, w) in row.enumerated() where w > 0 && Double(w) >= Self.childThreshold * peak {
                            links.append(Link(latent: i, weight: Double(w), count: 0))
                            parents[i].append(Link(latent: j, weight: Double(w), count: 0))
                        }
                    }
                    children.append(Self.ranked(links))
                }
            } else if let assigned = architecture.assignedChildren(model, edge: k) {
                for j in 0..<mp {
                    let links = (j < assigned.count ? assigned[j] : []).map { Link(latent: $0.latent, weight: $0.value, count: 0) }
                    for link in links { parents[link.latent].append(Link(latent: j, weight: link.weight, count: 0)) }
                    children.append(Self.ranked(links))
                }
            } else {
                children = [[Link]](repeating: [], count: mp)
            }
            childrenOf.append(children)
            parentsOf.append(parents)
        }
        let n = Double(max(scan.rows, 1))
        func coFiringForParent(_ e: Int, _ j: Int) -> [Link] {
            let co = scan.coFirings[e], mc = scan.latents[co.child]
            let links = (0..<mc).compactMap { i -> Link? in
                let both = Int64(co.counts[j * mc + i]), ci = scan.stats[co.child].firings[i]
                guard ci >= Self.minCoFirings, both > 0 else { return nil }
                return Link(latent: i, weight: Double(both) / Double(ci), count: both)
            }
            return Self.ranked(links)
        }
        func coFiringForChild(_ e: Int, _ i: Int) -> [Link] {
            let co = scan.coFirings[e], mc = scan.latents[co.child]
            let ci = scan.stats[co.child].firings[i]
            guard ci >= Self.minCoFirings else { return [] }
            let links = (0..<scan.latents[co.parent]).compactMap { j -> Link? in
                let both = Int64(co.counts[j * mc + i])
                return both > 0 ? Link(latent: j, weight: Double(both) / Double(ci), count: both) : nil
            }
            return Self.ranked(links)
        }
        let layers = architecture.layers.map(Layer.init)
        func latent(_ layer: Int, _ j: Int) -> Latent {
            let (stats, best, sample, column) = (scan.stats[layer], scan.best[layer], scan.samples[layer], scan.latentOffsets[layer] + j)
            let f = stats.firings[j]
            let mean = f > 0 ? ActivationFixedPoint.value(stats.sum[j]) / Double(f) : 0
            let histogram = Array(stats.histogram[j * ActivationBins.slots ..< (j + 1) * ActivationBins.slots])
            let associations = labelNames.indices.map { k -> Association in
                let m = stats.latents
                let classes = classNames[k].indices.compactMap { c -> (name: String, share: Double, lift: Double)? in
                    let fc = stats.classFirings[k][c * m + j]
                    guard fc > 0, f > 0, scan.classRows[k][c] > 0 else { return nil }
                    let share = Double(fc) / Double(f), base = Double(scan.classRows[k][c]) / n
                    return (classNames[k][c], share, share / base)
                }.sorted { $0.share != $1.share ? $0.share > $1.share : $0.name < $1.name }
                return Association(kind: labelNames[k], classes: Array(classes.prefix(3)))
            }
            let asParent = modelEdges.indices.filter { modelEdges[$0].parent == layer }.map {
                Relatives(edge: $0, claimed: childrenOf[$0][j], coFiring: coFiringForParent($0, j))
            }
            let asChild = modelEdges.indices.filter { modelEdges[$0].child == layer }.map {
                Relatives(edge: $0, claimed: Self.ranked(parentsOf[$0][j]), coFiring: coFiringForChild($0, j))
            }
            return Latent(layer: layer, index: j, id: layers[layer].idPrefix + String(j), firings: f, frequency: Double(f) / n,
                          meanActivation: mean, histogram: histogram, examples: best.examples(latent: j),
                          lowerSamples: Self.lowerBands(sample.examples(latent: j)), associations: associations,
                          truthMatch: Self.truthMatch(scan: scan, stats: stats, latent: j, column: column),
                          asParent: asParent, asChild: asChild)
        }
        rows = scan.rows
        self.layers = layers
        edges = modelEdges.map { Edge(parent: $0.parent, child: $0.child, weightsName: $0.weights.map { model.layout.entry($0).name }) }
        latents = layers.indices.map { l in (0..<scan.latents[l]).map { latent(l, $0) } }
        unclaimed = modelEdges.indices.map { e in
            let claimed = Set(childrenOf[e].flatMap { $0.map(\.latent) })
            return (0..<scan.latents[modelEdges[e].child]).filter { !claimed.contains($0) }
        }
        examplesPerLatent = scan.best.last?.capacity ?? 0
    }

    /// Layer `layer`'s latent `index`.
    public func latent(_ layer: Int, _ index: Int) -> Latent { latents[layer][index] }

    /// Heaviest first, ties by latent index; the first `linksShown`.
    static func ranked(_ links: [Link]) -> [Link] {
        Array(links.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.latent < $1.latent }.prefix(linksShown))
    }

    /// From a uniform sample of a latent's firings: up to three examples from each of the lower
    /// three quartiles of the sample's activations (the band's first entries in hash order, i.e. random).
    static func lowerBands(_ sample: [ExampleSlots.Example]) -> [(band: String, example: ExampleSlots.Example)] {
        let sorted = sample.sorted { $0.value != $1.value ? $0.value < $1.value : $0.row < $1.row }
        guard !sorted.isEmpty else { return [] }
        var out: [(band: String, example: ExampleSlots.Example)] = []
        let names = ["0–25 %", "25–50 %", "50–75 %"]
        for q in 0..<3 {
            let band = sorted[sorted.count * q / 4 ..< sorted.count * (q + 1) / 4]
            let random = band.sorted { $0.key != $1.key ? $0.key < $1.key : $0.row < $1.row }
            for e in random.prefix(3) { out.append((names[q], e)) }
        }
        return out
    }

    /// Pearson ρ between the latent's activation and each true feature's magnitude over the
    /// scanned rows (zeros included); the three best.
    static func truthMatch(scan: FeatureScan, stats: LatentStats, latent j: Int, column: Int) -> [(feature: Int, rho: Double)] {
        let F = scan.trueFeatures
        guard F > 0 else { return [] }
        let n = Double(scan.rows)
        let sx = ActivationFixedPoint.value(stats.sum[j]), sxx = ActivationFixedPoint.value(stats.sumSquares[j])
        let vx = n * sxx - sx * sx
        guard vx > 0 else { return [] }
        var out: [(feature: Int, rho: Double)] = []
        for f in 0..<F {
            let sy = ActivationFixedPoint.value(scan.truthSum[f]), syy = ActivationFixedPoint.value(scan.truthSumSquares[f])
            let sxy = ActivationFixedPoint.value(scan.truthCross[f * scan.totalLatents + column])
            let vy = n * syy - sy * sy
            guard vy > 0 else { continue }
            out.append((f, (n * sxy - sx * sy) / (vx * vy).squareRoot()))
        }
        return Array(out.sorted { $0.rho != $1.rho ? $0.rho > $1.rho : $0.feature < $1.feature }.prefix(3))
    }
}
