import ArgumentParser
import Foundation
import HSAE

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the model as SAELens SAEs (bottom/, top/), its gate, and a recipe that rebuilds the HSAE.",
        discussion: """
            The input scale c is folded into the bottom SAE, so it takes raw activations. The top SAE reads the bottom SAE's feature activations (d_in = m1); its decoder ends with the ReLU of the HSAE, an architecture (hsae_top_*) registered by OUT/hsae_sae_lens.py. OUT/gate.safetensors holds gate.logits; OUT/hsae.json the recipe. model_name, hook_name and hook_layer come from the run's data set (harvests record them). OUT must be new or empty, or an earlier export (replaced with --force); see docs/SECURITY.md, "Output directories". Details: docs/EXPORT.md.

            Examples:
              hsae export --run runs/hsae --out exported
              python -c "import sys; sys.path.insert(0, 'exported'); import hsae_sae_lens; print(hsae_sae_lens.load('exported').top)"
            """)

    @Option(name: .customLong("run"), help: "A run directory (uses RUN/model.safetensors, else the newest checkpoint) or a model.safetensors file.")
    var runPath: String
    @Option(help: "Output directory (bottom/, top/, gate.safetensors, hsae.json, hsae_sae_lens.py).")
    var out: String
    @Flag(help: "Replace an earlier hsae export in --out (only the entries its .hsae-output.json lists; anything else is refused).")
    var force = false
    @Option(help: "Model name recorded in cfg.json (default: from the data set's provenance).") var modelName: String?
    @Option(help: "Hook name recorded in cfg.json (default: from the data set's provenance).") var hookName: String?
    @Option(help: "Hook layer recorded in cfg.json: the block index in the hook name (default: from the data set's provenance).") var hookLayer: Int?

    func run() throws {
        Session.run { comm, log in
            // The output rule first: an --out that is, contains or holds the run is refused before the model is read.
            let run = Run(runPath), inputs = [OutputDirectory.Input("--run", runPath, isRun: true)]
            let (output, model) = try comm.onEveryRank {
                (try OutputDirectory(out, command: .export, intent: force ? .replace : .create, inputs: inputs),
                 try run.loadModel(log: log))
            }
            guard comm.isRoot else { return }
            var provenance = SAELensExport.provenance(of: run)
            if let modelName { provenance["model_name"] = modelName }
            if let hookName { provenance["hook_name"] = hookName }
            if let hookLayer { provenance["hook_layer"] = String(hookLayer) }
            let written = try SAELensExport.export(model, into: output, provenance: provenance)
            for dir in written.directories { log.info("wrote \(dir)") }
        }
    }
}
