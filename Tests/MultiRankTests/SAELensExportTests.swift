import Foundation
import HSAE
import XCTest

/// `hsae export` loaded by SAELens 6.54.12 (a venv from scripts/python-env): on real MiniLM rows,
/// every exported layer's codes and reconstructions equal hsae's forward to 1e-5, the full HSAE
/// reconstruction is rebuilt with the recipe (hsae_sae_lens.reconstruct), and sae_lens_version,
/// the hsae_* metadata and the harvest's model and hook survive SAE.load_from_disk. One tiny run
/// per activation kind (relu → standard, topk → topk, batchtopk → jumprelu, tops hsae_top_*), and
/// the topk model with every other entry of top.b_dec lowered by 1 ("shifted"), so that the top
/// decoder's ReLU clips a good part of its outputs (the tiny topk run's never go negative).
final class SAELensExportTests: XCTestCase {
    static var root: String!
    static var setupError: String?
    static let kinds = ["topk", "relu", "batchtopk"]
    static let provenance = ["--model-name", "minilm-l6", "--hook-name", "encoder.layer.2", "--hook-layer", "2"]

    override class func setUp() {
        super.setUp()
        guard let fixture = MiniLMFixture.made.root, MiniLMFixture.made.error == nil else { return }
        root = fixture
        var steps: [[String]] = []
        for kind in kinds {
            steps.append(["train", "--data", root + "/data", "--out", root + "/run-" + kind, "--m1", "48", "--m2", "12",
                          "--activation", kind, "--bottom-l0", "6", "--top-l0", "3", "--batch", "256", "--microbatch", "128",
                          "--steps", "30,20,10", "--lr", "3e-3"])
            steps.append(["export", "--run", root + "/run-" + kind, "--out", root + "/export-" + kind])
        }
        for args in steps {
            guard let out = try? Harness.single(args), out.status == 0 else {
                setupError = "setup failed: hsae \(args.joined(separator: " "))"
                return
            }
        }
        do {
            let model = try ModelFile.load(path: root + "/run-topk/model.safetensors")
            let bias = model.view(.topBDec)
            for j in stride(from: 0, to: bias.count, by: 2) { bias[j] -= 1 }
            try ModelFile.serialize(model).write(to: URL(fileURLWithPath: root + "/shifted.safetensors"))
            let out = try Harness.single(["export", "--run", root + "/shifted.safetensors", "--out", root + "/export-shifted"] + provenance)
            if out.status != 0 { setupError = "setup failed: export of the shifted model: \(out.stderr)" }
        } catch {
            setupError = "setup failed: shifted model: \(error)"
        }
    }

    override func setUpWithError() throws {
        _ = try MiniLMFixture.root()
        if let error = Self.setupError { XCTFail(error) }
    }

    /// hsae's forward on `rows` of the data set, written as .npy files for scripts/check-export.py.
    static func writeReferences(model path: String, data: String, rows: [Int], to dir: String) throws {
        let model = try ModelFile.load(path: path)
        let raw = try ActivationDataset(path: data).read(rows: rows)
        let c = model.inputScale, d = model.config.d
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func save(_ name: String, _ values: [Float], _ cols: Int) throws {
            let bytes = values.withUnsafeBytes { Data($0) }
            try NPYFile.serialize(dtype: .f32, shape: [rows.count, cols], raw: bytes).write(to: URL(fileURLWithPath: dir + "/" + name + ".npy"))
        }
        let ws = Workspace<Float>(config: model.config, rows: rows.count)
        for i in 0..<raw.storage.count { ws.x.base[i] = raw.storage[i] * c }
        model.forward(ws, ForwardOptions(layers: 1, training: false))
        try save("x", raw.storage, d)
        try save("z1", ws.z1.array, model.config.m1)
        try save("xhat_bottom", ws.xhat.array.map { $0 / c }, d)
        model.forward(ws, ForwardOptions(layers: 2, training: false))
        try save("z2", ws.z2.array, model.config.m2)
        try save("zhat1", ws.zhat.array, model.config.m1)
        try save("xhat", ws.xhat.array.map { $0 / c }, d)
    }

