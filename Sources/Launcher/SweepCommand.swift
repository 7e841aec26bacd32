import ArgumentParser
import Dist
import Foundation
import HSAE

struct SweepCommand: ParsableCommand, TrainingFlags {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train the training-time ablations and the baseline on one data set, evaluate each, and tabulate them.",
        discussion: """
            Variants (DESIGN §7.6): full (the flags as given), no_orthogonality (--disable orth), no_mi (--disable mi), fixed_gate (--gate fixed), no_phases (--end-to-end), and the single-layer baseline (--baseline), each for every --seeds value. Runs go to OUT/runs/VARIANT-seedS (a finished run is reused, an interrupted one resumed, if its configuration matches), reports (against the same seed's baseline) to OUT/reports/VARIANT-seedS, and the table to OUT/sweep.md and OUT/sweep.json; the full run's report also gets the table as ablations.training. Training flags are those of hsae train and apply to every variant.

            Examples:
              hsae sweep --data data/synth --out sweeps/a --m1 512 \\
                  --l0-from-truth 2 --steps 2000,1000,1500
              scripts/mpirun -np 2 .build/release/hsae sweep \\
                  --data data/synth --out sweeps/a --seeds 0,1,2 --probe-rows 0
            """)

    @Option(help: "Activation data set (as for hsae train).") var data: String
    @Option(help: "Sweep directory: runs/, reports/, sweep.md, sweep.json.") var out: String
    @Option(help: "Comma-separated seeds; every variant is trained once per seed.") var seeds = "0"
    @Option(help: "Comma-separated subset of: \(TrainingVariant.sweep.map(\.name).joined(separator: ", ")) (default all).")
    var variants: String?
    @Option(help: "JSON configuration file (keys as in a run's config.json).") var config: String?

    @OptionGroup(title: "Model") var model: ModelArguments
    @OptionGroup(title: "Loss terms") var losses: LossOptions
    @OptionGroup(title: "Optimisation") var optimisation: OptimisationOptions
    @OptionGroup(title: "Data and system") var system: SystemOptions
    @OptionGroup(title: "Evaluation") var evaluation: EvalOptions

    func validate() throws {
        try evaluation.check()
        _ = try seedList()
        _ = try variantList()
    }

    func seedList() throws -> [UInt64] {
        let parts = seeds.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--seeds needs comma-separated non-negative integers, got '\(seeds)'")
        }
        return parts.map { $0! }
    }

    func variantList() throws -> [TrainingVariant] {
        guard let variants else { return TrainingVariant.sweep }
        let chosen = try variants.split(separator: ",").map { name -> TrainingVariant in
            guard let v = TrainingVariant.named(name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--variants: unknown variant '\(name)', expected some of \(TrainingVariant.sweep.map(\.name).joined(separator: ", "))")
            }
            return v
        }
        guard chosen.contains(where: { !$0.isComparator }) else { throw ValidationError("--variants needs at least one HSAE variant") }
        return TrainingVariant.sweep.filter { v in chosen.contains { $0.name == v.name } }
    }

    var truthData: String? { data }

    func run() throws {
        let base = try resolvedConfig()
        let (seeds, variants) = (try seedList(), try variantList())
        Session.run { comm, log in
            // OUT: new or empty, or this sweep's own (continued: finished runs reused, others resumed).
            let output = try comm.onEveryRank {
                try OutputDirectory(out, command: .sweep, intent: .continueOwn,
                                    inputs: [.init("--data", data)] + (config.map { [.init("--config", $0)] } ?? []))
            }
            try comm.onRoot { try output.prepare() }
            var table = SweepTable(data: data)
            var fullReports: [(path: String, report: EvalReport)] = []
            for seed in seeds {
                var c = base
                c.seed = seed
                for v in variants { try train(v.config(from: c), run: runPath(v, seed), comm: comm, log: log) }
                let baseline = variants.contains { $0.isComparator } ? runPath(.baseline, seed) : nil
                var baselineRow: SweepTable.Row?
                for v in variants where !v.isComparator {
                    BLASRuntime.configure(ranksOnNode: BLASRuntime.ranksOnNode(), exact: true)
                    let run = runPath(v, seed), reportPath = "\(out)/reports/\(v.name)-seed\(seed)"
                    let inputs = try comm.onEveryRank { try EvalInputs(opening: Run(run), baseline: baseline.map(Run.init), log: log) }
                    let report = try EvalDriver.evaluate(inputs, options: evaluation.options, comm: comm, log: log)
                    let isFull = v.name == TrainingVariant.full.name
                    if !isFull {  // the full run's report is written once, with the table (below)
                        try comm.onRoot { try report!.write(to: reportPath) }  // collective: every rank calls it
                        log.info("wrote \(reportPath)")
                    }
                    guard let report else { continue }  // rank 0 keeps the table
                    table.rows.append(SweepTable.row(variant: v.name, seed: seed, run: run, report: report))
                    if baselineRow == nil, let baseline {  // the baseline's numbers, from the first report that evaluates it
                        baselineRow = SweepTable.row(variant: "baseline", seed: seed, run: baseline, report: report, baseline: true)
                    }
                    if isFull { fullReports.append((reportPath, report)) }
                }
                if let baselineRow { table.rows.append(baselineRow) }
            }
            table.summarise()
            try comm.onRoot {
                try AtomicFile.write(Data(table.markdown().utf8), to: out + "/sweep.md")
                try AtomicFile.write(try table.jsonData(), to: out + "/sweep.json")
                for (path, report) in fullReports {
                    var withTable = report
                    if withTable.ablations == nil { withTable.ablations = AblationSection() }
                    withTable.ablations!.training = table.trainingAblations
                    try withTable.write(to: path)
                }
            }
            for (path, _) in fullReports { log.info("wrote \(path)") }  // rank 0's list; the others' is empty
            log.info("wrote \(out)/sweep.md and \(out)/sweep.json")
            if comm.isRoot { print(table.markdown()) }
        }
    }

    func runPath(_ v: TrainingVariant, _ seed: UInt64) -> String { "\(out)/runs/\(v.name)-seed\(seed)" }

    /// Trains one run, reusing a finished one and resuming an interrupted one. Either is refused
    /// when its configuration differs from the variant's (the trainer's resume check).
    func train(_ c: TrainConfig, run: String, comm: Communicator, log: Logger) throws {
        BLASRuntime.configure(ranksOnNode: BLASRuntime.ranksOnNode(), exact: c.reduction == .exact)
        // Every rank opens its inputs inside one agreement (a failure on one rank is named).
        let trainer: Trainer? = try comm.onEveryRank { try makeTrainer(c, run: run, comm: comm, log: log) }
        try trainer?.train()
    }

    /// The trainer for one run, or nil when the run is finished and reused; no collectives.
    func makeTrainer(_ c: TrainConfig, run: String, comm: Communicator, log: Logger) throws -> Trainer? {
        let finished = Run(run).isFinished
        let opened: (trainer: Trainer, resumed: Checkpoint.Loaded?)
        do {
            opened = try TrainingRun.open(run: run, policy: .resumeOrStart, comm: comm, log: log, beforeStart: {
                if finished {
                    throw HSAEError.badInput(path: run, message: "has a model but no valid checkpoint to check its configuration against; "
                        + "remove it or choose another --out")
                }
            }, dataset: { _ in
                let dataset = try ActivationDataset(path: data)
                try system.cache(dataset, log: log)
                return dataset
            }, config: { _ in c })
        } catch HSAEError.badConfig(option: "--resume", let message) {
            throw HSAEError.badConfig(option: "--out", message: "\(run) exists but was trained differently (\(message)) "
                + "Choose another --out for a sweep with other flags.")
        }
        guard let resumed = opened.resumed else {
            log.info("training \(run)")
            return opened.trainer
        }
        if finished {
            log.info("reusing the finished run \(run)")
            return nil
        }
        log.info("resuming \(run) from \(resumed.directory)")
        return opened.trainer
    }
}
