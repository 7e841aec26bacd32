import ArgumentParser
import Foundation
import HSAE

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write each layer of a trained model as a SAELens-loadable SAE (cfg.json + sae_weights.safetensors).",
        discussion: """
            The input scale c is folded into the bottom SAE, so it takes raw activations. The top SAE reads the bottom SAE's feature activations (d_in = m1).

            Examples:
              hsae export --run runs/hsae --out exported    (exported/bottom, exported/top)
              python -c "from sae_lens import SAE; SAE.load_from_disk('exported/bottom')"
            """)

    @Option(name: .customLong("run"), help: "A run directory (uses RUN/model.safetensors, else the newest checkpoint) or a model.safetensors file.")
    var runPath: String
    @Option(help: "Output directory (bottom/ and top/ are created inside).")
    var out: String
    @Option(help: "Model name recorded in cfg.json (e.g. the harvested model).") var modelName: String?
    @Option(help: "Hook name recorded in cfg.json.") var hookName: String?

    func run() throws {
        Session.run { comm, log in
            let model = try comm.onEveryRank { try loadModel(runPath) }
            guard comm.isRoot else { return }
            var provenance: [String: String] = [:]
            if let modelName { provenance["model_name"] = modelName }
            if let hookName { provenance["hook_name"] = hookName }
            let written = try SAELensExport.export(model, to: out, provenance: provenance)
            for dir in written.directories { log.info("wrote \(dir)") }
        }
    }
}

/// A model from a run directory (final model, else newest valid checkpoint) or a file.
func loadModel(_ path: String) throws -> HierarchicalSAE<Float> {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        throw HSAEError.badInput(path: path, message: "no such run directory or model file")
    }
    if !isDir.boolValue { return try ModelFile.load(path: path) }
    if FileManager.default.fileExists(atPath: path + "/" + Checkpoint.model) { return try ModelFile.load(path: path + "/" + Checkpoint.model) }
    guard let loaded = try Checkpoint.newestValid(run: path, skipped: { _ in }) else {
        throw HSAEError.badInput(path: path, message: "has no model.safetensors and no valid checkpoint")
    }
    return loaded.model
}
