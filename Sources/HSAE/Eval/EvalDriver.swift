import Dist
import Foundation

/// `hsae eval` (DESIGN §7): one pass over the evaluation rows, data-parallel like training.
///
/// Rank r of W evaluates its share of the rows' batches (`RowStream` over `EvalInputs.batches`: one
/// grid of batches for any W, the pass the feature browser makes too), feeding the accumulators
/// (`EvalAccumulators`) one batch partial at a time; the partials are summed in fixed point (`ExactAccumulation`) and one allreduce of those integers
/// gives every rank the global sums, from which rank 0 derives every number of the report —
/// the same bits for any rank count (on one machine: another CPU's BLAS kernels may round a
/// batch differently). The probes are the only per-row
/// state: see `EvalProbes` (same subsample on every rank, fits shared out, scores gathered).
/// Collectives, in order: agree (the pass), allreduce (the sums), agree (probe codes), agree
/// (probe fits), gather ×2 + allreduce (probe scores), then with `--model` those of
/// `SplicedFidelity.run` — the same on every rank.
///
/// OpenBLAS should run one thread per rank (`BLASRuntime.configure(…, exact: true)`): the probe
/// fits are iterative and must see bit-identical features for `-np N` to equal one rank.
public enum EvalDriver {
    public struct Options: Sendable {
        /// Rows per forward batch.
        public var batchRows = 1024
        public var probes = ProbeOptions()
        /// Latents listed in the zero-ablation table (over all layers).
        public var ablationsListed = 20
        /// Spliced fidelity (`--model`): nil = not computed.
        public var splice: SpliceOptions?
        public init() {}
    }

    /// Evaluates on every rank; returns the report on rank 0 and nil elsewhere.
    public static func evaluate(_ inputs: EvalInputs, options: Options = Options(), comm: Communicator,
                                log: Logger) throws -> EvalReport? {
        let clock = Date()
        let geometry = ModelGeometry(inputs.model)
        let geometryB = inputs.baseline.map(ModelGeometry.init)
        let truth = inputs.truth.map { GroundTruthSetup(truth: $0, model: geometry, comparator: geometryB) }
        let acc = EvalAccumulators(model: geometry, comparator: geometryB, groundTruth: truth)
        let model = BatchRunner(model: inputs.model)
        let comparator = inputs.baseline.map(BatchRunner.init)

        let stream = RowStream(inputs, batchRows: options.batchRows, rank: comm.rank, size: comm.size)
        log.info("evaluating \(inputs.run.path) on \(inputs.rows.count) rows (\(inputs.rowsSource) of \(inputs.data.path), "
                 + "rows \(inputs.rows.lowerBound)..<\(inputs.rows.upperBound)) on \(comm.size) rank(s)"
                 + (inputs.baselineRun.map { ", baseline \($0.path)" } ?? "") + (truth == nil ? "" : ", with ground truth"))
        let exact = ExactAccumulation(acc.all, ranks: comm.size)
        var done = 0
        try stream.forEach(comm: comm) { batch in
            exact.beginBatch()
            acc.add(rows: Array(batch.scanned), model: model.run(batch.raw), comparator: comparator?.comparator(batch.raw))
            exact.endBatch()
            done += batch.scanned.count
            log.progress("eval: \(done)/\(stream.rows) rows of this rank")
        }
        do {
            try exact.allreduce(over: comm)
        } catch let error as ExactAccumulation.RangeError {
            throw HSAEError.badInput(path: inputs.run.path, message: error.description)
        }
        log.info(String(format: "eval: pass over %d rows done in %.1f s", inputs.rows.count, Date().timeIntervalSince(clock)))

        var probing: [ProbeLabelResult] = []
        if options.probes.rows > 0, !inputs.data.labelKinds.isEmpty {
            let probeClock = Date()
            let rows = EvalProbes.subsample(inputs.rows, count: options.probes.rows)
            let codes = try comm.agreeing {
                try EvalProbes.codes(rows: rows, data: inputs.data, model: model, comparator: comparator, batchRows: options.batchRows)
            }
            probing = try EvalProbes.run(comm: comm, data: inputs.data, rows: rows, codes: codes,
                                         levels: EvalProbes.levelCodes(of: geometry.architecture), options: options.probes)
            log.info(String(format: "eval: probes on %d rows done in %.1f s", rows.count, Date().timeIntervalSince(probeClock)))
        }
        let spliced = try options.splice.flatMap {
            try SplicedFidelity.run(inputs, options: $0, model: model, comparator: comparator, comm: comm, log: log)
        }
        guard comm.isRoot else { return nil }
        var builder = ReportBuilder(inputs: inputs, geometry: geometry, geometryB: geometryB, acc: acc, options: options)
        builder.report.probing = probing
        builder.report.splicedFidelity = spliced
        builder.addGroundTruth(truth)
        return builder.finished()
    }
}
