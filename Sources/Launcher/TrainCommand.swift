import ArgumentParser
import Dist
import Foundation
import HSAE

struct TrainCommand: ParsableCommand, TrainingFlags {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a hierarchical SAE (phase 1 → 2 → 3) or the single-layer baseline.",
        discussion: """
            Phases (DESIGN §4): 1 trains the bottom layer alone (reconstruction + L1); 2 trains the top layer and the gate with the bottom frozen (reconstruction, top path, L1 top, gate, orthogonality, mutual information); 3 trains everything with all terms at lr × --phase3-lr-factor. Relu layers reach their L0 targets through an adaptive L1 coefficient λ; topk layers keep exactly k.

            Values come from the defaults, then --config FILE (JSON, any subset of the keys in a run's config.json), then these flags. The resolved configuration is written to RUN/config.json; metrics.jsonl gets one line per --log-every steps; checkpoints go to RUN/checkpoints/<phase>-<step>/.

            Under mpirun the global batch (--batch tokens) is cut into microbatches of --microbatch rows and the number of ranks must divide their count. With --reduction exact (the default) the trained model is bit-identical for any such rank count, and --resume may use a different one.

            Examples:
              hsae train --data data/synth --out runs/hsae --steps 2000,1000,1500
              hsae train --data data/synth --out runs/hsae --l0-from-truth 2 --lr 3e-3
              scripts/mpirun -np 2 .build/release/hsae train \\
                  --data data/synth --out runs/hsae --activation topk \\
                  --bottom-l0 12 --top-l0 5
              hsae train --data data/synth --out runs/base --baseline
              hsae train --data data/synth --out runs/no-mi --disable mi
              hsae train --resume runs/hsae
            """)

    @Option(help: "Activation data set: a directory with dataset.json, a bare directory of shards, or one shard.")
    var data: String?
    @Option(help: "Safetensors tensor to read, e.g. blocks.6.hook_resid_post (default: each shard's only tensor, else 'activations').")
    var tensor: String?
    @Option(help: "Run directory to create (checkpoints, metrics.jsonl, config.json, model.safetensors): new or empty; an existing run is continued with --resume.")
    var out: String?
    @Option(help: "Continue the run in this directory from its newest valid checkpoint (any rank count dividing n).")
    var resume: String?
    @Option(help: "JSON configuration file (keys as in a run's config.json).")
    var config: String?
    @Option(name: .customLong("model"), help: ArgumentHelp(
        "The model to train: " + ModelRegistry.all.map { "\($0.name), \($0.summary)" }.joined(separator: "; ")
        + " (default: \(HierarchicalArchitecture.name); the name is recorded in RUN/config.json as modelName).", valueName: "name"))
    var modelName: String?
    @Flag(help: ArgumentHelp("Train a single-layer baseline: m1 + m2 latents, as many tokens as all phases. '--baseline' alone or '--baseline flat' (--model flat): the phase-1 objective; '--baseline matryoshka' (--model matryoshka): nested groups whose prefixes each reconstruct x (BatchTopK unless --activation says otherwise).",
                             valueName: "kind"))
    var baseline = false
    /// `--model flat` / `--model matryoshka`: the baseline they name.
    var baselineKind: BaselineKind? { modelName.flatMap(BaselineKind.init(rawValue:)) }
    @OptionGroup var matryoshka: MatryoshkaOptions

    @Flag(help: "With --resume: continue even if the data set's shards changed since the run started (otherwise refused, naming the shard).")
    var allowDataChange = false

    @Option(help: .hidden) var injectKill: String?
    @Option(help: .hidden) var injectStall: String?
    @Option(help: .hidden) var injectKillAtWrite: String?

    @OptionGroup(title: "Model") var model: ModelArguments
    @OptionGroup(title: "Loss terms") var losses: LossOptions
    @OptionGroup(title: "Optimisation") var optimisation: OptimisationOptions
    @OptionGroup(title: "Data and system") var system: SystemOptions

    func validate() throws {
        if resume == nil {
            guard data != nil else { throw ValidationError("--data is required (or --resume RUN)") }
            guard out != nil else { throw ValidationError("--out is required (or --resume RUN)") }
        }
        if resume != nil, out != nil, out != resume { throw ValidationError("--out and --resume name different runs; give only --resume RUN") }
        if let modelName {
            guard ModelRegistry.type(named: modelName) != nil else {
                throw ValidationError("--model must be one of \(ModelRegistry.names.joined(separator: ", ")), got '\(modelName)'")
            }
            if baseline, baselineKind == nil { throw ValidationError("--baseline trains a single-layer model, not --model \(modelName)") }
        }
    }

    var truthData: String? { data }

    func applyBeforeModel(to c: inout TrainConfig) throws {
        if baseline || baselineKind != nil { c.baseline = true }
        if modelName == HierarchicalArchitecture.name { c.baseline = false }
        if let modelName, !ModelRegistry.unnamed.contains(modelName) {
            c.baseline = false
            c.model.modelType = modelName
        }
    }

    func applyAfterModel(to c: inout TrainConfig) throws {
        try matryoshka.apply(to: &c, model: modelName, activationGiven: model.activation != nil || model.bottomActivation != nil)
    }

    /// `--inject-kill RANK:STEP` / `--inject-stall RANK:STEP` (hidden, for tests): after global step
    /// STEP, rank RANK SIGKILLs itself (a lost node) or hangs (a network partition), to exercise
    /// mpirun's teardown, the watchdog and --resume.
    static func faultHook(_ spec: String, rank: Int, fault: @escaping () -> Void) throws -> (Int) -> Void {
        let parts = spec.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("fault injection needs RANK:STEP, got '\(spec)'") }
        return { step in if rank == parts[0], step == parts[1] { fault() } }
    }

    /// `--inject-kill-at-write POINT:STEP` (hidden, for tests): SIGKILL at a point inside the
    /// write of the checkpoint of global step STEP (or the pruning after it).
    static func writeFaultHook(_ spec: String) throws -> (Checkpoint.WritePoint, String) -> Void {
        let parts = spec.split(separator: ":")
        guard parts.count == 2, let point = Checkpoint.WritePoint(rawValue: String(parts[0])), let step = Int(parts[1]) else {
            throw ValidationError("--inject-kill-at-write needs POINT:STEP with POINT one of "
                + Checkpoint.WritePoint.allCases.map(\.rawValue).joined(separator: ", ") + ", got '\(spec)'")
        }
        var writing = -1  // the step whose checkpoint is being written (pruning follows it)
        return { reached, name in
            if reached == .start { writing = Checkpoint.globalStep(ofName: name) ?? -1 }
            if reached == point, writing == step { kill(getpid(), SIGKILL) }
        }
    }

    func run() throws {
        Session.run { comm, log in
            // Every rank opens its own inputs (checkpoint, data) inside one agreement: a path
            // missing on one host stops all ranks with one message naming that rank.
            let trainer = try comm.onEveryRank { try makeTrainer(comm: comm, log: log) }
            if let injectKill { trainer.afterStep = try Self.faultHook(injectKill, rank: comm.rank) { kill(getpid(), SIGKILL) } }
            if let injectStall { trainer.afterStep = try Self.faultHook(injectStall, rank: comm.rank) { sleep(3600) } }
            if let injectKillAtWrite { Checkpoint.faultHook = try Self.writeFaultHook(injectKillAtWrite) }
            try trainer.train()
        }
    }

    /// Opens the checkpoint (resume) and the data set and builds the trainer; no collectives.
    func makeTrainer(comm: Communicator, log: Logger) throws -> Trainer {
        // Options given with --resume apply on top of the checkpoint's configuration; only those
        // that do not change the math (bookkeeping, reduction mode) may differ from it.
        var rows = 0, reduction = ""
        let (trainer, resumed) = try TrainingRun.open(
            run: resume ?? out!, policy: resume != nil ? .resume : .start, comm: comm, log: log, allowDataChange: allowDataChange,
            inputs: [data.map { .init("--data", $0) }, config.map { .init("--config", $0) }].compactMap { $0 },
            dataset: { state in
                let dataset = try ActivationDataset(path: data ?? state!.dataset, tensor: tensor ?? state?.datasetTensor)
                try system.cache(dataset, log: log)
                rows = dataset.rows
                return dataset
            },
            config: { base in
                let resolved = try resolvedConfig(base: base ?? TrainConfig())
                reduction = resolved.reduction.rawValue
                return resolved
            })
        if let resumed {
            log.info("resuming \(resume!) from \(resumed.directory) (global step \(resumed.state.globalStep)) on \(comm.size) rank(s)")
        } else {
            let mc = trainer.model.config
            log.info("training \(mc.architecture is HierarchicalArchitecture ? "HSAE" : "baseline") d=\(mc.d) m1=\(mc.m1) m2=\(mc.m2) on \(rows) rows "
                     + "(\(comm.size) rank(s), \(reduction) reduction, c = \(trainer.model.inputScale))")
        }
        return trainer
    }
}
