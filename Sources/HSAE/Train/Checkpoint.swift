import Foundation

/// Everything besides the model that a resumed run needs to continue bit-identically.
public struct TrainerState: Codable, Equatable, Sendable {
    public var formatVersion = HSAEVersion.checkpointFormat
    /// Index into `config.phases` of the phase in progress (or next, when stepInPhase == its steps).
    public var phaseIndex = 0
    /// Steps completed in that phase.
    public var stepInPhase = 0
    /// Global batches consumed (the data cursor: batch t reads stream[tB ..< (t+1)B]).
    public var globalStep = 0
    /// λ per layer (`ModelConfig.layers`' order): the coefficients of the layers' adaptive L1 terms.
    /// state.json keeps a key per layer, `lambda<k>` for layer k − 1 (TrainerState+Coding.swift).
    public var lambdas: [Double]
    /// The λ controllers' memory within the current phase, one per layer (anti-windup anchors);
    /// nil at a phase start and in checkpoints written before it existed.
    public var controllers: [SparsityController]?
    public var adamStep = 0
    /// Fixed-point exponents for the next step (exact mode), nil at a phase start.
    public var exponents: [Int]?
    /// Variance of the scaled data per token (Σ_j Var x_j), for logging FVU.
    public var dataVariance: Double
    public var config: TrainConfig
    public var dataset: String
    /// `--tensor` the run was started with (nil: the default tensor).
    public var datasetTensor: String?
    public var datasetRows: Int
    public var d: Int
    public var ranks: Int
    /// file name → checksum (Checksum.hex) of the checkpoint's other files.
    public var checksums: [String: String] = [:]
    /// The data set the run trains on, per shard (nil in checkpoints written before fingerprints).
    public var dataFingerprint: DataFingerprint?
    /// Checksum of this file itself (see StateChecksum).
    public var stateChecksum: String?

    /// A fresh run's state: λ per layer, nothing trained yet.
    public init(lambdas: [Double], dataVariance: Double, config: TrainConfig, dataset: String, datasetRows: Int, d: Int, ranks: Int) {
        self.lambdas = lambdas
        self.dataVariance = dataVariance
        self.config = config
        self.dataset = dataset
        self.datasetRows = datasetRows
        self.d = d
        self.ranks = ranks
    }
}

/// A checkpoint directory `RUN/checkpoints/<phase>-<step>/` (DESIGN §6): model.safetensors,
/// optimizer.safetensors (Adam moments, dead-latent counters), state.json (with checksums).
/// Written into a temporary directory, fsynced, renamed; then `latest` is replaced atomically.
public enum Checkpoint {
    public static let model = "model.safetensors", optimizer = "optimizer.safetensors", state = "state.json"

    public static func name(phase: Int, globalStep: Int) -> String {
        "\(phase)-" + String(repeating: "0", count: max(0, 7 - String(globalStep).count)) + String(globalStep)
    }

    /// Writes a complete checkpoint; returns its directory.
    @discardableResult
    public static func write(run: String, name: String, model: HierarchicalSAE<Float>, adam: Adam,
                             sinceFired: [Int64], state: TrainerState) throws -> String {
        let directory = RunDirectory(run)
        let root = directory.checkpoints
        reach(.start, name)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let staged = try StagedDirectory(target: directory.checkpoint(name), staging: root + "/.tmp-\(name)-\(getpid())")
        let temp = staged.staging
        reach(.tempCreated, name)
        var state = state
        let modelData = try ModelFile.serialize(model)
        var opt = SafeTensorsWriter(metadata: ["format": "hsae-optimizer"])
        // Moments in file order (bottom.W_enc as d × m1), like the model file: the file does not
        // depend on how this hsae lays tensors out in memory.
        opt.add("adam.m", shape: [adam.m.count], values: model.layout.fileOrder(UnsafeBufferPointer(adam.m.buffer)))
        opt.add("adam.v", shape: [adam.v.count], values: model.layout.fileOrder(UnsafeBufferPointer(adam.v.buffer)))
        opt.add("dead.steps_since_fired", shape: [sinceFired.count], int64: sinceFired)
        let optData = opt.serialized()
        state.checksums = [Self.model: modelData.withUnsafeBytes(Checksum.hex), Self.optimizer: optData.withUnsafeBytes(Checksum.hex)]
        do {
            try AtomicFile.writeSynced(modelData, to: temp + "/" + Self.model)
            reach(.modelWritten, name)
            try AtomicFile.writeSynced(optData, to: temp + "/" + Self.optimizer)
            reach(.optimizerWritten, name)
            try AtomicFile.writeSynced(try StateChecksum.encode(state), to: temp + "/" + Self.state)
            reach(.stateWritten, name)
            try AtomicFile.syncDirectory(temp)
            reach(.tempSynced, name)
        } catch {
            staged.discard()  // e.g. disk full: leave nothing half-written
            throw error
        }
        try staged.commit { reach(.renamed, name) }
        reach(.rootSynced, name)
        try AtomicFile.write(Data((name + "\n").utf8), to: directory.latest) { reach(.latestTempWritten, name) }
        reach(.latestWritten, name)
        return staged.target
    }

