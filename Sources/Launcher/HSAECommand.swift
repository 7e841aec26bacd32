import ArgumentParser
import Foundation
import HSAE

/// The `hsae` command. Public so that tests parse arguments in-process (`parse`, `errorMessage`).
public struct HSAECommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "hsae",
        abstract: "Hierarchical sparse autoencoders on language-model activations, data-parallel over MPI.",
        discussion: """
            Every command runs on one machine without mpirun (single-rank mode) or on W ranks under mpirun (use scripts/mpirun, which adds the settings containers and root need). Under mpirun only rank 0 prints and writes.

            Examples:
              hsae selftest
              scripts/mpirun -np 2 .build/release/hsae selftest
              hsae synth --preset default --out data/synth
              scripts/mpirun -np 2 .build/release/hsae train \\
                  --data data/synth --out runs/a --l0-from-truth 2
              hsae train --resume runs/a
              hsae export --run runs/a --out exported
              hsae inspect runs/a
              hsae harvest --model models/minilm-l6 --corpus corpus \\
                  --layer 3 --out data/minilm
            """,
        version: HSAEVersion.string,
        subcommands: [VersionCommand.self, SelfTestCommand.self, SynthCommand.self, InspectCommand.self,
                      CorpusCommand.self, HarvestCommand.self, TrainCommand.self, ExportCommand.self, EvalCommand.self,
                      SweepCommand.self, BenchCommand.self, FeaturesCommand.self, ExplainCommand.self]
    )

    /// ArgumentParser's entry point, after making sure OpenBLAS runs the best kernels this CPU
    /// has (which may re-execute the program once, before anything else has started).
    public static func main() {
        BLASKernel.ensureBest()
        do {
            var command = try parse(Array(CommandLine.arguments.dropFirst()))
            try command.run()
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }  // --help, --version
            FileHandle.standardError.write(Data((errorMessage(for: error) + "\n").utf8))
            Foundation.exit(1)
        }
    }

    /// The command the arguments (without the program name) select, parsed and validated —
    /// what `main` runs, without running it.
    public static func parse(_ arguments: [String]) throws -> ParsableCommand {
        try parseAsRoot(baselineKindSpelled(arguments))
    }

    /// The --help text of a subcommand (nil: no such subcommand).
    public static func helpText(for subcommand: String) -> String? {
        configuration.subcommands.first { $0.configuration.commandName == subcommand }.map { helpMessage(for: $0, columns: 80) }
    }

    /// One error style for every command: "error: …" (printed on stderr, exit status 1), whether
    /// the parser, validate() or the command's own checks (Session) found the problem.
    public static func errorMessage(for error: Error) -> String {
        var message = fullMessage(for: error)
        if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst("Error: ".count) }
        return message
    }
}

extension HSAECommand {
    /// `hsae train --baseline matryoshka` (or `flat`, or `--baseline=KIND`) is `--model KIND`:
    /// ArgumentParser has no option with an optional value, so the kind is passed on as `--model`;
    /// a bare `--baseline` stays the single-layer baseline (flat, unless --config or the resumed
    /// run names Matryoshka groups).
    static func baselineKindSpelled(_ args: [String]) -> [String] {
        guard args.first == "train" else { return args }
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--baseline", i + 1 < args.count, BaselineKind(rawValue: args[i + 1]) != nil {
                out += ["--model", args[i + 1]]
                i += 2
                continue
            }
            if a.hasPrefix("--baseline="), let kind = BaselineKind(rawValue: String(a.dropFirst("--baseline=".count))) {
                out += ["--model", kind.rawValue]
            } else {
                out.append(a)
            }
            i += 1
        }
        return out
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the HSAE version, and the MPI and BLAS it runs on.")

    func run() throws {
        print("hsae \(HSAEVersion.string)")
        print("checkpoint format \(HSAEVersion.checkpointFormat), report schema \(HSAEVersion.reportSchema)")
        print("BLAS: OpenBLAS, \(BLASRuntime.threads) thread(s) by default")
        let kernel = BLASKernel.describe()
        print(kernel.line)
        print("sgemm: \(String(format: "%.1f", BLASKernel.measureSGEMM())) GFLOP/s on one thread (1024×1024×1024, best of 3)")
        if let warning = kernel.warning { print("warning: \(warning)") }
    }
}
