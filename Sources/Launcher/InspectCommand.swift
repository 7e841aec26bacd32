import ArgumentParser
import HSAE

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a data set, a shard or tensor file, or a checkpoint.",
        discussion: """
            A data set directory (with or without dataset.json): d, rows, shards with dtype and rows, \
            label kinds with class frequencies, ground truth and true L0s (synthetic data), the \
            evaluation split, and E‖x‖² from a sample. A .npy or .safetensors file: dtype, shape, \
            tensors, metadata, first-row statistics. A checkpoint directory (model.safetensors, \
            state.json) or a run directory (checkpoints/): tensors, metadata and state. \
            Validates as training does: a broken data set fails here with the same message.

            Examples:
              hsae inspect data/synth                          (after hsae synth --out data/synth)
              hsae inspect data/synth/shard-00000.npy
              hsae inspect runs/a/checkpoints/1-0002000        (phase 1's last checkpoint: <phase>-<global step>)
            """)

    @Argument(help: "A data set directory, a .npy/.safetensors/.json file, a checkpoint or run directory.")
    var path: String

    func run() throws {
        Session.run { comm, log in
            // Read-only; rank 0 reads and prints, the others only learn the outcome.
            let lines = try comm.onRoot { try Inspector.describe(path: path) }
            lines?.forEach(log.info)
        }
    }
}
