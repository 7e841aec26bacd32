import Foundation
import XCTest

/// A small MiniLM harvest (layer 3 of fortunes in English and German, 3000 rows, windows of 48
/// tokens) made once per test process and shared by the export and data-in tests. Needs the model
/// (scripts/get-model) and fortunes-de (scripts/get-corpus).
enum MiniLMFixture {
    static let modelDir = Harness.root.path + "/models/minilm-l6"
    static let harvestArgs = ["--layer", "3", "--max-tokens", "3000", "--window", "48"]

    /// root holding corpus/ and data/, or why it could not be made (nil error: not available here).
    static let made: (root: String?, error: String?) = {
        guard FileManager.default.fileExists(atPath: modelDir + "/model.safetensors"),
              FileManager.default.fileExists(atPath: "/usr/share/games/fortunes/de") else { return (nil, nil) }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-minilm-fixture-\(UUID())").path
        atexit { if let root = MiniLMFixture.made.root { try? FileManager.default.removeItem(atPath: root) } }
        let steps: [[String]] = [
            ["corpus", "--out", root + "/corpus", "--fortunes", "en=/usr/share/games/fortunes",
             "--fortunes", "de=/usr/share/games/fortunes/de", "--max-docs-per-genre", "20"],
            ["harvest", "--model", modelDir, "--corpus", root + "/corpus", "--out", root + "/data", "--shard-rows", "700"] + harvestArgs,
        ]
        for args in steps {
            guard let out = try? Harness.single(args), out.status == 0 else { return (root, "setup failed: hsae \(args.joined(separator: " "))") }
        }
        return (root, nil)
    }()

    /// The fixture's root, or a skip (fail under HSAE_REQUIRE_MODEL=1) when it cannot exist here.
    static func root() throws -> String {
        guard let root = made.root else {
            let message = "needs \(modelDir) (scripts/get-model) and fortunes-de (scripts/get-corpus)"
            if ProcessInfo.processInfo.environment["HSAE_REQUIRE_MODEL"] == "1" { XCTFail(message) }
            throw XCTSkip(message)
        }
        if let error = made.error { XCTFail(error) }
        return root
    }
}
