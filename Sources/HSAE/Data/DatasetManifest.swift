import Foundation

/// `dataset.json`: what an activation data set directory holds (DESIGN §6).
///
///     {
///       "format": "hsae-dataset", "version": 1,
///       "d": 384, "dtype": "<f4",
///       "shards": [{"file": "shard-00000.npy", "rows": 4096, "labels": "shard-00000.labels.npy"}],
///       "label_kinds": [{"name": "token_class", "classes": ["word_start", ...], "level": "lexical"},
///                       {"name": "doc_id"}],
///       "ground_truth": "truth.safetensors",
///       "provenance": {"generator": "hsae synth", ...}
///     }
///
/// A shard is a 2-D (rows × d) or 3-D (batch × seq × d) `.npy` (`<f4`/`<f2`) or `.safetensors`
/// file (its only tensor, `activations`, or the one `--tensor` / `"tensor"` names), optionally
/// with a `"mask"` over batch × seq (docs/HARVEST.md, "Data from elsewhere"). A shard's labels file is an int32 `.npy` of shape rows × label_kinds.count,
/// columns in `label_kinds` order, -1 where a label is missing.
public struct DatasetManifest: Codable, Equatable, Sendable {
    public struct Shard: Codable, Equatable, Sendable {
        public var file: String
        public var rows: Int
        public var labels: String?
        /// Per-row ground-truth file (synthetic data), e.g. which true features fire.
        public var truth: String?
        /// The safetensors tensor to read (default: the only one, or `activations`).
        public var tensor: String?
        /// A mask over the shard's leading dimensions (batch × seq): rows where it is 0 are skipped.
        public var mask: String?

        public init(file: String, rows: Int, labels: String? = nil, truth: String? = nil) {
            self.file = file
            self.rows = rows
            self.labels = labels
            self.truth = truth
        }
    }

    public struct LabelKind: Codable, Equatable, Sendable {
        /// e.g. `token_class`, `genre`, `doc_id`, `parent`.
        public var name: String
        /// Class names, index = label value. nil for identifiers (doc_id) that are not classes.
        public var classes: [String]?
        /// What level the label is expected to live at: "lexical", "contextual", "parent", "child", ...
        public var level: String?

        public init(name: String, classes: [String]? = nil, level: String? = nil) {
            self.name = name
            self.classes = classes
            self.level = level
        }
    }

    public var format = "hsae-dataset"
    public var version = 1
    public var d: Int
    public var dtype: String
    public var shards: [Shard]
    public var labelKinds: [LabelKind]?
    public var groundTruth: String?
    public var provenance: [String: String]?

    public static let fileName = "dataset.json"
    public static let labelsSuffix = ".labels.npy"
    public static let maskSuffix = ".mask.npy"

    public init(d: Int, dtype: String, shards: [Shard], labelKinds: [LabelKind]? = nil,
                groundTruth: String? = nil, provenance: [String: String]? = nil) {
        self.d = d
        self.dtype = dtype
        self.shards = shards
        self.labelKinds = labelKinds
        self.groundTruth = groundTruth
        self.provenance = provenance
    }

    enum CodingKeys: String, CodingKey {
        case format, version, d, dtype, shards, provenance
        case labelKinds = "label_kinds"
        case groundTruth = "ground_truth"
    }

    public var totalRows: Int { shards.reduce(0) { $0 + $1.rows } }

    /// Pretty, key-sorted JSON (stable across runs).
    public func encoded() throws -> Data {
        try JSONFormat.encoder(.pretty).encode(self)
    }

    /// Writes `dataset.json` into `directory` atomically.
    public func write(to directory: String) throws {
        try AtomicFile.write(try encoded(), to: directory + "/" + Self.fileName)
    }

    public static func read(from directory: String) throws -> DatasetManifest {
        let path = directory + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HSAEError.badInput(path: path, message: "cannot read")
        }
        do {
            let manifest = try JSONFormat.decoder().decode(DatasetManifest.self, from: data)
            guard manifest.format == "hsae-dataset" else {
                throw HSAEError.badInput(path: path, message: "format is '\(manifest.format)', expected 'hsae-dataset'")
            }
            guard manifest.version == 1 else {
                throw HSAEError.badInput(path: path, message: "version \(manifest.version) is not supported (expected 1)")
            }
            try manifest.validate(path: path)
            return manifest
        } catch let error as HSAEError {
            throw error
        } catch {
            throw HSAEError.badInput(path: path, message: "not a valid manifest: \(error)")
        }
    }
}

/// Writes shards in the manifest's layout. Each file is written atomically.
public enum ShardWriter {
    /// Writes `values` (rows × d, row-major) as `<directory>/<name>.npy` (f32 or f16) and, when
    /// given, `labels` (rows × kinds, row-major) as `<name>.labels.npy`; returns the manifest entry.
    public static func write(directory: String, name: String, values: [Float], rows: Int, d: Int,
                             dtype: ElementType = .f32, labels: [Int32]? = nil, labelKinds: Int = 0) throws -> DatasetManifest.Shard {
        precondition(values.count == rows * d, "shard \(name): \(values.count) values for \(rows)×\(d)")
        let file = name + ".npy"
        let raw: Data
        switch dtype {
        case .f32: raw = values.withUnsafeBytes { Data($0) }
        case .f16: raw = values.map { Float16($0).bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
        default: preconditionFailure("shards are written as f32 or f16, not \(dtype)")
        }
        try AtomicFile.write(NPYFile.serialize(dtype: dtype, shape: [rows, d], raw: raw), to: directory + "/" + file)
        var shard = DatasetManifest.Shard(file: file, rows: rows)
        if let labels {
            precondition(labels.count == rows * labelKinds, "shard \(name): \(labels.count) labels for \(rows)×\(labelKinds)")
            let labelFile = name + DatasetManifest.labelsSuffix
            try AtomicFile.write(NPYFile.serialize(labels, shape: [rows, labelKinds]), to: directory + "/" + labelFile)
            shard.labels = labelFile
        }
        return shard
    }
}
