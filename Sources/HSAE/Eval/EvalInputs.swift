import Foundation

/// What `hsae eval` evaluates, checked before any row is read: the HSAE, an optional
/// single-layer baseline, the data set, the held-out rows, and the ground truth when the data
/// set is synthetic. Every check that fails throws one `HSAEError` naming the file or option,
/// the value found and what was expected; nothing has been written at that point.
///
/// Rows: without `--data`, the run's data set (RUN/config.json) and its evaluation split (the
/// last `evalFraction` of rows, never trained on). With `--data DIR`, every row of DIR (a data
/// set the model never saw) — unless DIR is the run's own data set, then its evaluation split.
public struct EvalInputs {
    public let run: String
    public let model: HierarchicalSAE<Float>
    public let baselineRun: String?
    public let baseline: HierarchicalSAE<Float>?
    public let data: ActivationDataset
    /// Global indices of the evaluation rows.
    public let rows: Range<Int>
    /// "evaluation split" or "--data".
    public let rowsSource: String
    public let truth: GroundTruth?
    /// Things a reader should know that do not stop the evaluation (copied into the report's notes).
    public let warnings: [String]

    /// - Parameters:
    ///   - model, baseline: loaded from `run` and `baselineRun` by the caller (a run directory's
    ///     final model, else its newest checkpoint).
    ///   - dataPath: `--data`, or nil for the run's own data set.
    ///   - allRows: every row of the data set even when it is the run's own (training rows
    ///     included; the feature browser's `--all-rows`), instead of its evaluation split.
    public init(run: String, model: HierarchicalSAE<Float>, baselineRun: String? = nil, baseline: HierarchicalSAE<Float>? = nil,
                dataPath: String? = nil, tensor: String? = nil, allRows: Bool = false) throws {
        guard !model.config.architecture.edges.isEmpty else {  // eval scores the hierarchy of the model's edges
            throw HSAEError.badConfig(option: "--run", message: "\(run) is a single-layer baseline (no top layer); "
                + "pass it as --baseline, and an HSAE run as --run")
        }
        let record = try RunRecord.read(run: run)
        var warnings: [String] = []
        guard let path = dataPath ?? record?.dataset else {
            throw HSAEError.badConfig(option: "--data", message: "\(run) has no config.json naming its data set; give --data DIR")
        }
        if dataPath == nil, !FileManager.default.fileExists(atPath: path) {
            throw HSAEError.badInput(path: run + "/" + RunRecord.fileName,
                                     message: "names the data set '\(path)', which does not exist here; give --data DIR")
        }
        let ownData = record.map { dataPath == nil || RunRecord.samePath($0.dataset, path) } ?? false
        let data = try ActivationDataset(path: path, tensor: tensor ?? (ownData ? record?.datasetTensor : nil))
        guard data.d == model.config.d else {
            throw HSAEError.badInput(path: path, message: "has d = \(data.d), but the model \(run) has d = \(model.config.d)")
        }
        if allRows {
            rows = 0 ..< data.rows
            rowsSource = "every row (--all-rows)"
        } else if let record, RunRecord.samePath(record.dataset, path) {
            if record.datasetRows != data.rows {
                throw HSAEError.badInput(path: path, message: "has \(data.rows) rows, but \(run) was trained on it with "
                    + "\(record.datasetRows); the evaluation split would not be the held-out rows")
            }
            rows = data.evaluationSplit(fraction: record.config.evalFraction)
            rowsSource = "evaluation split"
        } else {
            rows = 0 ..< data.rows
            rowsSource = "--data"
        }

        if let baseline {
            let name = baselineRun ?? "baseline"
            guard baseline.config.architecture.edges.isEmpty else {  // the comparator is scored on its full path alone
                throw HSAEError.badConfig(option: "--baseline", message: "\(name) has a top layer; a baseline is a single-layer "
                    + "run (hsae train --baseline)")
            }
            guard baseline.config.d == model.config.d else {
                throw HSAEError.badInput(path: name, message: "has d = \(baseline.config.d), but the model \(run) has d = \(model.config.d)")
            }
            if let other = try RunRecord.read(run: name) {
                if !RunRecord.samePath(other.dataset, path) {
                    warnings.append("The baseline \(name) was trained on \(other.dataset), not on \(path).")
                } else if data.evaluationSplit(fraction: other.config.evalFraction).lowerBound > rows.lowerBound {
                    warnings.append("The baseline \(name) held out fewer rows than \(run): it was trained on some of the evaluation rows.")
                }
            }
        }
        self.run = run
        self.model = model
        self.baselineRun = baselineRun
        self.baseline = baseline
        self.data = data
        truth = data.manifest.groundTruth == nil ? nil : try GroundTruth(datasetPath: data.path)
        self.warnings = warnings
    }

    /// This rank's batches of the evaluation rows. The rows are cut into batches of `batchRows`
    /// from the first evaluation row — one grid for any rank count — and rank r of W takes batches
    /// [n·r/W, n·(r+1)/W) of the n, so every row is evaluated once, in the same batch whatever W
    /// is (a batch's numbers then do not depend on W either: `ExactAccumulation`).
    public func batches(rank: Int, size: Int, batchRows: Int) -> [Range<Int>] {
        precondition(batchRows > 0 && size > 0 && (0..<size).contains(rank), "batches: rank \(rank) of \(size), \(batchRows) rows")
        let n = (rows.count + batchRows - 1) / batchRows
        return (n * rank / size ..< n * (rank + 1) / size).map { k in
            let start = rows.lowerBound + k * batchRows
            return start ..< min(rows.upperBound, start + batchRows)
        }
    }
}

/// RUN/config.json as far as evaluation needs it (the resolved training configuration).
enum RunRecord {
    static let fileName = RunDirectory.configName

    /// The record of a run directory; nil for a bare model file or a directory without one.
    static func read(run: String) throws -> ResolvedRun? {
        let path = RunDirectory(run).config
        guard let bytes = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONFormat.decoder().decode(ResolvedRun.self, from: bytes)
        } catch {
            throw HSAEError.badInput(path: path, message: "is not a run configuration written by hsae train: \(error)")
        }
    }

    /// Whether two paths name the same file or directory (after resolving `.`, `..` and symlinks).
    static func samePath(_ a: String, _ b: String) -> Bool {
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        return canonical(a) == canonical(b)
    }
}
