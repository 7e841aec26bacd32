import Dist
import Foundation

/// One step's timing and sparsity, as `hsae bench` reports them.
public struct StepTime: Sendable {
    public let phase: Int
    public let seconds: Double
    public let allreduceSeconds: Double
    /// Mean active latents per token, per layer (global batch).
    public let l0: [Double]
}

/// Runs the phases of DESIGN §4 on every rank: the same collectives in the same order,
/// one gradient reduction per step, rank 0 writes checkpoints and logs.
public final class Trainer {
    let comm: Communicator
    let log: Logger
    let run: String
    public let config: TrainConfig
    let phases: [TrainingPhase]
    let data: ActivationDataset
    let order: DataOrder
    public let model: HierarchicalSAE<Float>
    @exclusivity(unchecked) public internal(set) var state: TrainerState
    let adam: Adam
    /// Steps since each latent (layer after layer) last fired.
    @exclusivity(unchecked) var sinceFired: [Int64]
    let ws: Workspace<Float>
    let grads: TensorBuffer<Float>
    let reduced: TensorBuffer<Float>
    @exclusivity(unchecked) var metrics: MetricsLog?
    /// Wall time of every step this process ran (phase, seconds, allreduce seconds, L0s), for `hsae bench`.
    @exclusivity(unchecked) public internal(set) var stepTimes: [StepTime] = []
    /// Held by rank 0 from the first write into the run until the trainer is released.
    @exclusivity(unchecked) var runLock: RunLock?
    /// How gradients were reduced in the last phase (rank 0 says so when it changes).
    @exclusivity(unchecked) var announcedReduction: String?
    /// Called on every rank after each completed step with the global step (fault injection
    /// in tests, external monitoring). Must not issue collectives.
    @exclusivity(unchecked) public var afterStep: ((Int) -> Void)?
    /// Whether training writes checkpoints and the final model (`hsae bench` turns it off: at
    /// d = 768, m1 = 16k, m2 = 4k a phase-end checkpoint is 1.9 GB, and its run directory is in /dev/shm).
    @exclusivity(unchecked) public var savesState = true

    /// A fresh run: validates everything, then initialises the model from a data sample.
    /// Nothing is written before validation has passed on every rank.
    public convenience init(comm: Communicator, log: Logger, config: TrainConfig, data: ActivationDataset, run: String) throws {
        let trainRows = data.evaluationSplit(fraction: config.evalFraction).lowerBound
        try config.validate(trainingRows: trainRows, ranks: comm.size)
        try config.modelConfig(d: data.d).validate()
        try config.checkMemory(d: data.d)
        // Rank 0 writes the checkpoints, so only it reads every shard for the fingerprint; the
        // same pass finds rows with NaN/Inf before anything is trained or written.
        var fingerprint: DataFingerprint?
        if comm.isRoot {
            fingerprint = try DataFingerprint(dataset: data)
            if !config.skipNonfinite, let error = fingerprint?.nonFiniteError(dataset: data, trainingRows: trainRows) { throw error }
        }
        let rows = try Self.trainingRows(data: data, count: trainRows, skip: config.skipNonfinite, log: log)
        let model = HierarchicalSAE<Float>(config: config.modelConfig(d: data.d))
        let order = DataOrder(count: trainRows, rows: rows, seed: config.seed, batch: config.batch, microbatch: config.microbatch)
        let sample = try Self.scaleSample(data: data, order: order, count: config.scaleSampleRows)
        model.inputScale = sample.scale
        model.initialise(seed: config.seed &+ 1, mean: sample.mean)
        model.applyConstraints()
        var state = TrainerState(lambdas: model.config.layers.map { config.weights[$0.l1Term] },
                                 dataVariance: sample.variance, config: config, dataset: data.path,
                                 datasetRows: data.rows, d: data.d, ranks: comm.size)
        state.dataFingerprint = fingerprint
        state.datasetTensor = data.tensor
        try self.init(comm: comm, log: log, run: run, config: config, data: data, order: order, model: model, state: state,
                      adamMoments: nil, sinceFired: nil)
    }

    /// Continues from a checkpoint (any W that divides n). Refuses a data set whose fingerprint
    /// differs from the one the run recorded, unless `allowDataChange`.
    public convenience init(comm: Communicator, log: Logger, resuming loaded: Checkpoint.Loaded, data: ActivationDataset, run: String,
                overrides: TrainConfig?, allowDataChange: Bool = false) throws {
        var config = loaded.state.config
        if let overrides {
            try Self.checkCompatible(overrides, with: config, path: loaded.directory)
            config = Self.merged(overrides, into: config)
        }
        guard data.d == loaded.state.d, data.rows == loaded.state.datasetRows else {
            throw HSAEError.badInput(path: data.path, message: "has d = \(data.d) and \(data.rows) rows, but the checkpoint "
                + "\(loaded.directory) was trained on d = \(loaded.state.d) with \(loaded.state.datasetRows) rows")
        }
        let trainRows = data.evaluationSplit(fraction: config.evalFraction).lowerBound
        try config.validate(trainingRows: trainRows, ranks: comm.size)
        let rows = try Self.trainingRows(data: data, count: trainRows, skip: config.skipNonfinite, log: log)
        let order = DataOrder(count: trainRows, rows: rows, seed: config.seed, batch: config.batch, microbatch: config.microbatch)
        var state = loaded.state
        state.config = config
        state.ranks = comm.size
        if comm.isRoot {
            let now = try DataFingerprint(dataset: data)
            if !config.skipNonfinite, let error = now.nonFiniteError(dataset: data, trainingRows: trainRows) { throw error }
            if let recorded = loaded.state.dataFingerprint, let change = now.difference(from: recorded) {
                guard allowDataChange else {
                    throw HSAEError.badInput(path: data.path, message: "the data changed since the run started: \(change). "
                        + "Resuming would train on different data than the checkpoint \(loaded.directory); "
                        + "give --allow-data-change if that is what you mean")
                }
                log.warning("\(data.path): the data changed since the run started (\(change)); continuing (--allow-data-change)")
            } else if loaded.state.dataFingerprint == nil {
                log.warning("\(loaded.directory) records no data fingerprint (written by an older hsae); the data cannot be checked")
            }
            state.dataFingerprint = now
        }
        try self.init(comm: comm, log: log, run: run, config: config, data: data, order: order, model: loaded.model, state: state,
                      adamMoments: (loaded.adamM, loaded.adamV), sinceFired: loaded.sinceFired)
    }

