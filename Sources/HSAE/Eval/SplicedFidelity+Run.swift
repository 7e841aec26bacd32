import Dist
import Foundation

/// Options of the spliced-fidelity pass of `hsae eval --model`.
public struct SpliceOptions: Sendable {
    /// The language model directory the data set was harvested with.
    public var languageModel: String
    /// Windows spliced: at most this many, evenly spaced over the evaluation rows.
    public var maxWindows = SpliceOptions.defaultMaxWindows
    public static let defaultMaxWindows = 256
    /// Windows per forward batch.
    public var windowsPerBatch = 16

    public init(languageModel: String) { self.languageModel = languageModel }
}

/// The pass itself. Legend: n windows, N tokens of a batch of windows ([CLS]/[SEP] included),
/// M content tokens of that batch, d model width, V variants spliced.
///
/// The windows are cut into batches of `windowsPerBatch` from the first (one grid for any W) and
/// rank r of W takes batches [k·r/W, k·(r+1)/W) of the k; each computes, per batch, layer L
/// once from the token ids, then the layers after L once per variant, and writes the pooled
/// embeddings into its slots of one zero-filled buffer (V + 1) × n × d; an allreduce (sum with
/// zeros elsewhere: exact) gives rank 0 all of them; Σx² and the token count are summed exactly
/// (`ExactAccumulation`). Collectives, in order: agree (setup), agree (the pass), allreduce
/// (embeddings), allreduce max, allreduce (fixed-point sums) — the same on every rank.
extension SplicedFidelity {
    /// The variants spliced, in report order: the original rows, the model's reported paths (the
    /// HSAE: full, skip_only, top_only), the comparator's reconstruction ("baseline"), the two ablations.
    static func variantNames(model: any SAEArchitecture, comparator: Bool) -> [String] {
        ["original"] + model.reportedPaths.map(\.name) + (comparator ? ["baseline"] : []) + ["zero_ablation", "mean_ablation"]
    }

    struct Setup {
        let harvest: SpliceWindows.Harvest
        let modelPath: String
        let tokenizer: BertTokenizer
        let encoder: BertEncoder
        let windows: [SpliceWindow]
        let mean: [Float]  // d: the mean row of the spliced tokens (mean ablation)
    }

    static func run(_ inputs: EvalInputs, options: SpliceOptions, model: BatchRunner, comparator: BatchRunner?,
                    comm: Communicator, log: Logger) throws -> SplicedFidelitySection? {
        let clock = Date()
        let setup = try comm.agreeing { try prepare(inputs, options: options) }
        let names = variantNames(model: model.model.config.architecture, comparator: comparator != nil)
        let n = setup.windows.count, d = inputs.data.d
        var embeddings = [Float](repeating: 0, count: (names.count + 1) * n * d)  // slot 0: the model's own; (V+1)×n×d
        var deviation = 0.0
        let sums = PlainSums(count: 2)  // Σ x², tokens
        let exact = ExactAccumulation([sums], ranks: comm.size)
        let batches = (n + options.windowsPerBatch - 1) / options.windowsPerBatch
        let mine = batches * comm.rank / comm.size ..< batches * (comm.rank + 1) / comm.size
        let mineWindows = mine.isEmpty ? 0 : min(n, mine.upperBound * options.windowsPerBatch) - mine.lowerBound * options.windowsPerBatch
        log.info("eval: splicing \(n) windows into layer \(setup.harvest.layer) of \(options.languageModel) "
                 + "(\(names.count) variants, \(comm.size) rank(s))")
        try comm.agreeing {
            for k in mine {
                let chunk = k * options.windowsPerBatch ..< min(n, (k + 1) * options.windowsPerBatch)
                let result = try spliceBatch(Array(setup.windows[chunk]), setup: setup, names: names, data: inputs.data,
                                             model: model, comparator: comparator)
                deviation = max(deviation, result.deviation)
                exact.beginBatch()
                sums.sums[0] += result.sumSquares
                sums.sums[1] += Double(result.tokens)
                exact.endBatch()
                for (slot, e) in result.embeddings.enumerated() {
                    let base = (slot * n + chunk.lowerBound) * d
                    for i in 0..<e.storage.count { embeddings[base + i] = e.storage[i] }
                }
                log.progress("eval: spliced \(chunk.upperBound - mine.lowerBound * options.windowsPerBatch)/\(mineWindows) windows of this rank")
            }
        }
        try comm.allreduce(&embeddings)
        deviation = try comm.allreduce(deviation, op: .max)
        do {
            try exact.allreduce(over: comm)
        } catch let error as ExactAccumulation.RangeError {
            throw HSAEError.badInput(path: inputs.run.path, message: "spliced fidelity: " + error.description)
        }
        let tokens = sums.sums[1], sumSquares = sums.sums[0]
        log.info(String(format: "eval: spliced fidelity over %d windows done in %.1f s", n, Date().timeIntervalSince(clock)))
        guard comm.isRoot else { return nil }

        func slot(_ s: Int) -> Matrix<Float> { Matrix(rows: n, cols: d, storage: Array(embeddings[s * n * d ..< (s + 1) * n * d])) }
        let own = slot(0)
        let scores = names.enumerated().map { score(name: $0.element, original: own, spliced: slot($0.offset + 1)) }
        return SplicedFidelitySection(languageModel: options.languageModel, layer: setup.harvest.layer, window: setup.harvest.window,
                                      windows: n, tokens: Int(tokens), rowDeviation: deviation,
                                      rowRms: tokens > 0 ? (sumSquares / (tokens * Double(d))).squareRoot() : 0,
                                      chanceAgreement: n > 1 ? 1 / Double(n - 1) : nil, models: scores)
    }

