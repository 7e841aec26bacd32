import Dist
import Foundation

/// What `hsae harvest` does, as values.
public struct HarvestOptions: Sendable {
    public var model: String
    public var corpus: String
    /// 0 = embeddings, L = after encoder layer L.
    public var layer: Int
    public var out: String
    public var maxTokens: Int?
    /// Tokens per model input including [CLS] and [SEP]; nil = the model's maximum.
    public var window: Int?
    /// Tokens per forward batch (sequences packed, no padding).
    public var batchTokens = 4096
    public var shardRows = 65536
    public var includeSpecial = false
    public var dtype: ElementType = .f32
    /// --force: replace an earlier harvest in `out` (OutputDirectory).
    public var force = false

    public init(model: String, corpus: String, layer: Int, out: String) {
        self.model = model
        self.corpus = corpus
        self.layer = layer
        self.out = out
    }
}

public struct HarvestSummary: Sendable {
    public var rows: Int
    public var documents: Int
    public var windows: Int
    /// Model input tokens (with [CLS]/[SEP]) computed by all ranks.
    public var modelTokens: Int
    /// Wall time of the forward passes and shard writes (the slowest rank).
    public var seconds: Double
    public var ranks: Int
    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }
}

/// Runs a harvest on every rank of `comm`: rank r computes and writes its own shards, rank 0
/// writes `dataset.json`. Output goes to `OUT.partial` and is renamed to OUT only when every
/// rank succeeded; any failure (bad input on any rank included) leaves nothing behind.
public enum Harvester {
    public static func run(_ o: HarvestOptions, comm: Communicator, log: Logger) throws -> HarvestSummary {
        let (model, corpus, plan, output) = try comm.agreeing { () -> (BertModelDirectory, Corpus, HarvestPlan, OutputDirectory) in
            let (model, corpus, output) = try validate(o)
            let plan = HarvestPlan(corpus: corpus, tokenizer: model.tokenizer, window: o.window ?? model.config.maxPositions,
                                   maxTokens: o.maxTokens, includeSpecial: o.includeSpecial)
            guard plan.rows > 0 else {
                throw HSAEError.badInput(path: o.corpus, message: "the corpus's \(corpus.documents.count) documents hold no tokens")
            }
            return (model, corpus, plan, output)
        }
        // Every rank writes its shards into OUT.partial (rank 0 creates it and renames it onto OUT).
        let staging = output.path + ".partial"
        var staged: StagedDirectory?
        try comm.agreeing {
            guard comm.isRoot else { return }
            staged = try StagedDirectory(target: output.path, staging: staging)
        }
        let layout = ShardLayout(shardRows: o.shardRows)
        let mine = plan.windows(rank: comm.rank, size: comm.size)
        log.info("harvest: \(plan.rows) rows from \(plan.documents) documents (\(plan.windows.count) windows), layer \(o.layer) "
                 + "of \(model.config.layers), d = \(model.config.hiddenSize), \(comm.size) rank(s); rank 0 has \(mine.count) windows")
        let start = Date()
        var failure: Error?
        do {
            try computeShards(mine, plan: plan, model: model, corpus: corpus, options: o, layout: layout,
                              directory: staging, rank: comm.rank, ranks: comm.size, log: log)
        } catch {
            failure = error
        }
        do {
            try comm.agree(failure)
            try comm.agreeing {
                guard comm.isRoot else { return }
                try writeManifest(plan: plan, model: model, corpus: corpus, options: o, layout: layout, ranks: comm.size, directory: staging)
                try staged!.commit(marking: output)  // OUT judged again: new, empty, or (--force) an earlier harvest
            }
        } catch {
            staged?.discard()
            throw error
        }
        let seconds = try comm.allreduce(Date().timeIntervalSince(start), op: .max)
        let modelTokens = try comm.allreduce(Int64(mine.reduce(0) { $0 + $1.ids.count }))
        return HarvestSummary(rows: plan.rows, documents: plan.documents, windows: plan.windows.count,
                              modelTokens: Int(modelTokens), seconds: seconds, ranks: comm.size)
    }

    /// Everything that can be wrong with the input, checked before anything is written.
    static func validate(_ o: HarvestOptions) throws -> (BertModelDirectory, Corpus, OutputDirectory) {
        let output = try OutputDirectory(o.out, command: .harvest, intent: o.force ? .replace : .create,
                                         inputs: [.init("--model", o.model), .init("--corpus", o.corpus)])
        let model = try BertModelDirectory(path: o.model)
        guard (0...model.config.layers).contains(o.layer) else {
            throw HSAEError.badConfig(option: "--layer", message: "\(o.layer) is outside 0...\(model.config.layers) "
                                      + "(0 = embeddings, \(model.config.layers) = last layer of \(o.model))")
        }
        if let w = o.window, !(3...model.config.maxPositions).contains(w) {
            throw HSAEError.badConfig(option: "--window", message: "\(w) is outside 3...\(model.config.maxPositions) (the model's max_position_embeddings)")
        }
        let corpus = try Corpus.read(from: o.corpus)
        return (model, corpus, output)
    }

