import Foundation
@testable import HSAE
import XCTest

/// The browser and `hsae explain` on harvested MiniLM activations (a small harvest and a tiny
/// HSAE made once for the class). Needs the model (scripts/get-model) and the Debian fortunes.
final class HarvestedFeaturesTests: XCTestCase {
    static var root: String!
    static var setupError: String?
    static let modelDir = Harness.root.path + "/models/minilm-l6"

    override class func setUp() {
        super.setUp()
        guard FileManager.default.fileExists(atPath: modelDir + "/model.safetensors"),
              FileManager.default.fileExists(atPath: "/usr/share/games/fortunes/de") else { return }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-harvested-features-\(UUID())").path
        let steps: [[String]] = [
            ["corpus", "--out", root + "/corpus", "--fortunes", "en=/usr/share/games/fortunes",
             "--fortunes", "de=/usr/share/games/fortunes/de", "--max-docs-per-genre", "20"],
            ["harvest", "--model", modelDir, "--corpus", root + "/corpus", "--layer", "4", "--out", root + "/data",
             "--max-tokens", "3000", "--window", "48", "--shard-rows", "700"],
            ["train", "--data", root + "/data", "--out", root + "/run", "--m1", "32", "--m2", "8", "--activation", "topk",
             "--bottom-l0", "4", "--top-l0", "2", "--batch", "256", "--microbatch", "128", "--steps", "40,20,20", "--lr", "3e-3"],
        ]
        for args in steps {
            guard let out = try? Harness.single(args), out.status == 0 else {
                setupError = "setup failed: hsae \(args.joined(separator: " "))"
                return
            }
        }
    }

    override class func tearDown() {
        if let root { try? FileManager.default.removeItem(atPath: root) }
        super.tearDown()
    }

    override func setUpWithError() throws {
        guard Self.root != nil else {
            let message = "needs \(Self.modelDir) (scripts/get-model) and fortunes-de (scripts/get-corpus)"
            if ProcessInfo.processInfo.environment["HSAE_REQUIRE_MODEL"] == "1" { XCTFail(message) }
            throw XCTSkip(message)
        }
        if let error = Self.setupError { XCTFail(error) }
    }

    func path(_ name: String) -> String { Self.root + "/" + name }

