import ArgumentParser
import Dist
import Foundation
import HSAE

/// The training flags `train` and `sweep` share, and the one way they resolve into a
/// configuration: `base` (the defaults, or a resumed run's configuration) ← --config ← flags.
protocol TrainingFlags {
    var config: String? { get }
    var model: ModelArguments { get }
    var losses: LossOptions { get }
    var optimisation: OptimisationOptions { get }
    var system: SystemOptions { get }
    /// The data set whose ground truth `--l0-from-truth` reads (nil: none given).
    var truthData: String? { get }
    /// A command's own settings, applied after --config and before the model flags.
    func applyBeforeModel(to c: inout TrainConfig) throws
    /// A command's own settings, applied right after the model flags.
    func applyAfterModel(to c: inout TrainConfig) throws
}

extension TrainingFlags {
    func applyBeforeModel(to c: inout TrainConfig) throws {}
    func applyAfterModel(to c: inout TrainConfig) throws {}

    func resolvedConfig(base: TrainConfig = TrainConfig()) throws -> TrainConfig {
        var c = try config.map { try TrainConfig.load(file: $0, over: base) } ?? base
        try applyBeforeModel(to: &c)
        try model.apply(to: &c)
        try applyAfterModel(to: &c)
        if let truthData { try model.applyTruth(to: &c, data: truthData) }
        try losses.apply(to: &c)
        try optimisation.apply(to: &c)
        system.apply(to: &c)
        return c
    }
}

/// Opening a run directory for training — resume from its newest valid checkpoint (RunDirectory)
/// or start it — for `train` and `sweep`. No collectives: every rank calls it inside one agreement.
enum TrainingRun {
    /// What a command allows: `train --resume` must resume, `train --out` must start a new run,
    /// `sweep` resumes a run it finds and starts one it does not.
    enum Policy { case resume, start, resumeOrStart }

    /// The trainer and the checkpoint it resumes from (nil when the run starts).
    /// - Parameters:
    ///   - dataset: opens the data set, given the checkpoint's state when resuming.
    ///   - beforeStart: runs before a new run is started (a command's refusal).
    ///   - config: the configuration, given the checkpoint's configuration as the base when resuming
    ///     (options that change the math must then agree with it; the Trainer checks).
    ///   - inputs: what the run directory must stay clear of (--data, --config; OutputDirectory).
    static func open(run: String, policy: Policy, comm: Communicator, log: Logger, allowDataChange: Bool = false,
                     inputs: [OutputDirectory.Input] = [],
                     beforeStart: () throws -> Void = {}, dataset: (TrainerState?) throws -> ActivationDataset,
                     config: (TrainConfig?) throws -> TrainConfig) throws -> (trainer: Trainer, resumed: Checkpoint.Loaded?) {
        // The output rule before the data is read: a new or empty directory starts a run; its
        // own run (marked, or with checkpoints from before markers) is continued only by resume.
        _ = try OutputDirectory(run, command: .train, intent: policy == .start ? .create : .continueOwn, inputs: inputs,
                                option: policy == .resume ? "--resume" : "--out")
        let opened = Run(run)
        var skipped = 0
        let loaded = policy == .start ? nil : opened.newestValidCheckpoint { log.warning($0.description); skipped += 1 }
        guard let loaded else {
            if policy == .resume {
                throw HSAEError.badInput(path: run, message: skipped > 0 ? "no valid checkpoint to resume from (all were skipped, see above)"
                                         : "has no checkpoints to resume from (expected \(opened.directory.checkpoints)/<phase>-<step>/)")
            }
            try beforeStart()
            let data = try dataset(nil)
            return (try Trainer(comm: comm, log: log, config: try config(nil), data: data, run: run), nil)
        }
        let data = try dataset(loaded.state)
        let trainer = try Trainer(comm: comm, log: log, resuming: loaded, data: data, run: run,
                                  overrides: try config(loaded.state.config), allowDataChange: allowDataChange)
        return (trainer, loaded)
    }
}