    func testEveryLayerLoadsInSAELensAndMatchesHSAEsForward() throws {
        _ = try PythonEnv.python()
        let data = Self.root + "/data"
        let rows = Array(stride(from: 0, to: try ActivationDataset(path: data).rows, by: 5))
        for kind in Self.kinds + ["shifted"] {
            let refs = Self.root + "/refs-" + kind
            let model = kind == "shifted" ? Self.root + "/shifted.safetensors" : Self.root + "/run-\(kind)/model.safetensors"
            try Self.writeReferences(model: model, data: data, rows: rows, to: refs)
            let out = try PythonEnv.run("scripts/check-export.py", [Self.root + "/export-" + kind, refs, "--tol", "1e-5"] + Self.provenance)
            let report = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
            let errors = report?["errors"] as? [String: Double] ?? [:]
            let stats = report?["stats"] as? [String: Double] ?? [:]
            XCTAssertEqual(Set(errors.keys), ["z1", "xhat_bottom", "z2", "zhat1", "xhat"], "\(kind): \(out.stdout)")
            XCTAssertEqual(stats["negative_zhat1_fraction"], 0, "\(kind): the top decoder's ReLU is applied")
            if kind == "shifted" {
                XCTAssertGreaterThan(stats["negative_pre_relu_fraction"] ?? 0, 0.1, "the ReLU clips outputs of the shifted model: \(out.stdout)")
            }
            print("SAELENS-EXPORT \(kind) rows=\(rows.count) \(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// The check can fail: the shifted model's top layer loaded as a stock topk SAE (no ReLU) no
    /// longer matches hsae's reconstruction of the bottom code or the full reconstruction.
    func testCheckFailsWhenTheTopDecoderLosesItsReLU() throws {
        _ = try PythonEnv.python()
        let export = Self.root + "/export-broken"
        try? FileManager.default.removeItem(atPath: export)
        try FileManager.default.copyItem(atPath: Self.root + "/export-shifted", toPath: export)
        let cfgPath = export + "/top/cfg.json"
        let cfg = try String(contentsOfFile: cfgPath, encoding: .utf8).replacingOccurrences(of: "\"hsae_top_topk\"", with: "\"topk\"")
        try cfg.write(toFile: cfgPath, atomically: true, encoding: .utf8)
        let refs = Self.root + "/refs-broken"
        try Self.writeReferences(model: Self.root + "/shifted.safetensors", data: Self.root + "/data", rows: Array(0..<200), to: refs)
        let out = try Harness.run(try PythonEnv.python(), [Harness.root.path + "/scripts/check-export.py", export, refs])
        XCTAssertNotEqual(out.status, 0, out.stdout)
        XCTAssertTrue(out.stderr.contains("FAIL zhat1: max |SAELens - hsae|"), out.stderr)
        XCTAssertTrue(out.stderr.contains("FAIL xhat: max |SAELens - hsae|"), out.stderr)
    }

    func testExportRefusesAnExistingDirectoryAndAFileUnlessForced() throws {
        let run = Self.root + "/run-topk"
        let again = try Harness.single(["export", "--run", run, "--out", Self.root + "/export-topk"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.hasPrefix("error: --out: '\(Self.root!)/export-topk' holds an earlier output of hsae export (bottom/, "), again.stderr)
        XCTAssertTrue(again.stderr.hasSuffix("pass --force to replace it or choose another directory\n"), again.stderr)
        let file = Self.root + "/a-file"
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let onFile = try Harness.single(["export", "--run", run, "--out", file])
        XCTAssertEqual(onFile.status, 1)
        XCTAssertEqual(onFile.stderr, "error: --out: '\(file)' is a file, expected a directory to create\n")
        let forced = try Harness.single(["export", "--run", run, "--out", Self.root + "/export-topk", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.root + "/export-topk/hsae.json"))) as? [String: Any]
        XCTAssertEqual((manifest?["provenance"] as? [String: String])?["hook_name"], "encoder.layer.2")
    }
}
