/// The index space of the true features of a synthetic data set, shared by the generator, the
/// per-row truth files and `GroundTruth`:
///
///     parents     0 ..< R                       parent r          = r
///     children    R ..< R + R·b                 child j of root r = R + r·b + j
///     singletons  R + R·b ..< R + R·b + S       singleton s       = R + R·b + s
///
/// Every feature has an index in both geometries; under geometry B parents have no direction.
public struct SyntheticLayout: Equatable, Sendable {
    public let roots: Int
    /// Children per root (b).
    public let children: Int
    public let singletons: Int
    public let geometry: SyntheticConfig.Geometry

    public init(roots: Int, children: Int, singletons: Int, geometry: SyntheticConfig.Geometry) {
        self.roots = roots
        self.children = children
        self.singletons = singletons
        self.geometry = geometry
    }

    /// What a true feature is.
    public enum Kind: Equatable, Sendable {
        case parent(root: Int)
        case child(root: Int, child: Int)
        case singleton(Int)
    }

    /// F = R + R·b + S.
    public var featureCount: Int { roots + childCount + singletons }
    /// R·b.
    public var childCount: Int { roots * children }
    /// Leaves (basic features): children and singletons.
    public var leafCount: Int { childCount + singletons }

    public var parentRange: Range<Int> { 0 ..< roots }
    public var childRange: Range<Int> { roots ..< roots + childCount }
    public var singletonRange: Range<Int> { roots + childCount ..< featureCount }

    @inline(__always) public func parent(_ r: Int) -> Int { r }
    @inline(__always) public func child(_ r: Int, _ j: Int) -> Int { roots + r * children + j }
    @inline(__always) public func singleton(_ s: Int) -> Int { roots + childCount + s }

    public func kind(of feature: Int) -> Kind {
        precondition(feature >= 0 && feature < featureCount, "feature \(feature) outside 0..<\(featureCount)")
        if feature < roots { return .parent(root: feature) }
        if feature < roots + childCount {
            let c = feature - roots
            return .child(root: c / children, child: c % children)
        }
        return .singleton(feature - roots - childCount)
    }

    /// The parent feature index of a child feature, nil for parents and singletons.
    public func parentOf(_ feature: Int) -> Int? {
        if case let .child(root, _) = kind(of: feature) { return parent(root) }
        return nil
    }

    /// Whether the feature adds a direction to the activations (not a geometry-B parent).
    public func hasDirection(_ feature: Int) -> Bool {
        geometry == .a || feature >= roots
    }

    /// A short name: `parent-3`, `child-3.1`, `singleton-7`.
    public func name(of feature: Int) -> String {
        switch kind(of: feature) {
        case let .parent(r): return "parent-\(r)"
        case let .child(r, j): return "child-\(r).\(j)"
        case let .singleton(s): return "singleton-\(s)"
        }
    }
}
