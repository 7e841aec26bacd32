import Dist
import Foundation

/// One run as the commands that read it see it (docs/MODEL-PROTOCOL.md §1.10): a run directory
/// written by `hsae train`, or a bare model.safetensors file. It owns what those commands used to
/// assemble each for itself:
///
///   - the resolved configuration, RUN/config.json (`resolved()`, `datasetProvenance()`);
///   - its checkpoints, through `RunDirectory`'s one resolver (`newestValidCheckpoint`);
///   - the model (`loadModel`: the final model, else the newest valid checkpoint's);
///   - metrics.jsonl (`metrics`, `openMetrics`);
///   - the browser: RUN/site and the link a report elsewhere gives to it (`site`, `browserIndex`).
///
/// Opening reads nothing: each is read when asked for, so every command fails on the same file,
/// with the same message, in the same order as before `Run` existed. The layout itself (which
/// file is where) stays `RunDirectory`'s.
public struct Run: Sendable {
    /// As given on the command line (`--run PATH`): messages and reports name it so.
    public let path: String
    /// The run directory's layout (meaningful when `path` is a directory).
    public let directory: RunDirectory

    public init(_ path: String) {
        self.path = path
        directory = RunDirectory(path)
    }

    /// Whether `path` is a directory (a run), not a model file.
    public var isDirectory: Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Whether the last phase ended (RUN/model.safetensors exists).
    public var isFinished: Bool { directory.isFinished }
}

// MARK: - The resolved configuration

extension Run {
    /// RUN/config.json's file name, as messages name it (`RUN/config.json`).
    public static let configName = RunDirectory.configName

    /// RUN/config.json; nil for a bare model file or a directory without one.
    public func resolved() throws -> ResolvedRun? {
        let file = directory.config
        guard let bytes = FileManager.default.contents(atPath: file) else { return nil }
        do {
            return try JSONFormat.decoder().decode(ResolvedRun.self, from: bytes)
        } catch {
            throw HSAEError.badInput(path: file, message: "is not a run configuration written by hsae train: \(error)")
        }
    }

    /// The provenance recorded in the manifest of the data set the run was trained on (harvests
    /// record model, layer, window, hook); nil for a bare model file, or when the configuration
    /// or the data set is not readable here.
    public func datasetProvenance() -> [String: String]? {
        guard let record = try? resolved(), let manifest = try? DatasetManifest.read(from: record.dataset) else { return nil }
        return manifest.provenance
    }

    /// Whether two paths name the same file or directory (after resolving `.`, `..` and symlinks).
    public static func samePath(_ a: String, _ b: String) -> Bool {
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        return canonical(a) == canonical(b)
    }
}

// MARK: - Checkpoints and the model

extension Run {
    /// The newest checkpoint that loads and verifies (RunDirectory's resolver); every newer one
    /// that does not is passed to `skipped`, with the reason.
    public func newestValidCheckpoint(skipped: (RunDirectory.Skipped) -> Void) -> Checkpoint.Loaded? {
        directory.newestValidCheckpoint(skipped: skipped)
    }

    /// The model: a run directory's final model, else its newest valid checkpoint's, or the model
    /// file `path` names. Checkpoints skipped on the way are passed to `skipped` — a model from an
    /// older checkpoint than the directory holds is never taken silently.
    public func loadModel(skipped: (RunDirectory.Skipped) -> Void) throws -> HierarchicalSAE<Float> {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw HSAEError.badInput(path: path, message: "no such run directory or model file")
        }
        if !isDir.boolValue { return try ModelFile.load(path: path) }
        if isFinished { return try ModelFile.load(path: directory.model) }
        var passed: [RunDirectory.Skipped] = []
        guard let loaded = newestValidCheckpoint(skipped: { passed.append($0); skipped($0) }) else {
            throw HSAEError.badInput(path: path, message: "has no model.safetensors and no valid checkpoint"
                                     + (passed.isEmpty ? "" : " (\(passed.count) skipped, see above)"))
        }
        return loaded.model
    }

    /// The model, each skipped checkpoint warned about (naming it and why).
    public func loadModel(log: Logger) throws -> HierarchicalSAE<Float> {
        try loadModel { log.warning($0.description) }
    }
}

// MARK: - Metrics

extension Run {
    /// RUN/metrics.jsonl.
    public var metrics: String { directory.metrics }

    /// RUN/metrics.jsonl opened for appending, lines beyond `globalStep` dropped (MetricsLog).
    public func openMetrics(truncatingAfter globalStep: Int) throws -> MetricsLog {
        try MetricsLog(path: metrics, truncatingAfter: globalStep)
    }
}

// MARK: - The browser

extension Run {
    /// The run's default feature browser site, RUN/site (`hsae features` writes there, `hsae eval`
    /// links to it).
    public var site: String { path + "/site" }

    /// The path from `directory` to the run's browser index (relative, so the link survives moving
    /// the whole tree), or nil when the run has no browser.
    public func browserIndex(from directory: String) -> String? {
        let target = site + "/" + FeatureSite.indexName
        guard FileManager.default.fileExists(atPath: target) else { return nil }
        return Self.relativePath(to: target, from: directory)
    }

    /// `to` relative to the directory `from` (both made absolute and standardised first).
    public static func relativePath(to: String, from: String) -> String {
        func parts(_ p: String) -> [String] {
            URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().pathComponents.filter { $0 != "/" }
        }
        let a = parts(to), b = parts(from)
        var common = 0
        while common < min(a.count, b.count), a[common] == b[common] { common += 1 }
        let up = [String](repeating: "..", count: b.count - common)
        return (up + a[common...]).joined(separator: "/")
    }
}

/// RUN/config.json: the resolved configuration and what it was resolved against (written by the
/// trainer, read through `Run.resolved()`).
public struct ResolvedRun: Codable, Sendable {
    public var config: TrainConfig
    public var model: ModelConfig
    public var dataset: String
    /// `--tensor` (safetensors shards), nil when the default tensor was read.
    public var datasetTensor: String?
    public var datasetRows: Int
    public var inputScale: Double
    public var ranks: Int
    public var hsae: String
    /// The model type's registry name (ModelRegistry; `hsae train --model`). nil in files written
    /// before it was recorded: the type is then the one `model` describes.
    public var modelName: String?
}
