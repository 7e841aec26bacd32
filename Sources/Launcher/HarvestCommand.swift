import ArgumentParser
import Dist
import Foundation
import HSAE

struct HarvestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harvest",
        abstract: "Run a BERT (MiniLM-L6) over a labelled corpus and write one layer's token activations as a data set.",
        discussion: """
            Under mpirun -np W, rank r computes a contiguous share of the corpus and writes its own shards; rank 0 writes dataset.json (label kinds token_id, token_class, position_bucket, doc_id, genre, language, source) and vocab.txt. Rows are in corpus order whatever W. [CLS]/[SEP] are left out unless --include-special. Output appears only when every rank succeeded.

            Examples:
              scripts/get-model && scripts/get-corpus
              hsae harvest --model models/minilm-l6 --corpus corpus --layer 3 \\
                  --out data/minilm-l3 --max-tokens 200000
              scripts/mpirun -np 2 .build/release/hsae harvest \\
                  --model models/minilm-l6 --corpus corpus --layer 6 --out data/l6
            """)

    @Option(help: "BERT model directory (config.json, vocab.txt, model.safetensors).")
    var model: String

    @Option(help: "Corpus directory (corpus.json, documents.jsonl), from hsae corpus.")
    var corpus: String

    @Option(help: "Which hidden state: 0 = embeddings, L = output of encoder layer L.")
    var layer: Int

    @Option(help: "Output data set directory: new or empty, or an earlier harvest (with --force).")
    var out: String

    @Flag(help: "Replace an earlier hsae harvest in --out (only the entries its .hsae-output.json lists; anything else is refused).")
    var force = false

    @Option(help: "Stop after this many token rows (default: the whole corpus).")
    var maxTokens: Int?

    @Option(help: "Tokens per model input including [CLS] and [SEP] (default: the model's maximum, 512 for MiniLM).")
    var window: Int?

    @Option(help: "Tokens per forward batch (sequences are packed, no padding).")
    var batchTokens = 4096

    @Option(help: "Rows per shard file.")
    var shardRows = 65536

    @Option(help: "Shard element type: \(SyntheticConfig.StorageType.allValueStrings.joined(separator: " or ")).")
    var dtype = SyntheticConfig.StorageType.f32

    @Flag(help: "Also keep the rows of [CLS] and [SEP].")
    var includeSpecial = false

    func validate() throws {
        if layer < 0 { throw ValidationError("--layer must be >= 0 (0 = embeddings), got \(layer)") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be >= 1, got \(maxTokens)") }
        if batchTokens < 1 { throw ValidationError("--batch-tokens must be >= 1, got \(batchTokens)") }
        if shardRows < 1 { throw ValidationError("--shard-rows must be >= 1, got \(shardRows)") }
    }

    func run() throws {
        Session.run { comm, log in
            let threads = BLASRuntime.configure(ranksOnNode: BLASRuntime.ranksOnNode(), exact: false)
            var options = HarvestOptions(model: model, corpus: corpus, layer: layer, out: out)
            options.maxTokens = maxTokens
            options.window = window
            options.batchTokens = batchTokens
            options.shardRows = shardRows
            options.includeSpecial = includeSpecial
            options.dtype = dtype.elementType
            options.force = force
            log.info("harvest: OpenBLAS \(threads) thread(s) per rank")
            let s = try Harvester.run(options, comm: comm, log: log)
            let modelRate = Double(s.modelTokens) / max(s.seconds, 1e-9)
            log.info("harvest: wrote \(s.rows) rows (\(s.documents) documents, \(s.windows) windows) to \(out) in "
                     + String(format: "%.1f s: %.0f tokens/s (%.0f model tokens/s with [CLS]/[SEP])", s.seconds, s.rowsPerSecond, modelRate)
                     + ", \(s.ranks) rank(s)")
        }
    }
}
