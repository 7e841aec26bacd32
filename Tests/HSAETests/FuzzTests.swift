import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HSAE
import XCTest

/// Seeded fuzzing of every file format hsae reads: random mutations of valid files must give
/// a valid result or a clear HSAEError — never a trap (a trap ends this test process, so a
/// green run is the proof). 7,900 cases in all; the seeds are fixed, so a failure reproduces.
final class FuzzTests: XCTestCase {
    static let smallModel = ModelConfig(d: 4, bottom: LayerSpec(latents: 8, activation: .relu, target: .sparsity(0.9)),
                                        top: LayerSpec(latents: 2, activation: .relu, target: .sparsity(0.7)))

    /// Mutates `seed` `cases` times into `path` and runs `check` on each.
    func fuzz(_ name: String, seed: Data, path: String, cases: Int, rngSeed: UInt64,
              prepare: ((Data) -> Data)? = nil, check: () throws -> Void) -> FuzzTally {
        var mutator = Mutator(rng: SplitMix64(seed: rngSeed))
        var tally = FuzzTally()
        for i in 0..<cases {
            var data = mutator.mutate(seed)
            if let prepare { data = prepare(data) }
            overwrite(data, path)
            tally.run("\(name) case \(i) (seed \(rngSeed))", check)
        }
        XCTAssertEqual(tally.unclear, [], "\(name): errors that are not HSAEErrors")
        XCTAssertGreaterThan(tally.errors, 0, "\(name): no mutation was rejected — the fuzzer is not reaching the parser")
        print("fuzz \(name): \(tally.cases) cases, \(tally.valid) valid, \(tally.errors) clear errors, 0 traps")
        return tally
    }

    /// Replaces a file's contents in place (no atomic rename: thousands of cases must be fast).
    func overwrite(_ data: Data, _ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot write \(path)")
        data.withUnsafeBytes { raw in _ = raw.baseAddress.map { Glibc.write(fd, $0, raw.count) } }
        close(fd)
    }

    func testNPY() {
        let dir = temporaryDirectory(self)
        let path = dir + "/a.npy"
        let seed = NPYFile.serialize((0..<12).map(Float.init), shape: [3, 4])
        let t = fuzz("npy", seed: seed, path: path, cases: 1500, rngSeed: 1) {
            let npy = try NPYFile(path: path)
            _ = Checksum.hex(npy.data)  // every byte the header promises must be inside the file
        }
        XCTAssertEqual(t.cases, 1500)
    }

    func testSafeTensorsShard() {
        let dir = temporaryDirectory(self)
        let path = dir + "/a.safetensors"
        var writer = SafeTensorsWriter(metadata: ["k": "v"])
        writer.add("activations", shape: [3, 4], values: (0..<12).map(Float.init))
        writer.add("ids", shape: [3], int64: [1, 2, 3])
        let t = fuzz("safetensors", seed: writer.serialized(), path: path, cases: 1500, rngSeed: 2) {
            let file = try SafeTensorsFile(path: path)
            for t in file.tensors.values { _ = Checksum.hex(file.bytes(t)) }
            if file.tensors["activations"] != nil { _ = try file.floats("activations") }
            if file.tensors["ids"] != nil { _ = try file.integers("ids") }
        }
        XCTAssertEqual(t.cases, 1500)
    }

    func testModelFile() throws {
        let dir = temporaryDirectory(self)
        let path = dir + "/model.safetensors"
        let model = HierarchicalSAE<Float>(config: Self.smallModel)
        let t = fuzz("model.safetensors", seed: try ModelFile.serialize(model), path: path, cases: 1000, rngSeed: 3) {
            _ = try ModelFile.load(path: path)
        }
        XCTAssertEqual(t.cases, 1000)
    }

    func testDatasetManifest() throws {
        let dir = temporaryDirectory(self)
        var rng = SplitMix64(seed: 4)
        var shards: [DatasetManifest.Shard] = []
        for s in 0..<2 {
            let values = (0..<(20 * 4)).map { _ in Float(rng.nextSigned()) }
            shards.append(try ShardWriter.write(directory: dir, name: "shard-\(s)", values: values, rows: 20, d: 4,
                                                labels: [Int32](repeating: 1, count: 20), labelKinds: 1))
        }
        let manifest = DatasetManifest(d: 4, dtype: "<f4", shards: shards, labelKinds: [.init(name: "token_class", classes: ["a", "b"])])
        let t = fuzz("dataset.json", seed: try manifest.encoded(), path: dir + "/dataset.json", cases: 700, rngSeed: 5) {
            let data = try ActivationDataset(path: dir)
            _ = try data.read(rows: [0, data.rows - 1])
            _ = data.labels(kind: 0, rows: [0, data.rows - 1])
        }
        XCTAssertEqual(t.cases, 700)
    }