    /// Points inside a checkpoint write (and the pruning after it) where a test may SIGKILL the
    /// process, to show that no interruption damages the previous checkpoint or leaves
    /// temporaries behind after the next start. `faultHook` is nil outside tests.
    public enum WritePoint: String, CaseIterable, Sendable {
        case start, tempCreated, modelWritten, optimizerWritten, stateWritten, tempSynced, renamed, rootSynced
        case latestTempWritten, latestWritten, pruneRenamed, pruneRemoved
    }

    /// Called at every `WritePoint` with the checkpoint's name (hidden --inject-kill-at-write).
    nonisolated(unsafe) public static var faultHook: ((WritePoint, String) -> Void)?

    static func reach(_ point: WritePoint, _ name: String) { faultHook?(point, name) }

    /// A loaded, verified checkpoint.
    public struct Loaded {
        public let directory: String
        public let model: HierarchicalSAE<Float>
        public let adamM: [Float]
        public let adamV: [Float]
        public let sinceFired: [Int64]
        public let state: TrainerState
    }

    /// Loads and verifies one checkpoint directory (checksums, version, tensor shapes).
    public static func load(_ directory: String) throws -> Loaded {
        func bad(_ message: String) -> HSAEError { .badInput(path: directory, message: message) }
        guard let stateData = FileManager.default.contents(atPath: directory + "/" + Self.state) else {
            throw bad("no \(Self.state) (an incomplete checkpoint)")
        }
        guard var state = try? JSONFormat.decoder().decode(TrainerState.self, from: stateData) else {
            throw bad("\(Self.state) is not a valid trainer state")
        }
        if let problem = StateChecksum.problem(in: stateData) { throw bad("\(Self.state) \(problem)") }
        guard state.formatVersion == HSAEVersion.checkpointFormat else {
            throw bad("checkpoint format \(state.formatVersion) is not supported (this hsae writes \(HSAEVersion.checkpointFormat))")
        }
        for file in [Self.model, Self.optimizer] {
            let mapped = try MappedFile(path: directory + "/" + file)
            let sum = withExtendedLifetime(mapped) { Checksum.hex(mapped.bytes) }
            guard sum == state.checksums[file] else {
                throw bad("\(file) is corrupt (checksum \(sum), state.json records \(state.checksums[file] ?? "none"))")
            }
        }
        let model = try ModelFile.load(path: directory + "/" + Self.model)
        let opt = try SafeTensorsFile(path: directory + "/" + Self.optimizer)
        let mFile: [Float] = try opt.values("adam.m"), vFile: [Float] = try opt.values("adam.v")
        guard mFile.count == model.layout.count, vFile.count == model.layout.count else {
            throw bad("optimizer state has \(mFile.count) entries, the model \(model.layout.count)")
        }
        let m = mFile.withUnsafeBufferPointer { model.layout.memoryOrder($0) }
        let v = vFile.withUnsafeBufferPointer { model.layout.memoryOrder($0) }
        let since = try opt.integers("dead.steps_since_fired").map(Int64.init)
        try state.validate(model: model.config, sinceFired: since.count, path: directory + "/" + Self.state)
        state.keepLayers(model.config.layers.count)
        return Loaded(directory: directory, model: model, adamM: m, adamV: v, sinceFired: since, state: state)
    }
}
