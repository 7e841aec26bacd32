import Foundation

/// What the feature browser shows about each latent, derived on rank 0 from the global scan and
/// the model's decoders (read only through `model.view(.topWDec)`; the encoders' memory layout
/// is the kernels' business). Plain values: the site writer only formats them.
public struct FeatureCatalog: Sendable {
    public enum Level: String, Sendable { case top, bottom }

    public struct Link: Equatable, Sendable {
        public let latent: Int
        /// Decoder weight W²[j, i], or P(top fires | bottom fires) for co-firing links.
        public let weight: Double
        /// Co-firing rows (for co-firing links), else 0.
        public let count: Int64
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
        public let level: Level
        public let index: Int
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
        /// Top: decoder children (weight ≥ `childThreshold` × the row's peak), heaviest first.
        public let children: [Link]
        /// Top: bottom latents by P(this fires | bottom fires); bottom: top latents likewise.
        public let coFiring: [Link]
        /// Bottom: top latents whose decoder claims it (as `children`), heaviest first.
        public let parents: [Link]

        public var id: String { (level == .top ? "T" : "B") + String(index) }
        public var bestAssociation: Association? { associations.max { $0.score < $1.score } }
    }

    public let rows: Int64
    public let top: [Latent]
    public let bottom: [Latent]
    /// Bottom latents that no top latent's decoder claims.
    public let unclaimed: [Int]
    public let examplesPerLatent: Int

    /// A decoder weight claims a child when it is at least this fraction of its row's peak
    /// (the edges `hsae eval` scores, `DictionaryGeometry.predictedEdges`).
    public static let childThreshold = 0.25
    public static let linksShown = 10
    /// Co-firing links need the lower latent to fire at least this often.
    public static let minCoFirings: Int64 = 5
}
