import Foundation
import HSAE
import XCTest

/// Activations from elsewhere, end to end on real MiniLM rows: a 3-D (batch × seq × d) .npy with a
/// padding mask, a safetensors file with TransformerLens tensor names, and a harvest by
/// scripts/harvest-hf.py through transformers — each trains and evaluates; harvest-hf's rows equal
/// `hsae harvest`'s within 1e-4. The cube and the safetensors file hold the same rows without
/// labels, so they must train the same model: their held-out FVUs are compared for equality.
final class DataInTests: XCTestCase {
    static let train = ["--m1", "256", "--m2", "64", "--activation", "topk", "--bottom-l0", "16", "--top-l0", "8",
                        "--batch", "256", "--microbatch", "128", "--steps", "200,100,100", "--lr", "3e-3"]
    var root: String!

    override func setUpWithError() throws {
        root = try MiniLMFixture.root()
    }

    func path(_ name: String) -> String { root + "/" + name }

    /// train then eval; returns the report's full-model FVU.
    func trainAndEvaluate(data: String, name: String, extra: [String] = []) throws -> Double? {
        try? FileManager.default.removeItem(atPath: path(name))
        let trained = try Harness.single(["train", "--data", data, "--out", path(name)] + Self.train + extra)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let evaluated = try Harness.single(["eval", "--run", path(name), "--out", path(name + "/report"), "--probe-rows", "0"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let report = try EvalReport.decode(try Data(contentsOf: URL(fileURLWithPath: path(name + "/report/report.json"))))
        return report.fvu("full")
    }

    func testThreeDimensionalNPYWithPaddingMaskTrainsAndEvaluates() throws {
        let rows = try ActivationDataset(path: path("data"))
        let (n, d, seq, real) = (rows.rows, rows.d, 40, 32)  // 32 real tokens then 8 padding positions per sequence
        let x = try rows.read(rows: Array(0..<n)).storage
        let batch = (n + real - 1) / real
        var cube = [Float](repeating: 1e4, count: batch * seq * d)  // padding is garbage: training on it would show
        var mask = [UInt8](repeating: 0, count: batch * seq)
        for r in 0..<n {
            let (b, s) = (r / real, r % real)
            cube.replaceSubrange((b * seq + s) * d ..< (b * seq + s + 1) * d, with: x[r * d ..< (r + 1) * d])
            mask[b * seq + s] = 1
        }
        let dir = path("cube")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try NPYFile.serialize(cube, shape: [batch, seq, d]).write(to: URL(fileURLWithPath: dir + "/acts.npy"))
        try NPYFile.serialize(dtype: .bool, shape: [batch, seq], raw: Data(mask)).write(to: URL(fileURLWithPath: dir + "/acts.mask.npy"))
        let cubeData = try ActivationDataset(path: dir)
        XCTAssertEqual([cubeData.rows, cubeData.d], [n, d])
        XCTAssertEqual(try cubeData.read(rows: Array(0..<n)).storage, x, "the masked cube gives back the harvested rows")
        let fvu = try XCTUnwrap(try trainAndEvaluate(data: dir, name: "run-cube"))
        XCTAssertLessThan(fvu, 1, "a 3-D harvest trains to a model that explains some variance")
        print("DATA-IN 3-D npy \(batch)x\(seq)x\(d), \(n) unmasked rows: held-out FVU \(fvu)")
        // The same rows as a plain 2-D safetensors file (no labels either) train the same model.
        let flat = try Self.writeSafeTensors(data: rows, to: path("flat.safetensors"), decoy: false)
        XCTAssertEqual(try trainAndEvaluate(data: flat, name: "run-flat"), fvu, "3-D + mask vs the same rows in 2-D")
    }

    /// The data set's rows as tensor blocks.3.hook_resid_post (and a decoy blocks.2.hook_resid_post of zeros).
    static func writeSafeTensors(data: ActivationDataset, to file: String, decoy: Bool) throws -> String {
        let x = try data.read(rows: Array(0..<data.rows)).storage
        var writer = SafeTensorsWriter()
        writer.add("blocks.3.hook_resid_post", shape: [data.rows, data.d], values: x)
        if decoy { writer.add("blocks.2.hook_resid_post", shape: [data.rows, data.d], values: [Float](repeating: 0, count: x.count)) }
        try writer.serialized().write(to: URL(fileURLWithPath: file))
        return file
    }

    func testSafeTensorsWithTransformerLensNamesTrainsAndEvaluatesWithTensor() throws {
        let file = try Self.writeSafeTensors(data: try ActivationDataset(path: path("data")), to: path("resid.safetensors"), decoy: true)
        let ambiguous = try Harness.single(["train", "--data", file, "--out", path("run-st-ambiguous")] + Self.train)
        XCTAssertEqual(ambiguous.status, 1)
        XCTAssertEqual(ambiguous.stderr, "error: \(file): holds 2 tensors (blocks.2.hook_resid_post, blocks.3.hook_resid_post) "
                       + "and none is named 'activations'; choose one with --tensor NAME\n")
        // eval finds the tensor in the run's config.json.
        let fvu = try XCTUnwrap(try trainAndEvaluate(data: file, name: "run-st", extra: ["--tensor", "blocks.3.hook_resid_post"]))
        XCTAssertLessThan(fvu, 1)
        print("DATA-IN safetensors blocks.3.hook_resid_post: held-out FVU \(fvu)")
    }

    func testHarvestHFRowsEqualHSAEHarvestAndTrainAndEvaluate() throws {
        let out = path("hf")
        _ = try PythonEnv.run("scripts/harvest-hf.py", ["--model", MiniLMFixture.modelDir, "--hook", "encoder.layer.2",
                                                        "--corpus", path("corpus"), "--out", out, "--max-tokens", "3000",
                                                        "--window", "48", "--threads", "1", "--force"], timeout: 900)
        let ours = try ActivationDataset(path: path("data")), theirs = try ActivationDataset(path: out)
        XCTAssertEqual([theirs.rows, theirs.d], [ours.rows, ours.d])
        let a = try ours.read(rows: Array(0..<ours.rows)).storage, b = try theirs.read(rows: Array(0..<theirs.rows)).storage
        let diff = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(diff, 1e-4, "max |harvest-hf − hsae harvest|")
        for name in ["token_id", "doc_id"] {
            let ka = try XCTUnwrap(ours.labelKinds.firstIndex { $0.name == name })
            let kb = try XCTUnwrap(theirs.labelKinds.firstIndex { $0.name == name })
            XCTAssertEqual(ours.labels(kind: ka, rows: Array(0..<ours.rows)), theirs.labels(kind: kb, rows: Array(0..<theirs.rows)), name)
        }
        print("DATA-IN harvest-hf: \(theirs.rows) rows, max |harvest-hf − hsae harvest| = \(diff)")
        let fvu = try XCTUnwrap(try trainAndEvaluate(data: out, name: "run-hf"))
        XCTAssertLessThan(fvu, 1)
        print("DATA-IN harvest-hf run: held-out FVU \(fvu)")
        let exported = try Harness.single(["export", "--run", path("run-hf"), "--out", path("export-hf"), "--force"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("export-hf/bottom/cfg.json")))) as? [String: Any]
        let metadata = cfg?["metadata"] as? [String: Any]
        XCTAssertEqual(metadata?["model_name"] as? String, "minilm-l6")
        XCTAssertEqual(metadata?["hook_name"] as? String, "encoder.layer.2")
        XCTAssertEqual(metadata?["hook_layer"] as? Int, 2)
    }
}
