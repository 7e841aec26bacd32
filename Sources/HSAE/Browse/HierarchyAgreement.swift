/// Synthetic data: does the browser's tree agree with the true hierarchy? For every latent of an
/// edge's parent layer (the HSAE: top) whose best-correlated true feature is a true parent with
/// ρ ≥ `minRho` ("a parent the layer found"), its children by the edge's weights are checked: a
/// child agrees when its own best true feature is a child of that same parent.
public struct HierarchyAgreement: Equatable, Sendable {
    public static let minRho = 0.5

    /// Top latents matched to a true parent at ρ ≥ minRho.
    public var parentsFound = 0
    /// Distinct true parents among them, of all true parents.
    public var distinctParents = 0
    public var trueParents = 0
    /// Decoder children of those top latents, and how many are matched to a child of the same parent.
    public var children = 0
    public var agreeing = 0

    /// The parent layers' name in the sentence ("top").
    public var parentLayer = ""
    /// What the children are in the sentence: the edge's decoder weights' (the HSAE) or the forest's.
    public var childrenName = "decoder children"

    public var fraction: Double { children > 0 ? Double(agreeing) / Double(children) : 0 }

    /// Per latent of edge `e`'s parent layer: (true parent, children agreeing, children listed),
    /// nil when not a found parent.
    public static func perParent(_ catalog: FeatureCatalog, edge e: Int, truth: GroundTruth) -> [(parent: Int, agreeing: Int, children: Int)?] {
        let edge = catalog.edges[e]
        return catalog.latents[edge.parent].map { l in
            guard let m = l.truthMatch.first, m.rho >= minRho, m.feature < truth.layout.roots else { return nil }
            let claimed = l.asParent.first { $0.edge == e }?.claimed ?? []
            let agreeing = claimed.filter { c in
                guard let cm = catalog.latent(edge.child, c.latent).truthMatch.first else { return false }
                return truth.layout.parentOf(cm.feature) == m.feature
            }.count
            return (m.feature, agreeing, claimed.count)
        }
    }

    /// Over every edge of the catalog.
    public init(_ catalog: FeatureCatalog, truth: GroundTruth) {
        let rows = catalog.edges.indices.flatMap { Self.perParent(catalog, edge: $0, truth: truth) }.compactMap { $0 }
        parentLayer = Set(catalog.edges.map(\.parent)).sorted().map { catalog.layers[$0].name }.joined(separator: "/")
        if catalog.edges.contains(where: { $0.weightsName == nil }) { childrenName = "assigned children" }
        parentsFound = rows.count
        distinctParents = Set(rows.map(\.parent)).count
        trueParents = truth.layout.roots
        children = rows.reduce(0) { $0 + $1.children }
        agreeing = rows.reduce(0) { $0 + $1.agreeing }
    }

    public var sentence: String {
        "\(parentsFound) \(parentLayer) latents match a true parent at ρ ≥ \(Self.minRho) (\(distinctParents) of \(trueParents) true parents); "
            + "\(agreeing) of \(children) of their \(childrenName) (\(HTMLText.percent(fraction))) match a true child of that parent"
    }
}