    private init(comm: Communicator, log: Logger, run: String, config: TrainConfig, data: ActivationDataset, order: DataOrder,
                 model: HierarchicalSAE<Float>, state: TrainerState, adamMoments: ([Float], [Float])?, sinceFired: [Int64]?) throws {
        // Exact mode promises bit-identical results, which needs one OpenBLAS thread (DESIGN §5).
        BLASRuntime.configure(ranksOnNode: BLASRuntime.ranksOnNode(), exact: config.reduction == .exact)
        self.comm = comm
        self.log = log
        self.run = run
        self.config = config
        phases = config.phases
        self.data = data
        self.order = order
        self.model = model
        self.state = state
        adam = Adam(count: model.layout.count)
        if let (m, v) = adamMoments {
            for i in 0..<m.count { adam.m[i] = m[i]; adam.v[i] = v[i] }
            adam.t = state.adamStep
        }
        self.sinceFired = sinceFired ?? [Int64](repeating: 0, count: model.config.latentCount)
        ws = Workspace(config: model.config, rows: config.microbatch)
        grads = TensorBuffer(zeroedLazily: model.layout.count)
        reduced = TensorBuffer(zeroedLazily: model.layout.count)
    }

    /// Training rows: 0..<count, minus rows with NaN/Inf when skipping them (a full pass).
    static func trainingRows(data: ActivationDataset, count: Int, skip: Bool, log: Logger) throws -> [Int]? {
        guard skip else { return nil }
        let bad = Set(data.nonFiniteRows().filter { $0 < count })
        if !bad.isEmpty { log.warning("skipping \(bad.count) training rows that contain NaN or Inf (--skip-nonfinite)") }
        let rows = (0..<count).filter { !bad.contains($0) }
        guard !rows.isEmpty else { throw HSAEError.badInput(path: data.path, message: "every training row contains NaN or Inf") }
        return rows
    }

    /// c = sqrt(d / mean‖x‖²) and the mean and total variance of c·x, from the first rows of
    /// the data order. Every rank computes it from the same rows in the same order, so all
    /// agree exactly without a reduction.
    static func scaleSample(data: ActivationDataset, order: DataOrder, count: Int) throws -> (scale: Float, mean: [Float], variance: Double) {
        let n = min(count, order.count)
        let rows = (0..<n).map { order.row(atStreamPosition: $0) }
        let x = try data.read(rows: rows)
        let d = data.d
        var sumSq = 0.0
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d {
                let v = Double(x[i, j])
                sumSq += v * v
                mean[j] += v
            }
        }
        let meanNormSq = sumSq / Double(n)
        guard meanNormSq > 0 else { throw HSAEError.badInput(path: data.path, message: "the sampled rows are all zero; cannot scale the data") }
        let c = (Double(d) / meanNormSq).squareRoot()
        let meanScaled = mean.map { c * $0 / Double(n) }
        let variance = Double(d) - meanScaled.reduce(0) { $0 + $1 * $1 }
        return (Float(c), meanScaled.map { Float($0) }, max(variance, 1e-12))
    }

    /// Options that change the math must match the checkpoint's; the rest (bookkeeping,
    /// reduction mode) may change on resume.
    public static func checkCompatible(_ new: TrainConfig, with old: TrainConfig, path: String) throws {
        var a = new, b = old
        for c in [0, 1] {
            var x = c == 0 ? a : b
            x.checkpointEvery = 0; x.logEvery = 0; x.watchdogSeconds = 0; x.reduction = .exact; x.keepCheckpoints = nil
            if c == 0 { a = x } else { b = x }
        }
        guard a == b else {
            let newJSON = String(decoding: (try? JSONFormat.encoder(.pretty).encode(a)) ?? Data(), as: UTF8.self)
            let oldJSON = String(decoding: (try? JSONFormat.encoder(.pretty).encode(b)) ?? Data(), as: UTF8.self)
            let diff = zip(newJSON.split(separator: "\n"), oldJSON.split(separator: "\n")).filter { $0 != $1 }
                .map { "given \($0.0.trimmingCharacters(in: .whitespaces)) but the checkpoint has \($0.1.trimmingCharacters(in: .whitespaces))" }
            throw HSAEError.badConfig(option: "--resume", message: "the configuration conflicts with the checkpoint \(path): "
                + diff.prefix(3).joined(separator: "; ") + ". Resume without those options, or start a new run.")
        }
    }

    static func merged(_ new: TrainConfig, into old: TrainConfig) -> TrainConfig {
        var c = old
        c.checkpointEvery = new.checkpointEvery
        c.logEvery = new.logEvery
        c.watchdogSeconds = new.watchdogSeconds
        c.reduction = new.reduction
        c.keepCheckpoints = new.keepCheckpoints ?? old.keepCheckpoints
        return c
    }
}
