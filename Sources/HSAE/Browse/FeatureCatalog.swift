import Foundation

/// What the feature browser shows about each latent of each layer, derived on rank 0 from the
/// global scan and the model's declarations: its layers (names, id prefixes) and the edges of its
/// hierarchy, whose weights (read only through `model.view(edge.weights)`; the encoders' memory
/// layout is the kernels' business) give the children and parents links. Plain values: the site
/// writer only formats them.
public struct FeatureCatalog: Sendable {
    /// A layer as the browser names it: pages at `name/I.html`, ids `idPrefix` + I.
    public struct Layer: Sendable {
        public let index: Int
        public let name: String
        public let idPrefix: String
        public init(_ layer: ModelLayer) {
            index = layer.index
            name = layer.name
            idPrefix = layer.idPrefix
        }
        /// The name with a capital first letter ("Top", "Bottom").
        public var title: String { String(name.prefix(1)).uppercased() + name.dropFirst() }
        /// The anchor and search id of latent `index` ("t3", "b5").
        public func anchor(_ index: Int) -> String { idPrefix.lowercased() + String(index) }
    }

    /// An edge of the hierarchy: `parent`'s latents over `child`'s, by the weights named
    /// `weightsName` (the HSAE: top.W_dec) and by co-firing.
    public struct Edge: Sendable {
        public let parent: Int
        public let child: Int
        /// The weights' tensor name, nil for an edge without weights (co-firing links only).
        public let weightsName: String?
    }

    public struct Link: Equatable, Sendable {
        public let latent: Int
        /// Edge weight W[j, i], or P(parent fires | child fires) for co-firing links.
        public let weight: Double
        /// Co-firing rows (for co-firing links), else 0.
        public let count: Int64
    }

    /// A latent's links over one edge.
    public struct Relatives: Sendable {
        public let edge: Int
        /// As the edge's parent: its children (weight ≥ `childThreshold` × the row's peak),
        /// heaviest first. As the child: the parents whose weights claim it, likewise.
        public let claimed: [Link]
        /// As the parent: child latents by P(this fires | the child fires); as the child: parent
        /// latents by P(the parent fires | this fires).
        public let coFiring: [Link]
    }

    public struct Association: Equatable, Sendable {
        public let kind: String
        public let classes: [(name: String, share: Double, lift: Double)]
        /// share − base rate of the best class: how much the latent prefers one class.
        public var score: Double { classes.first.map { $0.share - $0.share / max($0.lift, 1e-12) } ?? 0 }
        public static func == (a: Association, b: Association) -> Bool {
            a.kind == b.kind && a.classes.map(\.name) == b.classes.map(\.name) && a.classes.map(\.share) == b.classes.map(\.share)
        }
    }

    public struct Latent: Sendable {
        public let layer: Int
        public let index: Int
        /// Its layer's id prefix and its index: "T3", "B5".
        public let id: String
        public let firings: Int64
        public let frequency: Double
        public let meanActivation: Double
        public let histogram: [Int64]   // ActivationBins.slots
        public let examples: [ExampleSlots.Example]
        /// (quantile band label, example), lower bands of the random sample.
        public let lowerSamples: [(band: String, example: ExampleSlots.Example)]
        public let associations: [Association]
        /// Best-correlated true features (synthetic data): (feature, ρ), best first.
        public let truthMatch: [(feature: Int, rho: Double)]
        /// Over each edge whose parent is its layer, in edge order.
        public let asParent: [Relatives]
        /// Over each edge whose child is its layer, in edge order.
        public let asChild: [Relatives]

        /// Its children over every edge it is the parent of.
        public var children: [Link] { asParent.flatMap(\.claimed) }
        public var bestAssociation: Association? { associations.max { $0.score < $1.score } }
    }

    public let rows: Int64
    /// The model's layers, bottom first.
    public let layers: [Layer]
    public let edges: [Edge]
    /// Per layer, its latents.
    public let latents: [[Latent]]
    /// Per edge: the child latents that no parent latent's weights claim.
    public let unclaimed: [[Int]]
    public let examplesPerLatent: Int

    /// The layers top first: the order of the site's index and of explain's columns.
    public var displayLayers: [Layer] { layers.reversed() }

    /// A decoder weight claims a child when it is at least this fraction of its row's peak
    /// (the edges `hsae eval` scores, `DictionaryGeometry.predictedEdges`).
    public static let childThreshold = 0.25
    public static let linksShown = 10
    /// Co-firing links need the lower latent to fire at least this often.
    public static let minCoFirings: Int64 = 5
}