    /// Checks and loads everything on this rank: the harvest settings, the language model, the windows.
    static func prepare(_ inputs: EvalInputs, options: SpliceOptions) throws -> Setup {
        let data = inputs.data
        let harvest = try SpliceWindows.harvest(of: data)
        let lm = try BertModelDirectory(path: options.languageModel)
        guard lm.config.hiddenSize == data.d else {
            throw HSAEError.badInput(path: lm.path, message: "has d = \(lm.config.hiddenSize), but the data set \(data.path) has d = \(data.d)")
        }
        guard harvest.layer <= lm.config.layers else {
            throw HSAEError.badInput(path: data.path, message: "was harvested at layer \(harvest.layer), but \(lm.path) has \(lm.config.layers) layers")
        }
        let all = try SpliceWindows.rebuild(data: data, rows: inputs.rows, harvest: harvest)
        let windows = SpliceWindows.evenlySpaced(all, count: options.maxWindows)
        guard windows.count >= 2 else {
            throw HSAEError.badInput(path: data.path, message: "has \(windows.count) whole window(s) in the evaluation rows "
                + "\(inputs.rows.lowerBound)..<\(inputs.rows.upperBound); spliced fidelity needs at least 2")
        }
        if let bad = windows.lazy.flatMap(\.ids).first(where: { $0 < 0 || Int($0) >= lm.config.vocabSize }) {
            throw HSAEError.badInput(path: data.path, message: "has token_id \(bad), outside the vocabulary 0..<\(lm.config.vocabSize) "
                + "of \(lm.path); was it harvested with this model?")
        }
        var sum = [Double](repeating: 0, count: data.d)
        var count = 0
        for w in windows {
            let rows = try data.read(rows: Array(w.rows))
            for t in 0..<rows.rows { for k in 0..<data.d { sum[k] += Double(rows[t, k]) } }
            count += rows.rows
        }
        return Setup(harvest: harvest, modelPath: lm.path, tokenizer: lm.tokenizer, encoder: BertEncoder(weights: try lm.weights(layers: lm.config.layers)),
                     windows: windows, mean: sum.map { Float($0 / Double(max(1, count))) })
    }

    struct BatchResult {
        var embeddings: [Matrix<Float>]  // V + 1, each (windows of the batch) × d
        var deviation: Double
        var sumSquares: Double
        var tokens: Int
    }

    /// One batch of windows: layer L from the ids, the data set's rows beside it, then each
    /// variant's rows spliced in at the content positions and the rest of the model run.
    static func spliceBatch(_ windows: [SpliceWindow], setup: Setup, names: [String], data: ActivationDataset,
                            model: BatchRunner, comparator: BatchRunner?) throws -> BatchResult {
        let L = setup.harvest.layer, encoder = setup.encoder, d = data.d
        let batch = TokenBatch(sequences: windows.map { [setup.tokenizer.cls] + $0.ids + [setup.tokenizer.sep] })
        let hL = encoder.hiddenStates(batch, layer: L)[0]                 // N × d
        let raw = try data.read(rows: windows.flatMap { Array($0.rows) })  // M × d
        let positions = windows.indices.flatMap { b in (1...windows[b].ids.count).map { batch.offsets[b] + $0 } }  // M
        var deviation = 0.0, sumSquares = 0.0, largest = 0.0
        for (t, p) in positions.enumerated() {
            for k in 0..<d {
                let x = Double(raw[t, k])
                deviation = max(deviation, abs(Double(hL[p, k]) - x))
                sumSquares += x * x
                largest = max(largest, abs(x))
            }
        }
        let rms = (sumSquares / Double(max(1, positions.count * d))).squareRoot()
        // f16/bf16 shards round to ~0.4 % of a value; a wrong model or layer is off by the values themselves.
        if deviation > 0.02 * largest {
            throw HSAEError.badInput(path: data.path, message: "rows \(windows[0].rows.lowerBound)… differ from layer \(L) of "
                + "\(setup.modelPath) recomputed from their token ids by up to \(ReportHeadline.number(deviation)) (row RMS "
                + "\(ReportHeadline.number(rms))); was the data set harvested with this model and layer?")
        }
        let hb = model.run(raw)
        let paths = model.model.config.architecture.reportedPaths.map(\.name)
        let c = model.model.inputScale
        func replacement(_ name: String) -> Matrix<Float> {
            if let k = paths.firstIndex(of: name) { return scaled(hb.paths[k], by: 1 / c) }
            switch name {
            case "original": return raw
            case "baseline": return scaled(comparator!.comparator(raw).paths[0], by: 1 / comparator!.model.inputScale)
            case "zero_ablation": return Matrix(rows: raw.rows, cols: d)
            case "mean_ablation": return Matrix(rows: raw.rows, cols: d, storage: Array((0..<raw.rows).map { _ in setup.mean }.joined()))
            default: preconditionFailure("unknown splice variant \(name)")
            }
        }
        func embed(_ states: Matrix<Float>) -> Matrix<Float> {
            BertEncoder.meanPooled(encoder.continueFrom(layer: L, states: states, batch: batch), batch)
        }
        var embeddings = [embed(hL)]
        for name in names {
            let rows = replacement(name)
            var spliced = hL
            for (t, p) in positions.enumerated() {
                for k in 0..<d { spliced.storage[p * d + k] = rows.storage[t * d + k] }
            }
            embeddings.append(embed(spliced))
        }
        return BatchResult(embeddings: embeddings, deviation: deviation, sumSquares: sumSquares, tokens: positions.count)
    }

    static func scaled(_ m: Matrix<Float>, by s: Float) -> Matrix<Float> {
        Matrix(rows: m.rows, cols: m.cols, storage: m.storage.map { $0 * s })
    }
}
