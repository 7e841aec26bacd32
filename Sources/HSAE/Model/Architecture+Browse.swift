/// What the feature browser and `hsae explain` read from a model type besides its layers and
/// edges (docs/MODEL-PROTOCOL.md §1.9, step 10).

extension ModelLayer {
    /// The prefix of its latents' ids in the browser and explain ("B3", "T7"): the name's first
    /// letter, upper case. Page paths use the name itself (`bottom/3.html`, `top/7.html`).
    public var idPrefix: String { String(name.prefix(1)).uppercased() }
}

extension HierarchicalSAE {
    /// Layer `index`'s code after `forward`, dense (rows × the layer's latents, row-major): eval,
    /// the browser's scan and explain read every entry of a row.
    public func denseCode(layer index: Int, in ws: Workspace<T>) -> View<T> {
        precondition(index < architecture.layers.count, "layer \(index) of a model with \(architecture.layers.count)")
        return ws.layers[index].z
    }
}
