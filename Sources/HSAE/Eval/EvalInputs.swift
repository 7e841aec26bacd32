import Dist
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
    public let run: Run
    public let model: HierarchicalSAE<Float>
    public let baselineRun: Run?
    public let baseline: HierarchicalSAE<Float>?
    public let data: ActivationDataset
    /// Global indices of the evaluation rows.
    public let rows: Range<Int>
    /// "evaluation split" or "--data".
    public let rowsSource: String
    public let truth: GroundTruth?
    /// Things a reader should know that do not stop the evaluation (copied into the report's notes).
    public let warnings: [String]

    /// Opens the models of `run` and `baseline` (each its final model, else its newest valid
    /// checkpoint; skipped checkpoints are warned about), in that order, then checks as below.
    public init(opening run: Run, baseline: Run? = nil, log: Logger, dataPath: String? = nil, tensor: String? = nil,
                allRows: Bool = false) throws {
        let model = try run.loadModel(log: log)
        try self.init(run: run, model: model, baselineRun: baseline, baseline: try baseline?.loadModel(log: log),
                      dataPath: dataPath, tensor: tensor, allRows: allRows)
    }

    /// - Parameters:
    ///   - model, baseline: the models of `run` and `baselineRun`, already loaded.
    ///   - dataPath: `--data`, or nil for the run's own data set.
    ///   - allRows: every row of the data set even when it is the run's own (training rows
    ///     included; the feature browser's `--all-rows`), instead of its evaluation split.
    public init(run: Run, model: HierarchicalSAE<Float>, baselineRun: Run? = nil, baseline: HierarchicalSAE<Float>? = nil,
                dataPath: String? = nil, tensor: String? = nil, allRows: Bool = false) throws {
        let name = run.path
        guard !model.config.architecture.edges.isEmpty else {  // eval scores the hierarchy of the model's edges
            throw HSAEError.badConfig(option: "--run", message: "\(name) is a single-layer baseline (no top layer); "
                + "pass it as --baseline, and an HSAE run as --run")
        }
        let record = try run.resolved()
        var warnings: [String] = []
        guard let path = dataPath ?? record?.dataset else {
            throw HSAEError.badConfig(option: "--data", message: "\(name) has no config.json naming its data set; give --data DIR")
        }
        if dataPath == nil, !FileManager.default.fileExists(atPath: path) {
            throw HSAEError.badInput(path: name + "/" + Run.configName,
                                     message: "names the data set '\(path)', which does not exist here; give --data DIR")
        }
        let ownData = record.map { dataPath == nil || Run.samePath($0.dataset, path) } ?? false
        let data = try ActivationDataset(path: path, tensor: tensor ?? (ownData ? record?.datasetTensor : nil))
        guard data.d == model.config.d else {
            throw HSAEError.badInput(path: path, message: "has d = \(data.d), but the model \(name) has d = \(model.config.d)")
        }
        if allRows {
            rows = 0 ..< data.rows
            rowsSource = "every row (--all-rows)"
        } else if let record, Run.samePath(record.dataset, path) {
            if record.datasetRows != data.rows {
                throw HSAEError.badInput(path: path, message: "has \(data.rows) rows, but \(name) was trained on it with "
                    + "\(record.datasetRows); the evaluation split would not be the held-out rows")
            }
            rows = data.evaluationSplit(fraction: record.config.evalFraction)
            rowsSource = "evaluation split"
        } else {
            rows = 0 ..< data.rows
            rowsSource = "--data"
        }

        if let baseline {
            let other = baselineRun ?? Run("baseline"), otherName = other.path
            guard baseline.config.architecture.edges.isEmpty else {  // the comparator is scored on its full path alone
                throw HSAEError.badConfig(option: "--baseline", message: "\(otherName) has a top layer; a baseline is a single-layer "
                    + "run (hsae train --baseline)")
            }
            guard baseline.config.d == model.config.d else {
                throw HSAEError.badInput(path: otherName, message: "has d = \(baseline.config.d), but the model \(name) has d = \(model.config.d)")
            }
            if let otherRecord = try other.resolved() {
                if !Run.samePath(otherRecord.dataset, path) {
                    warnings.append("The baseline \(otherName) was trained on \(otherRecord.dataset), not on \(path).")
                } else if data.evaluationSplit(fraction: otherRecord.config.evalFraction).lowerBound > rows.lowerBound {
                    warnings.append("The baseline \(otherName) held out fewer rows than \(name): it was trained on some of the evaluation rows.")
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
    /// is (a batch's numbers then do not depend on W either: `ExactAccumulation`). Eval's pass and
    /// the feature browser's (`FeatureScanner`, chunks of `--chunk-rows`) both read this grid.
    public func batches(rank: Int, size: Int, batchRows: Int) -> [Range<Int>] {
        precondition(batchRows > 0 && size > 0 && (0..<size).contains(rank), "batches: rank \(rank) of \(size), \(batchRows) rows")
        let n = batchCount(batchRows: batchRows)
        return (n * rank / size ..< n * (rank + 1) / size).map { k in
            let start = rows.lowerBound + k * batchRows
            return start ..< min(rows.upperBound, start + batchRows)
        }
    }

    /// How many batches of `batchRows` the evaluation rows make (the last may be shorter).
    public func batchCount(batchRows: Int) -> Int { (rows.count + batchRows - 1) / batchRows }
}
