import Foundation

/// Every knob of a synthetic hierarchical data set (docs/SYNTHETIC.md). The same config and
/// seed give byte-identical files.
///
/// The generative model, per row (token):
///
///     root r fires           with p_r = p_max · (r+1)^(−α),  α = ln(p_max/p_min) / ln R
///     child (r, j) fires     only while r fires: exactly one j uniformly (exclusive), or each
///                            j with probability q, at least one (independent)
///     singleton s fires      with p_s = p_max · (s+1)^(−α_S),  α_S = ln(p_max/p_min) / ln S
///     magnitude m            ~ |N(μ, σ_m²)| (folded normal), drawn per firing feature
///     x = Σ_f m_f · g_f + σ · ε,   ε ~ N(0, I_d),  g_f unit directions in R^d
///
/// Geometry A: a firing parent adds m_r · g_r and each firing child adds m_c · g_c.
/// Geometry B: parents have no direction; a parent is only the OR of its children.
public struct SyntheticConfig: Codable, Equatable, Sendable {
    /// How parent directions enter the activations.
    public enum Geometry: String, Codable, CaseIterable, Sendable {
        /// Parents have their own direction; children add theirs (causes absorption in flat SAEs).
        case a = "A"
        /// Parents have no direction of their own: a parent is the OR of its children.
        case b = "B"
    }

    /// How children fire under a firing parent.
    public enum ChildMode: String, Codable, CaseIterable, Sendable {
        /// Exactly one child per firing parent, uniformly.
        case exclusive
        /// Each child independently with `childProbability`; one uniformly when none was drawn.
        case independent
    }

    /// How shards store values.
    public enum StorageType: String, Codable, CaseIterable, Sendable {
        case f32, f16
        public var elementType: ElementType { self == .f32 ? .f32 : .f16 }
    }

    public var d: Int
    public var roots: Int
    /// Children per root (b).
    public var children: Int
    public var singletons: Int
    public var rows: Int
    public var shardRows: Int
    public var geometry: Geometry
    public var childMode: ChildMode
    /// q, used by `independent` children only.
    public var childProbability: Double
    /// The Zipf-like firing range shared by roots and singletons: the most frequent fires with
    /// `probabilityMax`, the rarest with `probabilityMin`.
    public var probabilityMax: Double
    public var probabilityMin: Double
    /// μ and σ_m of the folded normal |N(μ, σ_m²)| that magnitudes are drawn from.
    public var magnitudeMean: Double
    public var magnitudeStd: Double
    /// σ: standard deviation of the Gaussian noise added to every coordinate.
    public var noise: Double
    public var dtype: StorageType
    public var seed: UInt64

    enum CodingKeys: String, CodingKey {
        case d, roots, children, singletons, rows, geometry, noise, dtype, seed
        case shardRows = "shard_rows", childMode = "child_mode", childProbability = "child_probability"
        case probabilityMax = "probability_max", probabilityMin = "probability_min"
        case magnitudeMean = "magnitude_mean", magnitudeStd = "magnitude_std"
    }

    public init(d: Int, roots: Int, children: Int, singletons: Int, rows: Int, shardRows: Int,
                geometry: Geometry = .a, childMode: ChildMode = .exclusive, childProbability: Double = 0.3,
                probabilityMax: Double, probabilityMin: Double, magnitudeMean: Double = 1, magnitudeStd: Double = 0.5,
                noise: Double, dtype: StorageType = .f32, seed: UInt64 = 1) {
        self.d = d
        self.roots = roots
        self.children = children
        self.singletons = singletons
        self.rows = rows
        self.shardRows = shardRows
        self.geometry = geometry
        self.childMode = childMode
        self.childProbability = childProbability
        self.probabilityMax = probabilityMax
        self.probabilityMin = probabilityMin
        self.magnitudeMean = magnitudeMean
        self.magnitudeStd = magnitudeStd
        self.noise = noise
        self.dtype = dtype
        self.seed = seed
    }

