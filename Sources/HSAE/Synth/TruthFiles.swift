import Foundation

/// The mean number of firing true features per row (token), per level: what a trained
/// model's L0 can be compared with, and where training targets can be taken from.
public struct TrueL0: Codable, Equatable, Sendable {
    /// Firing parents (roots) per row.
    public var parents: Double
    /// Firing children per row.
    public var children: Double
    /// Firing singletons per row.
    public var singletons: Double
    /// Leaves (basic features) = children + singletons.
    public var leaves: Double
    /// True directions that enter x: leaves, plus parents under geometry A.
    public var directions: Double

    public init(parents: Double, children: Double, singletons: Double, geometry: SyntheticConfig.Geometry) {
        self.parents = parents
        self.children = children
        self.singletons = singletons
        leaves = children + singletons
        directions = leaves + (geometry == .a ? parents : 0)
    }

    /// From total firing counts over `rows` rows.
    init(counts: FiringCounts, rows: Int, geometry: SyntheticConfig.Geometry) {
        let n = Double(max(rows, 1))
        self.init(parents: Double(counts.parents) / n, children: Double(counts.children) / n,
                  singletons: Double(counts.singletons) / n, geometry: geometry)
    }
}

/// Firing counts per level, summed over rows.
struct FiringCounts {
    var parents = 0, children = 0, singletons = 0

    mutating func add(_ features: [Int32], layout: SyntheticLayout) {
        for f in features {
            if Int(f) < layout.roots { parents += 1 } else if Int(f) < layout.roots + layout.childCount { children += 1 } else { singletons += 1 }
        }
    }

    static func + (a: FiringCounts, b: FiringCounts) -> FiringCounts {
        FiringCounts(parents: a.parents + b.parents, children: a.children + b.children, singletons: a.singletons + b.singletons)
    }
}

/// Names and layouts of the ground-truth files of a synthetic data set (docs/SYNTHETIC.md):
///
///     truth/truth.safetensors          the hierarchy: directions, tree, probabilities; metadata
///                                      holds the config, the geometry and the true mean L0s
///     truth/shard-NNNNN.safetensors    per-row firing of shard NNNNN, in CSR form:
///         offsets     I64 [rows + 1]   row i's entries are offsets[i] ..< offsets[i+1]
///         features    I32 [nnz]        true feature index (SyntheticLayout), increasing within a row
///         magnitudes  F32 [nnz]        its magnitude m_f
///
/// They live in a subdirectory so that a copy without `dataset.json` still reads as a bare
/// directory of shards.
public enum TruthFiles {
    public static let directory = "truth"
    public static let hierarchyFile = "truth/truth.safetensors"
    public static let format = "hsae-synth-truth"
    public static let rowsFormat = "hsae-synth-truth-rows"

    public static func rowsFile(shard name: String) -> String { "\(directory)/\(name).safetensors" }

    /// The bytes of one shard's per-row truth file.
    static func rowsFileData(offsets: [Int64], features: [Int32], magnitudes: [Float], firstRow: Int) -> Data {
        var writer = SafeTensorsWriter(metadata: ["format": rowsFormat, "version": "1",
                                                  "first_row": String(firstRow), "rows": String(offsets.count - 1)])
        writer.add("offsets", shape: [offsets.count], int64: offsets)
        writer.add("features", dtype: .i32, shape: [features.count], raw: features.withUnsafeBytes { Data($0) })
        writer.add("magnitudes", shape: [magnitudes.count], values: magnitudes)
        return writer.serialized()
    }

    /// The bytes of `truth.safetensors`.
    static func hierarchyFileData(model: SyntheticModel, trueL0: TrueL0) -> Data {
        let config = model.config
        let layout = model.layout
        let l0JSON = String(decoding: (try? JSONFormat.encoder(.compact).encode(trueL0)) ?? Data(), as: UTF8.self)
        var writer = SafeTensorsWriter(metadata: [
            "format": format, "version": "1", "geometry": config.geometry.rawValue, "child_mode": config.childMode.rawValue,
            "d": String(config.d), "roots": String(layout.roots), "children": String(layout.children),
            "singletons": String(layout.singletons), "config": config.json(), "true_l0": l0JSON,
            "feature_layout": "parent r = r; child j of root r = R + r*b + j; singleton s = R + R*b + s",
        ])
        func rows(_ range: Range<Int>) -> [Float] {
            Array(model.directions.storage[range.lowerBound * config.d ..< range.upperBound * config.d])
        }
        if config.geometry == .a {
            writer.add("parent_directions", shape: [layout.roots, config.d], values: rows(layout.parentRange))
        }
        writer.add("child_directions", shape: [layout.childCount, config.d], values: rows(layout.childRange))
        writer.add("singleton_directions", shape: [layout.singletons, config.d], values: rows(layout.singletonRange))
        writer.add("child_parent", shape: [layout.childCount], int64: layout.childRange.map { Int64(layout.parentOf($0)!) })
        writer.add("root_probability", shape: [layout.roots], values: model.rootProbability)
        writer.add("singleton_probability", shape: [layout.singletons], values: model.singletonProbability)
        return writer.serialized()
    }
}