    /// The forward passes of one rank's windows, written as shards of `layout.shardRows` rows.
    static func computeShards(_ windows: ArraySlice<HarvestPlan.Window>, plan: HarvestPlan, model: BertModelDirectory,
                              corpus: Corpus, options o: HarvestOptions, layout: ShardLayout, directory: String,
                              rank: Int, ranks: Int, log: Logger) throws {
        let encoder = BertEncoder(weights: try model.weights(layers: o.layer))
        let d = model.config.hiddenSize
        let classes = model.tokenizer.tokenClasses()
        let index = { (names: [String]) in Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) }) }
        let genres = index(corpus.manifest.genres), languages = index(corpus.manifest.languages), sources = index(corpus.manifest.sources)
        let kinds = HarvestLabel.allCases.count
        var values: [Float] = []    // rows × d, the shard being filled
        var labels: [Int32] = []    // rows × kinds
        var shard = 0
        func flush() throws {
            let rows = labels.count / kinds
            guard rows > 0 else { return }
            _ = try ShardWriter.write(directory: directory, name: ShardLayout.name(rank: rank, index: shard), values: values,
                                      rows: rows, d: d, dtype: o.dtype, labels: labels, labelKinds: kinds)
            shard += 1
            values.removeAll(keepingCapacity: true)
            labels.removeAll(keepingCapacity: true)
        }
        let total = windows.reduce(0) { $0 + $1.keep }
        var done = 0
        let start = Date()
        var next = windows.startIndex
        while next < windows.endIndex {
            var end = next, tokens = 0
            while end < windows.endIndex, end == next || tokens + windows[end].ids.count <= o.batchTokens {
                tokens += windows[end].ids.count
                end += 1
            }
            let batch = windows[next..<end]
            next = end
            let packed = TokenBatch(sequences: batch.map(\.ids))
            let states = encoder.hiddenStates(packed, layer: o.layer)[0]
            for (b, w) in batch.enumerated() {
                let doc = corpus.documents[w.document]
                for p in plan.keptPositions(w) {
                    let row = packed.offsets[b] + p
                    let id = w.ids[p]
                    values.append(contentsOf: states.storage[row * d ..< (row + 1) * d])
                    labels += [id, classes[Int(id)].rawValue, Int32(PositionBucket.bucket(p)), Int32(w.document),
                               genres[doc.genre]!, languages[doc.language]!, sources[doc.source]!]
                    if labels.count / kinds == layout.shardRows { try flush() }
                }
                done += w.keep
            }
            guard states.storage.allSatisfy({ $0.isFinite }) else {
                throw HSAEError.badInput(path: o.model, message: "layer \(o.layer) produced NaN or Inf on document \(batch.first!.document)")
            }
            let rate = Double(done) / max(Date().timeIntervalSince(start), 1e-9)
            log.progress("harvest: rank 0 \(done)/\(total) rows, \(Int(rate)) tokens/s per rank (≈ \(Int(rate) * ranks) tokens/s all ranks)")
        }
        try flush()
        log.progress("harvest: rank 0 done, \(done) rows in \(String(format: "%.1f", Date().timeIntervalSince(start))) s", force: true)
    }

    static func writeManifest(plan: HarvestPlan, model: BertModelDirectory, corpus: Corpus, options o: HarvestOptions,
                              layout: ShardLayout, ranks: Int, directory: String) throws {
        var genreRows: [String: Int] = [:]
        for w in plan.windows { genreRows[corpus.documents[w.document].genre, default: 0] += w.keep }
        let provenance: [String: String] = [
            "generator": "hsae harvest",
            "model": (o.model as NSString).standardizingPath,
            "model_shape": "BERT \(model.config.layers) layers, d = \(model.config.hiddenSize), \(model.config.heads) heads",
            "layer": String(o.layer),
            "layer_meaning": "0 = embeddings, L = output of encoder layer L",
            "model_name": ((o.model as NSString).standardizingPath as NSString).lastPathComponent,
            "hook_name": HarvestHook.name(layer: o.layer),
            "hook_layer": String(HarvestHook.block(layer: o.layer)),
            "corpus": (o.corpus as NSString).standardizingPath,
            "corpus_fingerprint": corpus.manifest.fingerprint,
            "max_tokens": o.maxTokens.map(String.init) ?? "all",
            "window": String(o.window ?? model.config.maxPositions),
            "include_special": String(o.includeSpecial),
            "documents": String(plan.documents),
            "ranks": String(ranks),
            "rows_per_genre": genreRows.keys.sorted().map { "\($0)=\(genreRows[$0]!)" }.joined(separator: " "),
            "vocabulary": "vocab.txt (token_id = line number, from 0)",
        ]
        try AtomicFile.write(Data((model.tokenizer.vocabulary.joined(separator: "\n") + "\n").utf8), to: directory + "/vocab.txt")
        let manifest = DatasetManifest(d: model.config.hiddenSize, dtype: o.dtype.numpyDescr!,
                                       shards: layout.manifestShards(plan: plan, size: ranks),
                                       labelKinds: HarvestLabel.kinds(corpus: corpus.manifest, maxPositions: model.config.maxPositions),
                                       provenance: provenance)
        try manifest.write(to: directory)
    }
}
