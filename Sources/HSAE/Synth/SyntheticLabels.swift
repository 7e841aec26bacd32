/// Probing labels of a synthetic data set, one int32 column per kind (DatasetManifest's labels):
///
///     parent      0 = none, 1 + r = root r: the firing parent with the largest magnitude
///     child       0 = none, 1 + r·b + j = child j of root r: the firing child with the largest magnitude
///     parent_r    0 = off, 1 = on, for the min(R, 4) most frequent roots r = 0, 1, ...
///     child_r     0 = off, 1 = on: child 0 of root r, for the same roots (a root's children are
///                 equally frequent, so this is one of its most frequent children)
///
/// The binary kinds are the clean level-index test (DESIGN §7.4): one or two latents can detect
/// one feature, while 49 or 289 classes cannot be told apart by a k ≤ 2 probe at all. `parent_r`
/// and `child_r` pair a parent with one of its own children, at the same root frequency.
///
/// Ties go to the lower index. Rows are i.i.d., so there is no `doc_id`.
public enum SyntheticLabels {
    /// How many of the most frequent roots get binary label kinds of their own.
    public static let binaryParents = 4

    public static func kinds(_ layout: SyntheticLayout) -> [DatasetManifest.LabelKind] {
        let parents = ["none"] + layout.parentRange.map { layout.name(of: $0) }
        let children = ["none"] + layout.childRange.map { layout.name(of: $0) }
        var kinds = [DatasetManifest.LabelKind(name: "parent", classes: parents, level: "parent"),
                     DatasetManifest.LabelKind(name: "child", classes: children, level: "child")]
        let binary = min(layout.roots, binaryParents)
        kinds += (0 ..< binary).map { .init(name: "parent_\($0)", classes: ["off", "on"], level: "parent") }
        kinds += (0 ..< binary).map { .init(name: "child_\($0)", classes: ["off", "on"], level: "child") }
        return kinds
    }

    /// Appends one row's labels (`kinds(layout).count` values) for the given firing features.
    static func append(features: [Int32], magnitudes: [Float], layout: SyntheticLayout, to labels: inout [Int32]) {
        var parent: Int32 = 0, child: Int32 = 0
        var parentBest = -Float.infinity, childBest = -Float.infinity
        let binary = min(layout.roots, binaryParents)
        var on = [Int32](repeating: 0, count: 2 * binary)  // parent_r, then child_r
        for (f32, m) in zip(features, magnitudes) {
            let f = Int(f32)
            switch layout.kind(of: f) {
            case let .parent(root):
                if m > parentBest { (parent, parentBest) = (Int32(1 + f), m) }
                if root < binary { on[root] = 1 }
            case let .child(root, j):
                if m > childBest { (child, childBest) = (Int32(1 + f - layout.roots), m) }
                if j == 0, root < binary { on[binary + root] = 1 }
            case .singleton:
                break
            }
        }
        labels.append(parent)
        labels.append(child)
        labels.append(contentsOf: on)
    }
}
