import Foundation
import XCTest

/// `hsae corpus` and `hsae harvest` as a user runs them: single rank against `mpirun -np 2`.
/// Needs the model (scripts/get-model) and the Debian fortune packages (scripts/test installs both).
final class HarvestMultiRankTests: XCTestCase {
    static let root = Harness.root.path
    var work = ""

    override func setUpWithError() throws {
        let model = Self.root + "/models/minilm-l6/model.safetensors"
        let fortunes = "/usr/share/games/fortunes/de"
        for (path, hint) in [(model, "run scripts/get-model"), (fortunes, "install fortunes fortunes-de (scripts/get-corpus does)")]
        where !FileManager.default.fileExists(atPath: path) {
            let message = "\(path) is missing: \(hint)"
            if ProcessInfo.processInfo.environment["HSAE_REQUIRE_MODEL"] == "1" { XCTFail(message) }
            throw XCTSkip(message)
        }
        work = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-harvest-mr-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    func makeCorpus() throws -> String {
        let out = try Harness.single(["corpus", "--out", work + "/corpus",
                                      "--fortunes", "en=/usr/share/games/fortunes", "--fortunes", "de=/usr/share/games/fortunes/de",
                                      "--max-docs-per-genre", "30"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stdout.contains("languages de en"), out.stdout)
        return work + "/corpus"
    }

    func harvestArgs(_ corpus: String, out: String, layer: String = "4") -> [String] {
        ["harvest", "--model", Self.root + "/models/minilm-l6", "--corpus", corpus, "--layer", layer, "--out", out,
         "--max-tokens", "3000", "--window", "48", "--shard-rows", "700"]
    }

    /// Same rows, same labels, values to 1e-5, whether one rank or two computed them; only rank 0 prints.
    func testTwoRanksWriteTheSameDataSetAsOne() throws {
        let corpus = try makeCorpus()
        let single = try Harness.single(harvestArgs(corpus, out: work + "/one"))
        XCTAssertEqual(single.status, 0, single.stderr)
        let two = try Harness.mpi(2, harvestArgs(corpus, out: work + "/two"))
        XCTAssertFalse(two.timedOut)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertEqual(two.stdout.components(separatedBy: "harvest: wrote 3000 rows").count - 1, 1, two.stdout)
        XCTAssertTrue(two.stdout.contains("2 rank(s)"), two.stdout)

        let one = try DataSetFiles(work + "/one"), both = try DataSetFiles(work + "/two")
        XCTAssertEqual(one.labelKinds, ["token_id", "token_class", "position_bucket", "doc_id", "genre", "language", "source"])
        XCTAssertEqual(both.labelKinds, one.labelKinds)
        XCTAssertEqual(one.rows, 3000)
        XCTAssertTrue(both.shardFiles.contains { $0.hasPrefix("shard-r001-") }, "rank 1 wrote its own shards: \(both.shardFiles)")
        XCTAssertEqual(both.labels, one.labels, "same tokens, same labels, same order")
        XCTAssertEqual(both.values.count, one.values.count)
        let worst = zip(one.values, both.values).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-5)
        XCTAssertEqual(Set(one.column(5)).count, 2, "both languages present")
    }

    /// A layer the model does not have, and a missing model file: one message, every rank stops, nothing written.
    func testBadInputUnderMpirunStopsEveryRankWithOneMessage() throws {
        let corpus = try makeCorpus()
        let layer = try Harness.mpi(2, harvestArgs(corpus, out: work + "/bad", layer: "7"), timeout: 120)
        XCTAssertFalse(layer.timedOut)
        XCTAssertNotEqual(layer.status, 0)
        XCTAssertEqual(layer.stderr.components(separatedBy: "--layer: 7 is outside 0...6").count - 1, 1, layer.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/bad"))

        try FileManager.default.createDirectory(atPath: work + "/model", withIntermediateDirectories: true)
        for f in ["config.json", "vocab.txt"] {
            try FileManager.default.copyItem(atPath: Self.root + "/models/minilm-l6/" + f, toPath: work + "/model/" + f)
        }
        var args = harvestArgs(corpus, out: work + "/bad")
        args[2] = work + "/model"
        let missing = try Harness.mpi(2, args, timeout: 120)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("is missing model.safetensors"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/bad"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/bad.partial"))
    }
}

/// A harvested data set read with nothing but the manifest and the .npy layout (this target
/// does not link the library): every shard's f32 values and int32 labels, in manifest order.
struct DataSetFiles {
    let labelKinds: [String]
    let shardFiles: [String]
    var values: [Float] = []
    var labels: [Int32] = []
    var rows = 0

    init(_ dir: String) throws {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/dataset.json"))) as! [String: Any]
        labelKinds = (manifest["label_kinds"] as! [[String: Any]]).map { $0["name"] as! String }
        let shards = manifest["shards"] as! [[String: Any]]
        shardFiles = shards.map { $0["file"] as! String }
        for shard in shards {
            values += try Self.npy(dir + "/" + (shard["file"] as! String), as: Float.self)
            labels += try Self.npy(dir + "/" + (shard["labels"] as! String), as: Int32.self)
            rows += shard["rows"] as! Int
        }
    }

    func column(_ k: Int) -> [Int32] {
        stride(from: k, to: labels.count, by: labelKinds.count).map { labels[$0] }
    }

    static func npy<T>(_ path: String, as: T.Type) throws -> [T] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let body = data.subdata(in: (10 + headerLength) ..< data.count)
        return body.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }
}

/// `hsae harvest` and `hsae corpus` argument errors: (arguments, expected message), no model needed.
final class HarvestCommandLineTests: XCTestCase {
    func testArgumentErrorsNameTheOptionAndTheValue() throws {
        let harvest = ["harvest", "--model", "/nonexistent/model", "--corpus", "/nonexistent/corpus", "--layer", "1", "--out", "/nonexistent/out"]
        // The parser's and validate()'s refusals are LauncherTests/ParseTests (in-process); these
        // are found when the command runs, and one parse refusal checks the path to stderr.
        let corpusOut = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-corpus-\(UUID())").path
        let table: [([String], String)] = [
            (harvest + ["--max-tokens", "0"], "--max-tokens must be >= 1, got 0"),
            (harvest, "/nonexistent/model: is not a model directory (run scripts/get-model"),
            (["corpus", "--out", corpusOut, "--fortunes", "en=/nonexistent/fortunes"], "/nonexistent/fortunes: cannot list the fortune directory"),
        ]
        for (args, message) in table {
            let out = try Harness.single(args, timeout: 60)
            XCTAssertNotEqual(out.status, 0, args.joined(separator: " "))
            XCTAssertTrue(out.stderr.contains(message), "\(args.joined(separator: " ")): \(out.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: corpusOut), "corpus created its --out before failing")
    }
}