    func testTrainConfigFile() throws {
        let dir = temporaryDirectory(self)
        let path = dir + "/config.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let t = fuzz("config.json", seed: try encoder.encode(TrainConfig()), path: path, cases: 700, rngSeed: 6) {
            let c = try TrainConfig.load(file: path)
            try c.validate(trainingRows: 100_000, ranks: 1)
            _ = c.phases
            try c.modelConfig(d: 8).validate()
        }
        XCTAssertEqual(t.cases, 700)
    }

    func testBertConfig() throws {
        let dir = temporaryDirectory(self)
        let path = dir + "/config.json"
        let seed = Data(#"{"model_type": "bert", "hidden_act": "gelu", "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 32, "vocab_size": 40, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "position_embedding_type": "absolute"}"#.utf8)
        let t = fuzz("BERT config.json", seed: seed, path: path, cases: 500, rngSeed: 9) {
            let c = try BertConfig(path: path)
            XCTAssertLessThanOrEqual(c.expectedShapes.count, 5 + 16 * 1024)
        }
        XCTAssertEqual(t.cases, 500)
    }

    func testCorpus() throws {
        let dir = temporaryDirectory(self)
        let documents = (0..<4).map { CorpusDocument(id: "d\($0)", genre: $0 % 2 == 0 ? "prose" : "code", language: "en",
                                                     source: "test", text: "document number \($0)") }
        try Corpus(documents: documents, seed: 1, provenance: ["by": "test"]).write(to: dir)
        var total = 0
        for (name, seed) in [(Corpus.manifestName, UInt64(10)), (Corpus.documentsName, 11)] {
            let path = dir + "/" + name
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            let t = fuzz("corpus \(name)", seed: original, path: path, cases: 250, rngSeed: seed) {
                _ = try Corpus.read(from: dir)
            }
            overwrite(original, path)
            total += t.cases
        }
        XCTAssertEqual(total, 500)
    }

    /// The ground truth of a synthetic data set (truth/truth.safetensors, read by eval).
    func testGroundTruth() throws {
        let dir = temporaryDirectory(self)
        let config = SyntheticConfig(d: 8, roots: 2, children: 2, singletons: 2, rows: 60, shardRows: 30,
                                     geometry: .a, childMode: .exclusive, childProbability: 0.4,
                                     probabilityMax: 0.5, probabilityMin: 0.1, noise: 0.05, seed: 5)
        _ = try SyntheticGenerator.generate(config: config, to: dir)
        let path = dir + "/" + TruthFiles.hierarchyFile
        let seed = try Data(contentsOf: URL(fileURLWithPath: path))
        let t = fuzz("truth.safetensors", seed: seed, path: path, cases: 500, rngSeed: 12) {
            let truth = try GroundTruth(datasetPath: dir)
            _ = truth.leafDirections
        }
        XCTAssertEqual(t.cases, 500)
    }

    /// state.json in a checkpoint: once as written (the checksum refuses nearly every change),
    /// once re-signed after the mutation, so the validation behind the checksum is reached.
    func testCheckpointState() throws {
        let run = temporaryDirectory(self)
        let directory = try CheckpointFixture.write(run: run, model: Self.smallModel)
        let path = directory + "/" + Checkpoint.state
        let seed = try Data(contentsOf: URL(fileURLWithPath: path))
        let raw = fuzz("state.json", seed: seed, path: path, cases: 300, rngSeed: 7) { _ = try Checkpoint.load(directory) }
        let resigned = fuzz("state.json (re-signed)", seed: seed, path: path, cases: 700, rngSeed: 8, prepare: { data in
            guard let state = try? JSONDecoder().decode(TrainerState.self, from: data) else { return data }
            return (try? StateChecksum.encode(state)) ?? data
        }) { _ = try Checkpoint.load(directory) }
        XCTAssertEqual(raw.cases + resigned.cases, 1000)
        XCTAssertGreaterThan(resigned.valid + resigned.errors, 0)
    }
}

/// A complete checkpoint of a small model, written by Checkpoint.write (what training writes).
enum CheckpointFixture {
    static func state(model: ModelConfig, mutate: (inout [String: Any]) -> Void = { _ in }) throws -> TrainerState {
        var config = TrainConfig()
        config.m1 = model.m1
        config.m2 = model.m2
        config.bottomActivation = model.bottom.activation
        if let top = model.top { config.topActivation = top.activation }
        config.phaseSteps = [10, 10, 10]
        let configObject = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(config))
        var object: [String: Any] = [
            "formatVersion": HSAEVersion.checkpointFormat, "phaseIndex": 1, "stepInPhase": 5, "globalStep": 15,
            "lambda1": 1.0, "lambda2": 1.0, "adamStep": 5, "dataVariance": 4.0, "config": configObject,
            "dataset": "data", "datasetRows": 100, "d": model.d, "ranks": 1, "checksums": [String: String](),
        ]
        mutate(&object)
        return try JSONDecoder().decode(TrainerState.self, from: try JSONSerialization.data(withJSONObject: object))
    }

    /// Writes `RUN/checkpoints/NAME`; returns its directory.
    @discardableResult
    static func write(run: String, model config: ModelConfig, name: String = "2-0000015", sinceFired: Int? = nil,
                      mutate: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let model = HierarchicalSAE<Float>(config: config)
        let adam = Adam(count: model.layout.count)
        let since = [Int64](repeating: 0, count: sinceFired ?? (config.m1 + config.m2))
        return try Checkpoint.write(run: run, name: name, model: model, adam: adam, sinceFired: since,
                                    state: try state(model: config, mutate: mutate))
    }
}
