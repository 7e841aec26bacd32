import Foundation

// Legend: n rows of a shard, d width, K label kinds.

/// What `SyntheticGenerator.generate` made.
public struct SyntheticSummary: Codable, Equatable, Sendable {
    public var config: SyntheticConfig
    public var directory: String
    public var rows: Int
    public var shards: Int
    /// F, the true features (parents, children, singletons).
    public var features: Int
    /// True features that have a direction in x (all but geometry-B parents).
    public var directions: Int
    public var trueL0: TrueL0
    /// Bytes of all files written.
    public var bytes: Int
    public var seconds: Double
}

/// Writes a synthetic hierarchical data set: shards of activations (`shard-NNNNN.npy`), their
/// probing labels, the per-row ground truth and the hierarchy (see `TruthFiles`), and
/// `dataset.json`. Shards are generated and written one at a time; the whole data set is never
/// in memory. The directory appears complete or not at all.
public enum SyntheticGenerator {
    /// Generates `config` into `directory` under the output rule (`OutputDirectory`; `force`: replace an earlier synth output).
    /// `provenance` is added to the manifest's (e.g. the preset's name); `progress` is called
    /// after each shard with (shards done, shards in total).
    public static func generate(config: SyntheticConfig, to directory: String, force: Bool = false,
                                provenance: [String: String] = [:],
                                progress: ((Int, Int) -> Void)? = nil) throws -> SyntheticSummary {
        try config.validate()
        let started = Date()
        let output = try OutputDirectory(directory, command: .synth, intent: force ? .replace : .create)
        let staged = try StagedDirectory(output: output)
        do {
            let summary = try write(config: config, into: staged.staging, provenance: provenance, progress: progress)
            try staged.commit(marking: output)
            return SyntheticSummary(config: config, directory: staged.target, rows: config.rows, shards: config.shardCount,
                                    features: config.layout.featureCount, directions: summary.directions,
                                    trueL0: summary.trueL0, bytes: summary.bytes, seconds: Date().timeIntervalSince(started))
        } catch {
            staged.discard()
            throw error
        }
    }

    private static func write(config: SyntheticConfig, into dir: String, provenance: [String: String],
                              progress: ((Int, Int) -> Void)?) throws -> (trueL0: TrueL0, directions: Int, bytes: Int) {
        let model = SyntheticModel(config: config)
        let layout = model.layout
        try FileManager.default.createDirectory(atPath: dir + "/" + TruthFiles.directory, withIntermediateDirectories: false)
        var shards: [DatasetManifest.Shard] = []
        var counts = FiringCounts()
        var bytes = 0
        for s in 0..<config.shardCount {
            let first = s * config.shardRows
            let (shard, shardCounts, shardBytes) = try writeShard(s, firstRow: first, rows: min(config.shardRows, config.rows - first),
                                                                  model: model, into: dir)
            shards.append(shard)
            counts = counts + shardCounts
            bytes += shardBytes
            progress?(s + 1, config.shardCount)
        }
        let trueL0 = TrueL0(counts: counts, rows: config.rows, geometry: config.geometry)
        let truth = TruthFiles.hierarchyFileData(model: model, trueL0: trueL0)
        try AtomicFile.writeSynced(truth, to: dir + "/" + TruthFiles.hierarchyFile)
        bytes += truth.count
        var meta = provenance
        meta["generator"] = "hsae synth"
        meta["hsae_version"] = HSAEVersion.string
        meta["config"] = config.json()
        meta["geometry"] = config.geometry.rawValue
        meta["true_l0"] = String(decoding: try JSONFormat.encoder(.compact).encode(trueL0), as: UTF8.self)
        let manifest = DatasetManifest(d: config.d, dtype: config.dtype.elementType.numpyDescr!, shards: shards,
                                       labelKinds: SyntheticLabels.kinds(layout), groundTruth: TruthFiles.hierarchyFile,
                                       provenance: meta)
        let manifestData = try manifest.encoded()
        try AtomicFile.writeSynced(manifestData, to: dir + "/" + DatasetManifest.fileName)
        bytes += manifestData.count
        let directions = (0..<layout.featureCount).filter(layout.hasDirection).count
        return (trueL0, directions, bytes)
    }

    /// Draws and writes shard `s`: activations, labels and per-row truth.
    private static func writeShard(_ s: Int, firstRow: Int, rows n: Int, model: SyntheticModel,
                                   into dir: String) throws -> (DatasetManifest.Shard, FiringCounts, Int) {
        let d = model.config.d
        let layout = model.layout
        let K = SyntheticLabels.kinds(layout).count
        var values = [Float](repeating: 0, count: n * d)  // n × d
        var labels: [Int32] = []                            // n × K
        labels.reserveCapacity(n * K)
        var offsets: [Int64] = [0]                          // n + 1
        offsets.reserveCapacity(n + 1)
        var features: [Int32] = [], magnitudes: [Float] = []
        var rowFeatures: [Int32] = [], rowMagnitudes: [Float] = [], scratchF: [Int32] = [], scratchM: [Float] = []
        var counts = FiringCounts()
        var rng = model.rowGenerator(shard: s)
        values.withUnsafeMutableBufferPointer { x in
            for i in 0..<n {
                model.sampleRow(&rng, features: &rowFeatures, magnitudes: &rowMagnitudes,
                                scratchChildren: &scratchF, scratchMagnitudes: &scratchM)
                model.assembleRow(features: rowFeatures, magnitudes: rowMagnitudes, rng: &rng, into: x.baseAddress! + i * d)
                counts.add(rowFeatures, layout: layout)
                SyntheticLabels.append(features: rowFeatures, magnitudes: rowMagnitudes, layout: layout, to: &labels)
                features.append(contentsOf: rowFeatures)
                magnitudes.append(contentsOf: rowMagnitudes)
                offsets.append(Int64(features.count))
            }
        }
        let name = String(format: "shard-%05d", s)
        var shard = try ShardWriter.write(directory: dir, name: name, values: values, rows: n, d: d,
                                          dtype: model.config.dtype.elementType, labels: labels, labelKinds: K)
        let truthFile = TruthFiles.rowsFile(shard: name)
        let truth = TruthFiles.rowsFileData(offsets: offsets, features: features, magnitudes: magnitudes, firstRow: firstRow)
        try AtomicFile.writeSynced(truth, to: dir + "/" + truthFile)
        shard.truth = truthFile
        let written = [shard.file, shard.labels!, truthFile].reduce(0) { $0 + fileSize(dir + "/" + $1) }
        return (shard, counts, written)
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