    /// Named starting points; every field can then be overridden.
    public enum Preset: String, CaseIterable, Sendable {
        case tiny, small, `default`
    }

    /// `tiny` generates in well under a second and trains in seconds (tests); `small` is for
    /// quick experiments; `default` is a few hundred true features in d = 128 (3× superposition).
    public static func preset(_ preset: Preset) -> SyntheticConfig {
        switch preset {
        case .tiny:
            return SyntheticConfig(d: 32, roots: 8, children: 4, singletons: 8, rows: 20_000, shardRows: 5_000,
                                   probabilityMax: 0.4, probabilityMin: 0.05, noise: 0.02)
        case .small:
            return SyntheticConfig(d: 64, roots: 16, children: 6, singletons: 32, rows: 100_000, shardRows: 25_000,
                                   probabilityMax: 0.35, probabilityMin: 0.03, noise: 0.02)
        case .default:
            return SyntheticConfig(d: 128, roots: 48, children: 6, singletons: 64, rows: 300_000, shardRows: 50_000,
                                   probabilityMax: 0.35, probabilityMin: 0.02, noise: 0.02)
        }
    }

    /// The layout of true feature indices this config produces.
    public var layout: SyntheticLayout {
        SyntheticLayout(roots: roots, children: children, singletons: singletons, geometry: geometry)
    }

    /// Number of shards: ⌈rows / shardRows⌉.
    public var shardCount: Int { (rows + shardRows - 1) / shardRows }

    /// Checks every knob; the error names the command-line option, the value and the valid range.
    public func validate() throws {
        func check(_ ok: Bool, _ option: String, _ message: String) throws {
            if !ok { throw HSAEError.badConfig(option: option, message: message) }
        }
        try check(d >= 1, "--d", "must be at least 1, got \(d)")
        try check(roots >= 1, "--roots", "must be at least 1, got \(roots)")
        try check(children >= 1, "--children", "must be at least 1 (children per root), got \(children)")
        try check(singletons >= 0, "--singletons", "must be at least 0, got \(singletons)")
        try check(rows >= 1, "--rows", "must be at least 1, got \(rows)")
        try check(shardRows >= 1, "--shard-rows", "must be at least 1, got \(shardRows)")
        try check(shardCount <= 100_000, "--shard-rows", "\(shardRows) gives \(shardCount) shards for \(rows) rows; at most 100000 are allowed")
        try check(Int32(exactly: layout.featureCount) != nil, "--roots", "\(layout.featureCount) true features do not fit int32 indices")
        try check(childProbability > 0 && childProbability <= 1, "--child-probability", "must be in (0, 1], got \(childProbability)")
        try check(probabilityMax > 0 && probabilityMax <= 1, "--probability-max", "must be in (0, 1], got \(probabilityMax)")
        try check(probabilityMin > 0 && probabilityMin <= probabilityMax, "--probability-min",
                  "must be in (0, --probability-max = \(probabilityMax)], got \(probabilityMin)")
        try check(magnitudeMean.isFinite && magnitudeMean >= 0, "--magnitude-mean", "must be finite and at least 0, got \(magnitudeMean)")
        try check(magnitudeStd.isFinite && magnitudeStd >= 0, "--magnitude-std", "must be finite and at least 0, got \(magnitudeStd)")
        try check(magnitudeMean > 0 || magnitudeStd > 0, "--magnitude-mean", "and --magnitude-std are both 0: no feature would ever be visible")
        try check(noise.isFinite && noise >= 0, "--noise", "must be finite and at least 0, got \(noise)")
    }

    /// Pretty, key-sorted JSON (stored in the truth file's metadata and printed by `hsae synth`).
    public func json(pretty: Bool = false) -> String {
        let encoder = JSONFormat.encoder(pretty ? .pretty : .compact)
        // Encoding plain numbers, strings and enums cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}
