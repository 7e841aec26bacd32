import ArgumentParser
import Foundation
import HSAE

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Run a text through the language model and the HSAE; print the active top and bottom latents per token.",
        discussion: """
            For runs trained on harvested activations (hsae harvest). The text is tokenised and windowed as the harvest cut documents, the run's layer is computed in Swift, and the codes come from the model's inference forward pass (the codes hsae eval computes for harvested rows). The layer and window default to those recorded in the run's data set. Single process; no mpirun needed.

            Examples:
              hsae explain --run runs/minilm --model models/minilm-l6 "The cat sat on the mat."
              hsae explain --run runs/minilm --model models/minilm-l6 --html out/explain.html \\
                  --site runs/minilm/site "def f(x): return x + 1"
            """)

    @Option(name: .customLong("run"), help: "The HSAE: a run directory (final model, else newest checkpoint) or a model.safetensors file.")
    var runPath: String
    @Option(help: "The language model directory the run's data set was harvested with (e.g. models/minilm-l6).")
    var model: String
    @Option(help: "Layer of the language model (default: the run's data set's harvest layer).")
    var layer: Int?
    @Option(help: "Tokens per window including [CLS] and [SEP] (default: the harvest's window, else the model's maximum).")
    var window: Int?
    @Option(help: "Latents printed per token and level.")
    var perToken = 5
    @Option(help: "Also write the explanation as an HTML page to this file.")
    var html: String?
    @Option(help: "With --html: a feature browser site (hsae features --out) to link latent ids to.")
    var site: String?
    @Option(help: "Also write every active latent per token as JSON to this file.")
    var json: String?
    @Argument(help: "The text to explain.")
    var text: String

    func validate() throws {
        guard perToken >= 1 else { throw ValidationError("--per-token must be >= 1, got \(perToken)") }
        guard !text.isEmpty else { throw ValidationError("TEXT is empty; give the text to explain") }
    }

    func run() throws {
        Session.run { comm, log in
            let run = Run(runPath)
            let sae = try run.loadModel(log: log)
            guard !sae.config.architecture.edges.isEmpty else {  // a single-layer model: no tree to explain
                throw HSAEError.badConfig(option: "--run", message: "\(runPath) is a single-layer baseline; explain needs an HSAE run")
            }
            let recorded = Explainer.harvestSettings(of: run)
            guard let layer = layer ?? recorded.layer else {
                throw HSAEError.badConfig(option: "--layer", message: "\(runPath) does not record the harvest layer of its data set; give --layer")
            }
            let lm = try BertModelDirectory(path: model)
            let e = try Explainer.explain(text, languageModel: lm, layer: layer, window: window ?? recorded.window, model: sae)
            log.info("\(e.tokens.count) tokens, layer \(layer) of \(model); active latents per token (largest first):")
            for line in ExplainReport.lines(e, perToken: perToken) { log.info(line) }
            // Under mpirun every rank computes the same thing; only rank 0 writes.
            try comm.onRoot {
                if let json { try AtomicFile.write(try ExplainReport.json(e), to: json) }
                if let html {
                    try AtomicFile.write(Data(ExplainReport.html(e, text: text, run: runPath, site: site, perToken: perToken).utf8), to: html)
                }
            }
            for file in [json, html].compactMap({ $0 }) { log.info("wrote \(file)") }
        }
    }
}
