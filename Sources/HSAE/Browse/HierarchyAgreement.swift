/// Synthetic data: does the browser's tree agree with the true hierarchy? For every top latent
/// whose best-correlated true feature is a true parent with ρ ≥ `minRho` ("a parent the top layer
/// found"), its decoder children are checked: a child agrees when its own best true feature is a
/// child of that same parent.
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

    public var fraction: Double { children > 0 ? Double(agreeing) / Double(children) : 0 }

    /// Per top latent: (true parent, children agreeing, children listed), nil when not a found parent.
    public static func perTop(_ catalog: FeatureCatalog, truth: GroundTruth) -> [(parent: Int, agreeing: Int, children: Int)?] {
        catalog.top.map { l in
            guard let m = l.truthMatch.first, m.rho >= minRho, m.feature < truth.layout.roots else { return nil }
            let agreeing = l.children.filter { c in
                guard let cm = catalog.bottom[c.latent].truthMatch.first else { return false }
                return truth.layout.parentOf(cm.feature) == m.feature
            }.count
            return (m.feature, agreeing, l.children.count)
        }
    }

    public init(_ catalog: FeatureCatalog, truth: GroundTruth) {
        let rows = Self.perTop(catalog, truth: truth).compactMap { $0 }
        parentsFound = rows.count
        distinctParents = Set(rows.map(\.parent)).count
        trueParents = truth.layout.roots
        children = rows.reduce(0) { $0 + $1.children }
        agreeing = rows.reduce(0) { $0 + $1.agreeing }
    }

    public var sentence: String {
        "\(parentsFound) top latents match a true parent at ρ ≥ \(Self.minRho) (\(distinctParents) of \(trueParents) true parents); "
            + "\(agreeing) of \(children) of their decoder children (\(HTMLText.percent(fraction))) match a true child of that parent"
    }
}