    /// `hsae explain` on a document's text gives, token for token, the codes `hsae eval` computes
    /// (BatchRunner, the eval forward) for that document's harvested rows.
    func testExplainCodesEqualEvalCodesForTheSameRows() throws {
        let data = try ActivationDataset(path: path("data"))
        let docKind = try XCTUnwrap(data.labelKinds.firstIndex { $0.name == "doc_id" })
        let tokenKind = try XCTUnwrap(data.labelKinds.firstIndex { $0.name == "token_id" })
        let doc = data.labels(kind: docKind, rows: [0])[0]
        let rows = (0..<data.rows).prefix { data.labels(kind: docKind, rows: [$0])[0] == doc }.map { $0 }
        XCTAssertGreaterThan(rows.count, 3)
        // Each row's position in its document, against a linear count.
        let context = try XCTUnwrap(RowContext(data: data), "a harvest links rows to text")
        var first = 0
        for row in 0..<min(data.rows, 1500) {
            if row > 0, context.document(row) != context.document(row - 1) { first = row }
            XCTAssertEqual(context.position(row), row - first, "row \(row)")
        }
        let documents = try String(contentsOfFile: path("corpus/documents.jsonl"), encoding: .utf8).split(separator: "\n")
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(documents[doc].utf8)) as? [String: Any])
        let text = try XCTUnwrap(record["text"] as? String)

        let out = try Harness.single(["explain", "--run", path("run"), "--model", Self.modelDir, "--json", path("explain.json"),
                                      "--html", path("explain.html"), "--site", "site", text])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stdout.contains("top latents over the whole text"), out.stdout)
        let page = try String(contentsOfFile: path("explain.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<a href=\"site/top/"), "--html links latents into the --site browser")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("explain.json")))) as? [String: Any])
        let ids = try XCTUnwrap(json["ids"] as? [Int])
        XCTAssertEqual(ids, data.labels(kind: tokenKind, rows: rows), "explain tokenises and windows the text as the harvest did")

        let model = try ModelFile.load(path: path("run/model.safetensors"))
        let batch = BatchRunner(model: model).run(try data.read(rows: rows))
        for (level, codes) in zip(model.config.layers.map(\.name), batch.codes) {
            let explained = try XCTUnwrap(json[level] as? [[[Double]]])
            XCTAssertEqual(explained.count, rows.count)
            for t in rows.indices {
                let expected = (0..<codes.cols).filter { codes[t, $0] > 0 }
                XCTAssertEqual(Set(explained[t].map { Int($0[0]) }), Set(expected), "\(level) token \(t): the same active latents")
                for pair in explained[t] {
                    XCTAssertEqual(pair[1], Double(codes[t, Int(pair[0])]), accuracy: 1e-3, "\(level) token \(t) latent \(Int(pair[0]))")
                }
            }
        }
    }

    /// Harvested rows link back to their text: example contexts are tokens of the same document,
    /// the example token outlined, neighbours shaded.
    func testSiteShowsTokenContexts() throws {
        let out = try Harness.mpi(2, ["features", "--run", path("run"), "--out", path("site"), "--examples", "5", "--context", "4"])
        XCTAssertEqual(out.status, 0, out.stderr)
        let page = try String(contentsOfFile: path("site/top/0.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("class=\"tok hit\""), "the example token is highlighted")
        XCTAssertTrue(page.contains("background:rgba("), "neighbouring tokens shaded by activation")
        XCTAssertNotNil(page.range(of: #"doc \d+, token \d+"#, options: .regularExpression), "each example names its document and position")
        XCTAssertTrue(page.contains("language: "), "label classes beside each example")
        let index = try String(contentsOfFile: path("site/index.html"), encoding: .utf8)
        // Every latent that fires carries its examples' text for the search (a dead latent has none).
        let nodes = try NSRegularExpression(pattern: #"data-freq="([^"]*)"[^>]*data-text="([^"]*)""#)
            .matches(in: index, range: NSRange(index.startIndex..., in: index))
            .map { (Double(index[Range($0.range(at: 1), in: index)!])!, String(index[Range($0.range(at: 2), in: index)!])) }
        XCTAssertGreaterThanOrEqual(nodes.count, 8, "every top latent (and unclaimed bottom latent) node")
        for (frequency, text) in nodes where frequency > 0 { XCTAssertFalse(text.isEmpty, "a firing latent without search text") }
    }

    /// `hsae eval --model`: the windows behind the evaluation rows are rebuilt (layer 4
    /// recomputed from the token ids equals the harvested rows), splicing the data set's own rows
    /// back in reproduces the model's embedding, zero ablation does not, and 2 ranks (windows
    /// split between them) write one rank's report.json byte for byte.
    func testEvalSplicedFidelity() throws {
        // 30 % held out: about 900 rows, enough windows for the retrieval metric to mean something.
        let flags = ["--m1", "32", "--m2", "8", "--activation", "topk", "--bottom-l0", "4", "--top-l0", "2", "--batch", "256",
                     "--microbatch", "128", "--steps", "40,20,20", "--lr", "3e-3", "--eval-fraction", "0.3"]
        for (out, extra) in [("splice-run", []), ("splice-base", ["--baseline"])] {
            let trained = try Harness.single(["train", "--data", path("data"), "--out", path(out)] + extra + flags)
            XCTAssertEqual(trained.status, 0, trained.stderr)
        }
        let args = ["eval", "--run", path("splice-run"), "--baseline", path("splice-base"), "--probe-rows", "0", "--model", Self.modelDir]
        let one = try Harness.single(args + ["--out", path("splice-1")])
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = try Harness.mpi(2, args + ["--out", path("splice-2")])
        XCTAssertEqual(two.status, 0, two.stderr)
        func section(_ dir: String) throws -> SplicedFidelitySection {
            let report = try EvalReport.decode(Data(contentsOf: URL(fileURLWithPath: path(dir) + "/report.json")))
            return try XCTUnwrap(report.splicedFidelity, "report.json has spliced_fidelity")
        }
        let s = try section("splice-1"), s2 = try section("splice-2")
        XCTAssertEqual(s.models.map(\.name), ["original", "full", "skip_only", "top_only", "baseline", "zero_ablation", "mean_ablation"])
        XCTAssertEqual(s.layer, 4)
        XCTAssertGreaterThanOrEqual(s.windows, 10)
        XCTAssertLessThan(s.rowDeviation, 1e-3 * s.rowRms, "the rebuilt windows give the harvested rows back")
        let original = try XCTUnwrap(s.score("original"))
        XCTAssertEqual(original.minCosine, 1, accuracy: 1e-5, "the original rows spliced in reproduce the model's embedding")
        XCTAssertEqual(original.retrievalAgreement, 1)
        XCTAssertLessThan(try XCTUnwrap(s.score("zero_ablation")).cosine, 0.99, "zero ablation changes the embedding")
        for score in s.models { XCTAssertTrue((-1.0001...1.0001).contains(score.cosine), "\(score.name): \(score.cosine)") }
        XCTAssertEqual(s2.windows, s.windows)
        XCTAssertEqual(s2, s)
        let bytes = try ["splice-1", "splice-2"].map { try Data(contentsOf: URL(fileURLWithPath: path($0) + "/report.json")) }
        XCTAssertTrue(bytes[0] == bytes[1], "report.json on 2 ranks differs from one rank's (windows on one grid, sums exact)")
        let md = try String(contentsOfFile: path("splice-1/report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("## Spliced fidelity") && md.contains("| zero ablation (floor) |"), md)
        // A data set that hsae harvest did not write is refused with a message naming it.
        let bare = path("splice-bare")
        try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: true)
        let shard = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: path("data")).filter { $0.hasSuffix(".npy") && !$0.hasSuffix(".labels.npy") }.sorted().first)
        try FileManager.default.copyItem(atPath: path("data/" + shard), toPath: bare + "/" + shard)
        let refused = try Harness.single(["eval", "--run", path("splice-run"), "--data", bare, "--probe-rows", "0", "--model", Self.modelDir,
                                          "--out", path("splice-refused")])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("\(bare): was not written by hsae harvest"), refused.stderr)
    }

    /// A data set without token ids or documents still browses, with a message that contexts need a re-harvest.
    func testDataSetWithoutTokenLabelsSaysContextsNeedAReharvest() throws {
        let bare = path("bare")
        try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: true)
        let shard = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: path("data")).filter { $0.hasSuffix(".npy") && !$0.hasSuffix(".labels.npy") }.sorted().first)
        try FileManager.default.copyItem(atPath: path("data/" + shard), toPath: bare + "/" + shard)
        let out = try Harness.single(["features", "--run", path("run"), "--data", bare, "--out", path("bare-site")])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue((out.stdout + out.stderr).contains("contexts need a re-harvest"), out.stdout + out.stderr)
        let index = try String(contentsOfFile: path("bare-site/index.html"), encoding: .utf8)
        XCTAssertTrue(index.contains("contexts need a re-harvest"))
    }
}
