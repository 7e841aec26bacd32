import ArgumentParser
import HSAE

@main
struct HSAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hsae",
        abstract: "Hierarchical sparse autoencoders on language-model activations, data-parallel over MPI.",
        discussion: """
            Every command runs on one machine without mpirun (single-rank mode) or on W ranks under
            mpirun. Under mpirun only rank 0 prints and writes.

            Examples:
              hsae selftest                                        check this build, single rank
              scripts/mpirun -np 2 .build/release/hsae selftest    check MPI across two ranks
              hsae synth --preset default --out data/synth         synthetic activations with ground truth
              scripts/mpirun -np 2 .build/release/hsae train --data data/synth --out runs/a --l0-from-truth 2
              hsae train --resume runs/a                           continue from the newest checkpoint
              hsae export --run runs/a --out exported              SAELens-loadable SAEs
              hsae harvest --model models/minilm-l6 --corpus corpus --layer 3 --out data/minilm
              hsae inspect runs/a                                  what a data set, shard or run holds
            """,
        version: HSAEVersion.string,
        subcommands: [VersionCommand.self, SelfTestCommand.self, SynthCommand.self, InspectCommand.self,
                      CorpusCommand.self, HarvestCommand.self, TrainCommand.self, ExportCommand.self]
    )
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the HSAE version, and the MPI and BLAS it runs on.")

    func run() throws {
        print("hsae \(HSAEVersion.string)")
        print("checkpoint format \(HSAEVersion.checkpointFormat), report schema \(HSAEVersion.reportSchema)")
        print("BLAS: OpenBLAS, \(BLASRuntime.threads) thread(s) by default")
    }
}
