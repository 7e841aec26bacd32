import Dist
import Foundation
@testable import HSAE
import XCTest

/// `Harvester.run` in this process (single rank): a toy BERT made here, and MiniLM when present.
final class HarvestTests: XCTestCase {
    static let toyVocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "the", "law", "is", "a", "##s",
                                "science", "e", "=", "m", "##c", "2", "def", "f", "(", ")", "x", ":", "return", "+", "1"]

    /// A random 2-layer BERT (d = 8, 2 heads) in the checkpoint layout; `breakShape` writes one tensor wrong.
    static func makeToyModel(in dir: String, breakShape: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = BertConfig(hiddenSize: 8, layers: 2, heads: 2, intermediateSize: 16, maxPositions: 32,
                                vocabSize: toyVocabulary.count)
        try """
            {"model_type": "bert", "hidden_act": "gelu", "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
             "intermediate_size": 16, "max_position_embeddings": 32, "vocab_size": \(toyVocabulary.count), "type_vocab_size": 2}
            """.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        try (toyVocabulary.joined(separator: "\n") + "\n").write(toFile: dir + "/vocab.txt", atomically: true, encoding: .utf8)
        var writer = SafeTensorsWriter()
        var rng = SplitMix64(seed: 5)
        for (name, shape) in config.expectedShapes {
            var shape = shape
            if name == breakShape { shape[shape.count - 1] += 1 }
            let n = shape.reduce(1, *)
            let isGain = name.hasSuffix("LayerNorm.weight")
            writer.add(name, shape: shape, values: (0..<n).map { _ in Float(isGain ? 1 : 0.3 * rng.nextSigned()) })
        }
        try writer.serialized().write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
    }

    static func makeCorpus(in dir: String) throws -> String {
        let (fortunes, code) = try HarvestCorpusTests.makeSources(in: dir)
        var builder = CorpusBuilder()
        builder.fortunes = [.init(directory: fortunes, language: "en", source: "fortunes")]
        builder.codeDirectories = [code]
        try builder.build().write(to: dir + "/corpus")
        return dir + "/corpus"
    }

    func harvest(_ o: HarvestOptions) throws -> HarvestSummary {
        let log = Logger(rank: 0, isTerminal: false)
        log.quiet = true
        return try Harvester.run(o, comm: try Communicator.world(environment: [:]), log: log)
    }

    func testToyModelHarvestIsAReadableLabelledDataSet() throws {
        let dir = try HarvestFixtures.temporaryDirectory("harvest-toy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.makeToyModel(in: dir + "/model")
        let corpusDir = try Self.makeCorpus(in: dir)
        var o = HarvestOptions(model: dir + "/model", corpus: corpusDir, layer: 2, out: dir + "/out")
        o.shardRows = 7
        o.window = 6
        let summary = try harvest(o)

        let data = try ActivationDataset(path: dir + "/out")
        XCTAssertEqual(data.d, 8)
        XCTAssertEqual(data.rows, summary.rows)
        XCTAssertEqual(data.manifest.shards.count, (summary.rows + 6) / 7)
        XCTAssertEqual(data.labelKinds.map(\.name), ["token_id", "token_class", "position_bucket", "doc_id", "genre", "language", "source"])
        XCTAssertEqual(data.labelKinds[1].classes, TokenClass.names)
        let corpus = try Corpus.read(from: corpusDir)
        XCTAssertEqual(data.labelKinds[4].classes, corpus.manifest.genres)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.partial"))

        // Every row: the label columns agree with the corpus and the tokenizer, and the vector is the
        // encoder's state of that token in its window.
        let model = try BertModelDirectory(path: dir + "/model")
        let plan = HarvestPlan(corpus: corpus, tokenizer: model.tokenizer, window: 6, maxTokens: nil, includeSpecial: false)
        let encoder = BertEncoder(weights: try model.weights(layers: 2))
        let rows = Array(0..<data.rows)
        let label = { (k: HarvestLabel) in data.labels(kind: k.rawValue, rows: rows) }
        let (ids, classes, buckets, docs, genres) = (label(.tokenId), label(.tokenClass), label(.positionBucket), label(.docId), label(.genre))
        let classOf = model.tokenizer.tokenClasses()
        let vectors = try data.read(rows: rows)
        var row = 0
        for w in plan.windows {
            let states = encoder.hiddenStates(TokenBatch(sequences: [w.ids]), layer: 2)[0]
            for p in plan.keptPositions(w) {
                XCTAssertEqual(ids[row], Int(w.ids[p]))
                XCTAssertEqual(classes[row], Int(classOf[Int(w.ids[p])].rawValue))
                XCTAssertEqual(buckets[row], PositionBucket.bucket(p))
                XCTAssertEqual(docs[row], w.document)
                XCTAssertEqual(corpus.manifest.genres[genres[row]], corpus.documents[w.document].genre)
                for j in 0..<8 { XCTAssertEqual(vectors[row, j], states[p, j], accuracy: 1e-5, "row \(row)") }
                row += 1
            }
        }
        XCTAssertEqual(row, data.rows)
        XCTAssertFalse(classes.contains(Int(TokenClass.special.rawValue)), "[CLS]/[SEP] left out by default")
    }

    func testMiniLMHarvestOpensWithTheDatasetReader() throws {
        let modelDir = try HarvestFixtures.modelDirectory()
        let dir = try HarvestFixtures.temporaryDirectory("harvest-minilm")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = HarvestOptions(model: modelDir, corpus: try Self.makeCorpus(in: dir), layer: 3, out: dir + "/out")
        o.includeSpecial = true
        o.dtype = .f16
        let summary = try harvest(o)
        let data = try ActivationDataset(path: dir + "/out")
        XCTAssertEqual(data.d, 384)
        XCTAssertEqual(data.manifest.dtype, "<f2")
        XCTAssertEqual(data.rows, summary.rows)
        let classes = data.labels(kind: HarvestLabel.tokenClass.rawValue, rows: Array(0..<data.rows))
        XCTAssertEqual(classes.filter { $0 == Int(TokenClass.special.rawValue) }.count, 2 * summary.windows)
        XCTAssertEqual(data.manifest.provenance?["layer"], "3")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/out/vocab.txt"))
    }

    // MARK: bad input: one clear message, nothing written

    func assertRejected(_ o: HarvestOptions, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try harvest(o), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "got: \(error)", file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: o.out), "nothing written", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: o.out + ".partial"), file: file, line: line)
    }

    func testBadInputIsRejectedBeforeAnythingIsWritten() throws {
        let dir = try HarvestFixtures.temporaryDirectory("harvest-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.makeToyModel(in: dir + "/model")
        let corpus = try Self.makeCorpus(in: dir)
        let out = dir + "/out"

        try FileManager.default.createDirectory(atPath: dir + "/incomplete", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/model/config.json", toPath: dir + "/incomplete/config.json")
        assertRejected(HarvestOptions(model: dir + "/incomplete", corpus: corpus, layer: 1, out: out),
                       "\(dir)/incomplete: is missing vocab.txt, model.safetensors; a BERT model directory needs config.json, vocab.txt, model.safetensors")

        let broken = "encoder.layer.1.attention.self.key.weight"
        try Self.makeToyModel(in: dir + "/broken", breakShape: broken)
        assertRejected(HarvestOptions(model: dir + "/broken", corpus: corpus, layer: 1, out: out),
                       "\(dir)/broken/model.safetensors: tensor '\(broken)' has shape [8, 9], expected [8, 8] from config.json")

        assertRejected(HarvestOptions(model: dir + "/model", corpus: corpus, layer: 3, out: out),
                       "--layer: 3 is outside 0...2 (0 = embeddings, 2 = last layer of \(dir)/model)")

        let empty = dir + "/empty"
        try Corpus(documents: [], seed: 0, provenance: [:]).write(to: empty)
        assertRejected(HarvestOptions(model: dir + "/model", corpus: empty, layer: 1, out: out),
                       "\(empty)/documents.jsonl: the corpus has no documents, expected at least one")

        assertRejected(HarvestOptions(model: dir + "/model", corpus: corpus, layer: 1, out: "/proc/hsae-harvest/out"),
                       "/proc/hsae-harvest/out.partial: cannot create the output directory")

        try FileManager.default.createDirectory(atPath: out + "/x", withIntermediateDirectories: true)
        XCTAssertThrowsError(try harvest(HarvestOptions(model: dir + "/model", corpus: corpus, layer: 1, out: out))) { error in
            XCTAssertTrue("\(error)".contains("--out: '\(out)' is not empty (x/) and holds no output of hsae harvest"), "\(error)")
        }
    }
}
