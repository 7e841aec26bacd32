import Foundation

/// The ground truth of a synthetic data set made by `hsae synth`, read from its files: the
/// true directions, the tree, the true mean L0s, and which true features fire in each row.
/// Per-row truth is memory-mapped; `firing(rows:)` costs O(firing features) per row.
///
/// Feature indices follow `SyntheticLayout` (parents, then children, then singletons).
public final class GroundTruth: @unchecked Sendable {  // immutable after init; mapped files are read-only
    /// One firing true feature in a row.
    public struct Firing: Equatable, Sendable {
        public let feature: Int
        public let magnitude: Float
        public init(feature: Int, magnitude: Float) {
            self.feature = feature
            self.magnitude = magnitude
        }
    }

    public let datasetPath: String
    public let config: SyntheticConfig
    public let layout: SyntheticLayout
    /// Mean firing counts per row over the whole data set, as recorded by the generator.
    public let trueL0: TrueL0
    public let rows: Int
    /// Unit parent directions, R × d (geometry A); nil under geometry B (parents have none).
    public let parentDirections: Matrix<Float>?
    /// Unit child directions, R·b × d, row c = child feature R + c.
    public let childDirections: Matrix<Float>
    /// Unit singleton directions, S × d.
    public let singletonDirections: Matrix<Float>
    /// The root of each child, R·b entries (child c belongs to root childParent[c]).
    public let childParent: [Int]
    public let rootProbability: [Double]
    public let singletonProbability: [Double]
    let shardRows: [TruthRows]
    let shardStarts: [Int]  // shardRows.count + 1

    /// Opens `datasetPath/dataset.json`, its `ground_truth` file and every shard's `truth` file.
    public init(datasetPath: String) throws {
        self.datasetPath = datasetPath
        let manifest = try DatasetManifest.read(from: datasetPath)
        let manifestPath = datasetPath + "/" + DatasetManifest.fileName
        guard let truthName = manifest.groundTruth else {
            throw HSAEError.badInput(path: manifestPath, message: "has no ground_truth: not a synthetic data set (make one with `hsae synth`)")
        }
        let path = datasetPath + "/" + truthName
        let file = try SafeTensorsFile(path: path)
        func bad(_ message: String) -> HSAEError { .badInput(path: path, message: message) }
        guard file.metadata["format"] == TruthFiles.format else {
            throw bad("metadata format is '\(file.metadata["format"] ?? "")', expected '\(TruthFiles.format)'")
        }
        guard let configJSON = file.metadata["config"], let config = try? JSONFormat.decoder().decode(SyntheticConfig.self, from: Data(configJSON.utf8)),
              let l0JSON = file.metadata["true_l0"], let trueL0 = try? JSONFormat.decoder().decode(TrueL0.self, from: Data(l0JSON.utf8))
        else { throw bad("metadata needs 'config' and 'true_l0' as JSON") }
        // The config comes from the file: bound its sizes before the layout multiplies them.
        guard (1...(1 << 20)).contains(config.d), (1...(1 << 24)).contains(config.roots),
              (1...(1 << 16)).contains(config.children), (0...(1 << 24)).contains(config.singletons) else {
            throw bad("metadata config has out-of-range sizes (d \(config.d), roots \(config.roots), children \(config.children), "
                + "singletons \(config.singletons)); expected d ≤ 2^20, roots ≤ 2^24, children ≤ 2^16, singletons ≤ 2^24")
        }
        self.config = config
        self.trueL0 = trueL0
        layout = config.layout
        let (d, R, C, S) = (config.d, layout.roots, layout.childCount, layout.singletons)
        func matrix(_ name: String, _ n: Int) throws -> Matrix<Float> {
            Matrix(rows: n, cols: d, storage: try file.floats(name, shape: [n, d]))
        }
        parentDirections = config.geometry == .a ? try matrix("parent_directions", R) : nil
        childDirections = try matrix("child_directions", C)
        singletonDirections = try matrix("singleton_directions", S)
        childParent = try file.integers("child_parent")
        rootProbability = try file.values("root_probability", as: Double.self)
        singletonProbability = try file.values("singleton_probability", as: Double.self)
        guard childParent.count == C, rootProbability.count == R, singletonProbability.count == S else {
            throw bad("child_parent, root_probability or singleton_probability do not have \(C), \(R), \(S) entries")
        }
        var readers: [TruthRows] = []
        var starts = [0]
        for shard in manifest.shards {
            guard let name = shard.truth else {
                throw HSAEError.badInput(path: manifestPath, message: "shard \(shard.file) has no truth file")
            }
            readers.append(try TruthRows(path: datasetPath + "/" + name, rows: shard.rows, features: layout.featureCount))
            starts.append(starts.last! + shard.rows)
        }
        shardRows = readers
        shardStarts = starts
        rows = starts.last!
    }

    /// The unit direction of a true feature in R^d; nil for a geometry-B parent.
    public func direction(of feature: Int) -> [Float]? {
        switch layout.kind(of: feature) {
        case let .parent(r): return parentDirections?.row(r)
        case .child: return childDirections.row(feature - layout.roots)
        case let .singleton(s): return singletonDirections.row(s)
        }
    }

    /// The leaves' (basic features') directions: children then singletons, (R·b + S) × d;
    /// row i is true feature R + i.
    public var leafDirections: Matrix<Float> {
        Matrix(rows: layout.leafCount, cols: config.d, storage: childDirections.storage + singletonDirections.storage)
    }

    /// The true features firing in global row `row`, in increasing feature index.
    public func firing(row: Int) -> [Firing] {
        precondition(row >= 0 && row < rows, "row \(row) outside 0..<\(rows)")
        var (lo, hi) = (0, shardRows.count - 1)  // the last shard starting at or before `row`
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if shardStarts[mid] <= row { lo = mid } else { hi = mid - 1 }
        }
        return shardRows[lo].firing(row - shardStarts[lo])
    }

    public func firing(rows indices: [Int]) -> [[Firing]] { indices.map { firing(row: $0) } }

    /// Magnitudes of every true feature in the given rows, 0 where it does not fire.
    public func magnitudes(rows indices: [Int]) -> Matrix<Float> {  // rows.count × F
        var m = Matrix<Float>(rows: indices.count, cols: layout.featureCount)
        for (i, row) in indices.enumerated() {
            for f in firing(row: row) { m[i, f.feature] = f.magnitude }
        }
        return m
    }

    /// The mean L0 per level measured from the per-row truth of the given rows (all by default).
    public func measuredL0(rows indices: [Int]? = nil) -> TrueL0 {
        var counts = FiringCounts()
        let list = indices ?? Array(0..<rows)
        for row in list { counts.add(firing(row: row).map { Int32($0.feature) }, layout: layout) }
        return TrueL0(counts: counts, rows: list.count, geometry: config.geometry)
    }
}
