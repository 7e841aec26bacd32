import ArgumentParser
import Dist
import Foundation
import HSAE

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained HSAE (and a baseline) on held-out rows; write report.json, report.md, report.html.",
        discussion: """
            Rows: the run's data set and its evaluation split (never trained on), or every row of a --data set the model never saw. Under mpirun each rank evaluates a contiguous share of the rows and the sums are combined by one allreduce; the numbers equal a single-rank run up to rounding. Probes run on an evenly spaced subsample of the evaluation rows (--probe-rows), their fits shared out over the ranks. On a synthetic data set (hsae synth) the report scores both models against the true hierarchy. On a harvested data set, --model adds spliced fidelity: the windows behind the evaluation rows are run through the language model with each reconstruction in place of the harvested layer, and the sentence embeddings compared with the model's own. docs/EVALUATION.md defines every number.

            Examples:
              hsae eval --run runs/a --baseline runs/base --out reports/a
              scripts/mpirun -np 2 .build/release/hsae eval \\
                  --run runs/a --baseline runs/base --out reports/a
              hsae eval --run runs/a --data data/other --out reports/other \\
                  --probe-rows 0
              hsae eval --run runs/minilm --baseline runs/minilm-base \\
                  --out reports/minilm --model models/minilm-l6
            """)

    @Option(name: .customLong("run"), help: "The HSAE: a run directory (final model, else newest checkpoint) or a model.safetensors file.")
    var runPath: String
    @Option(help: "A single-layer baseline run (hsae train --baseline) to compare against.")
    var baseline: String?
    @Option(help: "Evaluate on every row of this data set instead of the run's evaluation split.")
    var data: String?
    @Option(help: "Safetensors tensor of --data to read, e.g. blocks.6.hook_resid_post (default: the run's, else each shard's only tensor).")
    var tensor: String?
    @Option(help: "Report directory (report.json, report.md, report.html): new or empty, or an earlier report (with --force).")
    var out: String
    @Flag(help: "Replace an earlier hsae eval report in --out (only the entries its .hsae-output.json lists; anything else is refused).")
    var force = false
    @Option(name: .customLong("model"), help: ArgumentHelp(
        "The language model the data set was harvested with (e.g. models/minilm-l6): adds spliced fidelity, the sentence "
        + "embedding with each reconstruction spliced into the harvested layer.", valueName: "model"))
    var languageModel: String?
    @Option(parsing: .unconditional, help: "With --model: windows (sentences) spliced, evenly spaced over the evaluation rows.")
    var spliceWindows = SpliceOptions.defaultMaxWindows
    @OptionGroup(title: "Evaluation") var evaluation: EvalOptions

    func validate() throws {
        try evaluation.check()
        guard spliceWindows >= 2 else { throw ValidationError("--splice-windows must be >= 2, got \(spliceWindows)") }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue {
            throw ValidationError("--out: '\(out)' is a file; give a directory for the report")
        }
    }

    func run() throws {
        Session.run { comm, log in
            BLASRuntime.configure(ranksOnNode: BLASRuntime.ranksOnNode(), exact: true)
            // Each rank opens its own copy of the inputs; a failure on one is named and stops all.
            let (output, inputs) = try comm.onEveryRank {
                let output = try OutputDirectory(out, command: .eval, intent: force ? .replace : .create, inputs: [
                    .init("--run", runPath, isRun: true), baseline.map { .init("--baseline", $0, isRun: true) },
                    data.map { .init("--data", $0) }, languageModel.map { .init("--model", $0) },
                ].compactMap { $0 })
                return (output, try EvalInputs(opening: Run(runPath), baseline: baseline.map(Run.init), log: log,
                                               dataPath: data, tensor: tensor))
            }
            var options = evaluation.options
            if let languageModel {
                options.splice = SpliceOptions(languageModel: languageModel)
                options.splice?.maxWindows = spliceWindows
            }
            var report = try EvalDriver.evaluate(inputs, options: options, comm: comm, log: log)
            report?.browser = inputs.run.browserIndex(from: out)  // hsae features' default site
            try comm.onRoot {
                try output.prepare()
                try report!.write(to: output.path)
            }
            log.info("wrote \(out)/\(EvalReport.jsonName), \(EvalReport.markdownName), \(EvalReport.htmlName)")
            for note in report?.notes ?? [] { log.info("  " + note) }
        }
    }
}

/// Options of the evaluation itself (shared by `eval` and `sweep`). The defaults are the
/// library's (EvalDriver.Options), written there once; --help prints them.
struct EvalOptions: ParsableArguments {
    private static let defaults = EvalDriver.Options()
    @Option(parsing: .unconditional, help: "Evaluation rows probed (an evenly spaced subsample; 0 = no probes).") var probeRows = EvalOptions.defaults.probes.rows
    @Option(parsing: .unconditional, help: "L-BFGS iterations per probe fit.") var probeIterations = EvalOptions.defaults.probes.maxIterations
    @Option(parsing: .unconditional, help: "Probe label kinds without a class list (token_id) on their N most frequent values among the probed rows (0 = skip them).")
    var probeFrequent = EvalOptions.defaults.probes.frequent
    @Option(parsing: .unconditional, help: "Rows per forward batch.") var evalBatch = EvalOptions.defaults.batchRows

    func check() throws {
        guard probeRows >= 0 else { throw ValidationError("--probe-rows must be >= 0, got \(probeRows)") }
        guard probeIterations > 0 else { throw ValidationError("--probe-iterations must be > 0, got \(probeIterations)") }
        guard probeFrequent >= 0 else { throw ValidationError("--probe-frequent must be >= 0, got \(probeFrequent)") }
        guard evalBatch > 0 else { throw ValidationError("--eval-batch must be > 0, got \(evalBatch)") }
    }

    var options: EvalDriver.Options {
        var o = Self.defaults
        o.batchRows = evalBatch
        o.probes.rows = probeRows
        o.probes.maxIterations = probeIterations
        o.probes.frequent = probeFrequent
        return o
    }
}
